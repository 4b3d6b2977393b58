import type { HubLink, PaneScreens } from "../hub/link.js";
import type { AgentView, HubCommand, HubEvent, HubEventOf } from "../hub/protocol.js";
import { computeLayout, neighbour, paneAt, type Layout, type LayoutInput } from "../core/layout.js";
import {
  createInputState,
  createKeymap,
  feedInput,
  flushInput,
  leaveScrollMode,
  needsFlush,
  scrollTo,
  statusHints,
  type CockpitCommand,
  type HelpSection,
  type InputAction,
  type InputState,
  type Keymap,
} from "../core/keymap.js";
import { splitKeys } from "../core/keys.js";
import { describeKey } from "../core/key-names.js";
import { CellGrid } from "../terminal/cell-grid.js";
import { Compositor } from "../terminal/compositor.js";
import {
  encodeMouseForChild,
  parseMouseEvents,
  translateInput,
  type MouseEvent,
} from "../terminal/input.js";
import { ChromeRenderer, blit } from "./chrome-layer.js";
import { paintChrome, type PaintedChrome } from "./chrome-painter.js";
import { FrameScheduler } from "./frame-scheduler.js";
import { mailAlert } from "../hub/notify.js";
import { VIEWS, type AnyView } from "./views/registry.js";
import {
  isCockpitEffect,
  type CockpitEffect,
  type ViewContext,
  type ViewServices,
  type ViewOpen,
  type ViewStep,
} from "./views/view.js";
import type { CockpitMail } from "./views/inbox.js";

export type { CockpitMail } from "./views/inbox.js";

/** Output of the focused pane this soon after a keystroke is drawn at once (echo). */
const ECHO_WINDOW_MS = 100;
/** Lines per mouse-wheel notch in scrollback. */
const WHEEL_LINES = 3;
/** A lone Escape is settled after this quiet time, in ms (tmux's escape-time). */
const ESCAPE_TIME_MS = 30;

/** The terminal the cockpit draws on. */
export interface CockpitTerminal {
  write(data: string): void;
  size(): { cols: number; rows: number };
}

export interface CockpitOptions {
  /** The prefix key's byte, e.g. "\x02" for Ctrl-b. */
  prefix: string;
  /** Shown at the left of the status bar. */
  title: string;
  /** Runtimes offered in the spawn dialog. */
  runtimes: string[];
  /** Called when the user quits (after confirmation). */
  onQuit(): void;
  /** Called for prefix d; undefined when detaching is not possible. */
  onDetach?: () => void;
  /** The inbox (prefix m); undefined hides it. */
  mail?: CockpitMail;
  /** More data sources for views (see `views/view.ts`), merged over the ones above. */
  services?: Partial<ViewServices>;
  /** The user's environment, to choose how urgent mail notifies (bell, OSC 9 / 777). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** The open view and its state; `open` is a fresh object per opening (async results check it). */
interface OpenView {
  view: AnyView;
  state: never;
}

/**
 * The cockpit: keeps focus, zoom and scroll, routes input to the focused pane or the open
 * view (`views/`), and composes frames from the chrome (`chrome-painter.ts`, Ink) and the
 * pane screens (xterm buffers) through the cell compositor, when `frame-scheduler.ts` says.
 */
export class Cockpit {
  private agents: AgentView[] = [];
  private focus: string | undefined;
  private zoomed = false;
  private open: OpenView | undefined;
  /** Mail reactions: agents that said `worker_done`, and panes flagged by `error`/`escalation`. */
  private readonly done = new Set<string>();
  private readonly alerts = new Set<string>();
  private cockpitUnread = 0;
  /** Keys, prefix and scroll mode with its offset (the focused pane's): see core/keymap.ts. */
  private inputState: InputState = createInputState();
  private readonly keymap: Keymap;
  private readonly services: ViewServices;
  private readonly helpSections: HelpSection[];
  private escapeTimer: NodeJS.Timeout | undefined;
  /** The start of a mouse report that the last read cut off. */
  private mouseTail = "";
  private notice: { level: "info" | "error"; text: string } | undefined;
  private noticeTimer: NodeJS.Timeout | undefined;

