import { slingTask } from "../hub/sling.js";
import type { Project } from "../store/project.js";
import { readSpec } from "../store/task-files.js";
import { TaskStore } from "../store/task-store.js";
import type { CockpitTasks } from "./views/tasks.js";

/** The task board's data source and actions on the project's task store and sling. */
export function cockpitTasks(project: Project): CockpitTasks {
  const store = TaskStore.of(project.paths);
  return {
    load: async () => (await store.read()).tasks,
    spec: (task) => readSpec(project.root, task),
    sling: async (id) => {
      const result = await slingTask(project, id);
      return `slung ${id} to ${result.agent.name} (${result.agent.runtime})${result.warnings.length ? `; ${result.warnings[0]}` : ""}`;
    },
    retry: async (id) => void (await store.retry(id)),
    fail: async (id, reason) => void (await store.fail(id, reason)),
    editScope: async (id, scope) => void (await store.edit(id, { scope })),
  };
}
