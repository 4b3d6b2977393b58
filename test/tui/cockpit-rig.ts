/**
 * The one cockpit test rig: a real Cockpit on a fake hub (records what it is sent, answers
 * `list`, emits events), real pane screens, and a real headless xterm as the outer terminal.
 * Every cockpit a test starts is closed when that test finishes.
 */
import { onTestFinished } from "vitest";
import type { HubLink, PaneScreens } from "../../src/hub/link.js";
import type { AgentView, HubCommand, HubEvent } from "../../src/hub/protocol.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { Cockpit, type CockpitOptions } from "../../src/tui/cockpit.js";
import { loadInk } from "../../src/tui/ink.js";
import { XtermSink } from "../terminal/helpers.js";

/** The prefix key the rig's cockpits use (Ctrl-B, as tmux). */
export const PREFIX = "\x02";

/** An idle shell agent named `name`, as the hub's `list` reports it. */
export function agentView(name: string, overrides: Partial<AgentView> = {}): AgentView {
  return {
    name,
    runtime: "shell",
    role: "worker",
    worktree: `/tmp/${name}`,
    branch: `flotilla/${name}`,
    base: "abc123",
    status: "idle",
    createdAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

/** A hub that answers `list` with its agents, records every command, and can emit events. */
export class FakeHub implements HubLink {
  readonly sent: HubCommand[] = [];
  readonly requests: HubCommand[] = [];
  private listeners = new Set<(event: HubEvent) => void>();
  constructor(readonly agents: AgentView[]) {}
  send(command: HubCommand): void {
    this.sent.push(command);
  }
  request(command: HubCommand): Promise<unknown> {
    this.requests.push(command);
    return Promise.resolve(command.type === "list" ? this.agents : null);
  }
  onEvent(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: HubEvent): void {
    for (const listener of this.listeners) listener(event);
  }
  /** What was typed into `name`'s pty, all inputs joined. */
  typed(name: string): string {
    return this.sent
      .flatMap((c) => (c.type === "input" && c.name === name ? [c.data] : []))
      .join("");
  }
  /** The last size sent for `name`'s pty. */
  lastSize(name: string): { cols: number; rows: number } | undefined {
    const resize = this.sent.findLast((c) => c.type === "resize" && c.name === name);
    return resize?.type === "resize" ? { cols: resize.cols, rows: resize.rows } : undefined;
  }
}

/** Size of each fake pane screen: columns, rows and scrollback lines. */
export interface ScreenSize {
  cols: number;
  rows: number;
  scrollback: number;
}

/** Real screen models, one per agent, as the in-process hub would hold them. */
export class FakeScreens implements PaneScreens {
  readonly map = new Map<string, PaneScreen>();
  constructor(names: string[], size: ScreenSize = { cols: 38, rows: 21, scrollback: 100 }) {
    for (const name of names) this.map.set(name, new PaneScreen(size));
  }
  get(name: string): PaneScreen | undefined {
    return this.map.get(name);
  }
  whenParsed(name: string, done: () => void): void {
    const screen = this.map.get(name);
    if (screen) screen.whenParsed(done);
    else done();
  }
  dispose(): void {
    for (const screen of this.map.values()) screen.dispose();
  }
}

/** How to start a rig: the outer terminal's size, the pane screens' size, cockpit options. */
export interface RigOptions {
  cols?: number;
  rows?: number;
  screenSize?: ScreenSize;
  options?: Partial<CockpitOptions>;
  /**
   * Load Ink (dialogs, views) before the cockpit starts, as it is a moment after any real
   * attach; `false` starts the cockpit with Ink still unloaded (default `true`).
   */
  inkLoaded?: boolean;
}

/** Options of `until`: a poke run between tries (say, a hub event), and how long to wait. */
export interface UntilOptions {
  poke?: () => void;
  timeoutMs?: number;
}

/** A started cockpit with its fake hub, pane screens and outer terminal. */
export interface CockpitRig {
  cockpit: Cockpit;
  hub: FakeHub;
  screens: FakeScreens;
  sink: XtermSink;
  cols: number;
  rows: number;
  /** The outer terminal's text (rows joined by "\n") after drawing every pending change. */
  text(): Promise<string>;
  /**
   * Waits (generously: 20 s unless told) until `check` holds for the screen, drawing between
   * tries so that async loads settle; returns that screen; throws with the screen otherwise.
   */
  until(check: (text: string) => boolean, what?: string, options?: UntilOptions): Promise<string>;
  /** Writes `data` into `name`'s screen as the hub would, and tells the cockpit. */
  output(name: string, data: string): Promise<void>;
}

/**
 * Starts a Cockpit over `agents` (names, or full views) at 80×24 unless told; closed, with
 * its screens, when the current test finishes.
 */
export async function startCockpit(
  agents: Array<string | AgentView>,
  { cols = 80, rows = 24, screenSize, options = {}, inkLoaded = true }: RigOptions = {},
): Promise<CockpitRig> {
  if (inkLoaded) await loadInk();
  const views = agents.map((a) => (typeof a === "string" ? agentView(a) : a));
  const hub = new FakeHub(views);
  const screens = new FakeScreens(
    views.map((a) => a.name),
    screenSize,
  );
  const sink = new XtermSink(cols, rows);
  const cockpit = new Cockpit(
    { write: (data) => sink.write(data), size: () => ({ cols, rows }) },
    hub,
    screens,
    {
      prefix: PREFIX,
      title: "flotilla · test",
      runtimes: ["shell"],
      onQuit: () => undefined,
      ...options,
    },
  );
  onTestFinished(() => {
    cockpit.close();
    screens.dispose();
    sink.screen.dispose();
  });
  await cockpit.start();
  const text = async (): Promise<string> => {
    cockpit.renderNow();
    const grid = await sink.grid();
    const lines: string[] = [];
    for (let y = 0; y < grid.rows; y++) {
      let line = "";
      for (let x = 0; x < grid.cols; x++) line += grid.get(x, y).ch || " ";
      lines.push(line);
    }
    return lines.join("\n");
  };
  const until = async (
    check: (text: string) => boolean,
    what = "the expected screen",
    { poke, timeoutMs = 20_000 }: UntilOptions = {},
  ): Promise<string> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = await text();
      if (check(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`never saw ${what}; screen:\n${screen}`);
      poke?.();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const output = async (name: string, data: string): Promise<void> => {
    const screen = screens.get(name);
    if (!screen) throw new Error(`no pane screen for ${name}`);
    screen.write(data);
    await screen.flush();
    hub.emit({ type: "output", name, seq: 1, data });
  };
  return { cockpit, hub, screens, sink, cols, rows, text, until, output };
}
