import { createElement } from "react";
import type { AgentView, HubCommand, HubEvent, HubEventOf } from "../hub/protocol.js";
import { computeLayout, neighbour, paneAt, type Layout } from "../core/layout.js";
import {
  createInputState,
  createKeymap,
  enterScrollMode,
  feedInput,
  flushInput,
  helpLines,
  leaveScrollMode,
  needsFlush,
  statusHints,
  type CockpitCommand,
  type InputAction,
  type InputState,
  type Keymap,
} from "../core/keymap.js";
import { describeKey } from "../core/key-names.js";
import { CellGrid } from "../terminal/cell-grid.js";
import { Compositor } from "../terminal/compositor.js";
import { encodeMouseForChild, parseMouseEvents, translateInput } from "../terminal/input.js";
import type { PaneScreen } from "../terminal/pane-screen.js";
import { ChromeRenderer, blit } from "./chrome-layer.js";
import {
  createInbox,
  inboxInput,
  splitKeys,
  updateInbox,
  type InboxDraft,
  type InboxEffect,
  type InboxMessage,
  type InboxState,
} from "./inbox-controller.js";
import { inboxView } from "./InboxOverlay.js";
import { mailAlert } from "./notify.js";
import { Dialog, LostNote, PaneFrame, SpawnForm, StatusBar, type FormField } from "./Chrome.js";

/** Frames at most every this many ms under load (~60 fps). */
const FRAME_INTERVAL_MS = 16;
/** Output of the focused pane this soon after a keystroke is drawn at once (echo). */
const ECHO_WINDOW_MS = 100;
/** Lines per mouse-wheel notch in scrollback. */
const WHEEL_LINES = 3;
/** A lone Escape is settled after this quiet time, in ms (tmux's escape-time). */
const ESCAPE_TIME_MS = 30;

/** How the cockpit talks to the hub: in-process today, over a socket with the daemon. */
export interface HubLink {
  send(command: HubCommand): void;
  /** Sends a command with an id and resolves with its `result` value (rejects on error). */
  request(command: HubCommand): Promise<unknown>;
  onEvent(listener: (event: HubEvent) => void): () => void;
}

/**
 * The screens the cockpit draws from. In-process these are the hub's own screen models;
 * a remote client keeps mirrors fed from snapshots and output events.
 */
export interface PaneScreens {
  get(name: string): PaneScreen | undefined;
  /** Calls `done` once output received so far for `name` has been parsed. */
  whenParsed(name: string, done: () => void): void;
  /** Fetches `name`'s scrollback when it is not held locally (a remote hub sends it lazily). */
  loadScrollback?(name: string): Promise<void>;
}

/** The cockpit's own mailbox (the human's), read and written through the mail store. */
export interface CockpitMail {
  /** The cockpit's messages, newest first, sent ones included (for threads). */
  list(): Promise<InboxMessage[]>;
  markRead(ids: readonly string[]): Promise<void>;
  /** Sends a draft from the cockpit. @throws FlotillaError with a one-line reason. */
  send(draft: InboxDraft): Promise<void>;
}

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
  /** The user's environment, to choose how urgent mail notifies (bell, OSC 9 / 777). */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
}

/** What has the keyboard besides the panes: nothing (`normal`), or an overlay. */
type Mode =
  | { kind: "normal" }
  | { kind: "help" }
  | { kind: "inbox"; state: InboxState }
  /** A question answered by one key; any key not in `choices` cancels. */
  | { kind: "confirm"; title: string; lines: string[]; choices: Record<string, () => void> }
  | { kind: "spawn"; fields: FormField[]; active: number; error?: string };

/**
 * The cockpit: keeps UI state (focus, zoom, modes, scroll offsets), routes input, and
 * composes frames from the chrome (Ink) and the pane screens (xterm buffers) through the
 * cell compositor. Draws only when something is dirty, at most ~60 fps, except that the
 * focused pane's echo is drawn at once.
 */
