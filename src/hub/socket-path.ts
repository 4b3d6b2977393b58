import { createHash } from "node:crypto";
import { chmodSync, lstatSync, mkdirSync, realpathSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { projectPaths } from "../store/paths.js";

/**
 * Where a project's hub socket lives. The socket sits in a directory only the user can
 * enter (0700, owned by the user): that directory is the access control, because Linux
 * checks search permission on every path component at connect(2) and Node offers no
 * SO_PEERCRED to check the peer afterwards.
 */

/**
 * Longest socket path we use, in bytes. `sun_path` holds 108 bytes on Linux and 104 on
 * macOS, including the terminating NUL; 100 leaves margin.
 */
export const MAX_SOCKET_PATH_BYTES = 100;

/**
 * The socket path for the project whose main checkout is `root`:
 * `<dir>/<16 hex of sha256(realpath(root))>.sock`, where `<dir>` is the first usable of
 * `$XDG_RUNTIME_DIR/flotilla`, `<root>/.flotilla/run` and `<tmpdir>/flotilla-<uid>`, a
 * directory counts as usable when it can be made private (see `ensurePrivateDir`) and the
 * path fits in `MAX_SOCKET_PATH_BYTES`. Creates the directory.
 * @throws FlotillaError HUB_UNAVAILABLE when no candidate directory is usable.
 */
export function resolveSocketPath(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = `${projectKey(root)}.sock`;
  const candidates: string[] = [];
  if (env.XDG_RUNTIME_DIR && path.isAbsolute(env.XDG_RUNTIME_DIR)) {
    candidates.push(path.join(env.XDG_RUNTIME_DIR, "flotilla"));
  }
  candidates.push(projectPaths(root).run);
  candidates.push(path.join(os.tmpdir(), `flotilla-${process.getuid?.() ?? "user"}`));
  const problems: string[] = [];
  for (const dir of candidates) {
    const socketPath = path.join(dir, name);
    if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
      problems.push(`${dir}: path too long for a socket`);
      continue;
    }
    try {
      ensurePrivateDir(dir);
      return socketPath;
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  throw new FlotillaError(
    "HUB_UNAVAILABLE",
    `no private directory for the hub socket (${problems.join("; ")}); set XDG_RUNTIME_DIR to a directory only you can enter`,
  );
}

/** Stable key for a main checkout: 16 hex digits of sha256 of its real path. */
export function projectKey(root: string): string {
  let real = path.resolve(root);
  try {
    real = realpathSync(real);
  } catch {
    // A root that does not exist yet still gets a stable key from its absolute path.
  }
  return createHash("sha256").update(real).digest("hex").slice(0, 16);
}

/**
 * Makes `dir` (and missing parents) exist as a directory owned by the current user with
 * mode 0700, tightening the mode if the user owns it.
 * @throws FlotillaError HUB_UNAVAILABLE when it is a symlink, not a directory, or owned by
 * someone else (then the socket would not be private).
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  if (!stat.isDirectory()) {
    throw new FlotillaError("HUB_UNAVAILABLE", `${dir} is not a directory`);
  }
  const uid = process.getuid?.();
  if (uid !== undefined && stat.uid !== uid) {
    throw new FlotillaError("HUB_UNAVAILABLE", `${dir} is owned by uid ${stat.uid}, not you`);
  }
  if ((stat.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
}
