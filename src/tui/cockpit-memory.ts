import type { Config } from "../core/schema.js";
import { MemoryStore, rankRecords } from "../store/memory-store.js";
import type { CockpitMemory } from "./views/memory.js";

/**
 * The memory browser's data source on the project's memory store (`memory.dir` honoured).
 * Changes are made as the human, `human:<user>` (as `flotilla memory` does outside agents).
 */
export function cockpitMemory(
  root: string,
  config: Pick<Config, "memory">,
  env: NodeJS.ProcessEnv = process.env,
): CockpitMemory {
  const store = MemoryStore.forProject(root, config);
  const user = (env.USER ?? env.LOGNAME ?? "").replace(/[^A-Za-z0-9._-]/g, "");
  const author = user ? `human:${user}` : "human";
  return {
    load: async () => {
      const [{ domains, problems }, { records }] = await Promise.all([
        store.domains(),
        store.load(),
      ]);
      return {
        domains,
        records: records.filter((r) => r.state === "active"),
        problems: problems.map((p) => p.message),
      };
    },
    search: async (query) => {
      const { records } = await store.load();
      const active = records.filter((r) => r.state === "active");
      return rankRecords(active, query, new Date(), 200).map((hit) => hit.record.id);
    },
    record: async (input) => {
      await store.record(input, { author });
    },
    confirm: async (id) => {
      await store.confirm(id, author);
    },
    edit: async (id, edit) => {
      await store.edit(id, edit);
    },
    archive: async (id) => {
      await store.forget(id);
    },
    prime: async (domain, budgetChars) => {
      const plan = await store.prime({ domains: [domain], budgetChars });
      return {
        markdown: plan.markdown,
        included: plan.included.length,
        leftOut: plan.leftOut.length,
        chars: plan.chars,
        tokens: plan.tokens,
      };
    },
  };
}
