import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { registerMemoryCommands, type MemoryIo } from "../../src/commands/memory.js";
import { COCKPIT } from "../../src/core/mail.js";
import { MergeEntry, MergeQueueDoc, type MergeState } from "../../src/core/merge-queue.js";
import { draftFromQueue } from "../../src/hub/memory-drafts.js";
import { JsonDocument } from "../../src/store/json-store.js";
import { MailStore } from "../../src/store/mail-store.js";
import { Project } from "../../src/store/project.js";
import { cleanEnv, commitFile, git, makeRepo, removeTempRepos } from "../git/temp-repo.js";
import { REPO } from "../store/mail-fixture.js";

const CLI = path.join(REPO, "dist/cli.js");

afterAll(removeTempRepos);

/** Runs `flotilla memory <args>` in-process in `root` with `env`. */
async function memory(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  const io: MemoryIo = {
    cwd: root,
    env,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: () => undefined },
    readStdin: async () => "",
  };
  const program = new Command("flotilla").exitOverride().configureOutput({
    writeOut: (t) => (stdout += t),
    writeErr: () => undefined,
  });
  registerMemoryCommands(program, io);
  await program.parseAsync(["memory", ...args], { from: "user" });
  return stdout;
}

function entry(id: string, state: MergeState, ok: boolean, head: string): MergeEntry {
  return MergeEntry.parse({
    id,
    agent: "alice",
    branch: "flotilla/alice",
    head,
    task: "t-7",
    enqueuedAt: "2026-12-01T10:00:00.000Z",
    updatedAt: "2026-12-01T10:00:00.000Z",
    state,
    gates: [{ name: "lint", ok, exitCode: ok ? 0 : 1, durationMs: 1, attempts: 1, commit: head }],
  });
}

/** An initialized project whose queue shows alice's lint gate failing, then passing. */
async function projectWithDraft(): Promise<{ root: string; mailId: string }> {
  const root = makeRepo();
  git(root, "config", "user.email", "t@example.com");
  git(root, "config", "user.name", "t");
  spawnSync(process.execPath, [CLI, "init"], { cwd: root, env: cleanEnv() });
  git(root, "checkout", "-q", "-b", "flotilla/alice");
  const failed = commitFile(root, "a.ts", "let x = 1\n", "add a");
  const passed = commitFile(root, "a.ts", "const x = 1;\n", "lint: const and semicolons");
  git(root, "checkout", "-q", "main");
  const project = new Project(root);
  mkdirSync(path.join(project.paths.dir, "merge", "logs"), { recursive: true });
  writeFileSync(
    path.join(project.paths.dir, "merge", "logs", "m1.log"),
    "[flotilla] gate lint (attempt 1) on 1 with m1: eslint .\n  1:5  error  'x' is never reassigned  prefer-const\n[flotilla] gate lint failed with exit 1\n",
  );
  await new JsonDocument(project.paths.mergeQueue, MergeQueueDoc).write(
    MergeQueueDoc.parse({
      entries: [entry("m1", "gate_failed", false, failed), entry("m2", "merged", true, passed)],
    }),
  );
  expect(await draftFromQueue(project)).toHaveLength(1);
  expect(await draftFromQueue(project)).toHaveLength(0);
  const { messages } = await new MailStore(project.paths.mail).list(COCKPIT);
  const draft = messages.find((m) => m.type === "memory_draft");
  return { root, mailId: draft!.id };
}

describe("flotilla memory accept", () => {
  it("records the draft as the caller, marks the mail read, and shows in memory list", async () => {
    const { root, mailId } = await projectWithDraft();
    const out = await memory(root, ["accept", mailId], { FLOTILLA_AGENT: "bob" });
    expect(out).toMatch(
      new RegExp(`^recorded m-[a-z0-9]{8} in lint \\(failure\\) from draft ${mailId}\\n$`),
    );
    const list = JSON.parse(await memory(root, ["list", "--json"]));
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      domain: "lint",
      type: "failure",
      text: "lint failed: 1:5  error  'x' is never reassigned  prefer-const",
      resolution: "lint: const and semicolons",
      author: "bob",
      evidence: { files: ["a.ts"], task: "t-7", agent: "alice" },
    });
    const store = new MailStore(path.join(root, ".flotilla", "mail"));
    expect((await store.find(COCKPIT, mailId))?.readAt).not.toBeNull();
    // Accepting again confirms; it does not duplicate.
    expect(await memory(root, ["accept", mailId])).toMatch(/^already recorded as .* confirmed/);
    expect(JSON.parse(await memory(root, ["list", "--json"]))).toHaveLength(1);
  });

  it("refuses an unknown id and mail that is no draft, with a clear line", async () => {
    const { root } = await projectWithDraft();
    await expect(memory(root, ["accept", "nope"])).rejects.toThrow(
      /no message nope in the cockpit mailbox/,
    );
    const store = new MailStore(path.join(root, ".flotilla", "mail"));
    const other = await store.send(
      { from: "alice", to: COCKPIT, subject: "hi", body: "", type: "status" },
      [COCKPIT],
    );
    await expect(memory(root, ["accept", other.id])).rejects.toThrow(
      /is status mail, not a memory_draft/,
    );
  });
});