  private readonly compositor: Compositor;
  private readonly chrome = new ChromeRenderer();
  private readonly frames: FrameScheduler;
  private size: { cols: number; rows: number };
  private layout: Layout;
  private frame: CellGrid;
  private painted: PaintedChrome | undefined;
  private readonly dirtyPanes = new Set<string>();
  private readonly parsing = new Set<string>();
  private lastInputAt = 0;
  private readonly unsubscribe: () => void;
  private readonly now: () => number;

  constructor(
    private readonly terminal: CockpitTerminal,
    private readonly hub: HubLink,
    private readonly screens: PaneScreens,
    private readonly options: CockpitOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.keymap = createKeymap(
      options.prefix,
      VIEWS.flatMap((view) =>
        view.opener && "key" in view.opener
          ? [
              {
                context: "prefix" as const,
                command: `view:${view.id}` as const,
                keys: [view.opener.key],
                description: view.opener.description,
                ...(view.opener.hint ? { hint: view.opener.hint } : {}),
              },
            ]
          : [],
      ),
    );
    this.services = {
      runtimes: options.runtimes,
      canDetach: options.onDetach !== undefined,
      ...(options.mail ? { mail: options.mail } : {}),
      ...options.services,
    };
    this.helpSections = VIEWS.flatMap((view) =>
      view.title ? [{ heading: view.title, bindings: uniqueCommands(view.bindings) }] : [],
    );
    this.size = terminal.size();
    this.compositor = new Compositor(terminal, this.size.cols, this.size.rows);
    this.frame = new CellGrid(this.size.cols, this.size.rows);
    this.frames = new FrameScheduler(() => this.renderNow(), this.now);
    this.layout = computeLayout(this.layoutInput());
    this.unsubscribe = hub.onEvent((event) => this.onEvent(event));
  }

  /** Loads the agent list from the hub and draws the first frame. */
  async start(): Promise<void> {
    const agents = (await this.hub.request({ type: "list" })) as AgentView[];
    this.agents = agents;
    this.focus = agents[0]?.name;
    this.relayout();
    this.renderNow();
  }

  /** Stops drawing and listening; the caller restores the terminal. */
  close(): void {
    this.frames.close();
    this.unsubscribe();
    clearTimeout(this.noticeTimer);
    clearTimeout(this.escapeTimer);
  }

  /** The terminal was resized: re-lay out, resize every pty, redraw everything. */
  resize(): void {
    this.size = this.terminal.size();
    this.compositor.resize(this.size.cols, this.size.rows);
    this.frame = new CellGrid(this.size.cols, this.size.rows);
    this.relayout();
    this.renderNow();
  }

  /** Raw bytes from the user's terminal. */
  input(data: string): void {
    this.lastInputAt = this.now();
    // A mouse report cut by the end of a read (common over SSH) waits for its tail.
    const { events, rest, partial } = parseMouseEvents(this.mouseTail + data);
    this.mouseTail = partial;
    for (const event of events) this.onMouse(event);
    if (rest.length > 0) this.onKeys(rest);
  }

  // ---- hub events -------------------------------------------------------------------

  private onEvent(event: HubEvent): void {
    switch (event.type) {
      case "output":
      case "snapshot":
      case "resized":
        this.paneOutput(event.name);
        return;
      case "status": {
        const agent = this.agents.find((a) => a.name === event.name);
        if (agent) {
          agent.status = event.status;
          if (event.exitCode !== undefined) agent.exitCode = event.exitCode;
          this.invalidateChrome();
        }
        break;
      }
      case "agent": {
        const index = this.agents.findIndex((a) => a.name === event.agent.name);
        if (index >= 0) this.agents[index] = event.agent;
        else this.agents.push(event.agent);
        this.focus ??= event.agent.name;
        this.relayout();
        break;
      }
      case "agents":
        this.agents = event.agents;
        if (!this.agents.some((a) => a.name === this.focus)) this.setFocus(this.agents[0]?.name);
        this.relayout();
        break;
      case "removed":
        this.agents = this.agents.filter((a) => a.name !== event.name);
        if (this.focus === event.name) this.setFocus(this.agents[0]?.name);
        this.relayout();
        break;
      case "notice":
        this.showNotice(event.level, event.text);
        break;
      case "mail":
        this.onMail(event.summary);
        break;
      case "result":
        return;
    }
    const open = this.open;
    const step = open?.view.onEvent?.(open.state, event, this.viewContext());
    if (open && step) this.applyStep(open, step);
  }

