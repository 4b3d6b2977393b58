import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import {
  addTask,
  claimNext,
  claimTask,
  completeTask,
  decideAfterFailure,
  editTask,
  findCycle,
  retryTask,
  TaskBoard,
} from "../../src/core/tasks.js";

const now = new Date("2026-12-01T20:00:00.000Z");
const empty = (): TaskBoard => TaskBoard.parse({});

describe("task board: readiness from dependencies", () => {
  it("a chain T1 ← T2 ← T3 becomes ready one link at a time as each is done", () => {
    const board = empty();
    addTask(board, { title: "one" }, now);
    addTask(board, { title: "two", after: ["T1"] }, now);
    addTask(board, { title: "three", after: ["T2"] }, now);
    const states = () => board.tasks.map((t) => `${t.id}:${t.state}`).join(" ");
    expect(states()).toBe("T1:ready T2:blocked T3:blocked");
    claimTask(board, "T1", "alice", now);
    expect(completeTask(board, "T1", now)).toEqual(["T2"]);
    expect(states()).toBe("T1:done T2:ready T3:blocked");
    claimTask(board, "T2", "bob", now);
    expect(completeTask(board, "T2", now)).toEqual(["T3"]);
    expect(states()).toBe("T1:done T2:done T3:ready");
  });

  it("a task after two others waits for both", () => {
    const board = empty();
    addTask(board, { title: "a" }, now);
    addTask(board, { title: "b" }, now);
    addTask(board, { title: "c", after: ["T1", "T2"] }, now);
    completeTask(board, "T1", now);
    expect(board.tasks[2]?.state).toBe("blocked");
    completeTask(board, "T2", now);
    expect(board.tasks[2]?.state).toBe("ready");
  });

  it("a blocked task cannot be claimed, and says what it waits for", () => {
    const board = empty();
    addTask(board, { title: "a" }, now);
    addTask(board, { title: "b", after: ["T1"] }, now);
    expect(() => claimTask(board, "T2", "alice", now)).toThrow(/T2 is blocked: it waits for T1/);
  });

  it("refuses a dependency on a task that does not exist", () => {
    const board = empty();
    expect(() => addTask(board, { title: "x", after: ["T9"] }, now)).toThrow(/there is no task T9/);
    expect(board.tasks).toHaveLength(0);
  });

  it("refuses an edit that makes a cycle, naming the cycle, and changes nothing", () => {
    const board = empty();
    addTask(board, { title: "a" }, now);
    addTask(board, { title: "b", after: ["T1"] }, now);
    addTask(board, { title: "c", after: ["T2"] }, now);
    let error: unknown;
    try {
      editTask(board, "T1", { after: ["T3"] }, now);
    } catch (e) {
      error = e;
    }
    expect(isFlotillaError(error, "INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toContain("dependency cycle T1 → T3 → T2 → T1");
    expect(board.tasks[0]?.after).toEqual([]);
    expect(board.tasks[0]?.state).toBe("ready");
  });

  it("findCycle finds a self-loop and reports none for a DAG", () => {
    expect(findCycle([{ id: "T1", after: ["T1"] }])).toEqual(["T1", "T1"]);
    expect(
      findCycle([
        { id: "T1", after: [] },
        { id: "T2", after: ["T1"] },
        { id: "T3", after: ["T1", "T2"] },
      ]),
    ).toBeUndefined();
  });
});

describe("task board: claims", () => {
  it("claims the first ready task that fits the role; claiming again returns the same", () => {
    const board = empty();
    addTask(board, { title: "scout it", role: "scout" }, now);
    addTask(board, { title: "build it" }, now);
    const first = claimNext(board, "alice", "builder", now);
    expect(first?.task.id).toBe("T2");
    expect(first?.again).toBe(false);
    const again = claimNext(board, "alice", "builder", now);
    expect(again).toMatchObject({ again: true, task: { id: "T2", attempts: 1 } });
    expect(claimNext(board, "bob", "builder", now)).toBeUndefined();
    expect(claimNext(board, "carol", "scout", now)?.task.id).toBe("T1");
  });

  it("an agent spawned as a plain worker claims builder tasks", () => {
    const board = empty();
    addTask(board, { title: "build it" }, now);
    expect(claimNext(board, "w", "worker", now)?.task.id).toBe("T1");
  });
});

describe("task board: failures", () => {
  it("retries up to maxAttempts, then the fallback gets maxAttempts, then failed; never forever", () => {
    const board = empty();
    addTask(board, { title: "hard", fallback: "opus" }, now);
    claimTask(board, "T1", "a1", now, "claude");
    const kinds: string[] = [];
    for (let i = 0; i < 10; i++) {
      const d = decideAfterFailure(board, "T1", `gate failed #${i}`, 3, "claude", now);
      kinds.push(d.kind === "failed" ? "failed" : `${d.kind}:${d.runtime}`);
      if (d.kind === "failed") break;
      const task = board.tasks[0]!;
      task.attempts += 1; // the loop's reclaim counts the new attempt
      task.runtime = d.runtime;
    }
    expect(kinds).toEqual([
      "retry:claude",
      "retry:claude",
      "fallback:opus",
      "retry:opus",
      "retry:opus",
      "failed",
    ]);
    expect(board.tasks[0]?.state).toBe("failed");
    expect(board.tasks[0]?.lastFailure).toMatch(/failed after 3 attempt\(s\) on its fallback too/);
  });

  it("retry makes a failed task ready with fresh attempts", () => {
    const board = empty();
    addTask(board, { title: "x" }, now);
    claimTask(board, "T1", "a", now);
    decideAfterFailure(board, "T1", "boom", 1, "claude", now);
    expect(board.tasks[0]?.state).toBe("failed");
    retryTask(board, "T1", now);
    expect(board.tasks[0]).toMatchObject({ state: "ready", attempts: 0 });
    expect(board.tasks[0]?.assignee).toBeUndefined();
  });
});
