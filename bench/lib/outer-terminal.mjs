import * as pty from "node-pty";
import xtermHeadless from "@xterm/headless";
import { performance } from "node:perf_hooks";

const { Terminal } = xtermHeadless;

/**
 * A program under test in an OUTER pty of fixed size, read through an `@xterm/headless`
 * screen model: what a user's terminal would show.
 *
 * Times are `performance.now()` milliseconds. A wait resolves with the ARRIVAL time of the
 * pty chunk after which the condition first held (not the time the parser got to it), so
 * parser queueing in this harness does not count against the program.
 */
export class OuterTerminal {
  /**
   * @param {string} file program to run
   * @param {string[]} args its arguments
   * @param {{cols: number, rows: number, cwd: string, env?: Record<string, string>}} options
   */
  constructor(file, args, { cols, rows, cwd, env = {} }) {
    this.term = new Terminal({ cols, rows, allowProposedApi: true, scrollback: 0 });
    this.cols = cols;
    this.rows = rows;
    /** Bytes received from the program so far. */
    this.bytes = 0;
    /** Arrival time of the last chunk the screen model has parsed. */
    this.lastParsedArrival = 0;
    this.spawnedAt = performance.now();
    /** Arrival time of the program's first output. */
    this.firstDataAt = undefined;
    this.exitCode = undefined;
    this.waiter = undefined;
    const baseEnv = { ...process.env };
    delete baseEnv.TMUX;
    delete baseEnv.TMUX_PANE;
    this.proc = pty.spawn(file, args, {
      name: "xterm-256color",
      cols,
      rows,
      cwd,
      encoding: null,
      env: { ...baseEnv, TERM: "xterm-256color", COLORTERM: "truecolor", ...env },
    });
    this.pid = this.proc.pid;
    this.proc.onData((data) => {
      const arrival = performance.now();
      this.firstDataAt ??= arrival;
      this.bytes += data.length;
      this.term.write(data, () => {
        this.lastParsedArrival = arrival;
        this.check();
      });
    });
    this.exited = new Promise((resolve) =>
      this.proc.onExit(({ exitCode }) => {
        this.exitCode = exitCode;
        resolve(exitCode);
        if (this.waiter) this.check(true);
      }),
    );
  }

  /** The visible screen as text, rows joined by "\n" (what has been parsed so far). */
  text() {
    const buffer = this.term.buffer.active;
    const rows = [];
    for (let y = 0; y < this.rows; y++)
      rows.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? "");
    return rows.join("\n");
  }

  /** The non-blank rows of the screen, trimmed, joined by " | " (for error messages). */
  compactText() {
    return this.text()
      .split("\n")
      .map((row) => row.trim())
      .filter(Boolean)
      .join(" | ");
  }

  /**
   * Resolves with the arrival time of the chunk after which `predicate(screenText)` first
   * held. With `throttleMs` > 0 the (costly) screen read runs at most that often; use it for
   * floods, where the program goes quiet once the condition holds. Rejects with the screen
   * on timeout or if the program exits.
   */
  waitFor(predicate, { timeoutMs = 30_000, throttleMs = 0, label = String(predicate) } = {}) {
    const test = typeof predicate === "string" ? (text) => text.includes(predicate) : predicate;
    if (this.waiter) throw new Error("one wait at a time");
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        throttleMs,
        lastCheck: 0,
        trailing: undefined,
        resolve,
        reject,
        label,
        timeout: setTimeout(
          () =>
            this.finish(new Error(`timed out waiting for ${label}; screen: ${this.compactText()}`)),
          timeoutMs,
        ),
      };
      this.waiter = waiter;
      // Everything written so far must be parsed before the first look.
      this.term.write(new Uint8Array(0), () => this.check(true));
    });
  }

  check(force = false) {
    const waiter = this.waiter;
    if (!waiter) return;
    if (this.exitCode !== undefined) {
      this.finish(
        new Error(
          `program exited (${this.exitCode}) while waiting for ${waiter.label}; screen: ${this.compactText()}`,
        ),
      );
      return;
    }
    const now = performance.now();
    if (!force && waiter.throttleMs > 0 && now - waiter.lastCheck < waiter.throttleMs) {
      waiter.trailing ??= setTimeout(() => {
        waiter.trailing = undefined;
        this.check(true);
      }, waiter.throttleMs);
      return;
    }
    waiter.lastCheck = now;
    if (waiter.test(this.text())) this.finish(undefined, this.lastParsedArrival || now);
  }

  finish(error, value) {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    clearTimeout(waiter.timeout);
    if (waiter.trailing) clearTimeout(waiter.trailing);
    if (error) waiter.reject(error);
    else waiter.resolve(value);
  }

  /** Types raw bytes into the program. */
  write(data) {
    this.proc.write(data);
  }

  /** Stops the program: SIGTERM, then SIGKILL after `graceMs`; resolves when it is gone. */
  async stop(graceMs = 1000) {
    if (this.disposed) return;
    if (this.waiter) this.finish(new Error("stopped"));
    if (this.exitCode === undefined) {
      try {
        this.proc.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => {
        try {
          this.proc.kill("SIGKILL");
        } catch {
          // Already gone.
        }
      }, graceMs);
      await Promise.race([
        this.exited,
        new Promise((resolve) => setTimeout(resolve, graceMs + 1000)),
      ]);
      clearTimeout(timer);
    }
    this.disposed = true;
    this.term.dispose();
  }
}

/** Counts non-overlapping occurrences of `needle` in `text`. */
export function countOf(text, needle) {
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length))
    count++;
  return count;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
