import xtermHeadless, { type Terminal } from "@xterm/headless";
import * as pty from "node-pty";
import { demoAgentPath } from "../../src/runtimes/package-files.js";

/** How the agent process ended. */
export interface PtyExit {
  exitCode: number;
  signal?: number;
}

/**
 * The built demo agent running in a real pty, with an `@xterm/headless` screen model fed by
 * its output, so tests read the screen a user would see. Waits are event-driven: they
 * re-check after every parsed chunk and fail after a generous guard time, not a fixed delay.
 */
export class PtyAgent {
  readonly exited: Promise<PtyExit>;
  private readonly term: Terminal;
  private readonly proc: pty.IPty;
  private readonly listeners = new Set<() => void>();
  private exitInfo: PtyExit | undefined;
  /** Everything the agent wrote, raw. */
  output = "";

  constructor(options: {
    cwd: string;
    args?: string[];
    /** Runs `sh -c <shell>` instead of the agent, e.g. to run commands after it exits. */
    shell?: string;
    env?: Record<string, string>;
    cols?: number;
    rows?: number;
  }) {
    const cols = options.cols ?? 100;
    const rows = options.rows ?? 30;
    this.term = new xtermHeadless.Terminal({
      cols,
      rows,
      allowProposedApi: true,
      scrollback: 1000,
    });
    const [file, argv] =
      options.shell === undefined
        ? [process.execPath, [demoAgentPath(), ...(options.args ?? [])]]
        : ["/bin/sh", ["-c", options.shell]];
    this.proc = pty.spawn(file, argv, {
      cwd: options.cwd,
      cols,
      rows,
      name: "xterm-256color",
      env: { ...cleanEnv(), ...options.env },
    });
    this.proc.onData((data) => {
      this.output += data;
      this.term.write(data, () => this.notify());
    });
    this.exited = new Promise((resolve) => {
      this.proc.onExit((exit) => {
        // Let the screen model take the last bytes before anyone looks at it.
        this.term.write("", () => {
          this.exitInfo = exit;
          resolve(exit);
          this.notify();
        });
      });
    });
  }

  /** Visible screen rows, right-trimmed, joined by `\n`. */
  screen(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < this.term.rows; row++) {
      lines.push(buffer.getLine(buffer.viewportY + row)?.translateToString(true) ?? "");
    }
    return lines.join("\n");
  }

  /** Scrollback plus screen, for assertions about lines that scrolled away. */
  history(): string {
    const buffer = this.term.buffer.active;
    const lines: string[] = [];
    for (let row = 0; row < buffer.length; row++)
      lines.push(buffer.getLine(row)?.translateToString(true) ?? "");
    return lines.join("\n");
  }

  /** Cursor visibility as the terminal model tracks it (DECTCEM). */
  cursorHidden(): boolean {
    // The public API does not expose DECTCEM; the core's coreService does.
    const core = (this.term as unknown as { _core: { coreService: { isCursorHidden: boolean } } })
      ._core;
    return core.coreService.isCursorHidden;
  }

  /** Resolves once `pattern` appears on the screen (or in `history` when asked). */
  waitFor(pattern: RegExp | string, where: "screen" | "history" = "screen"): Promise<void> {
    return this.waitUntil(String(pattern), () => {
      const text = where === "screen" ? this.screen() : this.history();
      return typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
    });
  }

  /** Resolves once the raw output written after offset `since` matches `pattern`. */
  waitForOutput(pattern: RegExp, since: number): Promise<void> {
    return this.waitUntil(`${String(pattern)} in output`, () =>
      pattern.test(this.output.slice(since)),
    );
  }

  /**
   * Re-checks `done` after every parsed chunk; rejects if the agent exits first or after a
   * guard time meant only to end a hung test.
   */
  private waitUntil(what: string, done: () => boolean, guardMs = 25_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (done()) return resolve();
      const check = (): void => {
        if (done()) {
          cleanup();
          resolve();
        } else if (this.exitInfo) {
          cleanup();
          reject(
            new Error(
              `agent exited (${JSON.stringify(this.exitInfo)}) before ${what}; screen:\n${this.screen()}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${what} within ${guardMs} ms; screen:\n${this.screen()}`));
      }, guardMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  write(data: string): void {
    this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    this.proc.resize(cols, rows);
    this.term.resize(cols, rows);
  }

  kill(signal = "SIGTERM"): void {
    if (!this.exitInfo) this.proc.kill(signal);
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The test process's environment without vitest's own variables or a git identity override. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      value === undefined ||
      key.startsWith("VITEST") ||
      key.startsWith("GIT_") ||
      key === "NODE_OPTIONS"
    )
      continue;
    env[key] = value;
  }
  return env;
}
