import { Box, Text } from "../ink.js";
import { createElement } from "react";
import { defineBindings, findBinding } from "../../core/keymap.js";
import { DOWN, ENTER, ESC, UP } from "../../core/keys.js";
import { sanitizeForTerminal, sanitizeLine } from "../../core/sanitize.js";
import { editTextForm, type TextForm } from "../../core/text-field.js";
import type { Task } from "../../core/tasks.js";
import type { AgentView } from "../../hub/protocol.js";
import { defineView } from "./view.js";

/**
 * `prefix t`: the task board. Tasks grouped by state (claimed, ready, blocked, failed, done)
 * with dependencies, assignee and its live status, attempts; Enter opens a task's spec and
 * history; `s` slings the selected task, `r` retries it, `x` marks it failed, `e` edits its
 * scope. Data and actions come through `ctx.services.tasks` (the task store and sling).
 */

/** The task board as the cockpit reads and changes it. */
export interface CockpitTasks {
  /** Every task on the board. */
  load(): Promise<Task[]>;
  /** The task's spec text (read from its file when it names one). */
  spec(task: Task): Promise<string>;
  /** Slings the task; resolves to a one-line summary. @throws FlotillaError with a reason. */
  sling(id: string): Promise<string>;
  retry(id: string): Promise<void>;
  fail(id: string, reason: string): Promise<void>;
  editScope(id: string, scope: string[]): Promise<void>;
}

/** Board modes: the list, one task in full, or editing a task's scope. */
export type BoardMode =
  | { kind: "list" }
  | { kind: "detail"; id: string; spec: string | undefined; scroll: number }
  | { kind: "scope"; id: string; form: TextForm; error?: string };

/** The board's state. `revision` changes with every load. */
export interface BoardState {
  tasks: readonly Task[];
  selected: number;
  mode: BoardMode;
  revision: number;
}

/** Effects the board asks for (performed by {@link taskBoardView}.perform). */
export type BoardEffect =
  | { type: "reload" }
  | { type: "load-spec"; id: string }
  | { type: "sling"; id: string }
  | { type: "retry"; id: string }
  | { type: "fail"; id: string }
  | { type: "edit-scope"; id: string; scope: string[] };

type Command = "down" | "up" | "open" | "sling" | "retry" | "fail" | "scope" | "close";

/** The board's keys (help and hints are generated from them). */
export const BOARD_BINDINGS = defineBindings<Command, "board">([
  { keys: [...DOWN, "j"], command: "down", description: "select the next task", context: "board" },
  { keys: [...UP, "k"], command: "up", description: "select the previous task", context: "board" },
  {
    keys: [...ENTER],
    command: "open",
    description: "open a task's spec and history (Esc back)",
    context: "board",
    hint: "open",
  },
  {
    keys: ["s"],
    command: "sling",
    description: "sling the task (worktree, brief, agent)",
    context: "board",
    hint: "sling",
  },
  {
    keys: ["r"],
    command: "retry",
    description: "retry a failed task",
    context: "board",
    hint: "retry",
  },
  {
    keys: ["x"],
    command: "fail",
    description: "mark the task failed",
    context: "board",
    hint: "fail",
  },
  {
    keys: ["e"],
    command: "scope",
    description: "edit the task's scope",
    context: "board",
    hint: "scope",
  },
  {
    keys: [ESC, "q"],
    command: "close",
    description: "close the board",
    context: "board",
    hint: "close",
  },
]);

const STATE_ORDER = ["claimed", "ready", "blocked", "failed", "done"] as const;

/** The tasks in display order (grouped by state, then by id). */
export function orderTasks(tasks: readonly Task[]): Task[] {
  return STATE_ORDER.flatMap((state) => tasks.filter((t) => t.state === state));
}

/** A board showing `tasks`, the first selected. */
export function createBoard(tasks: readonly Task[], revision = 1): BoardState {
  return { tasks: orderTasks(tasks), selected: 0, mode: { kind: "list" }, revision };
}

/** The board with fresh `tasks`, keeping the selected task selected when it is still there. */
export function updateBoard(state: BoardState, tasks: readonly Task[]): BoardState {
  const id = state.tasks[state.selected]?.id;
  const ordered = orderTasks(tasks);
  const index = ordered.findIndex((t) => t.id === id);
  return {
    ...state,
    tasks: ordered,
    selected: index >= 0 ? index : Math.min(state.selected, Math.max(0, ordered.length - 1)),
    revision: state.revision + 1,
  };
}

type Step = { state: BoardState; effects?: Array<BoardEffect | { type: "close" }> };