  private onMail(summary: HubEventOf<"mail">["summary"]): void {
    for (const agent of this.agents) agent.unread = summary.unread[agent.name] ?? 0;
    this.cockpitUnread = summary.cockpitUnread;
    for (const reaction of summary.reactions) {
      if (reaction.kind === "done") this.done.add(reaction.agent);
      else if (reaction.agent !== this.focus) this.alerts.add(reaction.agent);
    }
    if (summary.latest) {
      const alert = mailAlert(summary.latest, this.options.env ?? {});
      if (alert) this.terminal.write(alert);
      this.showNotice("info", `mail from ${summary.latest.from}: ${summary.latest.subject}`);
    }
    this.invalidateChrome();
  }

  private paneOutput(name: string): void {
    if (!this.isVisible(name) || this.parsing.has(name)) return;
    this.parsing.add(name);
    this.screens.whenParsed(name, () => {
      this.parsing.delete(name);
      this.dirtyPanes.add(name);
      const echo = name === this.focus && this.now() - this.lastInputAt < ECHO_WINDOW_MS;
      this.frames.schedule(echo);
    });
  }

  // ---- input ------------------------------------------------------------------------

  private onKeys(data: string): void {
    if (this.open) {
      // Keys typed fast (or pasted) arrive in one chunk: the view takes them one by one.
      for (const key of splitKeys(data)) {
        const open = this.open;
        if (!open) break;
        this.applyStep(open, open.view.key(open.state, key, this.viewContext()));
      }
      return;
    }
    clearTimeout(this.escapeTimer);
    this.apply(feedInput(this.inputState, data, this.keymap));
    if (needsFlush(this.inputState)) {
      this.escapeTimer = setTimeout(
        () => this.apply(flushInput(this.inputState, this.keymap)),
        ESCAPE_TIME_MS,
      );
    }
  }

  private apply(result: { state: InputState; actions: InputAction[] }): void {
    const hadPrefix = this.inputState.prefixPending;
    this.inputState = result.state;
    for (const action of result.actions) {
      if (action.type === "forward") this.forward(action.data);
      else if (action.type === "command") this.run(action.command);
      else if (action.context === "prefix") {
        const prefix = describeKey(this.keymap.prefix);
        this.showNotice(
          "info",
          `${prefix} ${describeKey(action.key)} is not bound (${prefix} ? for help)`,
        );
      }
    }
    if (hadPrefix !== this.inputState.prefixPending) this.invalidateChrome();
  }

  private forward(data: string): void {
    const name = this.focus;
    if (!name) return;
    const screen = this.screens.get(name);
    const bytes = screen ? translateInput(data, screen.modes) : data;
    screen?.expectEcho();
    this.hub.send({ type: "input", name, data: bytes });
  }

