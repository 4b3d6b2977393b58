import { accessSync, constants, rmSync } from "node:fs";
import path from "node:path";
import type { LockOptions } from "proper-lockfile";
import { FlotillaError, describeError } from "../core/errors.js";
import { ensurePrivateDir } from "./safe-path.js";

/**
 * proper-lockfile's `lock`, loaded on first use: with graceful-fs and its retry helpers it is
 * ~33 kB that a command reading a document without locking it (`flotilla ls`) never needs.
 */
async function lock(file: string, options: LockOptions): Promise<() => Promise<void>> {
  const { default: lockfile } = await import("proper-lockfile");
  return lockfile.lock(file, options);
}

/** How long to keep retrying a held lock (proper-lockfile's `retries`, times in ms). */
export interface LockRetries {
  retries: number;
  factor?: number;
  minTimeout?: number;
  maxTimeout?: number;
  randomize?: boolean;
}

/** Retrying ~10 s with short first waits: for documents many CLI processes touch at once. */
export const DEFAULT_LOCK_RETRIES: LockRetries = {
  retries: 200,
  factor: 1.2,
  minTimeout: 5,
  maxTimeout: 100,
  randomize: true,
};

/**
 * Runs `fn` while holding the cross-process lock of `file` (proper-lockfile: a
 * `<file>.lock` directory, taken over when older than 10 s, so a killed holder never blocks
 * for ever). `file` itself need not exist; its directory is created. The lock is released
 * however `fn` ends.
 * @throws FlotillaError LOCK_FAILED when the lock is still held after `retries`, naming the
 *   `.lock` to remove if no flotilla process is running.
 */
export async function withFileLock<T>(
  file: string,
  fn: () => Promise<T>,
  retries: LockRetries = DEFAULT_LOCK_RETRIES,
): Promise<T> {
  ensurePrivateDir(path.dirname(file));
  // Fail at once on a read-only directory: the lock's retries would spin for seconds.
  accessSync(path.dirname(file), constants.W_OK);
  let release: () => Promise<void>;
  try {
    release = await lock(file, { realpath: false, stale: 10_000, retries });
  } catch (error) {
    throw new FlotillaError(
      "LOCK_FAILED",
      `could not lock ${file}: ${describeError(error)}; if no flotilla process is running, remove ${file}.lock`,
      { cause: error },
    );
  }
  try {
    return await fn();
  } finally {
    await release().catch(() => undefined);
  }
}

/**
 * Takes the cross-process lock of `file` for as long as the caller lives, without waiting:
 * proper-lockfile refreshes it every few seconds, so it goes stale (10 s) only when the
 * holder died. Resolves with the release function, or `undefined` when someone else holds
 * it. Used for "one hub per project".
 */
export async function tryHoldFileLock(
  file: string,
  onLost: (error: Error) => void = () => undefined,
): Promise<(() => Promise<void>) | undefined> {
  ensurePrivateDir(path.dirname(file));
  try {
    return await lock(file, {
      realpath: false,
      stale: 10_000,
      update: 2_000,
      retries: 0,
      onCompromised: onLost,
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === "ELOCKED") return undefined;
    throw new FlotillaError("LOCK_FAILED", `could not lock ${file}: ${describeError(error)}`, {
      cause: error,
    });
  }
}

/** Removes the lock of `file` held by a process known to be dead (see `tryHoldFileLock`). */
export function breakFileLock(file: string): void {
  // proper-lockfile unlocks only its own locks; its lock is the `<file>.lock` directory.
  rmSync(`${file}.lock`, { recursive: true, force: true });
}
