import type { HubLink, PaneScreens } from "../hub/link.js";
import type { AgentView, HubEvent, HubEventOf } from "../hub/protocol.js";
import { computeLayout, neighbour, type Layout, type LayoutInput } from "../core/layout.js";
import {
  createInputState,
  createKeymap,
  feedInput,
  flushInput,
  needsFlush,
  statusHints,
  type CockpitCommand,
  type InputAction,
  type InputState,
  type Keymap,
} from "../core/keymap.js";
import { describeKey } from "../core/key-names.js";
import { parseMouseEvents, translateInput, type MouseEvent } from "../terminal/input.js";
import { NeedsYouAlerts } from "./needs-you-alerts.js";
import { MailMarks, applyAgentEvent, longestWaiting, respawnEffect } from "./agent-list.js";
import type { ChromeScene } from "./chrome-painter.js";
import { FrameComposer } from "./frame-composer.js";
import { FrameScheduler } from "./frame-scheduler.js";
import { paneModes, routeMouse } from "./mouse-routing.js";
import { ViewHost, describeError } from "./view-host.js";
import { viewServices, type CockpitOptions, type CockpitTerminal } from "./cockpit-options.js";
import { Notice } from "./notice.js";
import { PaneArrangement } from "./pane-arrangement.js";
import { PaneMarks } from "./pane-marks.js";
import { PaneScroll, type CopyView } from "./pane-scroll.js";
import { VIEWS } from "./views/registry.js";
import type { CockpitEffect } from "./views/view.js";

export type { CockpitMail } from "./views/inbox.js";
export type { CockpitOptions, CockpitTerminal } from "./cockpit-options.js";

/** Output of the focused pane this soon after a keystroke is drawn at once (echo). */
const ECHO_WINDOW_MS = 100;
/** A lone Escape is settled after this quiet time, in ms (tmux's escape-time). */
const ESCAPE_TIME_MS = 30;

/**
 * The cockpit: keeps focus, zoom and scroll, routes input to the focused pane or to the
 * open view (`view-host.ts`, `views/`), and composes frames from the chrome
 * (`chrome-painter.ts`, Ink) and the pane screens (xterm buffers) through the cell
 * compositor, when the frame scheduler says (dirty only, ~60 fps cap, echo at once).
 */
