import { Text } from "../ink.js";
import { createElement, type ReactElement } from "react";
import { defineBindings, findBinding, hintLine, type Binding } from "../../core/keymap.js";
import type { Journal, MergeEntry, MergeState } from "../../core/merge-queue.js";
import { sanitizeLine } from "../../core/sanitize.js";
import { Dialog } from "../Chrome.js";
import { defineView } from "./view.js";

/** What the view reads: the queue, the run in progress, the running entry's log tail. */
export interface MergeQueueSnapshot {
  entries: readonly MergeEntry[];
  journal: Journal | undefined;
  tail: readonly string[];
}

/** What the merge queue view can do to an entry (the CLI's `merge retry|drop|approve|up|down`). */
export type MergeQueueAction = "retry" | "drop" | "approve" | "up" | "down";

/** The merge queue as the cockpit reaches it (filled in by `run-cockpit.ts`). */
export interface MergeQueueSource {
  read(): Promise<MergeQueueSnapshot>;
  /** The entry's whole log (history and gate output). */
  log(id: string): Promise<string>;
  /** Applies `action` to entry `id`; resolves to a one-line result. @throws FlotillaError. */
  act(id: string, action: MergeQueueAction): Promise<string>;
}

/** The view's state: a snapshot, the selection (an entry id), and the log pane when open. */
export interface MergeQueueState extends MergeQueueSnapshot {
  /** ms since the epoch when the snapshot was read (the running gate's elapsed time). */
  now: number;
  selectedId: string | undefined;
  mode: "list" | "log";
  log: readonly string[];
  /** First log line shown. */
  offset: number;
  /** Bumped on every new snapshot, for the cache key. */
  revision: number;
}

type Command =
  | "down"
  | "up"
  | "open"
  | "retry"
  | "drop"
  | "approve"
  | "move-up"
  | "move-down"
  | "close"
  | "page-down"
  | "page-up"
  | "top"
  | "bottom"
  | "back";

type QueueEffect =
  | { type: "reload" }
  | { type: "act"; id: string; action: MergeQueueAction }
  | { type: "open-log"; id: string };

const ESC = "\x1b";

/** The view's keys, in the one binding shape: `list` while browsing, `log` in an entry's log. */
export const MERGE_QUEUE_BINDINGS: ReadonlyArray<Binding<Command, "list" | "log">> = defineBindings<
  Command,
  "list" | "log"
>([
  {
    keys: ["j", `${ESC}[B`],
    command: "down",
    description: "select the next entry",
    context: "list",
    hint: "move",
    group: "move",
  },
  {
    keys: ["k", `${ESC}[A`],
    command: "up",
    description: "select the previous entry",
    context: "list",
    hint: "move",
    group: "move",
  },
  {
    keys: ["\r", "l"],
    command: "open",
    description: "open the entry's log",
    context: "list",
    hint: "log",
  },
  {
    keys: ["r"],
    command: "retry",
    description: "retry the entry (back in the queue at its branch's tip)",
    context: "list",
    hint: "retry",
  },
  {
    keys: ["d"],
    command: "drop",
    description: "drop the entry (its branch is kept)",
    context: "list",
    hint: "drop",
  },
  {
    keys: ["a"],
    command: "approve",
    description: "approve changes outside the entry's scope",
    context: "list",
    hint: "approve",
  },
  {
    keys: ["K"],
    command: "move-up",
    description: "move the entry up in the queue",
    context: "list",
    hint: "reorder",
    group: "reorder",
  },
  {
    keys: ["J"],
    command: "move-down",
    description: "move the entry down in the queue",
    context: "list",
    hint: "reorder",
    group: "reorder",
  },
  {
    keys: ["q", ESC],
    command: "close",
    description: "close the merge queue",
    context: "list",
    hint: "close",
  },
  {
    keys: ["j", `${ESC}[B`],
    command: "down",
    description: "scroll down one line",
    context: "log",
    hint: "scroll",
    group: "scroll",
  },
  {
    keys: ["k", `${ESC}[A`],
    command: "up",
    description: "scroll up one line",
    context: "log",
    hint: "scroll",
    group: "scroll",
  },
  {
    keys: [`${ESC}[6~`, " "],
    command: "page-down",
    description: "scroll down one page",
    context: "log",
  },
  { keys: [`${ESC}[5~`], command: "page-up", description: "scroll up one page", context: "log" },
  { keys: ["g"], command: "top", description: "go to the first line", context: "log" },
  { keys: ["G"], command: "bottom", description: "go to the last line", context: "log" },
  {
    keys: ["q", ESC],
    command: "back",
    description: "back to the queue",
    context: "log",
    hint: "back",
  },
]);

