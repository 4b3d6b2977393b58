import { describe, expect, it } from "vitest";
import { addTask, claimTask, completeTask, TaskBoard, type Task } from "../../src/core/tasks.js";
import type { AgentView } from "../../src/hub/protocol.js";
import {
  boardKey,
  boardLines,
  createBoard,
  taskBoardView,
  type CockpitTasks,
} from "../../src/tui/views/tasks.js";
import type { ViewContext } from "../../src/tui/views/view.js";

const now = new Date("2026-12-01T21:00:00.000Z");

function sampleTasks(): Task[] {
  const board = TaskBoard.parse({});
  addTask(board, { title: "Form validation", scope: ["src/form/**"] }, now);
  addTask(board, { title: "Docs for forms", after: ["T1"] }, now);
  addTask(board, { title: "API", scope: ["src/api/**"] }, now);
  addTask(board, { title: "Old", scope: ["old/**"] }, now);
  claimTask(board, "T1", "t1-form", now);
  claimTask(board, "T4", "t4-old", now);
  completeTask(board, "T4", now);
  return board.tasks;
}

const agents = [{ name: "t1-form", status: "working" }] as unknown as AgentView[];

describe("task board view (prefix t)", () => {
  it("groups tasks by state with dependencies, assignee and its status, attempts", () => {
    const lines = boardLines(createBoard(sampleTasks()), agents, 100, 14).map((l) => l.text);
    expect(lines[0]).toBe("Tasks · claimed 1 · ready 1 · blocked 1 · failed 0 · done 1");
    expect(lines.slice(1, 8)).toEqual([
      "CLAIMED",
      "▶ T1    Form validation  @t1-form (working)  attempt 1",
      "READY",
      "  T3    API",
      "BLOCKED",
      "  T2    Docs for forms  after T1",
      "DONE",
    ]);
    expect(lines[lines.length - 1]).toContain("s sling");
  });

  it("keys: move, open a task's spec and history, sling, retry, fail, edit scope", async () => {
    let state = createBoard(sampleTasks());
    state = boardKey(state, "j").state;
    expect(state.tasks[state.selected]?.id).toBe("T3");
    expect(boardKey(state, "s").effects).toEqual([{ type: "sling", id: "T3" }]);
    expect(boardKey(state, "r").effects).toEqual([{ type: "retry", id: "T3" }]);
    expect(boardKey(state, "x").effects).toEqual([{ type: "fail", id: "T3" }]);
    const opened = boardKey(state, "\r");
    expect(opened.effects).toEqual([{ type: "load-spec", id: "T3" }]);
    expect(opened.state.mode).toMatchObject({ kind: "detail", id: "T3" });
    let edit = boardKey(state, "e").state;
    for (const key of ["\x15", "src/api/**, test/api/**"]) edit = boardKey(edit, key).state;
    expect(boardKey(edit, "\r").effects).toEqual([
      { type: "edit-scope", id: "T3", scope: ["src/api/**", "test/api/**"] },
    ]);
    expect(boardKey(state, "\x1b").effects).toEqual([{ type: "close" }]);
  });

  it("performs sling through the service and reloads; an error becomes a notice", async () => {
    const calls: string[] = [];
    let tasks = sampleTasks();
    const service: CockpitTasks = {
      load: async () => tasks,
      spec: async () => "the spec",
      sling: async (id) => {
        calls.push(`sling ${id}`);
        if (id === "T2") throw new Error("T2 is blocked: it waits for T1 to be done");
        tasks = tasks.map((t) =>
          t.id === id ? { ...t, state: "claimed", assignee: "t3-api" } : t,
        );
        return `slung ${id} to t3-api (shell)`;
      },
      retry: async () => undefined,
      fail: async () => undefined,
      editScope: async () => undefined,
    };
    const ctx = {
      services: { tasks: service, runtimes: [], canDetach: false },
      agents,
    } as unknown as ViewContext;
    const after = await taskBoardView.perform!({ type: "sling", id: "T3" }, ctx);
    expect(after?.effects).toEqual([
      { type: "notice", level: "info", text: "slung T3 to t3-api (shell)" },
    ]);
    const state = after!.update!(createBoard(sampleTasks()));
    expect(state.tasks.filter((t) => t.state === "claimed").map((t) => t.id)).toEqual(["T1", "T3"]);
    const refused = await taskBoardView.perform!({ type: "sling", id: "T2" }, ctx);
    expect(refused?.effects).toEqual([
      { type: "notice", level: "error", text: "T2 is blocked: it waits for T1 to be done" },
    ]);
    expect(calls).toEqual(["sling T3", "sling T2"]);
  });
});
