import type * as Crypto from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";

/**
 * Writing under `.flotilla/` without being tricked: a repository can commit a symlink such as
 * `.flotilla/bin/flotilla → ~/.bashrc` or `.flotilla/mail → /elsewhere`, and a write through
 * it would change a file outside the project. So every write under `.flotilla/` first checks
 * that no component from `.flotilla` itself down to the file is a symbolic link, and private
 * data is kept private: directories 0700, files 0600 (the socket already is).
 */

/** Mode of every directory Flotilla creates under `.flotilla/`: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of every file Flotilla writes under `.flotilla/`: the owner only. */
export const PRIVATE_FILE_MODE = 0o600;

const FLOTILLA_DIR = ".flotilla";

/**
 * Throws when `file` (absolute) passes through a symbolic link at or below the first
 * `.flotilla` component of its path (the file itself included, when it exists). For a path
 * with no `.flotilla` component only the file itself is checked.
 * @throws FlotillaError UNSAFE_PATH naming the link and what to do.
 */
export function assertNoSymlink(file: string): void {
  const absolute = path.resolve(file);
  const parts = absolute.split(path.sep);
  const at = parts.indexOf(FLOTILLA_DIR);
  const first = at === -1 ? parts.length - 1 : at;
  for (let i = first; i < parts.length; i++) {
    const component = parts.slice(0, i + 1).join(path.sep) || path.sep;
    let isLink: boolean;
    try {
      isLink = lstatSync(component).isSymbolicLink();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // nothing below exists
      throw error;
    }
    if (isLink) {
      throw new FlotillaError(
        "UNSAFE_PATH",
        `refusing to write ${absolute}: ${component} is a symbolic link (flotilla never writes through links under .flotilla/; remove the link and retry)`,
      );
    }
  }
}

/**
 * Creates `dir` (and missing parents) with mode 0700 after checking it passes through no
 * symlink under `.flotilla/`; an existing directory is left with its mode. Returns `dir`.
 * @throws FlotillaError UNSAFE_PATH.
 */
export function ensurePrivateDir(dir: string): string {
  assertNoSymlink(dir);
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  assertNoSymlink(dir); // a link planted while we created the parents
  return dir;
}

/**
 * Makes an existing `.flotilla/` directory owner-only (0700), repairing one made by an older
 * version with 0755. Best effort: a directory owned by someone else is left as it is.
 */
export function restrictDir(dir: string): void {
  try {
    const info = lstatSync(dir);
    if (!info.isDirectory()) return;
    if ((info.mode & 0o077) !== 0 && info.uid === process.getuid?.())
      chmodSync(dir, PRIVATE_DIR_MODE);
  } catch {
    // Missing or not ours: nothing to repair.
  }
}

/**
 * Writes `text` to `file` atomically (a temp file in the same directory, then rename), with
 * `mode` (default 0600), refusing any symlink on the way (see {@link assertNoSymlink}). The
 * rename replaces a link at `file` itself rather than writing through it, but the check
 * refuses that case too, so a planted link is reported instead of silently replaced.
 * @throws FlotillaError UNSAFE_PATH; the fs error when the directory is not writable.
 */
export function writePrivateFile(file: string, text: string, mode = PRIVATE_FILE_MODE): void {
  ensurePrivateDir(path.dirname(file));
  assertNoSymlink(file);
  const tmp = `${file}.${process.pid}.${randomHex(4)}.tmp`;
  try {
    writeFileSync(tmp, text, { flag: "wx", mode });
    chmodSync(tmp, mode); // the umask may have taken bits off
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

const requireBuiltin = createRequire(import.meta.url);

/**
 * `bytes` random bytes as hex. node:crypto is loaded on the first call: a command that
 * writes no private file (`flotilla ls`) does not pay the ~10 ms its loading costs.
 */
function randomHex(bytes: number): string {
  const crypto = requireBuiltin("node:crypto") as typeof Crypto;
  return crypto.randomBytes(bytes).toString("hex");
}
