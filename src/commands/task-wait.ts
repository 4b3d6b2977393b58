import { watch } from "node:fs";
import { FlotillaError } from "../core/errors.js";
import { findTask, type Task, type TaskBoard } from "../core/tasks.js";
import { openProject } from "../store/project.js";
import { TaskStore } from "../store/task-store.js";
import type { TaskIo } from "./task.js";

/**
 * `flotilla task wait <ids…> [--for done|review] [--timeout <s>] [--json]`: blocks until every
 * named task is `done` (landed), or, with `--for review`, waits for a reviewer's verdict (its
 * worker's `flotilla done` passed). For coordinators and reviewers driven by scripts, and for
 * people. Event-driven: a watch on `.flotilla/` re-reads the board when `tasks.json`
 * changes; nothing polls. A task that becomes `failed` ends the wait with exit status 1.
 * Prints one line per task as it arrives, or with `--json` the tasks (as `task show --json`
 * has them, in the order named) once all have.
 */

/** What a wait waits for. */
export type WaitFor = "done" | "review";

/** True when `task` has reached `goal`. */
export function reached(task: Task, goal: WaitFor): boolean {
  if (task.state === "done") return true;
  return goal === "review" && task.state === "claimed" && task.verdict === "pending";
}

/** Runs the wait (see the module comment); resolves once every task reached the goal. */
export async function runTaskWait(
  io: TaskIo,
  ids: readonly string[],
  options: { for?: string; timeout?: number; json?: boolean },
): Promise<void> {
  const goal = options.for ?? "done";
  if (goal !== "done" && goal !== "review")
    throw new FlotillaError("INVALID_INPUT", `--for takes done or review, not "${goal}"`);
  const project = openProject(io.cwd);
  const store = TaskStore.of(project.paths);
  const announced = new Set<string>();
  let last: TaskBoard | undefined;
  let settle: (error?: Error) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  let checking = false;
  let again = false;
  const check = async (): Promise<void> => {
    if (checking) {
      again = true;
      return;
    }
    checking = true;
    try {
      do {
        again = false;
        const board = await store.read().catch(() => undefined);
        if (board && evaluate(board)) return;
      } while (again);
    } finally {
      checking = false;
    }
  };
  const evaluate = (board: TaskBoard): boolean => {
    last = board;
    for (const id of ids) {
      const task = findTaskOrThrow(board, id);
      if (task.state === "failed") {
        settle(
          new FlotillaError(
            "INVALID_INPUT",
            `${id} failed${task.lastFailure ? `: ${task.lastFailure}` : ""} (flotilla task show ${id})`,
          ),
        );
        return true;
      }
      if (reached(task, goal) && !announced.has(id)) {
        announced.add(id);
        if (!options.json)
          io.stdout.write(`${id} ${task.state === "done" ? "done" : "waits for review"}\n`);
      }
    }
    if (ids.every((id) => announced.has(id))) {
      settle();
      return true;
    }
    return false;
  };
  const timer =
    options.timeout !== undefined && options.timeout > 0
      ? setTimeout(
          () =>
            settle(
              new FlotillaError(
                "INVALID_INPUT",
                `timed out after ${options.timeout} s; still waiting for ${ids.filter((id) => !announced.has(id)).join(", ")}`,
              ),
            ),
          options.timeout * 1000,
        )
      : undefined;
  // Watching starts before the first read, so no change in between goes unseen.
  const watcher = watch(project.paths.dir, (_event, file) => {
    if (file === null || String(file).includes("tasks.json")) void check();
  });
  try {
    const first = await store.read();
    for (const id of ids) findTaskOrThrow(first, id);
    evaluate(first);
    await finished;
    if (options.json && last) {
      const board = last;
      io.stdout.write(
        JSON.stringify(
          ids.map((id) => findTask(board, id)),
          null,
          2,
        ) + "\n",
      );
    }
  } finally {
    watcher.close();
    if (timer) clearTimeout(timer);
  }
}

function findTaskOrThrow(board: TaskBoard, id: string): Task {
  const task = findTask(board, id);
  if (!task)
    throw new FlotillaError("INVALID_INPUT", `no task ${id} on the board: see "flotilla task ls"`);
  return task;
}