/** The board's answer to one key. Pure. */
export function boardKey(state: BoardState, key: string): Step {
  const mode = state.mode;
  if (mode.kind === "scope") {
    const { form, outcome } = editTextForm(mode.form, key, { enter: "submit" });
    if (outcome === "cancel") return { state: { ...state, mode: { kind: "list" } } };
    if (outcome === "submit") {
      const scope = (form.fields[0]?.value ?? "").split(/[,\s]+/).filter((s) => s.length > 0);
      return {
        state: { ...state, mode: { kind: "list" } },
        effects: [{ type: "edit-scope", id: mode.id, scope }],
      };
    }
    return { state: { ...state, mode: { ...mode, form } } };
  }
  if (mode.kind === "detail") {
    if (key === ESC || key === "q") return { state: { ...state, mode: { kind: "list" } } };
    if ((DOWN as readonly string[]).includes(key) || key === "j")
      return { state: { ...state, mode: { ...mode, scroll: mode.scroll + 1 } } };
    if ((UP as readonly string[]).includes(key) || key === "k")
      return { state: { ...state, mode: { ...mode, scroll: Math.max(0, mode.scroll - 1) } } };
    return { state };
  }
  const binding = findBinding(BOARD_BINDINGS, "board", key);
  const task = state.tasks[state.selected];
  switch (binding?.command) {
    case "down":
      return {
        state: {
          ...state,
          selected: Math.min(state.selected + 1, Math.max(0, state.tasks.length - 1)),
        },
      };
    case "up":
      return { state: { ...state, selected: Math.max(0, state.selected - 1) } };
    case "close":
      return { state, effects: [{ type: "close" }] };
    case undefined:
      return { state };
  }
  if (!task || !binding) return { state };
  switch (binding.command) {
    case "open":
      return {
        state: { ...state, mode: { kind: "detail", id: task.id, spec: undefined, scroll: 0 } },
        effects: [{ type: "load-spec", id: task.id }],
      };
    case "sling":
      return { state, effects: [{ type: "sling", id: task.id }] };
    case "retry":
      return { state, effects: [{ type: "retry", id: task.id }] };
    case "fail":
      return { state, effects: [{ type: "fail", id: task.id }] };
    case "scope":
      return {
        state: {
          ...state,
          mode: {
            kind: "scope",
            id: task.id,
            form: { fields: [{ value: task.scope.join(", ") }], focus: 0 },
          },
        },
      };
  }
}

/** One drawn line. */
interface Line {
  text: string;
  color?: string;
  bold?: boolean;
}

/** The board as at most `height` lines of at most `width` cells. Pure; text is sanitized. */
export function boardLines(
  state: BoardState,
  agents: readonly AgentView[],
  width: number,
  height: number,
): Line[] {
  const lines: Line[] = [];
  const mode = state.mode;
  const cut = (text: string) =>
    text.length > width ? text.slice(0, Math.max(0, width - 1)) + "…" : text;
  if (mode.kind === "detail") {
    const task = state.tasks.find((t) => t.id === mode.id);
    lines.push({
      text: cut(`Task ${mode.id} · ${sanitizeLine(task?.title ?? "(gone)")}`),
      bold: true,
      color: "cyanBright",
    });
    const body: string[] = task
      ? [
          `state ${task.state}${task.assignee ? ` · ${task.assignee}` : ""} · role ${task.role} · attempts ${task.attempts}`,
          `after ${task.after.join(", ") || "-"} · scope ${task.scope.join(", ") || "(none)"}`,
          `gates ${task.gates.map((g) => g.command).join(" ; ") || "(project's)"}`,
          ...(task.lastFailure ? [`last failure: ${task.lastFailure}`] : []),
          "",
          "Spec:",
          ...sanitizeForTerminal(mode.spec ?? "(loading…)").split("\n"),
          "",
          "History:",
          ...task.history.map(
            (h) => `${h.time.slice(0, 19).replace("T", " ")}  ${h.event}  ${h.text}`,
          ),
        ].map(sanitizeLine)
      : [];
    for (const text of body.slice(mode.scroll, mode.scroll + height - 2))
      lines.push({ text: cut(text) });
    while (lines.length < height - 1) lines.push({ text: "" });
    lines.push({ text: cut("j/k scroll · Esc back"), color: "gray" });
    return lines;
  }
  const counts = STATE_ORDER.map(
    (s) => `${s} ${state.tasks.filter((t) => t.state === s).length}`,
  ).join(" · ");
  lines.push({ text: cut(`Tasks · ${counts}`), bold: true, color: "cyanBright" });
  const rows: Line[] = [];
  let selectedRow = 0;
  let group = "";
  state.tasks.forEach((task, i) => {
    if (task.state !== group) {
      group = task.state;
      rows.push({ text: group.toUpperCase(), bold: true, color: colorOf(task.state) });
    }
    const agent = task.assignee ? agents.find((a) => a.name === task.assignee) : undefined;
    const who = task.assignee ? `@${task.assignee}${agent ? ` (${agent.status})` : ""}` : "";
    const text = [
      `${i === state.selected ? "▶" : " "} ${task.id.padEnd(4)}`,
      sanitizeLine(task.title),
      task.after.length ? `after ${task.after.join(",")}` : "",
      who,
      task.attempts > 0 ? `attempt ${task.attempts}${task.onFallback ? " (fallback)" : ""}` : "",
    ]
      .filter((p) => p.length > 0)
      .join("  ");
    if (i === state.selected) selectedRow = rows.length;
    rows.push({
      text: cut(text),
      ...(i === state.selected ? { color: "whiteBright", bold: true } : {}),
    });
  });
  if (rows.length === 0)
    rows.push({ text: 'no tasks: flotilla task add "title" --scope "src/x/**"' });
  const bodyHeight = Math.max(1, height - (mode.kind === "scope" ? 3 : 2));
  const start = Math.max(
    0,
    Math.min(selectedRow - Math.floor(bodyHeight / 2), rows.length - bodyHeight),
  );
  lines.push(...rows.slice(start, start + bodyHeight));
  while (lines.length < bodyHeight + 1) lines.push({ text: "" });
  if (mode.kind === "scope") {
    lines.push({
      text: cut(`scope of ${mode.id}: ${mode.form.fields[0]?.value ?? ""}▏`),
      color: "whiteBright",
    });
    lines.push({ text: cut("Enter save · Esc cancel (globs, comma-separated)"), color: "gray" });
  } else
    lines.push({
      text: cut("Enter open · s sling · r retry · x fail · e scope · Esc close"),
      color: "gray",
    });
  return lines;
}