export class Cockpit {
  private agents: AgentView[] = [];
  private focus: string | undefined;
  private zoomed = false;
  private mode: Mode = { kind: "normal" };
  private readonly scroll = new Map<string, number>();
  /** Mail reactions: agents that said `worker_done`, and panes flagged by `error`/`escalation`. */
  private readonly done = new Set<string>();
  private readonly alerts = new Set<string>();
  private cockpitUnread = 0;
  private inputState: InputState = createInputState();
  private readonly keymap: Keymap;
  private escapeTimer: NodeJS.Timeout | undefined;
  private notice: { level: "info" | "error"; text: string } | undefined;
  private noticeTimer: NodeJS.Timeout | undefined;

  private readonly compositor: Compositor;
  private readonly chrome = new ChromeRenderer();
  private size: { cols: number; rows: number };
  private layout: Layout;
  private frame: CellGrid;
  private chromeGrid: CellGrid | undefined;
  private overlay: { grid: CellGrid; x: number; y: number } | undefined;
  private readonly dirtyPanes = new Set<string>();
  private readonly parsing = new Set<string>();
  private frameTimer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private lastFrameAt = 0;
  private lastInputAt = 0;
  private readonly unsubscribe: () => void;
  private closed = false;
  private readonly now: () => number;

  constructor(
    private readonly terminal: CockpitTerminal,
    private readonly hub: HubLink,
    private readonly screens: PaneScreens,
    private readonly options: CockpitOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.keymap = createKeymap(options.prefix);
    this.size = terminal.size();
    this.compositor = new Compositor(terminal, this.size.cols, this.size.rows);
    this.frame = new CellGrid(this.size.cols, this.size.rows);
    this.layout = this.computeLayout();
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
    this.closed = true;
    this.unsubscribe();
    clearTimeout(this.frameTimer);
    clearTimeout(this.noticeTimer);
    clearTimeout(this.escapeTimer);
    if (this.immediate) clearImmediate(this.immediate);
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
    const { events, rest } = parseMouseEvents(data);
    for (const event of events) this.onMouse(event);
    if (rest.length > 0) this.onKeys(rest);
  }

  // ---- hub events -------------------------------------------------------------------

  private onEvent(event: HubEvent): void {
    switch (event.type) {
      case "output":
        this.paneOutput(event.name);
        return;
      case "status": {
        const agent = this.agents.find((a) => a.name === event.name);
        if (agent) {
          agent.status = event.status;
          if (event.exitCode !== undefined) agent.exitCode = event.exitCode;
          this.invalidateChrome();
        }
        return;
      }
      case "agent": {
        const index = this.agents.findIndex((a) => a.name === event.agent.name);
        if (index >= 0) this.agents[index] = event.agent;
        else this.agents.push(event.agent);
        this.focus ??= event.agent.name;
        this.relayout();
        return;
      }
      case "agents":
        this.agents = event.agents;
        if (!this.agents.some((a) => a.name === this.focus)) this.focus = this.agents[0]?.name;
        this.relayout();
        return;
      case "removed":
        this.agents = this.agents.filter((a) => a.name !== event.name);
        this.scroll.delete(event.name);
        if (this.focus === event.name) this.focus = this.agents[0]?.name;
        this.relayout();
        return;
      case "notice":
        this.showNotice(event.level, event.text);
        return;
      case "snapshot":
      case "resized":
        this.paneOutput(event.name);
        return;
      case "mail":
        this.onMail(event.summary);
        return;
      case "result":
        return;
    }
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
    if (this.mode.kind === "inbox") void this.reloadInbox();
    this.invalidateChrome();
  }

  private paneOutput(name: string): void {
    if (!this.isVisible(name) || this.parsing.has(name)) return;
    this.parsing.add(name);
    this.screens.whenParsed(name, () => {
      this.parsing.delete(name);
      this.dirtyPanes.add(name);
      const echo = name === this.focus && this.now() - this.lastInputAt < ECHO_WINDOW_MS;
      this.scheduleFrame(echo);
    });
  }

  // ---- input ------------------------------------------------------------------------

