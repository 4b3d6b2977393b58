import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as pty from "node-pty";
import type { AgentStatus } from "../core/schema.js";
import {
  deriveStatus,
  isEcho,
  nextStatusCheckDelay,
  StatusDebouncer,
  STATUS_DEBOUNCE_MS,
  type ReportedStatus,
} from "../core/status.js";
import { PaneScreen } from "../terminal/pane-screen.js";
import type { Launch } from "../runtimes/profiles.js";
import { assertNoSymlink } from "../store/safe-path.js";

/** Callbacks a session reports through; the hub turns them into events. */
export interface SessionEvents {
  output(data: string, seq: number): void;
  status(status: AgentStatus, exitCode: number | null | undefined): void;
  started(pid: number): void;
  /** The agent set its window title (OSC 0/2); sanitized, see `sanitizeTitle`. */
  title?(title: string): void;
  /** The agent rang the bell (BEL), e.g. Claude Code's "needs you" notification. */
  bell?(): void;
}

/**
 * Backpressure thresholds, in UTF-16 code units queued in the screen model's parser but not
 * yet parsed. Above HIGH the pty is paused (the child blocks on write, as under tmux); it
 * resumes below LOW.
 */
const PARSER_HIGH_WATER = 512 * 1024;
const PARSER_LOW_WATER = 64 * 1024;
/** How long after output the screen is scanned for "waiting" patterns, in ms. */
const PATTERN_SCAN_DELAY = 150;

/**
 * One agent's pty and its `@xterm/headless` screen model, plus the status rules. Owns no
 * UI: the hub forwards its output and status to clients.
 */
export class AgentSession {
  readonly name: string;
  readonly screen: PaneScreen;
  private proc: pty.IPty | undefined;
  private seq = 0;
  private pendingParse = 0;
  private paused = false;
  private started = false;
  private hasExited = false;
  private resolveExited: () => void = () => undefined;
  /** Resolves when the agent's process has exited (or failed to start). */
  readonly exited: Promise<void>;
  private exitCode: number | null | undefined;
  /** When the agent last printed something that was not the echo of the user's typing. */
  private lastOutputAt: number | undefined;
  /** When the user (or the hub, for a mail notice) last typed into the pty. */
  private lastInputAt: number | undefined;
  /** The last status the agent reported itself (hooks); it outranks the output clock. */
  private reported: ReportedStatus | undefined;
  private readonly debouncer: StatusDebouncer;
  /** The visible screen's text as of the last scan (scans follow output, at most every 150 ms). */
  private screenText = "";
  private status: AgentStatus = "starting";
  private statusTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;

  constructor(
    name: string,
    size: { cols: number; rows: number },
    scrollback: number,
    private readonly waitingPatterns: RegExp[],
    private readonly idleAfterMs: number,
    private readonly events: SessionEvents,
    private readonly now: () => number = Date.now,
    /** Output sequence to continue from (a respawned agent's stream goes on, never restarts). */
    initialSeq = 0,
    /** Time a new status must hold before it is reported, in ms (0: at once). */
    debounceMs: number = STATUS_DEBOUNCE_MS,
  ) {
    this.seq = initialSeq;
    // A flicker is shorter than the working spell a single burst of output makes.
    this.debouncer = new StatusDebouncer(Math.min(debounceMs, Math.floor(idleAfterMs / 2)));
    this.name = name;
    this.screen = new PaneScreen({ cols: size.cols, rows: size.rows, scrollback });
    // Programs that ask the terminal (cursor position, device attributes) get the answer.
    this.screen.onReply((data) => this.writeRaw(data));
    this.screen.onTitle((title) => this.events.title?.(title));
    this.screen.onBell(() => this.events.bell?.());
    this.exited = new Promise((resolve) => (this.resolveExited = resolve));
  }

  /** The current status (see `deriveStatus`). */
  get currentStatus(): AgentStatus {
    return this.status;
  }