function colorOf(state: Task["state"]): string {
  return {
    claimed: "yellowBright",
    ready: "greenBright",
    blocked: "gray",
    failed: "redBright",
    done: "blue",
  }[state];
}

type OwnEffect = BoardEffect;

/** The view (see the module comment). */
export const taskBoardView = defineView<BoardState, OwnEffect>({
  id: "tasks",
  title: "On the task board:",
  bindings: BOARD_BINDINGS,
  opener: { key: "t", description: "open the task board", hint: "tasks" },
  open: async (ctx) => {
    const tasks = ctx.services.tasks;
    if (!tasks) return { effects: [{ type: "notice", level: "info", text: "no task board here" }] };
    return { state: createBoard(await tasks.load()) };
  },
  key: (state, key) => boardKey(state, key),
  onEvent: (state, event) =>
    event.type === "agents" || event.type === "agent"
      ? { state, effects: [{ type: "reload" }] }
      : undefined,
  perform: async (effect, ctx) => {
    const tasks = ctx.services.tasks;
    if (!tasks) return;
    const reload = async (text?: string) => {
      const fresh = await tasks.load();
      return {
        update: (state: BoardState) => updateBoard(state, fresh),
        ...(text ? { effects: [{ type: "notice" as const, level: "info" as const, text }] } : {}),
      };
    };
    const attempt = async (fn: () => Promise<string>) => {
      try {
        return reload(await fn());
      } catch (error) {
        return {
          effects: [
            {
              type: "notice" as const,
              level: "error" as const,
              text: sanitizeLine((error as Error).message),
            },
          ],
        };
      }
    };
    switch (effect.type) {
      case "reload":
        return reload();
      case "load-spec": {
        const task = (await tasks.load()).find((t) => t.id === effect.id);
        const spec = task
          ? await tasks.spec(task).catch((e: Error) => `(cannot read the spec: ${e.message})`)
          : "";
        return {
          update: (state) =>
            state.mode.kind === "detail" && state.mode.id === effect.id
              ? { ...state, mode: { ...state.mode, spec } }
              : state,
        };
      }
      case "sling":
        return attempt(() => tasks.sling(effect.id));
      case "retry":
        return attempt(async () => (await tasks.retry(effect.id), `${effect.id} is ready again`));
      case "fail":
        return attempt(
          async () => (
            await tasks.fail(effect.id, "marked failed in the cockpit"),
            `${effect.id} marked failed`
          ),
        );
      case "edit-scope":
        return attempt(
          async () => (
            await tasks.editScope(effect.id, effect.scope),
            `scope of ${effect.id}: ${effect.scope.join(", ") || "(none)"}`
          ),
        );
    }
  },
  size: () => ({ width: 110, height: 30, minHeight: 6 }),
  cacheKey: (state) => {
    const m = state.mode;
    const mode =
      m.kind === "list"
        ? "list"
        : m.kind === "detail"
          ? `detail:${m.id}:${m.scroll}:${m.spec === undefined ? 0 : m.spec.length}`
          : `scope:${m.id}:${m.form.fields[0]?.value ?? ""}`;
    return ["tasks", state.revision, state.selected, mode].join("\u0001");
  },
  element: (state, { width, height }, ctx) =>
    createElement(
      Box,
      { flexDirection: "column", width, height, borderStyle: "round", borderColor: "cyan" },
      ...boardLines(state, ctx.agents, width - 2, height - 2).map((line, i) =>
        createElement(
          Text,
          {
            key: i,
            wrap: "truncate",
            ...(line.color ? { color: line.color } : {}),
            ...(line.bold ? { bold: true } : {}),
          },
          line.text || " ",
        ),
      ),
    ),
});
