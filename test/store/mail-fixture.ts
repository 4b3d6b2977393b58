import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { AgentRecord } from "../../src/core/schema.js";
import { makeRepo } from "../git/temp-repo.js";
import { buildIfStale } from "../build.js";

/** The worktree root (where package.json and dist/ live). */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** An agent record for state.json with sensible defaults. */
export function agent(
  name: string,
  role = "builder",
  status: AgentRecord["status"] = "idle",
): AgentRecord {
  return {
    name,
    runtime: "shell",
    role,
    worktree: `/tmp/${name}`,
    branch: `flotilla/${name}`,
    base: "0000000",
    status,
    createdAt: "2025-01-01T00:00:00.000Z",
  };
}

/** The team most mail tests use: two builders, a reviewer, and one builder that has exited. */
export const TEAM: AgentRecord[] = [
  agent("alice", "builder", "idle"),
  agent("bob", "builder", "working"),
  agent("rev", "reviewer", "waiting"),
  agent("gone", "builder", "exited"),
];

/**
 * A fresh initialised project in the OS temp dir: `git init`, `.flotilla/config.json` and a
 * state.json listing `agents`. Returns its root.
 */
export function makeProject(agents: AgentRecord[] = TEAM): string {
  const root = makeRepo({ prefix: "flotilla-mail-", commit: false });
  mkdirSync(path.join(root, ".flotilla"), { recursive: true });
  writeFileSync(path.join(root, ".flotilla", "config.json"), "{}\n");
  writeFileSync(
    path.join(root, ".flotilla", "state.json"),
    JSON.stringify({ version: 1, agents }, null, 2),
  );
  return root;
}

/** Every file under `dir`, recursively (absolute paths). */
export function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** Makes sure `dist/` is a whole, fresh build, for tests that run the real CLI or import from it. */
export const ensureBuilt = buildIfStale;
