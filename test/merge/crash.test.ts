import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { JOURNAL_STEPS } from "../../src/core/merge-queue.js";
import { MergeQueueStore } from "../../src/merge/queue.js";
import { MailStore } from "../../src/store/mail-store.js";
import { REPO } from "../store/mail-fixture.js";
import { cleanEnv, commitFile, git, removeTempRepos } from "../git/temp-repo.js";
import { addAgent, agentWith, gateScript, makeMergeProject, reachable } from "./fixture.js";

afterEach(() => removeTempRepos());

const CLI = path.join(REPO, "dist", "cli.js");

/** `flotilla merge run` as its own process (the real binary), optionally told to die at a step. */
function mergeRun(root: string, dieAt?: string) {
  return spawnSync(process.execPath, [CLI, "merge", "run"], {
    cwd: root,
    encoding: "utf8",
    env: cleanEnv(dieAt ? { FLOTILLA_MERGE_DIE_AT: dieAt } : {}),
    timeout: 120_000,
  });
}

describe("crash safety: SIGKILL of `merge run` at every journal step", () => {
  // One batch of two: alice needs the rebase tier (so every step is taken), bob merges plainly.
  for (const step of JOURNAL_STEPS) {
    it(`killed at "${step}": the target is exactly old or new, every commit reachable, the entries complete`, async () => {
      const fx = await makeMergeProject();
      const gate = gateScript(fx, "g", "test -f notes.txt && test -f b.txt");
      await fx.project.configDoc.update((c) => {
        c.gates = [{ name: "g", command: gate, timeoutMs: 60_000 }];
      });
      const alice = await addAgent(fx, "alice");
      const picked = commitFile(alice, "README.md", "# better title\n", "alice: retitle");
      commitFile(alice, "notes.txt", "notes\n", "alice: notes");
      git(fx.root, "cherry-pick", "-x", picked); // -x: a commit of its own (same patch)
      commitFile(fx.root, "README.md", "# the best title\n", "user: retitle again");
      await agentWith(fx, "bob", "b.txt", "b\n");
      const store = new MergeQueueStore(fx.project);
      await store.enqueue("alice");
      await store.enqueue("bob");
      const old = git(fx.root, "rev-parse", "main");
      const before = reachable(fx.root);

      const killed = mergeRun(fx.root, step);
      expect(killed.signal).toBe("SIGKILL");
      const doc = await store.read();
      expect(doc.journal?.step).toBe(step);
      const now = git(fx.root, "rev-parse", "main");
      // Exactly the old commit, or exactly the stack the journal was landing: never between.
      if (now !== old) expect(now).toBe(doc.journal?.tip);
      for (const sha of before) expect(reachable(fx.root).has(sha)).toBe(true);

      const recovered = mergeRun(fx.root);
      expect(recovered.status, recovered.stderr).toBe(0);
      const after = await store.read();
      expect(after.journal).toBeUndefined();
      expect(after.entries.map((e) => e.state)).toEqual(["merged", "merged"]);
      expect(
        git(fx.root, "log", "--first-parent", "--format=%s", "-3", "main").split("\n"),
      ).toEqual([
        "Merge flotilla/bob (flotilla merge queue m2)",
        "Merge flotilla/alice (flotilla merge queue m1)",
        "user: retitle again",
      ]);
      expect(git(fx.root, "show", "main:notes.txt")).toBe("notes");
      for (const sha of before) expect(reachable(fx.root).has(sha)).toBe(true);
      // The main checkout, the integration worktree and the agent's worktree are clean.
      expect(git(fx.root, "status", "--porcelain")).toBe("");
      const integration = store.paths.integration;
      expect(git(integration, "status", "--porcelain")).toBe("");
      expect(git(alice, "status", "--porcelain")).toBe("");
      expect(git(alice, "rev-parse", "HEAD")).toBe(git(fx.root, "rev-parse", "flotilla/alice"));
      // Each agent is told once.
      for (const agent of ["alice", "bob"]) {
        const mail = (await new MailStore(fx.project.paths.mail).list(agent)).messages;
        expect(mail.filter((m) => m.type === "merged")).toHaveLength(1);
      }
    });
  }

  it("killed while a gate runs: the next run ends the orphaned gate's process group and lands", async () => {
    const fx = await makeMergeProject();
    const started = path.join(fx.gates, "started");
    const gate = gateScript(
      fx,
      "slow",
      `if [ -e '${started}' ]; then exit 0; fi; sleep 300 & echo $! > '${started}'; wait`,
    );
    await fx.project.configDoc.update((c) => {
      c.gates = [{ name: "slow", command: gate, timeoutMs: 600_000 }];
    });
    await agentWith(fx, "alice", "a.txt", "a\n");
    const store = new MergeQueueStore(fx.project);
    await store.enqueue("alice");
    const runner = spawn(process.execPath, [CLI, "merge", "run"], {
      cwd: fx.root,
      env: cleanEnv(),
      stdio: "ignore",
    });
    const deadline = Date.now() + 60_000;
    while (!existsSync(started) || readFileSync(started, "utf8").trim() === "") {
      if (Date.now() > deadline) throw new Error("the gate never started");
      await new Promise((r) => setTimeout(r, 50));
    }
    const exited = new Promise((r) => runner.once("exit", r));
    runner.kill("SIGKILL");
    await exited;
    const child = Number(readFileSync(started, "utf8"));
    expect(alive(child)).toBe(true); // the gate outlived the runner that started it
    const recovered = mergeRun(fx.root);
    expect(recovered.status, recovered.stderr).toBe(0);
    expect(alive(child)).toBe(false);
    expect((await store.get("m1")).state).toBe("merged");
    expect(git(fx.root, "show", "main:a.txt")).toBe("a");
  });
});

/** True while `pid` runs (a zombie, killed but not yet reaped, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