  private run(command: CockpitCommand): void {
    const focus = this.focus;
    const view = VIEWS.find(
      (v) =>
        v.opener &&
        ("command" in v.opener ? v.opener.command === command : `view:${v.id}` === command),
    );
    if (view) return this.openView(view);
    if (this.keymap.bindings.some((b) => b.command === command && b.confirm)) {
      return this.openView(
        VIEWS.find((v) => v.id === "confirm")!,
        command,
      );
    }
    switch (command) {
      case "focus-left":
      case "focus-right":
      case "focus-up":
      case "focus-down": {
        if (!focus || this.layout.tooSmall) return;
        const grid = this.zoomed
          ? computeLayout({ ...this.layoutInput(), zoomed: false })
          : this.layout;
        const next = neighbour(grid, focus, command.slice(6) as "left" | "right" | "up" | "down");
        if (next) this.setFocus(next);
        return;
      }
      case "focus-next": {
        if (this.agents.length === 0) return;
        const index = this.agents.findIndex((a) => a.name === focus);
        this.setFocus(this.agents[(index + 1) % this.agents.length]!.name);
        return;
      }
      case "zoom":
        this.zoomed = !this.zoomed;
        this.relayout();
        return;
      case "respawn": {
        const agent = this.agents.find((a) => a.name === focus);
        if (!focus || !agent) return;
        if (agent.status !== "exited" && agent.status !== "lost") {
          this.showNotice(
            "info",
            `${focus} is ${agent.status}: only an exited or lost agent can be respawned`,
          );
          return;
        }
        this.request({ type: "respawn", name: focus }, `respawning ${focus}`);
        return;
      }
      case "detach":
        if (this.options.onDetach) this.options.onDetach();
        else
          this.showNotice(
            "info",
            "detach needs the hub daemon; this cockpit runs its agents itself",
          );
        return;
      default:
        if (command.startsWith("scroll-")) this.scroll(command);
    }
  }

  /** Scroll mode's commands on the focused pane (the input machine switched modes already). */
  private scroll(command: CockpitCommand): void {
    const name = this.focus;
    const screen = name ? this.screens.get(name) : undefined;
    if (!name || !screen || command === "scroll-exit") return this.leaveScroll();
    // Entering (again): a remote hub sends scrollback only when asked.
    if (command === "scroll-mode") void this.screens.loadScrollback?.(name);
    const page = Math.max(1, screen.rows - 1);
    const offset = this.inputState.scrollOffset;
    const max = screen.scrollbackLength;
    const next = {
      "scroll-mode": offset,
      "scroll-page-up": offset + page,
      "scroll-page-down": offset - page,
      "scroll-line-up": offset + 1,
      "scroll-line-down": offset - 1,
      "scroll-top": max,
      "scroll-bottom": 0,
    }[command as string];
    if (next === undefined) return;
    this.scrollFocus(Math.max(0, Math.min(max, next)));
  }

  /** Scrolls the focused pane back `offset` lines (entering scroll mode if needed). */
  private scrollFocus(offset: number): void {
    const name = this.focus;
    if (!name) return;
    if (this.inputState.mode !== "scroll") void this.screens.loadScrollback?.(name);
    this.inputState = scrollTo(this.inputState, offset);
    this.dirtyPanes.add(name);
    this.invalidateChrome();
  }

  /** Leaves scroll mode: the focused pane follows its output again. */
  private leaveScroll(): void {
    if (this.inputState.mode !== "scroll") return;
    this.inputState = leaveScrollMode(this.inputState);
    if (this.focus) this.dirtyPanes.add(this.focus);
    this.invalidateChrome();
  }

  private onMouse(event: MouseEvent): void {
    if (this.layout.tooSmall || this.open?.view.modal) return;
    const name = paneAt(this.layout, event.x, event.y);
    if (!name) return;
    const pane = this.layout.panes.find((p) => p.name === name)!;
    const screen = this.screens.get(name);
    const { x, y, width, height } = pane.inner;
    const inside = event.x >= x && event.x < x + width && event.y >= y && event.y < y + height;
    const scrolled = name === this.focus && this.inputState.mode === "scroll";
    if (inside && screen && !scrolled && !this.open) {
      const encoded = encodeMouseForChild(event, x, y, screen.modes);
      if (encoded !== null) {
        if (event.kind === "press") this.setFocus(name);
        this.hub.send({ type: "input", name, data: encoded });
        return;
      }
    }
    if (event.kind === "press") this.setFocus(name);
    else if ((event.kind === "wheel-up" || event.kind === "wheel-down") && screen) {
      this.setFocus(name);
      const delta = event.kind === "wheel-up" ? WHEEL_LINES : -WHEEL_LINES;
      const next = Math.max(
        0,
        Math.min(screen.scrollbackLength, this.inputState.scrollOffset + delta),
      );
      if (next === 0 && event.kind === "wheel-down") this.leaveScroll();
      else this.scrollFocus(next);
    }
  }