  private onKeys(data: string): void {
    switch (this.mode.kind) {
      case "normal": {
        clearTimeout(this.escapeTimer);
        this.apply(feedInput(this.inputState, data, this.keymap));
        if (needsFlush(this.inputState)) {
          this.escapeTimer = setTimeout(
            () => this.apply(flushInput(this.inputState, this.keymap)),
            ESCAPE_TIME_MS,
          );
        }
        return;
      }
      case "help":
        this.setMode({ kind: "normal" });
        return;
      case "inbox": {
        const { state, effects } = inboxInput(this.mode.state, data);
        this.setMode({ kind: "inbox", state });
        for (const effect of effects) void this.inboxEffect(effect);
        return;
      }
      case "confirm": {
        const action = this.mode.choices[data.toLowerCase()];
        this.setMode({ kind: "normal" });
        action?.();
        return;
      }
      case "spawn":
        // Keys typed fast (or pasted) arrive in one chunk: take them one by one.
        for (const key of splitKeys(data)) {
          if (this.mode.kind !== "spawn") break;
          this.spawnKeys(this.mode, key);
        }
        return;
    }
  }

  private apply(result: { state: InputState; actions: InputAction[] }): void {
    const hadPrefix = this.inputState.prefixPending;
    this.inputState = result.state;
    for (const action of result.actions) {
      if (action.type === "forward") this.forward(action.data);
      else if (action.type === "command") this.run(action.command);
      else if (action.context === "prefix") {
        this.showNotice(
          "info",
          `${describeKey(this.keymap.prefix)} ${describeKey(action.key)} is not bound (${describeKey(this.keymap.prefix)} ? for help)`,
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
    if (this.scroll.has(name)) {
      this.scroll.delete(name);
      this.invalidateChrome();
    }
    this.hub.send({ type: "input", name, data: bytes });
  }

  private run(command: CockpitCommand): void {
    const focus = this.focus;
    switch (command) {
      case "focus-left":
      case "focus-right":
      case "focus-up":
      case "focus-down": {
        if (!focus || this.layout.tooSmall) return;
        const grid = this.zoomed
          ? computeLayout({ ...this.layoutInput(), zoomed: false })
          : this.layout;
        if (grid.tooSmall) return;
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
      case "scroll-mode":
        if (!focus) return;
        if (!this.scroll.has(focus)) void this.screens.loadScrollback?.(focus);
        this.scroll.set(focus, this.scroll.get(focus) ?? 0);
        this.invalidateChrome();
        return;
      case "scroll-page-up":
      case "scroll-page-down":
      case "scroll-line-up":
      case "scroll-line-down":
      case "scroll-top":
      case "scroll-bottom":
      case "scroll-exit":
        this.scrollBy(command);
        return;
      case "spawn-dialog":
        this.setMode({
          kind: "spawn",
          active: 0,
          fields: [
            { label: "Name", value: "", hint: "letters, digits, . _ -" },
            { label: "Runtime", value: "shell", hint: this.options.runtimes.join(" ") },
            { label: "Prompt", value: "", hint: "first task (optional)" },
          ],
        });
        return;
      case "kill": {
        if (!focus) return;
        const agent = this.agents.find((a) => a.name === focus);
        this.setMode({
          kind: "confirm",
          title: `Kill agent ${focus}?`,
          lines: [
            `Stops ${focus}'s process (${agent?.runtime ?? "?"}, pid ${agent?.pid ?? "-"}).`,
            `Its worktree and branch ${agent?.branch ?? ""} are kept.`,
            "",
            "y: kill    any other key: cancel",
          ],
          choices: { y: () => this.request({ type: "kill", name: focus }, `killed ${focus}`) },
        });
        return;
      }
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
      case "help":
        this.setMode({ kind: "help" });
        return;
      case "quit": {
        const running = this.agents.filter((a) => a.status !== "exited" && a.status !== "lost");
        const { onDetach } = this.options;
        if (onDetach) {
          this.setMode({
            kind: "confirm",
            title: "Leave the cockpit?",
            lines: [
              "d: detach: agents keep running in the hub; `flotilla attach` comes back",
              `s: stop the hub and its ${running.length} running agent(s), then quit`,
              "",
              "any other key: stay",
            ],
            choices: { d: onDetach, s: () => this.options.onQuit() },
          });
          return;
        }
        if (running.length === 0) {
          this.options.onQuit();
          return;
        }
        this.setMode({
          kind: "confirm",
          title: "Quit the cockpit?",
          lines: [
            `${running.length} agent(s) still running will be stopped:`,
            running.map((a) => a.name).join(", "),
            "Worktrees and branches are kept; `flotilla respawn <name>` restarts one.",
            "",
            "y: quit    any other key: stay",
          ],
          choices: { y: () => this.options.onQuit() },
        });
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
      case "inbox":
        void this.openInbox();
        return;
    }
  }

  private scrollBy(command: CockpitCommand): void {
    const name = this.focus;
    const screen = name ? this.screens.get(name) : undefined;
    if (!name || !screen || command === "scroll-exit") {
      this.leaveScroll();
      return;
    }
    const page = Math.max(1, screen.rows - 1);
    const offset = this.scroll.get(name) ?? 0;
    const max = screen.scrollbackLength;
    const next = {
      "scroll-page-up": offset + page,
      "scroll-page-down": offset - page,
      "scroll-line-up": offset + 1,
      "scroll-line-down": offset - 1,
      "scroll-top": max,
      "scroll-bottom": 0,
    }[command as string];
    if (next === undefined) return;
    this.scroll.set(name, Math.max(0, Math.min(max, next)));
    this.dirtyPanes.add(name);
    this.invalidateChrome();
  }

  /** Leaves scroll mode: the focused pane follows its output again. */
  private leaveScroll(): void {
    if (this.inputState.mode === "scroll") this.inputState = leaveScrollMode(this.inputState);
    if (this.focus && this.scroll.delete(this.focus)) this.dirtyPanes.add(this.focus);
    this.invalidateChrome();
  }

  private spawnKeys(mode: Extract<Mode, { kind: "spawn" }>, data: string): void {
    const field = mode.fields[mode.active]!;
    if (data === "\x1b") {
      this.setMode({ kind: "normal" });
      return;
    }
    if (data === "\t" || data === "\x1b[B") mode.active = (mode.active + 1) % mode.fields.length;
    else if (data === "\x1b[Z" || data === "\x1b[A")
      mode.active = (mode.active + mode.fields.length - 1) % mode.fields.length;
    else if (data === "\r") {
      const [name, runtime, prompt] = mode.fields.map((f) => f.value.trim());
      if (!name) {
        mode.error = "a name is required";
      } else {
        this.setMode({ kind: "normal" });
        this.request(
          { type: "spawn", name, runtime: runtime || "shell", prompt: prompt || undefined },
          `spawned ${name}`,
          () => this.setFocus(name),
        );
        return;
      }
    } else if (data === "\x7f" || data === "\b")
      field.value = [...field.value].slice(0, -1).join("");
    else if (!/[\x00-\x1f\x7f]/.test(data)) field.value += data;
    this.setMode(mode);
  }

  private onMouse(event: ReturnType<typeof parseMouseEvents>["events"][number]): void {
    if (this.layout.tooSmall || this.mode.kind === "help" || this.mode.kind === "confirm") return;
    const name = paneAt(this.layout, event.x, event.y);
    if (!name) return;
    const pane = this.layout.panes.find((p) => p.name === name)!;
    const screen = this.screens.get(name);
    const inner = pane.inner;
    const inside =
      event.x >= inner.x &&
      event.x < inner.x + inner.width &&
      event.y >= inner.y &&
      event.y < inner.y + inner.height;
    const scrolled = this.scroll.has(name);
    if (inside && screen && !scrolled && this.mode.kind === "normal") {
      const encoded = encodeMouseForChild(event, inner.x, inner.y, screen.modes);
      if (encoded !== null) {
        if (event.kind === "press" && name !== this.focus) this.setFocus(name);
        this.hub.send({ type: "input", name, data: encoded });
        return;
      }
    }
    if (event.kind === "press") {
      if (name !== this.focus) this.setFocus(name);
    } else if ((event.kind === "wheel-up" || event.kind === "wheel-down") && screen) {
      const offset = this.scroll.get(name) ?? 0;
      const delta = event.kind === "wheel-up" ? WHEEL_LINES : -WHEEL_LINES;
      const next = Math.max(0, Math.min(screen.scrollbackLength, offset + delta));
      if (name !== this.focus) this.setFocus(name);
      if (next === 0 && event.kind === "wheel-down") {
        this.leaveScroll();
      } else {
        if (!this.scroll.has(name)) void this.screens.loadScrollback?.(name);
        this.scroll.set(name, next);
        if (this.inputState.mode !== "scroll") this.inputState = enterScrollMode(this.inputState);
      }
      this.dirtyPanes.add(name);
      this.invalidateChrome();
    }
  }

  private async openInbox(): Promise<void> {
    const mail = this.options.mail;
    if (!mail) {
      this.showNotice("info", "no inbox here");
      return;
    }
    try {
      this.setMode({ kind: "inbox", state: createInbox(await mail.list(), this.now()) });
    } catch (error) {
      this.showNotice("error", `inbox: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async reloadInbox(): Promise<void> {
    const mail = this.options.mail;
    if (!mail) return;
    const messages = await mail.list().catch(() => undefined);
    if (messages && this.mode.kind === "inbox") {
      this.setMode({ kind: "inbox", state: updateInbox(this.mode.state, messages, this.now()) });
    }
  }

  private async inboxEffect(effect: InboxEffect): Promise<void> {
    const mail = this.options.mail;
    if (!mail) return;
    try {
      switch (effect.type) {
        case "close":
          this.setMode({ kind: "normal" });
          return;
        case "mark-read":
          await mail.markRead(effect.ids);
          return;
        case "send":
          await mail.send(effect.draft);
          this.showNotice("info", `mail sent to ${effect.draft.to}`);
          return;
        case "reload":
          await this.reloadInbox();
          return;
      }
    } catch (error) {
      this.showNotice("error", error instanceof Error ? error.message : String(error));
    }
  }

  private request(command: HubCommand, success: string, then?: () => void): void {
    this.hub.request(command).then(
      () => {
        this.showNotice("info", success);
        then?.();
      },
      (error: unknown) =>
        this.showNotice("error", error instanceof Error ? error.message : String(error)),
    );
  }

  // ---- state changes ----------------------------------------------------------------

  private setFocus(name: string): void {
    if (this.focus === name) return;
    if (this.inputState.mode === "scroll") this.leaveScroll();
    this.focus = name;
    this.alerts.delete(name);
    if (this.zoomed) this.relayout();
    else this.invalidateChrome();
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    this.invalidateChrome();
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

  private layoutInput(): Parameters<typeof computeLayout>[0] {
    return {
      cols: this.size.cols,
      rows: this.size.rows,
      panes: this.agents.map((a) => a.name),
      focused: this.focus,
      zoomed: this.zoomed,
    };
  }

  private computeLayout(): Layout {
    return computeLayout(this.layoutInput());
  }

  /** Recomputes rectangles and tells the hub each visible pane's inner size. */
  private relayout(): void {
    this.layout = this.computeLayout();
    if (!this.layout.tooSmall) {
      for (const pane of this.layout.panes) {
        this.hub.send({
          type: "resize",
          name: pane.name,
          cols: pane.inner.width,
          rows: pane.inner.height,
        });
      }
    }
    this.invalidateChrome();
  }

  private isVisible(name: string): boolean {
    return !this.layout.tooSmall && this.layout.panes.some((p) => p.name === name);
  }

  private invalidateChrome(): void {
    this.chromeGrid = undefined;
    this.scheduleFrame(true);
  }

  // ---- drawing ----------------------------------------------------------------------

  private scheduleFrame(urgent: boolean): void {
    if (this.closed) return;
    const wait = this.lastFrameAt + FRAME_INTERVAL_MS - this.now();
    if (urgent || wait <= 0) {
      if (this.immediate) return;
      clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.renderNow();
      });
      return;
    }
    if (this.frameTimer || this.immediate) return;
    this.frameTimer = setTimeout(() => {
      this.frameTimer = undefined;
      this.renderNow();
    }, wait);
  }

  /** Composes and writes one frame now. */
  renderNow(): void {
    if (this.closed) return;
    this.lastFrameAt = this.now();
    const { cols, rows } = this.size;
    if (!this.chromeGrid) {
      this.chromeGrid = this.drawChrome();
      this.frame = this.chromeGrid.clone();
      if (!this.layout.tooSmall)
        for (const pane of this.layout.panes) this.dirtyPanes.add(pane.name);
    }
    if (!this.layout.tooSmall) {
      for (const pane of this.layout.panes) {
        if (!this.dirtyPanes.has(pane.name)) continue;
        // A lost agent has no screen worth showing: its pane keeps the chrome's note.
        if (this.agents.find((a) => a.name === pane.name)?.status === "lost") continue;
        const screen = this.screens.get(pane.name);
        const { x, y, width, height } = pane.inner;
        if (screen)
          screen.copyInto(this.frame, x, y, width, height, this.scroll.get(pane.name) ?? 0);
      }
    }
    this.dirtyPanes.clear();
    if (this.overlay) blit(this.frame, this.overlay.grid, this.overlay.x, this.overlay.y);
    this.compositor.render(this.frame, this.cursor(cols, rows));
  }

  private cursor(cols: number, rows: number): { x: number; y: number; visible: boolean } {
    const hidden = { x: cols - 1, y: rows - 1, visible: false };
    if (this.layout.tooSmall || this.mode.kind !== "normal" || !this.focus) return hidden;
    if (this.scroll.has(this.focus)) return hidden;
    const pane = this.layout.panes.find((p) => p.name === this.focus);
    const screen = this.screens.get(this.focus);
    if (!pane || !screen) return hidden;
    const cursor = screen.cursor;
    if (cursor.x >= pane.inner.width || cursor.y >= pane.inner.height) return hidden;
    return { x: pane.inner.x + cursor.x, y: pane.inner.y + cursor.y, visible: cursor.visible };
  }

  private drawChrome(): CellGrid {
    const { cols, rows } = this.size;
    const grid = new CellGrid(cols, rows);
    this.chrome.begin();
    this.overlay = undefined;
    if (this.layout.tooSmall) {
      const { message } = this.layout;
      const width = Math.max(1, Math.min(cols, message.length + 4));
      const piece = this.chrome.piece(`small:${message}`, width, Math.min(rows, 4), () =>
        createElement(Dialog, {
          width,
          title: "Terminal too small",
          lines: [message],
          tone: "danger",
        }),
      );
      blit(
        grid,
        piece,
        Math.max(0, Math.floor((cols - width) / 2)),
        Math.max(0, Math.floor((rows - 4) / 2)),
      );
      this.chrome.end();
      return grid;
    }
    for (const pane of this.layout.panes) {
      const agent = this.agents.find((a) => a.name === pane.name);
      if (!agent) continue;
      const screen = this.screens.get(pane.name);
      const offset = this.scroll.get(pane.name);
      const props = {
        width: pane.frame.width,
        height: pane.frame.height,
        name: agent.name,
        runtime: agent.runtime,
        branch: agent.branch,
        status: agent.status,
        exitCode: agent.exitCode,
        focused: agent.name === this.focus,
        zoomed: this.zoomed,
        scroll:
          offset !== undefined && screen ? { offset, total: screen.scrollbackLength } : undefined,
        unread: agent.unread,
        done: this.done.has(agent.name),
        highlight: this.alerts.has(agent.name),
      };
      const piece = this.chrome.piece(
        `pane:${JSON.stringify(props)}`,
        props.width,
        props.height,
        () => createElement(PaneFrame, props),
      );
      blit(grid, piece, pane.frame.x, pane.frame.y);
      if (agent.status === "lost") {
        const { width, height } = pane.inner;
        const prefix = describeKey(this.options.prefix);
        const lines = [
          `${agent.name} is lost: its process ended with an earlier hub.`,
          `Its worktree and branch ${agent.branch} are kept.`,
          `${prefix} r respawns it here, or: flotilla respawn ${agent.name}`,
        ];
        const note = this.chrome.piece(`lost:${agent.name}:${prefix}`, width, height, () =>
          createElement(LostNote, { lines }),
        );
        blit(grid, note, pane.inner.x, pane.inner.y);
      }
    }
    if (this.agents.length === 0) {
      const width = Math.min(cols, 56);
      const piece = this.chrome.piece("empty", width, 7, () =>
        createElement(Dialog, {
          width,
          title: "No agents yet",
          lines: [
            `Press ${describeKey(this.options.prefix)} n to spawn one,`,
            "or run: flotilla spawn <name> --runtime shell",
          ],
        }),
      );
      blit(grid, piece, Math.floor((cols - width) / 2), Math.floor((rows - 7) / 2));
    }
    const bar = this.layout.statusBar;
    const working = this.agents.filter((a) => a.status === "working").length;
    const waiting = this.agents.filter((a) => a.status === "waiting").length;
    const left = `${this.options.title} · ${this.agents.length} agents · ${working} working${waiting ? ` · ${waiting} waiting` : ""}`;
    const context =
      this.inputState.mode === "scroll"
        ? "scroll"
        : this.inputState.prefixPending
          ? "prefix"
          : "normal";
    const hints = statusHints(this.keymap, context);
    const notice = this.notice;
    const barPiece = this.chrome.piece(
      `bar:${left}:${hints}:${notice?.level}:${notice?.text}:${this.cockpitUnread}`,
      bar.width,
      1,
      () =>
        createElement(StatusBar, {
          width: bar.width,
          left,
          hints,
          notice,
          unread: this.cockpitUnread,
        }),
    );
    blit(grid, barPiece, bar.x, bar.y);
    this.overlay = this.drawOverlay();
    this.chrome.end();
    return grid;
  }

  private drawOverlay(): { grid: CellGrid; x: number; y: number } | undefined {
    const { cols, rows } = this.size;
    const mode = this.mode;
    let width = Math.min(cols - 2, 72);
    let height: number;
    let piece: CellGrid;
    switch (mode.kind) {
      case "help": {
        const lines = helpLines(this.keymap);
        height = Math.min(rows - 2, lines.length + 4);
        piece = this.chrome.piece(`help`, width, height, () =>
          createElement(Dialog, {
            width,
            title: "Keys",
            lines,
            footer: "any key closes this help",
          }),
        );
        break;
      }
      case "confirm":
        height = Math.min(rows - 2, mode.lines.length + 3);
        width = Math.min(cols - 2, 64);
        piece = this.chrome.piece(
          `confirm:${mode.title}:${mode.lines.join("\n")}`,
          width,
          height,
          () =>
            createElement(Dialog, { width, title: mode.title, lines: mode.lines, tone: "danger" }),
        );
        break;
      case "spawn": {
        height = mode.fields.length + 5;
        width = Math.min(cols - 2, 64);
        const fields = mode.fields.map((f) => ({ ...f }));
        piece = this.chrome.piece(
          `spawn:${JSON.stringify(mode.fields)}:${mode.active}:${mode.error}`,
          width,
          height,
          () => createElement(SpawnForm, { width, fields, active: mode.active, error: mode.error }),
        );
        break;
      }
      case "inbox": {
        width = Math.min(cols - 2, 110);
        height = Math.max(5, Math.min(rows - 2, 30));
        const state = mode.state;
        const w = width;
        const h = height;
        piece = this.chrome.piece(`inbox:${JSON.stringify(state)}:${w}x${h}`, width, height, () =>
          createElement(Dialog, { width: w, title: "", lines: [] }, inboxView(state, w - 4, h - 2)),
        );
        break;
      }
      default:
        return undefined;
    }
    return {
      grid: piece,
      x: Math.max(0, Math.floor((cols - width) / 2)),
      y: Math.max(0, Math.floor((rows - height) / 2)),
    };
  }
}
