import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { predictGateRuns } from "../../src/core/merge-queue.js";
import { MergeQueueLoop } from "../../src/merge/loop.js";
import { entryLogFile } from "../../src/merge/paths.js";
import { MergeQueueStore } from "../../src/merge/queue.js";
import { runQueue } from "../../src/merge/run.js";
import { MailStore } from "../../src/store/mail-store.js";
import { commitFile, git, removeTempRepos } from "../git/temp-repo.js";
import {
  addAgent,
  agentWith,
  firstParentSubjects,
  gateRuns,
  gateScript,
  makeMergeProject,
  reachable,
  type MergeFixture,
} from "./fixture.js";

afterEach(() => removeTempRepos());

const queue = (fx: MergeFixture) => new MergeQueueStore(fx.project);
const entry = async (fx: MergeFixture, id: string) => queue(fx).get(id);
const mailOf = async (fx: MergeFixture, box: string) =>
  (await new MailStore(fx.project.paths.mail).list(box)).messages;

/** Waits for `check` to hold, polling; fails after `timeoutMs` (generous: shared CI machines). */
async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("merge queue runs (real repositories, real git, real gate scripts)", () => {
  it("lands three agents in order, gated on the merged result, with trailers and three first-parent merges", async () => {
    const fx = await makeMergeProject();
    const gate = gateScript(
      fx,
      "all",
      `ls > '${fx.gates}/seen'; test -f a.txt && test -f b.txt && test -f c.txt`,
    );
    await fx.project.configDoc.update((c) => {
      c.gates = [{ name: "all-files", command: gate, timeoutMs: 60_000 }];
    });
    const before = git(fx.root, "rev-parse", "main");
    for (const [name, file] of [
      ["alice", "a.txt"],
      ["bob", "b.txt"],
      ["carol", "c.txt"],
    ] as const) {
      await agentWith(fx, name, file, `${name}\n`);
      await queue(fx).enqueue(name);
    }
    const report = await runQueue(fx.project);
    expect(report.landed).toEqual(["m1", "m2", "m3"]);
    expect(gateRuns(fx, "all")).toBe(1); // one batch of three, gated once on the stack
    expect(readFileSync(path.join(fx.gates, "seen"), "utf8")).toMatch(/a\.txt\nb\.txt\nc\.txt/);
    expect(firstParentSubjects(fx.root)).toEqual([
      "Merge flotilla/carol (flotilla merge queue m3)",
      "Merge flotilla/bob (flotilla merge queue m2)",
      "Merge flotilla/alice (flotilla merge queue m1)",
      "initial commit",
    ]);
    expect(git(fx.root, "rev-list", "--count", "--merges", `${before}..main`)).toBe("3");
    const agents = git(
      fx.root,
      "log",
      "--first-parent",
      "--merges",
      "--format=%(trailers:key=Flotilla-Agent,valueonly,separator=)",
      "main",
    );
    expect(agents.split("\n").filter(Boolean)).toEqual(["carol", "bob", "alice"]);
    expect(
      git(fx.root, "log", "-1", "--format=%(trailers:key=Flotilla-Task,valueonly)", "main"),
    ).toBe("none");
    // The main checkout (on main) was fast-forwarded: its files are the merged ones, nothing dirty.
    expect(readFileSync(path.join(fx.root, "b.txt"), "utf8")).toBe("bob\n");
    expect(git(fx.root, "status", "--porcelain")).toBe("");
    for (const id of ["m1", "m2", "m3"]) {
      const e = await entry(fx, id);
      expect(e.state).toBe("merged");
      expect(e.landedIn).toBe(git(fx.root, "rev-parse", "main"));
    }
    const merged = await mailOf(fx, "bob");
    expect(merged[0]?.type).toBe("merged");
    expect(merged[0]?.body).toContain(git(fx.root, "rev-parse", "main"));
  });

  for (const kind of ["fails", "times out", "is missing"] as const) {
    it(`a gate that ${kind}: the target is unchanged, the entry gate_failed, its log kept`, async () => {
      const fx = await makeMergeProject({ merge: { retryFlaky: 0 } });
      const command =
        kind === "fails"
          ? gateScript(fx, "g", "echo 'assertion failed: 2 + 2'; exit 3")
          : kind === "times out"
            ? gateScript(fx, "g", `sleep 60 & echo $! > '${fx.gates}/child'; echo started; wait`)
            : "flotilla-no-such-gate-command --run";
      await fx.project.configDoc.update((c) => {
        c.gates = [{ name: "test", command, timeoutMs: kind === "times out" ? 1000 : 60_000 }];
      });
      await agentWith(fx, "alice", "a.txt", "a\n");
      await queue(fx).enqueue("alice");
      const before = git(fx.root, "rev-parse", "main");
      const report = await runQueue(fx.project);
      expect(report.failed).toEqual(["m1"]);
      expect(git(fx.root, "rev-parse", "main")).toBe(before);
      expect(existsSync(path.join(fx.root, "a.txt"))).toBe(false);
      const e = await entry(fx, "m1");
      expect(e.state).toBe("gate_failed");
      const log = readFileSync(entryLogFile(queue(fx).paths, "m1"), "utf8");
      if (kind === "fails") {
        expect(log).toContain("assertion failed: 2 + 2");
        expect(e.reason).toContain("exit 3");
      } else if (kind === "times out") {
        expect(log).toContain("timed out after 1000 ms");
        expect(e.gates[0]?.timedOut).toBe(true);
        // The whole process group went, the gate's background child included.
        const child = Number(readFileSync(path.join(fx.gates, "child"), "utf8"));
        await waitFor(async () => !alive(child), "the gate's child to be killed");
      } else {
        expect(log).toContain("exit 127, the command was not found");
      }
      const mail = await mailOf(fx, "alice");
      expect(mail[0]?.type).toBe("merge_failed");
      expect(git(fx.root, "rev-parse", "flotilla/alice")).toBe(e.head); // the branch is untouched
    });
  }

  it("a flaky gate (fails once, then passes) with retryFlaky 1 lands, marked flaky", async () => {
    const fx = await makeMergeProject({ merge: { retryFlaky: 1 } });
    const marker = path.join(fx.gates, "failed-once");
    const command = gateScript(
      fx,
      "flaky",
      `if [ ! -e '${marker}' ]; then touch '${marker}'; echo flake; exit 1; fi`,
    );
    await fx.project.configDoc.update((c) => {
      c.gates = [{ name: "flaky", command, timeoutMs: 60_000 }];
    });
    await agentWith(fx, "alice", "a.txt", "a\n");
    await queue(fx).enqueue("alice");
    const report = await runQueue(fx.project);
    expect(report.landed).toEqual(["m1"]);
    expect(gateRuns(fx, "flaky")).toBe(2);
    const e = await entry(fx, "m1");
    expect(e.state).toBe("merged");
    expect(e.flaky).toBe(true);
    expect(e.gates[0]).toMatchObject({ name: "flaky", ok: true, attempts: 2, flaky: true });
    expect(readFileSync(entryLogFile(queue(fx).paths, "m1"), "utf8")).toContain("marked flaky");
  });

  it("a batch of 4 whose third entry breaks the gate: 1, 2 and 4 land, 3 is gate_failed, in the runs bisection predicts", async () => {
    const fx = await makeMergeProject({ merge: { batch: 4, retryFlaky: 0 } });
    const command = gateScript(fx, "nobroken", "test ! -e BROKEN");
    await fx.project.configDoc.update((c) => {
      c.gates = [{ name: "no-broken", command, timeoutMs: 60_000 }];
    });
    for (const name of ["a1", "a2", "a3", "a4"]) {
      await agentWith(fx, name, name === "a3" ? "BROKEN" : `${name}.txt`, `${name}\n`);
      await queue(fx).enqueue(name);
    }
    const report = await runQueue(fx.project);
    // Bisection: [1-4] fails; [1,2] passes, so [3,4] fails on top; [1,2,3] fails → 3 is the
    // culprit; [1,2,4] passes. 4 gate runs, against 4 for one at a time and 1 with no culprit.
    expect(predictGateRuns(4, new Set([2]))).toBe(4);
    expect(gateRuns(fx, "nobroken")).toBe(4);
    expect(report.landed).toEqual(["m1", "m2", "m4"]);
    expect(report.failed).toEqual(["m3"]);
    expect((await entry(fx, "m3")).state).toBe("gate_failed");
    expect(firstParentSubjects(fx.root).slice(0, 3)).toEqual([
      "Merge flotilla/a4 (flotilla merge queue m4)",
      "Merge flotilla/a2 (flotilla merge queue m2)",
      "Merge flotilla/a1 (flotilla merge queue m1)",
    ]);
    expect(existsSync(path.join(fx.root, "BROKEN"))).toBe(false);
  });

  it("two agents edit the same lines: the second is conflict, mailed with the files, the target unchanged, both sides reachable", async () => {
    const fx = await makeMergeProject({ merge: { batch: 1 } });
    const alice = await agentWith(fx, "alice", "README.md", "# alice's title\n");
    const bob = await agentWith(fx, "bob", "README.md", "# bob's title\n");
    void alice;
    void bob;
    await queue(fx).enqueue("alice");
    const b = await queue(fx).enqueue("bob");
    expect(b.kind !== "nothing" && b.entry.predictedConflicts).toEqual([]); // main had not moved yet
    const aliceHead = git(fx.root, "rev-parse", "flotilla/alice");
    const bobHead = git(fx.root, "rev-parse", "flotilla/bob");
    const report = await runQueue(fx.project);
    expect(report.landed).toEqual(["m1"]);
    expect(report.conflicts).toEqual(["m2"]);
    const afterAlice = git(fx.root, "rev-parse", "main");
    expect(git(fx.root, "show", "main:README.md")).toBe("# alice's title");
    const e = await entry(fx, "m2");
    expect(e.state).toBe("conflict");
    expect(e.reason).toContain("README.md");
    const [mail] = await mailOf(fx, "bob");
    expect(mail?.type).toBe("merge_failed");
    expect(mail?.body).toContain("README.md");
    expect(mail?.body).toContain("<<<<<<<");
    expect(mail?.body).toContain("# bob's title");
    expect(mail?.body).toContain("git merge main");
    // Nothing dropped: main still has alice's side, bob's branch and commit are untouched.
    expect(git(fx.root, "rev-parse", "main")).toBe(afterAlice);
    expect(git(fx.root, "rev-parse", "flotilla/bob")).toBe(bobHead);
    const all = reachable(fx.root);
    expect(all.has(aliceHead) && all.has(bobHead)).toBe(true);
    // And merge ls predicts it now that main moved.
    await queue(fx).retry("m2");
    await queue(fx).refreshPredictions();
    expect((await entry(fx, "m2")).predictedConflicts).toEqual(["README.md"]);
  });

  it("the rebase tier lands a change a plain merge conflicts on and a rebase does not", async () => {
    const fx = await makeMergeProject();
    const wt = await addAgent(fx, "alice");
    const first = commitFile(wt, "README.md", "# better title\n", "alice: retitle");
    commitFile(wt, "notes.txt", "notes\n", "alice: notes");
    const oldHead = git(wt, "rev-parse", "HEAD");
    // The user cherry-picked alice's first commit onto main and then changed the same line:
    // a plain merge conflicts on README.md, a rebase drops the picked commit and applies.
    git(fx.root, "cherry-pick", "-x", first); // -x: a commit of its own (same patch)
    commitFile(fx.root, "README.md", "# the best title\n", "user: retitle again");
    const enq = await queue(fx).enqueue("alice");
    expect(enq.kind !== "nothing" && enq.entry.predictedConflicts).toEqual(["README.md"]);
    const report = await runQueue(fx.project);
    expect(report.landed).toEqual(["m1"]);
    const e = await entry(fx, "m1");
    expect(e.tier).toBe("rebase");
    expect(git(fx.root, "show", "main:README.md")).toBe("# the best title");
    expect(git(fx.root, "show", "main:notes.txt")).toBe("notes");
    // The branch moved by compare-and-swap to the rebased head; the old head is archived.
    expect(e.archiveRef).toMatch(/^refs\/flotilla\/archive\/alice\//);
    expect(git(fx.root, "rev-parse", e.archiveRef ?? "")).toBe(oldHead);
    expect(git(fx.root, "rev-parse", "flotilla/alice")).toBe(e.head);
    expect(e.head).not.toBe(oldHead);
    // The agent's worktree follows its branch and is clean.
    expect(git(wt, "rev-parse", "HEAD")).toBe(e.head);
    expect(git(wt, "status", "--porcelain")).toBe("");
  });

  it("an out-of-scope change is blocked, then approve lets it land", async () => {
    const fx = await makeMergeProject({ merge: { scope: "block" } });
    await agentWith(fx, "alice", "docs/guide.md", "guide\n");
    const enq = await queue(fx).enqueue("alice", { scope: ["src/**"] });
    expect(enq.kind !== "nothing" && enq.entry.state).toBe("scope_violation");
    expect(enq.kind !== "nothing" && enq.entry.outOfScope).toEqual(["docs/guide.md"]);
    const before = git(fx.root, "rev-parse", "main");
    expect((await runQueue(fx.project)).landed).toEqual([]);
    expect(git(fx.root, "rev-parse", "main")).toBe(before);
    await queue(fx).approve("m1");
    expect((await runQueue(fx.project)).landed).toEqual(["m1"]);
    expect(git(fx.root, "show", "main:docs/guide.md")).toBe("guide");
  });

  it("the user's uncommitted changes are untouched: the entry is held, and the running queue lands it once the user stashes", async () => {
    const fx = await makeMergeProject();
    await agentWith(fx, "alice", "README.md", "# alice\n");
    await queue(fx).enqueue("alice");
    const mine = "# my own edit, not committed\n\u00e9\r\n";
    writeFileSync(path.join(fx.root, "README.md"), mine);
    const before = git(fx.root, "rev-parse", "main");
    const report = await runQueue(fx.project);
    expect(report.held).toEqual(["m1"]);
    expect(readFileSync(path.join(fx.root, "README.md"), "utf8")).toBe(mine);
    expect(git(fx.root, "rev-parse", "main")).toBe(before);
    const held = await entry(fx, "m1");
    expect(held.state).toBe("held");
    expect(held.reason).toContain("README.md");
    // The queue runs continuously (as in the hub); the user stashes; no other command.
    const loop = new MergeQueueLoop(fx.project, { heldPollMs: 500 });
    await loop.start();
    try {
      git(fx.root, "stash");
      await waitFor(async () => (await entry(fx, "m1")).state === "merged", "m1 to land");
    } finally {
      await loop.dispose();
    }
    expect(git(fx.root, "show", "main:README.md")).toBe("# alice");
    expect(git(fx.root, "stash", "list").split("\n")).toHaveLength(1); // the user's work is kept
    expect(git(fx.root, "show", "stash@{0}:README.md")).toBe(mine.trimEnd());
  });

  it("a held entry that is dropped does not land when the checkout allows it later", async () => {
    const fx = await makeMergeProject();
    await agentWith(fx, "alice", "README.md", "# alice\n");
    await queue(fx).enqueue("alice");
    writeFileSync(path.join(fx.root, "README.md"), "mine\n");
    const before = git(fx.root, "rev-parse", "main");
    expect((await runQueue(fx.project)).held).toEqual(["m1"]);
    await queue(fx).drop("m1");
    git(fx.root, "stash");
    const report = await runQueue(fx.project);
    expect(report.landed).toEqual([]);
    expect(git(fx.root, "rev-parse", "main")).toBe(before);
    expect((await entry(fx, "m1")).state).toBe("dropped");
    expect((await queue(fx).read()).journal).toBeUndefined();
  });

  it("the user commits to the target while a batch gates: nothing is overwritten, the batch is re-merged on the new tip", async () => {
    const fx = await makeMergeProject();
    const marker = path.join(fx.gates, "committed");
    const command = gateScript(
      fx,
      "g",
      `if [ ! -e '${marker}' ]; then touch '${marker}'; echo user > '${fx.root}/user.txt'; ` +
        `git -C '${fx.root}' add user.txt && git -C '${fx.root}' -c user.name=U -c user.email=u@e commit -q -m 'user: while gating'; fi`,
    );
    await fx.project.configDoc.update((c) => {
      c.gates = [{ name: "g", command, timeoutMs: 60_000 }];
    });
    await agentWith(fx, "alice", "a.txt", "a\n");
    await agentWith(fx, "bob", "b.txt", "b\n");
    await queue(fx).enqueue("alice");
    await queue(fx).enqueue("bob");
    const report = await runQueue(fx.project);
    expect(report.remerged).toBe(2);
    expect(report.landed).toEqual(["m1", "m2"]);
    expect(gateRuns(fx, "g")).toBe(2);
    const subjects = firstParentSubjects(fx.root);
    expect(subjects.slice(0, 3)).toEqual([
      "Merge flotilla/bob (flotilla merge queue m2)",
      "Merge flotilla/alice (flotilla merge queue m1)",
      "user: while gating",
    ]);
    expect(git(fx.root, "show", "main:user.txt")).toBe("user");
    expect((await entry(fx, "m1")).notes.map((n) => n.text).join("\n")).toContain(
      "re-merging on the new tip",
    );
  });

  it("an agent with no new commits is not enqueued", async () => {
    const fx = await makeMergeProject();
    await addAgent(fx, "idle");
    const result = await queue(fx).enqueue("idle");
    expect(result.kind).toBe("nothing");
    expect((await queue(fx).read()).entries).toEqual([]);
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
