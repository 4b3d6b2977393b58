import { describeError, FlotillaError } from "./errors.js";
import type { AgentStatus } from "./schema.js";

/**
 * How an agent's status follows from what the hub knows about its pty. The hub calls
 * {@link deriveStatus} after output and on exit, and schedules one timer with
 * {@link nextStatusCheckDelay} for the one change time alone can make (working → idle),
 * instead of polling. `lost` (the hub lost track of a process) is decided elsewhere.
 */

/** What {@link deriveStatus} needs. Times are milliseconds on one clock. */
export interface StatusInput {
  /** The pty's process has exited. */
  exited: boolean;
  /** Its exit code, `null` when killed by a signal (carried for callers; any exit is `exited`). */
  exitCode?: number | null;
  /** The process has been started (spawned); false while the worktree is still being made. */
  started: boolean;
  /** When the pty last produced output; absent when it never has. */
  lastOutputAt?: number;
  /** The current time, on the same clock as `lastOutputAt`. */
  now: number;
  /** The visible screen as plain text, lines joined by `\n`. */
  screenText: string;
  /** From {@link compilePatterns}; any match on the screen means the agent waits for the human. */
  waitingPatterns: readonly RegExp[];
  /** Quiet time after which a running agent counts as idle, in ms (config `idleAfterMs`). */
  idleAfterMs: number;
  /**
   * The last status the agent itself reported (Claude Code hooks, Codex `notify`; see
   * `src/runtimes/agent-events.ts`), with when it was reported; absent for runtimes without
   * hooks, and before the first report.
   */
  reported?: ReportedStatus;
}

/** A status an agent reported about itself, at `at` (ms, the clock of {@link StatusInput}). */
export interface ReportedStatus {
  status: "working" | "waiting" | "idle";
  at: number;
}

/**
 * How long a reported `working` holds with neither output nor a new report, in ms: a turn
 * the user interrupted (Esc) sends no `Stop`, so it must age out; a long quiet tool run
 * (a test suite) stays `working` up to this.
 */
export const REPORTED_WORKING_HOLD_MS = 5 * 60_000;

/**
 * The status to show, first rule that applies wins: exited → `exited`; not started →
 * `starting`; a waiting pattern matches the visible screen → `waiting` (even while output
 * still flows, e.g. a spinner beside a permission prompt); a status the agent reported
 * itself (hooks) → that status (a reported `working` ages out after
 * {@link REPORTED_WORKING_HOLD_MS} of silence); output less than `idleAfterMs` ago →
 * `working`; otherwise `idle` (including a started agent that has printed nothing).
 * `lastOutputAt` must not count the echo of the user's own typing (see {@link isEcho}).
 */
export function deriveStatus(input: StatusInput): AgentStatus {
  if (input.exited) return "exited";
  if (!input.started) return "starting";
  if (input.waitingPatterns.some((pattern) => pattern.test(input.screenText))) return "waiting";
  const reported = input.reported;
  if (reported) {
    if (reported.status !== "working") return reported.status;
    const last = Math.max(reported.at, input.lastOutputAt ?? 0);
    if (input.now - last < REPORTED_WORKING_HOLD_MS) return "working";
    return "idle";
  }
  if (isRecent(input)) return "working";
  return "idle";
}

/**
 * How long after the user's last keystroke the pane's output counts as its echo, in ms:
 * a TUI redraws its input line within a frame or two; 300 ms leaves room for a loaded box.
 */
export const ECHO_WINDOW_MS = 300;

/**
 * Whether output at `outputAt` is the echo of the user's typing (last keystroke at
 * `lastInputAt`, same clock, ms) rather than the agent working: typing into a pane must
 * not mark it `working`. Output that goes on past the window (the agent answering after
 * Enter) counts again.
 */
export function isEcho(
  outputAt: number,
  lastInputAt: number | undefined,
  windowMs = ECHO_WINDOW_MS,
): boolean {
  return lastInputAt !== undefined && outputAt >= lastInputAt && outputAt - lastInputAt < windowMs;
}

/** Default time a new status must hold before it is reported, in ms (config `statusDebounceMs`). */
export const STATUS_DEBOUNCE_MS = 400;

/**
 * Debounces status changes so a flicker (a prompt redrawn, a spinner frame between two
 * waits) does not ring a notification: a new status is reported once it has held for
 * `debounceMs`; `exited`, and the first status, are reported at once. Pure: the caller
 * feeds each derived status with the time and arms a timer for `recheckIn`.
 */
export class StatusDebouncer {
  private reported: AgentStatus | undefined;
  private pending: { status: AgentStatus; since: number } | undefined;

  constructor(private readonly debounceMs: number = STATUS_DEBOUNCE_MS) {}

  /** The status last reported, `undefined` before the first. */
  get current(): AgentStatus | undefined {
    return this.reported;
  }

  /**
   * Takes the status derived at `now` (ms). Returns `emit` when a change is to be reported
   * now, and `recheckIn` (ms) when the caller should call again with the same status to
   * report a pending change.
   */
  propose(status: AgentStatus, now: number): { emit?: AgentStatus; recheckIn?: number } {
    if (status === this.reported) {
      this.pending = undefined;
      return {};
    }
    if (this.reported === undefined || status === "exited" || this.debounceMs <= 0) {
      this.reported = status;
      this.pending = undefined;
      return { emit: status };
    }
    if (this.pending?.status !== status) this.pending = { status, since: now };
    const held = now - this.pending.since;
    if (held >= this.debounceMs) {
      this.reported = status;
      this.pending = undefined;
      return { emit: status };
    }
    return { recheckIn: this.debounceMs - held };
  }
}

/**
 * Milliseconds until {@link deriveStatus} could give a different answer with nothing but
 * time passing, or `undefined` when only new output, a new screen or an exit can change it.
 * Only `working` ages (into `idle`), so this is the time left until the last output is
 * `idleAfterMs` old; always > 0 when defined. The clock must not jump: use a monotonic one
 * (e.g. `performance.timeOrigin + performance.now()`), since output stamped in the future
 * keeps an agent `working` until the clock catches up.
 */
export function nextStatusCheckDelay(input: StatusInput): number | undefined {
  if (deriveStatus(input) !== "working") return undefined;
  if (input.reported?.status === "working") {
    const last = Math.max(input.reported.at, input.lastOutputAt ?? 0);
    return last + REPORTED_WORKING_HOLD_MS - input.now;
  }
  if (input.lastOutputAt === undefined) return undefined;
  return input.lastOutputAt + input.idleAfterMs - input.now;
}

/**
 * Compiles a runtime's `waitingPatterns` (regular-expression sources, as written in the
 * runtime profile or `.flotilla/config.json`) with the `m` flag, so `^` and `$` match at
 * each screen line. `where` names their origin for the error, e.g. `runtime "claude"`.
 * @throws FlotillaError INVALID_INPUT naming the first invalid pattern and why it is invalid.
 */
export function compilePatterns(sources: readonly string[], where = "waitingPatterns"): RegExp[] {
  return sources.map((source) => {
    try {
      return new RegExp(source, "m");
    } catch (error) {
      throw new FlotillaError(
        "INVALID_INPUT",
        `invalid waiting pattern ${JSON.stringify(source)} in ${where}: ${describeError(error)}; fix the regular expression in .flotilla/config.json`,
        { cause: error },
      );
    }
  });
}

function isRecent(input: StatusInput): boolean {
  return input.lastOutputAt !== undefined && input.now - input.lastOutputAt < input.idleAfterMs;
}
