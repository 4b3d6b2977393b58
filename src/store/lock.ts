import { mkdirSync } from "node:fs";
import path from "node:path";
import lockfile from "proper-lockfile";
import { FlotillaError, describeError } from "../core/errors.js";

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
  mkdirSync(path.dirname(file), { recursive: true });
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(file, { realpath: false, stale: 10_000, retries });
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