  // ---- views ------------------------------------------------------------------------

  private viewContext(): ViewContext {
    return {
      now: this.now(),
      keymap: this.keymap,
      agents: this.agents,
      focus: this.focus,
      services: this.services,
      helpSections: this.helpSections,
    };
  }

  /** Opens `view`: at once when its `open` is synchronous (keys after it in a chunk go to it). */
  private openView(view: AnyView, arg?: CockpitCommand): void {
    const fail = (error: unknown) =>
      this.showNotice("error", `${view.id}: ${describeError(error)}`);
    const opened = (result: ViewOpen<never, never>): void => {
      const open = result.state === undefined ? undefined : { view, state: result.state };
      if (open) this.setOpen(open);
      this.effects(open, result.effects ?? []);
    };
    try {
      const result = view.open(this.viewContext(), arg);
      if (result instanceof Promise) result.then(opened, fail);
      else opened(result);
    } catch (error) {
      fail(error);
    }
  }

  private applyStep(open: OpenView, step: ViewStep<never, never>): void {
    if (this.open === open) this.setOpen({ view: open.view, state: step.state });
    this.effects(this.open, step.effects ?? []);
  }

  private setOpen(open: OpenView | undefined): void {
    this.open = open;
    this.layout = computeLayout(this.layoutInput());
    this.invalidateChrome();
  }

  /** Runs effects from `open` (the view as it is now): the cockpit's, or the view's own. */
  private effects(open: OpenView | undefined, effects: ReadonlyArray<{ type: string }>): void {
    for (const effect of effects) {
      if (isCockpitEffect(effect)) this.cockpitEffect(effect);
      else if (open?.view.perform) void this.perform(open.view, effect as never);
    }
  }

  private async perform(view: AnyView, effect: never): Promise<void> {
    try {
      const after = await view.perform!(effect, this.viewContext());
      const open = this.open;
      if (after?.update && open?.view === view)
        this.setOpen({ view, state: after.update(open.state) });
      this.effects(this.open, after?.effects ?? []);
    } catch (error) {
      this.showNotice("error", describeError(error));
    }
  }

  private cockpitEffect(effect: CockpitEffect): void {
    switch (effect.type) {
      case "close":
        if (this.open) this.setOpen(undefined);
        return;
      case "notice":
        return this.showNotice(effect.level, effect.text);
      case "request": {
        const { focus } = effect;
        return this.request(
          effect.command,
          effect.success,
          focus ? () => this.setFocus(focus) : undefined,
        );
      }
      case "quit":
        return this.options.onQuit();
      case "detach":
        return this.options.onDetach?.();
    }
  }

  private request(command: HubCommand, success: string, then?: () => void): void {
    this.hub.request(command).then(
      () => {
        this.showNotice("info", success);
        then?.();
      },
      (error: unknown) => this.showNotice("error", describeError(error)),
    );
  }

  // ---- state changes ----------------------------------------------------------------

  private setFocus(name: string | undefined): void {
    if (this.focus === name) return;
    this.leaveScroll();
    this.focus = name;
    if (name) this.alerts.delete(name);
    if (this.zoomed) this.relayout();
    else this.invalidateChrome();
  }

  private showNotice(level: "info" | "error", text: string): void {
    this.notice = { level, text };
    clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => {
      this.notice = undefined;
      this.invalidateChrome();
    }, 5000);
    this.noticeTimer.unref?.();
    this.invalidateChrome();
  }

  private layoutInput(): LayoutInput {
    const open = this.open;
    return {
      cols: this.size.cols,
      rows: this.size.rows,
      panes: this.agents.map((a) => a.name),
      focused: this.focus,
      zoomed: this.zoomed,
      ...(open ? { view: open.view.size(open.state, this.viewContext()) } : {}),
    };
  }

