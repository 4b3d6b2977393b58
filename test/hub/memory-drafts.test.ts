import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { COCKPIT } from "../../src/core/mail.js";
import { MergeEntry, MergeQueueDoc, type MergeState } from "../../src/core/merge-queue.js";
import { MemoryDraft } from "../../src/core/memory-drafts.js";
import { Config } from "../../src/core/schema.js";
import { MemoryDraftsRunner } from "../../src/hub/memory-drafts.js";
import { createProjectWatcher, type ProjectWatcher } from "../../src/hub/project-watcher.js";
import type { HubContext } from "../../src/hub/runner.js";
import { JsonDocument } from "../../src/store/json-store.js";
import { MailStore } from "../../src/store/mail-store.js";
import { Project } from "../../src/store/project.js";
import { commitFile, git, makeRepo, removeTempRepos } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";

afterAll(removeTempRepos);

const opened: Array<{ runner: MemoryDraftsRunner; watcher: ProjectWatcher }> = [];
afterEach(() => {
  for (const { runner, watcher } of opened.splice(0)) {
    runner.dispose();
    watcher.close();
  }
});

/** A repository whose branch failed the `test` gate at `failed` and passed at `passed`. */
function repo(): { root: string; failed: string; passed: string } {
  const root = makeRepo();
  git(root, "config", "user.email", "t@example.com");
  git(root, "config", "user.name", "t");
  git(root, "checkout", "-q", "-b", "flotilla/alice");
  const failed = commitFile(root, "add.js", "module.exports = (a, b) => a - b;\n", "add adds");
  commitFile(root, "add.js", "module.exports = (a, b) => a + b;\n", "fix add: plus, not minus");
  const passed = commitFile(root, "add.test.js", "// covers add\n", "test add");
  git(root, "checkout", "-q", "main");
  mkdirSync(path.join(root, ".flotilla", "merge", "logs"), { recursive: true });
  writeFileSync(
    path.join(root, ".flotilla", "merge", "logs", "m1.log"),
    "\n[flotilla] gate test (attempt 1) on 0123456789 with m1: npm test\n" +
      "> node add.test.js\nAssertionError: expected 3, got -1\n" +
      "[flotilla] gate test failed with exit 1 (elapsed 10 ms)\n",
  );
  return { root, failed, passed };
}

function entry(id: string, state: MergeState, ok: boolean, head: string): MergeEntry {
  return MergeEntry.parse({
    id,
    agent: "alice",
    branch: "flotilla/alice",
    head,
    files: ["add.js"],
    enqueuedAt: "2026-12-01T10:00:00.000Z",
    updatedAt: "2026-12-01T10:00:00.000Z",
    state,
    gates: [{ name: "test", ok, exitCode: ok ? 0 : 1, durationMs: 10, attempts: 1, commit: head }],
  });
}

async function start(root: string): Promise<{ runner: MemoryDraftsRunner; notices: string[] }> {
  const project = new Project(root);
  const watcher = createProjectWatcher(project.paths.dir);
  const runner = new MemoryDraftsRunner();
  const notices: string[] = [];
  opened.push({ runner, watcher });
  const context = {
    project,
    watcher,
    config: () => Config.parse({}),
    agents: () => [],
    profileFor: () => undefined,
    typeInto: () => undefined,
    broadcast: () => undefined,
    notify: (text: string) => notices.push(text),
  } as unknown as HubContext;
  await runner.start(context);
  return { runner, notices };
}

async function drafts(root: string) {
  const store = new MailStore(path.join(root, ".flotilla", "mail"));
  const { messages } = await store.list(COCKPIT);
  return messages.filter((m) => m.type === "memory_draft");
}

describe("the memory-drafts hub runner", () => {
  it("mails the cockpit one draft when an agent's failed gate later passes, and only once", async () => {
    const { root, failed, passed } = repo();
    const queue = new JsonDocument(path.join(root, ".flotilla", "merge-queue.json"), MergeQueueDoc);
    await queue.write(
      MergeQueueDoc.parse({ entries: [entry("m1", "gate_failed", false, failed)] }),
    );
    const { runner, notices } = await start(root);
    await runner.idle();
    expect(await drafts(root)).toEqual([]);

    // The agent fixes it; its next entry merges with the gate passing.
    await queue.update((doc) => {
      doc.entries.push(entry("m2", "merged", true, passed));
    });
    const [message] = await waitFor(async () => {
      const found = await drafts(root);
      return found.length > 0 && found;
    });
    const draft = MemoryDraft.parse(message!.payload);
    expect(draft.text).toBe("test failed: AssertionError: expected 3, got -1");
    expect(draft.resolution).toBe("fix add: plus, not minus; test add");
    expect(draft.domain).toBe("test");
    expect(draft.evidence).toEqual({
      files: ["add.js", "add.test.js"],
      commit: passed,
      agent: "alice",
    });
    expect(message!.from).toBe("memory-drafts");

    // More queue changes, and a new hub (restart): still one draft.
    await queue.update((doc) => {
      doc.gateRuns += 1;
    });
    await runner.idle();
    const second = await start(root);
    await second.runner.idle();
    expect(await drafts(root)).toHaveLength(1);
    expect(notices).toEqual([]);
    expect(second.notices).toEqual([]);
  });
});
