import type { ReactElement } from "react";
import type { Binding, CockpitCommand, HelpSection, Keymap } from "../../core/keymap.js";
import type { LayoutName, ViewSize } from "../../core/layout.js";
import type { AgentView, HubCommand, HubEvent } from "../../hub/protocol.js";
import type { CockpitMail } from "./inbox.js";
import type { MergeQueueSource } from "./merge-queue.js";
import type { CockpitMemory } from "./memory.js";
import type { CockpitTasks } from "./tasks.js";

/**
 * A cockpit view: help, a dialog, the inbox, and next the merge queue, memory browser and
 * task board. One module under `src/tui/views/` exports one `View` (made with
 * {@link defineView}) and one line in `registry.ts` lists it; the cockpit never names a
 * view. While a view is open it has the keyboard (the panes keep drawing underneath).
 *
 * A view is:
 * - a pure controller: {@link View.open} makes the first state (it may load data first,
 *   asynchronously, through `ctx.services`), {@link View.key} maps (state, one key) to a
 *   new state and effects, {@link View.onEvent} reacts to hub events (e.g. reload when the
 *   hub reports a change);
 * - {@link View.perform} for its own effects (I/O through `ctx.services`), resolving to an
 *   update the cockpit applies to whatever the state is by then (if the view is still open);
 * - an Ink element ({@link View.element}) and a cache key naming exactly what it draws
 *   ({@link View.cacheKey}: the chrome re-renders the element only when the key changes);
 * - its bindings (help lists them under {@link View.title}; hints come from the same table)
 *   and the key that opens it ({@link View.opener});
 * - the size it wants ({@link View.size}); `core/layout.ts` turns it into its rectangle.
 *
 * Data a view needs from outside (a JSON file, a store) comes in {@link ViewServices},
 * which `run-cockpit.ts` fills in: add an optional member there for a new data source.
 */
export interface View<S, E extends { type: string } = never> {
  /** Unique id, e.g. `inbox`; `view:<id>` is the command of its opener key. */
  readonly id: string;
  /** Help heading for its bindings, e.g. `In the inbox:`; help leaves untitled views out. */
  readonly title?: string;
  /** Its keys, in the one binding shape (`core/keymap.ts`); contexts are its own. */
  readonly bindings: ReadonlyArray<Binding<string, string>>;
  /**
   * What opens it: a built-in cockpit command (`help`, `inbox`, `spawn-dialog`, or a command
   * whose binding has `confirm`), or its own key after the prefix (added to the prefix table,
   * so help and hints list it). Omitted: only other code opens it.
   */
  readonly opener?:
    { command: CockpitCommand } | { key: string; description: string; hint?: string };
  /** Clicks and the wheel are ignored while it is open (otherwise they reach the panes). */
  readonly modal?: boolean;
  /**
   * The first state, or no state (with effects, e.g. a notice) when it cannot open. `arg`
   * is what the opener passed: the command for `confirm`, nothing for a key.
   * @throws anything: the cockpit shows `<id>: <message>` as an error notice.
   */
  open(ctx: ViewContext, arg?: CockpitCommand): ViewOpen<S, E> | Promise<ViewOpen<S, E>>;
  /** The answer to one whole key (from `splitKeys`, `core/keys.ts`). Pure. */
  key(state: S, key: string, ctx: ViewContext): ViewStep<S, E>;
  /** A hub event arrived while open (not pane output); undefined: nothing changes. Pure. */
  onEvent?(state: S, event: HubEvent, ctx: ViewContext): ViewStep<S, E> | undefined;
  /**
   * Performs one of its own effects (I/O through `ctx.services`); resolves to an update of
   * the then-current state and cockpit effects, or nothing. The update is dropped when the
   * view was closed meanwhile.
   * @throws anything: the cockpit shows the message as an error notice.
   */
  perform?(effect: E, ctx: ViewContext): Promise<ViewAfter<S> | void>;
  /** The size it wants, in cells (clamped and centered by `placeView`). */
  size(state: S, ctx: ViewContext): ViewSize;
  /** A string that changes whenever the element would (not a dump of the whole state). */
  cacheKey(state: S): string;
  /** The element drawn at exactly `width` × `height` cells. */
  element(state: S, size: { width: number; height: number }, ctx: ViewContext): ReactElement;
  /** Status-bar hints while open; when absent the bar keeps the panes' hints. */
  hints?(state: S): string;
}

/** A state and what the cockpit must do next. */
export interface ViewStep<S, E> {
  state: S;
  effects?: ReadonlyArray<CockpitEffect | E>;
}

/** What an asynchronous effect leaves: an update of the current state, cockpit effects. */
export interface ViewAfter<S> {
  update?: (state: S) => S;
  effects?: readonly CockpitEffect[];
}

/** Result of {@link View.open}: no `state` means the view stays closed. */
export interface ViewOpen<S, E> {
  state?: S;
  effects?: ReadonlyArray<CockpitEffect | E>;
}

/**
 * Effects every view may ask of the cockpit: `close` the view; show a `notice`; send a hub
 * `request`, showing `success` (or the error) and then focusing `focus`; `quit` or `detach`
 * as the user asked (both only after a confirmation); `run` a cockpit command as its key
 * would; set the named `layout`; `focus` a pane; type `data` into agent `name`'s pty (`input`).
 */
export type CockpitEffect =
  | { type: "close" }
  | { type: "notice"; level: "info" | "error"; text: string }
  | { type: "request"; command: HubCommand; success: string; focus?: string }
  | { type: "quit" }
  | { type: "detach" }
  | { type: "run"; command: CockpitCommand }
  | { type: "layout"; layout: LayoutName }
  | { type: "focus"; name: string }
  | { type: "input"; name: string; data: string };

const COCKPIT_EFFECTS: ReadonlySet<string> = new Set([
  "close",
  "notice",
  "request",
  "quit",
  "detach",
  "run",
  "layout",
  "focus",
  "input",
]);

/** True for the effects the cockpit performs itself (a view's own never use these types). */
export function isCockpitEffect(effect: { type: string }): effect is CockpitEffect {
  return COCKPIT_EFFECTS.has(effect.type);
}

/** Data sources and facts from outside, filled in by `run-cockpit.ts` (tests hand fakes). */
export interface ViewServices {
  /** The human's mailbox; absent: the inbox says there is none. */
  mail?: CockpitMail;
  /** The merge queue (prefix g); absent: the view says there is none. */
  mergeQueue?: MergeQueueSource;
  /** The project's shared memory; absent: the memory browser says there is none. */
  memory?: CockpitMemory;
  /** The task board; absent: the board says there is none. */
  tasks?: CockpitTasks;
  /** Runtimes offered by the spawn form. */
  runtimes: readonly string[];
  /** Whether prefix d can detach (a hub daemon runs the agents). */
  canDetach: boolean;
}

/** What a view may read, handed in on every call (a snapshot; do not keep it). */
export interface ViewContext {
  /** ms since the epoch. */
  readonly now: number;
  readonly keymap: Keymap;
  readonly agents: readonly AgentView[];
  readonly focus: string | undefined;
  readonly services: ViewServices;
  /** Every titled view's bindings, for the help view. */
  readonly helpSections: readonly HelpSection[];
}

/** Types a view module's export (`export const fooView = defineView<FooState, FooEffect>({…})`). */
export function defineView<S, E extends { type: string } = never>(view: View<S, E>): View<S, E> {
  return view;
}