  /** Recomputes rectangles and tells the hub each visible pane's inner size. */
  private relayout(): void {
    this.layout = computeLayout(this.layoutInput());
    if (!this.layout.tooSmall) {
      for (const { name, inner } of this.layout.panes) {
        this.hub.send({ type: "resize", name, cols: inner.width, rows: inner.height });
      }
    }
    this.invalidateChrome();
  }

  private isVisible(name: string): boolean {
    return !this.layout.tooSmall && this.layout.panes.some((p) => p.name === name);
  }

  private invalidateChrome(): void {
    this.painted = undefined;
    this.frames.schedule(true);
  }

  // ---- drawing ----------------------------------------------------------------------

  /** Composes and writes one frame now. */
  renderNow(): void {
    this.frames.drawn();
    const scrolled = this.inputState.mode === "scroll" ? this.focus : undefined;
    if (!this.painted) {
      this.painted = this.paint(scrolled);
      this.frame = this.painted.grid.clone();
      if (!this.layout.tooSmall)
        for (const pane of this.layout.panes) this.dirtyPanes.add(pane.name);
    }
    if (!this.layout.tooSmall) {
      for (const pane of this.layout.panes) {
        if (!this.dirtyPanes.has(pane.name)) continue;
        // A lost agent has no screen worth showing: its pane keeps the chrome's note.
        if (this.agents.find((a) => a.name === pane.name)?.status === "lost") continue;
        const { x, y, width, height } = pane.inner;
        const offset = pane.name === scrolled ? this.inputState.scrollOffset : 0;
        this.screens.get(pane.name)?.copyInto(this.frame, x, y, width, height, offset);
      }
    }
    this.dirtyPanes.clear();
    const overlay = this.painted.overlay;
    if (overlay) blit(this.frame, overlay.grid, overlay.x, overlay.y);
    this.compositor.render(this.frame, this.cursor(scrolled));
  }

  private paint(scrolled: string | undefined): PaintedChrome {
    const open = this.open;
    const ctx = this.viewContext();
    const context =
      this.inputState.mode === "scroll"
        ? "scroll"
        : this.inputState.prefixPending
          ? "prefix"
          : "normal";
    const total = scrolled ? (this.screens.get(scrolled)?.scrollbackLength ?? 0) : 0;
    return paintChrome(this.chrome, {
      ...this.size,
      layout: this.layout,
      agents: this.agents,
      focus: this.focus,
      zoomed: this.zoomed,
      prefix: this.options.prefix,
      title: this.options.title,
      hints: (open && open.view.hints?.(open.state)) ?? statusHints(this.keymap, context),
      ...(this.notice ? { notice: this.notice } : {}),
      cockpitUnread: this.cockpitUnread,
      done: this.done,
      alerts: this.alerts,
      ...(scrolled && this.screens.get(scrolled)
        ? { scroll: { pane: scrolled, offset: this.inputState.scrollOffset, total } }
        : {}),
      ...(open
        ? {
            view: {
              key: `${open.view.id}:${open.view.cacheKey(open.state)}`,
              element: (rect) => open.view.element(open.state, rect, ctx),
            },
          }
        : {}),
    });
  }

  private cursor(scrolled: string | undefined): { x: number; y: number; visible: boolean } {
    const hidden = { x: this.size.cols - 1, y: this.size.rows - 1, visible: false };
    if (this.layout.tooSmall || this.open || !this.focus || scrolled) return hidden;
    const pane = this.layout.panes.find((p) => p.name === this.focus);
    const screen = this.screens.get(this.focus);
    if (!pane || !screen) return hidden;
    const cursor = screen.cursor;
    if (cursor.x >= pane.inner.width || cursor.y >= pane.inner.height) return hidden;
    return { x: pane.inner.x + cursor.x, y: pane.inner.y + cursor.y, visible: cursor.visible };
  }
}

/** One binding per command (a view lists a key once in help even if several contexts bind it). */
function uniqueCommands<B extends { command: string }>(bindings: readonly B[]): B[] {
  const seen = new Set<string>();
  return bindings.filter((b) => !seen.has(b.command) && seen.add(b.command));
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