/** Display order of states: what runs, what waits, what failed, then what is done. */
const STATE_ORDER: Record<MergeState, number> = {
  merging: 0,
  gating: 0,
  held: 1,
  queued: 2,
  conflict: 3,
  gate_failed: 3,
  scope_violation: 3,
  merged: 4,
  dropped: 5,
};

const STATE_COLOR: Record<MergeState, string> = {
  merging: "cyan",
  gating: "cyan",
  held: "yellow",
  queued: "white",
  conflict: "red",
  gate_failed: "red",
  scope_violation: "magenta",
  merged: "green",
  dropped: "gray",
};

/** Merged and dropped entries shown at most (the newest). */
const DONE_SHOWN = 8;
const LOG_PAGE = 20;

/** Entries in display order: by state group, then queue order; old done ones left out. */
export function orderEntries(entries: readonly MergeEntry[]): MergeEntry[] {
  const done = entries.filter((e) => e.state === "merged" || e.state === "dropped");
  const hidden = new Set(done.slice(0, Math.max(0, done.length - DONE_SHOWN)).map((e) => e.id));
  return entries
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => !hidden.has(e.id))
    .sort((a, b) => STATE_ORDER[a.e.state] - STATE_ORDER[b.e.state] || a.i - b.i)
    .map(({ e }) => e);
}

/** A fresh view state over `snapshot` read at `now`; the first entry shown is selected. */
export function createQueueState(snapshot: MergeQueueSnapshot, now: number): MergeQueueState {
  return {
    ...snapshot,
    now,
    selectedId: orderEntries(snapshot.entries)[0]?.id,
    mode: "list",
    log: [],
    offset: 0,
    revision: 0,
  };
}

/** `state` over a new snapshot: the selection stays on its entry when it is still shown. */
export function updateQueueState(
  state: MergeQueueState,
  snapshot: MergeQueueSnapshot,
  now: number,
): MergeQueueState {
  const shown = orderEntries(snapshot.entries);
  const selectedId = shown.some((e) => e.id === state.selectedId) ? state.selectedId : shown[0]?.id;
  return { ...state, ...snapshot, now, selectedId, revision: state.revision + 1 };
}

/** The view's answer to one key. Pure. */
export function queueKey(
  state: MergeQueueState,
  key: string,
): { state: MergeQueueState; effects?: Array<QueueEffect | { type: "close" }> } {
  const binding = findBinding(MERGE_QUEUE_BINDINGS, state.mode, key);
  if (!binding) return { state };
  const shown = orderEntries(state.entries);
  const index = shown.findIndex((e) => e.id === state.selectedId);
  const selected = shown[index];
  const act = (action: MergeQueueAction) =>
    selected ? { state, effects: [{ type: "act" as const, id: selected.id, action }] } : { state };
  const scroll = (offset: number) => ({
    state: { ...state, offset: Math.max(0, Math.min(offset, Math.max(0, state.log.length - 1))) },
  });
  switch (binding.command) {
    case "down":
      if (state.mode === "log") return scroll(state.offset + 1);
      return { state: { ...state, selectedId: (shown[index + 1] ?? selected)?.id } };
    case "up":
      if (state.mode === "log") return scroll(state.offset - 1);
      return { state: { ...state, selectedId: (shown[index - 1] ?? selected)?.id } };
    case "open":
      return selected ? { state, effects: [{ type: "open-log", id: selected.id }] } : { state };
    case "retry":
    case "drop":
    case "approve":
      return act(binding.command);
    case "move-up":
      return act("up");
    case "move-down":
      return act("down");
    case "close":
      return { state, effects: [{ type: "close" }] };
    case "page-down":
      return scroll(state.offset + LOG_PAGE);
    case "page-up":
      return scroll(state.offset - LOG_PAGE);
    case "top":
      return scroll(0);
    case "bottom":
      return scroll(state.log.length - LOG_PAGE);
    case "back":
      return { state: { ...state, mode: "list", log: [], offset: 0 } };
  }
}

