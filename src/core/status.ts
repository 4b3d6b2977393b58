import { RE2JS } from "re2js";
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
}

/**
 * The status to show, first rule that applies wins: exited → `exited`; not started →
 * `starting`; a waiting pattern matches the visible screen → `waiting` (even while output
 * still flows, e.g. a spinner beside a permission prompt); output less than `idleAfterMs`
 * ago → `working`; otherwise `idle` (including a started agent that has printed nothing).
 */
export function deriveStatus(input: StatusInput): AgentStatus {
  if (input.exited) return "exited";
  if (!input.started) return "starting";
  if (input.waitingPatterns.some((pattern) => pattern.test(input.screenText))) return "waiting";
  if (isRecent(input)) return "working";
  return "idle";
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
  if (deriveStatus(input) !== "working" || input.lastOutputAt === undefined) return undefined;
  return input.lastOutputAt + input.idleAfterMs - input.now;
}

/**
 * Compiles a runtime's `waitingPatterns` (regular-expression sources, as written in the
 * runtime profile or `.flotilla/config.json`) with the `m` flag, so `^` and `$` match at
 * each screen line. `where` names their origin for the error, e.g. `runtime "claude"`.
 * Matching runs on RE2 (re2js), in time linear in the screen's size, so a pattern from a
 * config such as `^(a+)+$` cannot stall the hub; RE2 has no backreferences or lookaround,
 * and such a pattern is refused here.
 * @throws FlotillaError INVALID_INPUT naming the first invalid pattern and why it is invalid.
 */
export function compilePatterns(sources: readonly string[], where = "waitingPatterns"): RegExp[] {
  return sources.map((source) => {
    try {
      return new LinearPattern(source);
    } catch (error) {
      throw new FlotillaError(
        "INVALID_INPUT",
        `invalid waiting pattern ${JSON.stringify(source)} in ${where}: ${describeError(error)}; fix the regular expression in .flotilla/config.json`,
        { cause: error },
      );
    }
  });
}

/**
 * A `RegExp` (so callers keep `source` and `test`) whose `test` and `exec` run on RE2:
 * linear time whatever the pattern. The JavaScript compile also checks the syntax is one
 * both engines read.
 */
class LinearPattern extends RegExp {
  private readonly re2: RE2JS;

  constructor(source: string) {
    super(source, "m");
    this.re2 = RE2JS.compile(source, RE2JS.MULTILINE);
  }

  override test(text: string): boolean {
    return this.re2.matcher(text).find();
  }

  override exec(text: string): RegExpExecArray | null {
    const matcher = this.re2.matcher(text);
    if (!matcher.find()) return null;
    const found = [matcher.group() ?? ""] as unknown as RegExpExecArray;
    found.index = matcher.start();
    found.input = text;
    return found;
  }
}

function isRecent(input: StatusInput): boolean {
  return input.lastOutputAt !== undefined && input.now - input.lastOutputAt < input.idleAfterMs;
}
