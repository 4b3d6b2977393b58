import { describe, expect, it } from "vitest";
import {
  filesOutsideScope,
  MergeEntry,
  MergeQueueDoc,
  moveEntry,
  nextBisectStep,
  pruneEntries,
  planBatch,
  predictGateRuns,
  recordBisectGate,
  recoveryAction,
  scopeDecision,
  startBisect,
  titleBadge,
  type Journal,
  type MergeState,
} from "../../src/core/merge-queue.js";
import { Config } from "../../src/core/schema.js";

const entry = (id: string, state: MergeState = "queued", agent = id): MergeEntry =>
  MergeEntry.parse({
    id,
    agent,
    branch: `flotilla/${agent}`,
    head: "a".repeat(40),
    enqueuedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    state,
  });

/** Runs a whole bisection where `bad` entries break the gates; returns the plan's outcome. */
function bisect(n: number, bad: number[]) {
  const ids = Array.from({ length: n }, (_, i) => `m${i + 1}`);
  const plan = startBisect(ids);
  const gated: string[][] = [];
  for (;;) {
    const step = nextBisectStep(plan);
    if (step.kind === "done") return { ...step, runs: plan.gateRuns, gated };
    gated.push(step.ids);
    recordBisectGate(plan, !step.ids.some((id) => bad.includes(Number(id.slice(1)) - 1)));
  }
}

describe("merge queue config", () => {
  it("defaults: batch 4, retryFlaky 1, scope block, autoClean off, onWorkerDone enqueue, no gates", () => {
    const config = Config.parse({});
    expect(config.merge).toEqual({
      batch: 4,
      retryFlaky: 1,
      scope: "block",
      autoClean: false,
      onWorkerDone: "enqueue",
    });
    expect(config.gates).toEqual([]);
  });

  it("gates need a name and a command; timeoutMs defaults to 10 minutes", () => {
    const config = Config.parse({ gates: [{ name: "test", command: "npm test" }] });
    expect(config.gates[0]?.timeoutMs).toBe(600_000);
    expect(Config.safeParse({ gates: [{ name: "test" }] }).success).toBe(false);
    expect(Config.safeParse({ merge: { batch: 0 } }).success).toBe(false);
    expect(Config.safeParse({ merge: { scope: "ignore" } }).success).toBe(false);
  });
});

describe("bisection plan", () => {
  it("third of four bad: [1-4] ✗, [1,2] ✓, [1,2,3] ✗, [1,2,4] ✓ — 4 runs, 3 is the culprit", () => {
    const out = bisect(4, [2]);
    expect(out.gated).toEqual([
      ["m1", "m2"],
      ["m1", "m2", "m3"],
      ["m1", "m2", "m4"],
    ]);
    expect(out).toMatchObject({ good: ["m1", "m2", "m4"], culprits: ["m3"], runs: 4 });
  });

  it("finds every culprit and keeps the rest in queue order", () => {
    const out = bisect(8, [1, 6]);
    expect(out.culprits).toEqual(["m2", "m7"]);
    expect(out.good).toEqual(["m1", "m3", "m4", "m5", "m6", "m8"]);
  });

  it("all bad: nothing lands; one bad in 20 (batches of 4): at most 10 runs in all", () => {
    expect(bisect(3, [0, 1, 2])).toMatchObject({ good: [], culprits: ["m1", "m2", "m3"] });
    // Five batches of 4; the bad one costs the bisection, the others one run each.
    const runs = 4 * predictGateRuns(4, new Set()) + predictGateRuns(4, new Set([1]));
    expect(runs).toBeLessThanOrEqual(10);
    expect(predictGateRuns(4, new Set())).toBe(1);
  });
});

describe("queue planning", () => {
  it("takes up to `batch` queued or held entries in queue order, skipping ended ones", () => {
    const entries = [
      entry("m1", "merged"),
      entry("m2", "held"),
      entry("m3", "conflict"),
      entry("m4"),
      entry("m5", "scope_violation"),
      entry("m6"),
      entry("m7"),
    ];
    expect(planBatch(entries, 3).map((e) => e.id)).toEqual(["m2", "m4", "m6"]);
    expect(planBatch(entries, 1).map((e) => e.id)).toEqual(["m2"]);
  });

  it("moves entries up and down, refusing past the ends", () => {
    const entries = [entry("m1"), entry("m2"), entry("m3")];
    expect(moveEntry(entries, "m3", -1)).toBe(true);
    expect(entries.map((e) => e.id)).toEqual(["m1", "m3", "m2"]);
    expect(moveEntry(entries, "m1", -1)).toBe(false);
    expect(moveEntry(entries, "m2", 1)).toBe(false);
  });

  it("scope: files outside the globs; block unless approved, warn mode lets through", () => {
    const match = (f: string, globs: readonly string[]) => globs.some((g) => f.startsWith(g));
    expect(filesOutsideScope(["src/a.ts", "docs/x.md"], ["src/"], match)).toEqual(["docs/x.md"]);
    expect(filesOutsideScope(["docs/x.md"], [], match)).toEqual([]);
    expect(scopeDecision({ outOfScope: ["x"], approved: false }, "block")).toBe("block");
    expect(scopeDecision({ outOfScope: ["x"], approved: true }, "block")).toBe("warn");
    expect(scopeDecision({ outOfScope: ["x"], approved: false }, "warn")).toBe("warn");
    expect(scopeDecision({ outOfScope: [], approved: false }, "block")).toBe("ok");
  });

  it("recovery finishes only a landing the target already shows, else redoes", () => {
    const journal = (step: Journal["step"]): Journal => ({
      runId: "r1",
      pid: 1,
      target: "main",
      base: "b".repeat(40),
      entries: ["m1"],
      step,
      tip: "c".repeat(40),
      startedAt: "",
      updatedAt: "",
    });
    expect(recoveryAction(journal("land"), "c".repeat(40))).toBe("finish");
    expect(recoveryAction(journal("land"), "b".repeat(40))).toBe("redo");
    expect(recoveryAction(journal("notify"), "c".repeat(40))).toBe("finish");
    expect(recoveryAction(journal("gate"), "c".repeat(40))).toBe("redo");
  });

  it("pane-title badges follow the agent's newest entry", () => {
    const entries = [
      entry("m1", "merged", "alice"),
      entry("m2", "gating", "alice"),
      entry("m3", "conflict", "bob"),
    ];
    expect(titleBadge(entries, "alice")).toBe("merge: gating");
    expect(titleBadge(entries, "bob")).toBe("merge: conflict");
    expect(titleBadge(entries, "carol")).toBeUndefined();
  });

  it("forgets the oldest merged and dropped entries beyond the limit, never waiting or failed ones", () => {
    const entries = [
      entry("m1", "merged"),
      entry("m2", "conflict"),
      entry("m3", "dropped"),
      entry("m4", "merged"),
      entry("m5"),
    ];
    expect(pruneEntries(entries, 1)).toBe(2);
    expect(entries.map((e) => e.id)).toEqual(["m2", "m4", "m5"]);
  });

  it("an empty document reads as an empty queue", () => {
    expect(MergeQueueDoc.parse({})).toEqual({
      version: 1,
      nextId: 1,
      entries: [],
      gateRuns: 0,
      handledMail: [],
    });
  });
});