/** The lines the view draws (list or log), each already one safe line. */
export function queueLines(
  state: MergeQueueState,
  width: number,
  height: number,
): Array<{ text: string; color?: string; bold?: boolean }> {
  const cut = (text: string) => sanitizeLine(text).slice(0, Math.max(1, width));
  if (state.mode === "log") {
    const id = state.selectedId ?? "";
    const body = state.log.slice(state.offset, state.offset + Math.max(1, height - 1));
    return [
      { text: cut(`${id} log · line ${state.offset + 1}/${state.log.length}`), bold: true },
      ...body.map((l) => ({ text: cut(l) })),
    ];
  }
  const j = state.journal;
  const out: Array<{ text: string; color?: string; bold?: boolean }> = [];
  const running = j
    ? `running ${j.entries.join(", ")}: ${j.step}${j.held ? " (held)" : ""}` +
      (j.gate && j.gateStartedAt
        ? ` · gate ${j.gate} ${Math.max(0, Math.round((state.now - Date.parse(j.gateStartedAt)) / 1000))} s`
        : "")
    : "idle";
  out.push({ text: cut(`Merge queue → ${j?.target ?? "target"} · ${running}`), bold: true });
  const shown = orderEntries(state.entries);
  if (shown.length === 0)
    out.push({ text: "the queue is empty: flotilla merge enqueue <agent>", color: "gray" });
  for (const e of shown) {
    const mark = e.id === state.selectedId ? "▸" : " ";
    const state_ = `${e.state}${e.flaky ? " (flaky)" : ""}`;
    const conflicts = e.predictedConflicts.length ? ` ⚠ ${e.predictedConflicts.join(",")}` : "";
    const batch = e.batch ? ` [${e.batch}]` : "";
    out.push({
      text: cut(
        `${mark} ${e.id.padEnd(4)} ${state_.padEnd(16)} ${e.agent.padEnd(10)} ${e.branch}  ${e.files.length} file${e.files.length === 1 ? "" : "s"}${conflicts}${batch}${e.reason ? ` · ${e.reason}` : ""}`,
      ),
      color: STATE_COLOR[e.state],
      bold: e.id === state.selectedId,
    });
  }
  if (j?.gate && state.tail.length > 0) {
    out.push({ text: cut(`── gate ${j.gate} output ──`), color: "cyan" });
    for (const line of state.tail) out.push({ text: cut(`  ${line}`), color: "gray" });
  }
  return out.slice(0, Math.max(1, height));
}

/**
 * `prefix g`: the merge queue. Entries by state with agent, branch, files, predicted
 * conflicts and batch; the running gate's name, elapsed time and last output lines (live:
 * the hub's merge-queue runner sends `merge` events, every second while a gate runs);
 * Enter opens an entry's log (scrollable); r retry, d drop, a approve, K/J reorder.
 */
export const mergeQueueView = defineView<MergeQueueState, QueueEffect>({
  id: "merge-queue",
  title: "In the merge queue:",
  bindings: MERGE_QUEUE_BINDINGS,
  opener: { key: "g", description: "open the merge queue", hint: "queue" },
  open: async (ctx) => {
    const source = ctx.services.mergeQueue;
    if (!source)
      return { effects: [{ type: "notice", level: "info", text: "no merge queue here" }] };
    return { state: createQueueState(await source.read(), ctx.now) };
  },
  key: (state, key) => queueKey(state, key),
  onEvent: (state, event) =>
    event.type === "merge" || event.type === "agent"
      ? { state, effects: [{ type: "reload" }] }
      : undefined,
  perform: async (effect, ctx) => {
    const source = ctx.services.mergeQueue;
    if (!source) return;
    switch (effect.type) {
      case "reload": {
        const snapshot = await source.read().catch(() => undefined);
        if (snapshot) return { update: (state) => updateQueueState(state, snapshot, ctx.now) };
        return;
      }
      case "act": {
        const text = await source.act(effect.id, effect.action);
        const snapshot = await source.read();
        return {
          update: (state) => updateQueueState(state, snapshot, ctx.now),
          effects: [{ type: "notice", level: "info", text }],
        };
      }
      case "open-log": {
        const log = (await source.log(effect.id)).split("\n");
        return {
          update: (state) => ({
            ...state,
            mode: "log",
            selectedId: effect.id,
            log,
            offset: Math.max(0, log.length - LOG_PAGE),
          }),
        };
      }
    }
  },
  size: () => ({ width: 120, height: 30, minHeight: 6 }),
  cacheKey: (state) =>
    [
      "merge-queue",
      state.revision,
      state.mode,
      state.selectedId ?? "",
      state.offset,
      state.log.length,
      Math.floor(state.now / 1000),
    ].join("\u0001"),
  element: (state, { width, height }): ReactElement =>
    createElement(
      Dialog,
      { width, height, title: "", lines: [] },
      ...queueLines(state, width - 4, height - 2).map((line, i) =>
        createElement(
          Text,
          {
            key: i,
            wrap: "truncate-end",
            ...(line.color ? { color: line.color } : {}),
            ...(line.bold ? { bold: true } : {}),
          },
          line.text === "" ? " " : line.text,
        ),
      ),
    ),
  hints: (state) => hintLine(MERGE_QUEUE_BINDINGS, state.mode, { separator: " · " }),
});
