import { readFileSync } from "node:fs";

/**
 * True when a process with `pid` exists and is not a zombie. Signal 0 probes without
 * signalling (EPERM: it exists, owned by someone else); a zombie (an exited hub whose
 * parent has not reaped it) counts as gone.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 3, after the parenthesised command name (which may itself contain spaces).
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/**
 * Hangs up `pid`'s process group (SIGHUP, then SIGTERM), falling back to the pid alone:
 * what a closing terminal does to the programs in it.
 */
export function hangUp(pid: number): void {
  for (const sig of ["SIGHUP", "SIGTERM"] as const) {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // Already gone.
      }
    }
  }
}