  /** Output events emitted so far; a snapshot taken now corresponds to this point. */
  get outputSeq(): number {
    return this.seq;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get isRunning(): boolean {
    return this.proc !== undefined && !this.hasExited;
  }

  /**
   * Starts the agent's process in a pty of the screen's size. When `launch.problem` is set,
   * nothing is started: the problem is written into the pane in red and the agent exits
   * with code 127, so the cockpit keeps running.
   */
  start(launch: Launch): void {
    this.hasExited = false;
    this.exitCode = undefined;
    if (launch.problem !== undefined) {
      this.emitOutput(`\x1b[1;31mflotilla: ${launch.problem}\x1b[0m\r\n`);
      this.finish(127);
      return;
    }
    try {
      writeLaunchFiles(launch.files ?? []);
      this.proc = pty.spawn(launch.file, launch.args, {
        name: "xterm-256color",
        cols: this.screen.cols,
        rows: this.screen.rows,
        cwd: launch.cwd,
        env: launch.env,
      });
    } catch (error) {
      this.emitOutput(
        `\x1b[1;31mflotilla: could not start ${launch.file}: ${(error as Error).message}\x1b[0m\r\n`,
      );
      this.finish(127);
      return;
    }
    this.started = true;
    const proc = this.proc;
    this.events.started(proc.pid);
    proc.onData((data) => this.emitOutput(data));
    proc.onExit(({ exitCode, signal }) => {
      if (this.proc !== proc) return;
      this.finish(signal ? 128 + signal : exitCode);
    });
    this.refreshStatus();
  }

  /**
   * Types `data` (the user's keys, or a notice) into the agent's pty exactly as given.
   * Ignored once the agent exited. The output that follows within the echo window is not
   * counted as the agent working; Enter answers a prompt the agent reported waiting on.
   */
  write(data: string): void {
    this.lastInputAt = this.now();
    if (this.reported?.status === "waiting" && /[\r\n]/.test(data)) {
      this.reported = undefined;
      this.refreshStatus();
    }
    this.writeRaw(data);
  }

  /**
   * A status the agent reported itself (a Claude Code hook, Codex's notify), at `at` (ms,
   * the session's clock); it outranks the output clock until the next report.
   */
  report(status: ReportedStatus["status"], at: number = this.now()): void {
    this.reported = { status, at };
    this.refreshStatus();
  }

  private writeRaw(data: string): void {
    if (this.proc && !this.hasExited) this.proc.write(data);
  }

  /** Resizes the screen model and the pty, in cells (ignored when unchanged or < 1). */
  resize(cols: number, rows: number): void {
    if (cols < 1 || rows < 1) return;
    if (cols === this.screen.cols && rows === this.screen.rows) return;
    this.screen.resize(cols, rows);
    if (this.proc && !this.hasExited) {
      try {
        this.proc.resize(cols, rows);
      } catch {
        // The process may have exited between the check and the call.
      }
    }
  }

  /** Stops the agent's process: SIGHUP, then SIGTERM. */
  kill(): void {
    // Interactive shells ignore SIGTERM but exit on a hang-up, as when a terminal closes.
    this.signal("SIGHUP");
    this.signal("SIGTERM");
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.proc && !this.hasExited) {
      try {
        this.proc.kill(signal);
      } catch {
        // Already gone.
      }
    }
  }

  /** Stops timers; kills the process. */
  dispose(): void {
    clearTimeout(this.statusTimer);
    clearTimeout(this.scanTimer);
    this.kill();
  }

  private emitOutput(data: string): void {
    this.seq += 1;
    const seq = this.seq;
    const now = this.now();
    if (!isEcho(now, this.lastInputAt)) this.lastOutputAt = now;
    this.pendingParse += data.length;
    if (!this.paused && this.proc && this.pendingParse > PARSER_HIGH_WATER) {
      this.paused = true;
      this.proc.pause();
    }
    this.screen.write(data, () => {
      this.pendingParse -= data.length;
      if (this.paused && this.pendingParse < PARSER_LOW_WATER) {
        this.paused = false;
        this.proc?.resume();
      }
    });
    this.events.output(data, seq);
    this.scheduleScan();
    // While working, the pending idle timer re-reads lastOutputAt when it fires: no need to
    // re-derive the status and re-arm a timer for every chunk of a flood.
    if (this.status !== "working" || this.statusTimer === undefined) this.refreshStatus();
  }

  private finish(exitCode: number | null): void {
    this.hasExited = true;
    this.resolveExited();
    this.exitCode = exitCode;
    if (this.paused) {
      this.paused = false;
      this.proc?.resume();
    }
    this.refreshStatus();
  }

  private scheduleScan(): void {
    if (this.scanTimer) return;
    this.scanTimer = setTimeout(() => {
      this.scanTimer = undefined;
      // xterm parses in slices (later, under load): a scan before the last bytes are parsed
      // would read the screen without them (a question's "(y/n)") and, with no more output
      // to come, never look again. So wait for the parse to catch up first.
      if (this.pendingParse > 0) return this.scheduleScan();
      this.screenText = this.screen.text();
      this.refreshStatus();
    }, PATTERN_SCAN_DELAY);
    this.scanTimer.unref?.();
  }

  private refreshStatus(): void {
    const now = this.now();
    const input = {
      exited: this.hasExited,
      exitCode: this.exitCode,
      started: this.started || this.hasExited,
      lastOutputAt: this.lastOutputAt,
      now,
      screenText: this.screenText,
      waitingPatterns: this.waitingPatterns,
      idleAfterMs: this.idleAfterMs,
      ...(this.reported ? { reported: this.reported } : {}),
    };
    // "starting" is where every session begins: the debouncer starts there too.
    if (this.debouncer.current === undefined) this.debouncer.propose(this.status, now);
    const { emit, recheckIn } = this.debouncer.propose(deriveStatus(input), now);
    if (emit !== undefined && emit !== this.status) {
      this.status = emit;
      this.events.status(emit, this.exitCode);
    }
    clearTimeout(this.statusTimer);
    this.statusTimer = undefined;
    const aging = nextStatusCheckDelay(input);
    const delays = [aging !== undefined && aging >= 0 ? aging + 1 : undefined, recheckIn];
    const delay = Math.min(...delays.filter((d): d is number => d !== undefined));
    if (Number.isFinite(delay)) {
      this.statusTimer = setTimeout(() => this.refreshStatus(), delay);
      this.statusTimer.unref?.();
    }
  }
}

/** Writes each file atomically (temp file + rename), making its directory first. */
function writeLaunchFiles(files: readonly { path: string; content: string }[]): void {
  for (const file of files) {
    mkdirSync(path.dirname(file.path), { recursive: true, mode: 0o700 });
    assertNoSymlink(file.path); // under .flotilla/: never written through a link
    const tmp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(tmp, file.content, { mode: 0o600 });
    renameSync(tmp, file.path);
  }
}
