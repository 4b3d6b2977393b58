import { describe, expect, it } from "vitest";
import { MergeEntry, type GateResult, type MergeState } from "../../src/core/merge-queue.js";
import {
  draftFailure,
  draftInput,
  findGatePairs,
  firstMeaningfulLine,
  MemoryDraft,
  MemoryDraftsDoc,
  observeFailures,
  rememberDrafted,
} from "../../src/core/memory-drafts.js";
import { checkInput } from "../../src/core/memory.js";

const head = (n: number) => String(n).repeat(40).slice(0, 40);

function gate(name: string, ok: boolean): GateResult {
  return {
    name,
    ok,
    exitCode: ok ? 0 : 1,
    timedOut: false,
    durationMs: 5,
    attempts: 1,
    flaky: false,
    commit: head(9),
  };
}

function entry(
  id: string,
  agent: string,
  state: MergeState,
  gates: GateResult[],
  n: number,
): MergeEntry {
  return MergeEntry.parse({
    id,
    agent,
    branch: `flotilla/${agent}`,
    head: head(n),
    files: ["src/a.ts"],
    enqueuedAt: "2026-12-01T10:00:00.000Z",
    updatedAt: "2026-12-01T10:00:00.000Z",
    state,
    gates,
    task: "t-1",
  });
}

const LOG =
  "\n[flotilla] gate test (attempt 1) on 1111111111 with m1: npm test\n" +
  "\n> vitest run\n\x1b[31m FAIL  test/a.test.ts > adds\x1b[0m\n" +
  "[flotilla] gate test failed with exit 1 (elapsed 5 ms)\n";

/** One pass as the runner does it: observe, pair, draft, remember. */
function pass(doc: MemoryDraftsDoc, entries: MergeEntry[]): MemoryDraft[] {
  observeFailures(doc, entries, (_e, g) => firstMeaningfulLine(LOG, g));
  const { pairs, covered } = findGatePairs(doc.failures, entries, new Set(doc.drafted));
  const drafts = pairs.map((p) => draftFailure(p, { subjects: ["fix adds"], files: ["src/a.ts"] }));
  rememberDrafted(doc, [...covered, ...pairs.map((p) => p.key)]);
  return drafts;
}

describe("memory drafts from the merge queue", () => {
  it("a gate that failed then passed for the same agent makes one failure draft", () => {
    const doc = MemoryDraftsDoc.parse({});
    const entries = [
      entry("m1", "alice", "gate_failed", [gate("test", false)], 1),
      entry("m2", "alice", "merged", [gate("test", true)], 2),
    ];
    const drafts = pass(doc, entries);
    expect(drafts).toHaveLength(1);
    const draft = drafts[0]!;
    expect(draft.text).toBe("test failed: FAIL  test/a.test.ts > adds");
    expect(draft.resolution).toBe("fix adds");
    expect(draft.domain).toBe("test");
    expect(draft.evidence).toEqual({
      files: ["src/a.ts"],
      commit: head(2),
      task: "t-1",
      agent: "alice",
    });
    expect(MemoryDraft.parse(draft)).toEqual(draft);
    // What accepting records is a valid failure record.
    expect(() => checkInput(draftInput(draft))).not.toThrow();
  });

  it("a failure without a later pass makes none; nor does another agent's pass", () => {
    const doc = MemoryDraftsDoc.parse({});
    expect(pass(doc, [entry("m1", "alice", "gate_failed", [gate("test", false)], 1)])).toEqual([]);
    expect(
      pass(doc, [
        entry("m1", "alice", "gate_failed", [gate("test", false)], 1),
        entry("m2", "bob", "merged", [gate("test", true)], 2),
      ]),
    ).toEqual([]);
  });

  it("two failure→pass pairs make two drafts, and a second pass drafts nothing again", () => {
    const doc = MemoryDraftsDoc.parse({});
    const entries = [
      entry("m1", "alice", "gate_failed", [gate("test", false)], 1),
      entry("m2", "bob", "gate_failed", [gate("lint", true), gate("lint2", false)], 2),
      entry("m3", "alice", "merged", [gate("test", true)], 3),
      entry("m4", "bob", "merged", [gate("lint", true), gate("lint2", true)], 4),
    ];
    const drafts = pass(doc, entries);
    expect(drafts.map((d) => [d.agent, d.gate, d.failedEntry, d.passedEntry])).toEqual([
      ["alice", "test", "m1", "m3"],
      ["bob", "lint2", "m2", "m4"],
    ]);
    expect(pass(doc, entries)).toEqual([]);
    // Round-trips through the document it is kept in.
    expect(pass(MemoryDraftsDoc.parse(JSON.parse(JSON.stringify(doc))), entries)).toEqual([]);
  });

  it("a retried entry (same id, failed then merged) pairs with itself", () => {
    const doc = MemoryDraftsDoc.parse({});
    expect(pass(doc, [entry("m1", "alice", "gate_failed", [gate("test", false)], 1)])).toEqual([]);
    const drafts = pass(doc, [entry("m1", "alice", "merged", [gate("test", true)], 2)]);
    expect(drafts.map((d) => [d.failedEntry, d.passedEntry])).toEqual([["m1", "m1"]]);
  });

  it("several failures before one pass make one draft, from the latest failure", () => {
    const doc = MemoryDraftsDoc.parse({});
    const entries = [
      entry("m1", "alice", "gate_failed", [gate("test", false)], 1),
      entry("m2", "alice", "gate_failed", [gate("test", false)], 2),
      entry("m3", "alice", "merged", [gate("test", true)], 3),
    ];
    expect(pass(doc, entries).map((d) => d.failedEntry)).toEqual(["m2"]);
    expect(pass(doc, entries)).toEqual([]);
  });

  it("takes the failing section's error line from the log, and a gate name that is no domain goes to gates", () => {
    const log =
      LOG +
      "\n[flotilla] gate other (attempt 1) on 1 with m1: x\nall good\n[flotilla] gate other passed\n";
    expect(firstMeaningfulLine(log, "test")).toBe("FAIL  test/a.test.ts > adds");
    expect(firstMeaningfulLine(log, "missing")).toBe("");
    const doc = MemoryDraftsDoc.parse({});
    observeFailures(
      doc,
      [entry("m1", "a", "gate_failed", [gate("unit tests!", false)], 1)],
      () => "",
    );
    const { pairs } = findGatePairs(
      doc.failures,
      [entry("m2", "a", "merged", [gate("unit tests!", true)], 2)],
      new Set(),
    );
    const draft = draftFailure(pairs[0]!, { subjects: [], files: [] });
    expect(draft.domain).toBe("gates");
    expect(draft.text).toBe("unit tests! failed");
    expect(draft.resolution).toBe(`passed at ${head(2).slice(0, 10)} (m2)`);
  });
});
