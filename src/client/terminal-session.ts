import { enterScreen, leaveScreen } from "../terminal/screen-modes.js";

/**
 * Owns the real terminal while a cockpit is attached: raw mode, alternate screen, mouse and
 * bracketed paste on; and the exact reverse on every way out (detach, quit, the hub gone,
 * SIGTERM, SIGHUP, a crash), so no mode is left behind in the user's shell. Raw bytes:
 * stdin is not decoded here (the hub gets exactly what was typed).
 */
export class TerminalSession {
  private restored = false;
  private readonly onSignal = (signal: NodeJS.Signals) =>
    this.exit(signal === "SIGHUP" ? 129 : 143);
  private readonly onCrash = (error: unknown) => {
    this.restore();
    process.stderr.write(
      `flotilla: crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(70);
  };

  constructor(
    private readonly stdin: NodeJS.ReadStream,
    private readonly stdout: NodeJS.WriteStream,
    private readonly cleanup: () => void,
  ) {}

  /** Switches the terminal into cockpit mode and installs the exit handlers. */
  enter(): void {
    this.stdin.setRawMode(true);
    this.stdin.resume();
    this.stdout.write(enterScreen());
    for (const signal of ["SIGTERM", "SIGHUP", "SIGINT", "SIGQUIT"] as const)
      process.on(signal, this.onSignal);
    process.on("uncaughtException", this.onCrash);
    process.on("unhandledRejection", this.onCrash);
    process.on("exit", () => this.restore());
  }

  /** Puts the terminal back exactly as it was. Safe to call more than once. */
  restore(): void {
    if (this.restored) return;
    this.restored = true;
    try {
      this.cleanup();
    } catch {
      // Restoring the terminal matters more than a clean shutdown.
    }
    try {
      this.stdout.write(leaveScreen());
    } catch {
      // The terminal may be gone (SIGHUP).
    }
    try {
      if (this.stdin.isTTY) this.stdin.setRawMode(false);
    } catch {
      // Same.
    }
    this.stdin.pause();
  }

  /** Restores the terminal and exits with `code`. */
  exit(code: number): void {
    this.restore();
    process.exit(code);
  }
}
