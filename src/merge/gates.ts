import { spawn } from "node:child_process";
import type { GateConfig } from "../core/merge-queue.js";

/**
 * Running one quality gate: `/bin/sh -c <command>` in the integration worktree, in its own
 * process group (so a timeout, or the end of the gate, kills everything it started), output
 * streamed to the caller as it comes. Fails closed: a non-zero exit, a timeout, a signal or
 * a command that cannot start are all failures.
 */

/** Outcome of one attempt. `exitCode` is `null` when killed or never started; times in ms. */
export interface GateAttempt {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  /** Set when the process could not be started at all. */
  startError?: string;
  durationMs: number;
}

/** How long a gate gets between SIGTERM and SIGKILL of its group after a timeout, in ms. */
export const KILL_GRACE_MS = 2000;

/** Options of {@link runGate}. */
export interface RunGateOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Called with every chunk of stdout/stderr as it arrives, and with the harness's own lines. */
  onOutput: (text: string) => void;
  /** Called once the process group exists (its id is the gate's pid). */
  onStart?: (pid: number) => void;
}

/** Runs `gate` once; resolves when its process has exited and its group has been killed. */
export function runGate(gate: GateConfig, options: RunGateOptions): Promise<GateAttempt> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    const finish = (attempt: Omit<GateAttempt, "durationMs">) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      resolve({ ...attempt, durationMs: Date.now() - started });
    };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn("/bin/sh", ["-c", gate.command], {
        cwd: options.cwd,
        env: options.env,
        detached: true, // own process group: the whole gate can be killed at once
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      const message = (error as Error).message;
      options.onOutput(`[flotilla] gate ${gate.name} could not start: ${message}\n`);
      resolve({ ok: false, exitCode: null, timedOut: false, startError: message, durationMs: 0 });
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) options.onStart?.(pid);
    child.stdout?.on("data", (chunk: Buffer) => options.onOutput(chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => options.onOutput(chunk.toString("utf8")));
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      options.onOutput(
        `[flotilla] gate ${gate.name} timed out after ${gate.timeoutMs} ms: killing its process group\n`,
      );
      killGroup(pid, "SIGTERM");
      killTimer = setTimeout(() => killGroup(pid, "SIGKILL"), KILL_GRACE_MS);
    }, gate.timeoutMs);
    child.on("error", (error) => {
      options.onOutput(`[flotilla] gate ${gate.name} could not start: ${error.message}\n`);
      killGroup(pid, "SIGKILL");
      finish({ ok: false, exitCode: null, timedOut, startError: error.message });
    });
    child.on("exit", (code, signal) => {
      // Whatever the gate left running in its group goes with it.
      killGroup(pid, "SIGKILL");
      if (code === 127)
        options.onOutput(`[flotilla] gate ${gate.name}: exit 127, the command was not found\n`);
      if (signal) options.onOutput(`[flotilla] gate ${gate.name} ended by ${signal}\n`);
      const done = () =>
        finish({ ok: code === 0 && !timedOut, exitCode: timedOut ? null : code, timedOut });
      // Let buffered output arrive, but never wait on a pipe a stray process might hold.
      if (child.stdout?.readableEnded && child.stderr?.readableEnded) done();
      else {
        child.on("close", done);
        setTimeout(done, 500).unref();
      }
    });
  });
}

/** Sends `signal` to the process group `pid` (ignores a group that is already gone). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group.
  }
}
