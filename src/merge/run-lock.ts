import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";

/**
 * One merge-queue run at a time per target branch, across processes (the hub's runner and
 * any `flotilla merge run`): a proper-lockfile lock (`<file>.lock` directory, its mtime kept
 * fresh while held) plus `<file>.owner` naming the holder's pid. A holder killed by SIGKILL
 * stops refreshing the lock; the next run takes it over at once when the owner pid is gone,
 * or after proper-lockfile's stale time otherwise.
 */

/** A held run lock. `compromised` turns true if the lock was lost while held (stop landing). */
export interface RunLock {
  release(): Promise<void>;
  readonly compromised: boolean;
}

/** The lock is held by another live process. */
export interface RunBusy {
  busy: true;
  pid: number | undefined;
}

/** Lock-file path for runs against `target` in the merge queue's directory `dir`. */
export function runLockFile(dir: string, target: string): string {
  return path.join(dir, `run-${target.replace(/[^A-Za-z0-9._-]/g, "_")}`);
}

/** Takes the run lock for `file` (see {@link runLockFile}) or reports who holds it. */
export async function lockRun(
  file: string,
  isAlive: (pid: number) => boolean,
): Promise<RunLock | RunBusy> {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  for (let attempt = 0; attempt < 2; attempt++) {
    let compromised = false;
    try {
      const release = await lockfile.lock(file, {
        realpath: false,
        stale: 10_000,
        update: 2_000,
        retries: { retries: 3, minTimeout: 50, maxTimeout: 200 },
        onCompromised: () => {
          compromised = true;
        },
      });
      writeFileSync(`${file}.owner`, `${process.pid}\n`);
      return {
        release: async () => {
          rmSync(`${file}.owner`, { force: true });
          await release().catch(() => undefined);
        },
        get compromised() {
          return compromised;
        },
      };
    } catch (error) {
      if ((error as { code?: string }).code !== "ELOCKED") throw error;
      const owner = readOwner(file);
      if (owner !== undefined && owner !== process.pid && !isAlive(owner) && attempt === 0) {
        // The holder died without releasing (SIGKILL): its lock is ours to clear.
        rmSync(`${file}.lock`, { recursive: true, force: true });
        continue;
      }
      return { busy: true, pid: owner };
    }
  }
  return { busy: true, pid: readOwner(file) };
}

function readOwner(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(`${file}.owner`, "utf8").trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive: `kill(pid, 0)` succeeds or is refused for permission. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