export class Cockpit {
  private agents: readonly AgentView[] = [];
  private focus: string | undefined;
  private readonly arrangement: PaneArrangement;
  private readonly marks = new PaneMarks(); // titles and bell marks from the panes' output
  private readonly mail = new MailMarks();
  /** Keys, the prefix, and whether copy mode has the keys (core/keymap.ts). */
  private inputState: InputState = createInputState();
  private readonly keymap: Keymap;
  private readonly views: ViewHost;
  private escapeTimer: NodeJS.Timeout | undefined;
  private mouseTail = ""; // the start of a mouse report that the last read cut off
  private readonly scrolling: PaneScroll;
  private readonly notice = new Notice(() => this.invalidateChrome());
  private readonly alerts: NeedsYouAlerts;
  private readonly composer: FrameComposer;
  private readonly frames: FrameScheduler;
  private size: { cols: number; rows: number };
  private layout: Layout;
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
    this.arrangement = options.arrangement ?? new PaneArrangement(options.layout);
    this.alerts = new NeedsYouAlerts(terminal, hub, options, () => this.invalidateChrome());
    this.scrolling = new PaneScroll({
      screens,
      focus: () => this.focus,
      state: () => this.inputState,
      setState: (state) => (this.inputState = state),
      redraw: (pane) => {
        if (pane) this.composer.markPane(pane);
        this.invalidateChrome();
      },
      terminal: this.terminal,
      notice: this.notice,
    });
    const views = options.views ?? VIEWS;
    this.keymap = createKeymap(options.prefix, ViewHost.openerBindings(views));
    this.views = new ViewHost(views, viewServices(options), this.keymap, this.now, {
      facts: () => ({ agents: this.agents, focus: this.focus }),
      changed: () => {
        this.layout = computeLayout(this.layoutInput());
        this.invalidateChrome();
      },
      run: (effect) => this.effect(effect),
    });
    this.size = terminal.size();
    this.composer = new FrameComposer(terminal, this.size.cols, this.size.rows, () =>
      this.frames.schedule(true),
    );
    this.frames = new FrameScheduler(() => this.renderNow(), this.now);
    this.layout = computeLayout(this.layoutInput());
    this.unsubscribe = hub.onEvent((event) => this.onEvent(event));
  }

  /** Loads the agent list from the hub and draws the first frame. */
  async start(): Promise<void> {
    this.agents = (await this.hub.request({ type: "list" })) as AgentView[];
    this.focus =
      this.agents.find((a) => a.name === this.options.focus)?.name ?? this.agents[0]?.name;
    this.relayout();
    this.renderNow();
  }

  /** The focused pane's name (kept across detach and attach). */
  get focused(): string | undefined {
    return this.focus;
  }

  /** Stops drawing and listening; the caller restores the terminal. */
  close(): void {
    this.frames.close();
    this.unsubscribe();
    this.notice.close();
    this.alerts.close();
    clearTimeout(this.escapeTimer);
  }

  /** The terminal was resized: re-lay out, resize every pty, redraw everything. */
  resize(): void {
    this.size = this.terminal.size();
    this.composer.resize(this.size.cols, this.size.rows);
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

  private onEvent(event: HubEvent): void {
    switch (event.type) {
      case "output":
      case "resized":
        return this.paneOutput(event.name);
      case "result":
        return;
      case "notice":
        this.notice.show(event.level, event.text);
        break;
      case "mail":
        this.onMail(event.summary);
        break;
      default: {
        this.agents = applyAgentEvent(this.agents, event);
        if (event.type === "agent") this.focus ??= event.agent.name;
        if (!this.agents.some((a) => a.name === this.focus)) this.setFocus(this.agents[0]?.name);
        if (event.type === "status") this.invalidateChrome();
        else this.relayout();
      }
    }
    this.views.event(event);
  }

  private onMail(summary: HubEventOf<"mail">["summary"]): void {
    this.agents = this.mail.apply(summary, this.agents, this.focus);
    const latest = summary.latest;
    if (latest) this.notice.show("info", `mail from ${latest.from}: ${latest.subject}`);
    this.invalidateChrome();
  }

  private paneOutput(name: string): void {
    if (!this.isVisible(name) || this.parsing.has(name)) return;
    this.parsing.add(name);
    this.screens.whenParsed(name, () => {
      this.parsing.delete(name);
      this.composer.markPane(name);
      if (name === this.scrolling.pane) this.invalidateChrome(); // the [copy n/m] indicator
      const screen = this.screens.get(name);
      if (screen && this.marks.update(name, screen, this.focus)) this.invalidateChrome();
      if (screen) this.alerts.screen(name, screen.bellCount);
      this.frames.schedule(name === this.focus && this.now() - this.lastInputAt < ECHO_WINDOW_MS);
    });
  }

  private onKeys(data: string): void {
    if (this.views.isOpen) return this.views.keys(data);
    clearTimeout(this.escapeTimer);
    this.apply(feedInput(this.inputState, data, this.keymap));
    if (needsFlush(this.inputState)) {
      const flush = () => this.apply(flushInput(this.inputState, this.keymap));
      this.escapeTimer = setTimeout(flush, ESCAPE_TIME_MS);
    }
  }

  private apply(result: { state: InputState; actions: InputAction[] }): void {
    const hadPrefix = this.inputState.prefixPending;
    this.inputState = result.state;
    for (const action of result.actions) {
      if (action.type === "forward") this.forward(action.data);
      else if (action.type === "command") this.run(action.command);
      else if (action.type === "copy-key") this.scrolling.key(action.key);
      else if (action.context === "prefix") {
        const prefix = describeKey(this.keymap.prefix);
        const key = describeKey(action.key);
        this.notice.show("info", `${prefix} ${key} is not bound (${prefix} ? for help)`);
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
    if (this.views.runCommand(command)) return;
    const focus = this.focus;
    const agent = this.agents.find((a) => a.name === focus);
    switch (command) {
      case "focus-left":
      case "focus-right":
      case "focus-up":
      case "focus-down": {
        if (!focus || this.layout.tooSmall) return;
        const grid = this.arrangement.zoomed
          ? computeLayout({ ...this.layoutInput(), zoomed: false })
          : this.layout;
        const next = neighbour(grid, focus, command.slice(6) as "left" | "right" | "up" | "down");
        if (next) this.setFocus(next);
        return;
      }
      case "focus-next":
        return this.setFocus(this.arrangement.next(this.names(), focus));
      case "zoom":
        this.arrangement.zoomed = !this.arrangement.zoomed;
        return this.relayout();
      case "next-layout":
        this.notice.show("info", `layout: ${this.arrangement.cycleLayout()}`);
        return this.relayout();
      case "swap-prev":
      case "swap-next":
        if (this.arrangement.swap(this.names(), focus, command === "swap-next" ? 1 : -1))
          this.relayout();
        return;
      case "respawn":
        if (agent) this.effect(respawnEffect(agent));
        return;
      case "jump-waiting": // to the agent that has waited longest; none waits: focus stays
        return this.setFocus(longestWaiting(this.agents) ?? focus);
      case "detach":
        if (this.options.onDetach) return this.options.onDetach();
        return this.notice.show("info", "up --in-process cannot detach: its agents run in it");
      default:
        if (command.startsWith("copy-")) this.scrolling.command(command);
    }
  }

  private onMouse(event: MouseEvent): void {
    if (this.views.modal) return;
    const route = routeMouse(this.layout, event, {
      modes: paneModes(this.screens),
      scrolled: this.scrolling.pane,
      toChild: !this.views.isOpen,
      dragging: this.scrolling.dragging,
    });
    if (route.type === "none") return;
    if (route.type === "select" ? route.phase === "start" : route.type !== "child" || route.focus)
      this.setFocus(route.pane);
    if (route.type === "select") return this.scrolling.select(route);
    if (route.type === "child")
      this.hub.send({ type: "input", name: route.pane, data: route.data });
    if (route.type === "wheel") this.scrolling.wheel(route.pane, route.delta);
  }

  private effect(effect: Exclude<CockpitEffect, { type: "close" }>): void {
    switch (effect.type) {
      case "notice":
        return this.notice.show(effect.level, effect.text);
      case "request": {
        const { focus, success } = effect;
        const failed = (error: unknown) => this.notice.show("error", describeError(error));
        return void this.hub.request(effect.command).then(() => {
          this.notice.show("info", success);
          if (focus) this.setFocus(focus);
        }, failed);
      }
      case "quit":
        return this.options.onQuit();
      case "detach":
        return this.options.onDetach?.();
      case "run":
        return this.run(effect.command);
      case "layout":
        this.arrangement.layout = effect.layout;
        return this.relayout();
      case "focus":
        return this.setFocus(effect.name);
      case "input":
        return this.hub.send(effect);
    }
  }

  private setFocus(name: string | undefined): void {
    if (this.focus === name) return;
    this.scrolling.leave();
    this.focus = name;
    if (name) this.mail.alerts.delete(name);
    if (name) this.marks.focused(name);
    if (this.arrangement.zoomed) this.relayout();
    else this.invalidateChrome();
  }

  private names(): string[] {
    return this.agents.map((a) => a.name);
  }

  private layoutInput(): LayoutInput {
    const { cols, rows } = this.size;
    return {
      cols,
      rows,
      panes: this.arrangement.panes(this.names()),
      focused: this.focus,
      zoomed: this.arrangement.zoomed,
      view: this.views?.size(),
      layout: this.arrangement.layout,
    };
  }

  /** Recomputes rectangles and tells the hub each visible pane's inner size. */
  private relayout(): void {
    this.layout = computeLayout(this.layoutInput());
    if (!this.layout.tooSmall) {
      for (const { name, inner } of this.layout.panes)
        this.hub.send({ type: "resize", name, cols: inner.width, rows: inner.height });
    }
    this.invalidateChrome();
  }

  private isVisible(name: string): boolean {
    return !this.layout.tooSmall && this.layout.panes.some((p) => p.name === name);
  }

  private invalidateChrome(): void {
    this.composer.invalidateChrome();
    this.frames.schedule(true);
  }

  /** Composes and writes one frame now. */
  renderNow(): void {
    this.frames.drawn();
    if (this.options.forwardTitle && this.focus)
      this.composer.setTitle(this.screens.get(this.focus)?.title || this.focus);
    const scrolled = this.scrolling.view();
    this.composer.render({
      layout: this.layout,
      screens: this.screens,
      scene: () => this.scene(scrolled),
      hidden: (name) => this.agents.find((a) => a.name === name)?.status === "lost",
      scrolled,
      cursorPane: this.views.isOpen || scrolled ? undefined : this.focus,
    });
  }

  private scene(scrolled: CopyView | undefined): ChromeScene {
    const { mode, prefixPending } = this.inputState;
    const context = mode === "scroll" ? "scroll" : prefixPending ? "prefix" : "normal";
    return {
      ...this.size,
      layout: this.layout,
      agents: this.agents,
      focus: this.focus,
      zoomed: this.arrangement.zoomed,
      prefix: this.options.prefix,
      title: this.options.title,
      hints: this.views.hints() ?? this.scrolling.prompt() ?? statusHints(this.keymap, context),
      notice: this.notice.current,
      mail: this.mail,
      paneTitles: this.marks.titles,
      bells: this.marks.bells,
      scroll: scrolled,
      view: this.views.drawing(),
    };
  }
}
