import { watch, type FSWatcher } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";

/**
 * Watches a worktree's directories, each with its own non-recursive `fs.watch`, skipping
 * `.git` and whatever `skip` says (the worktree's ignored directories: `node_modules/`,
 * `dist/`). Not `fs.watch(…, { recursive: true })`: on Linux, Node 20 sets an inotify watch on
 * every file of the tree (measured: 104 watches for 4 directories of 100 files), node_modules
 * included, and walks it synchronously. Here the cost is one inotify watch per directory git
 * does not ignore, and nothing runs until something changes.
 *
 * New directories are not watched by themselves: the owner calls {@link TreeWatch.discover}
 * with the paths that changed, once it knows which of them are ignored.
 */

/** What a tree watch reports. Paths are relative to the root, `/`-separated. */
export interface TreeWatchOptions {
  /** True for a directory (relative path, no trailing `/`) that must not be watched. */
  skip(dir: string): boolean;
  /** An entry changed (`dir/name`); `null` when a watched directory broke (it was removed). */
  onEvent(file: string | null): void;
}

/** A live tree watch (see the module comment). */
export interface TreeWatch {
  /** Watches every directory under the root that `skip` allows. Resolves once set. */
  start(): Promise<void>;
  /**
   * Looks at changed `files`: a new directory (not skipped) is watched with what is below
   * it, a watched one that is now skipped or gone is dropped. Resolves with the number of
   * directories newly watched.
   * @throws the `fs.watch` error (ENOSPC: out of inotify watches) when a watch cannot be set.
   */
  discover(files: Iterable<string>): Promise<number>;
  /** Directories watched now. */
  readonly size: number;
  close(): void;
}

/**
 * Opens a tree watch on `root` (nothing is watched before `start`).
 * @throws from `start`/`discover` the `fs.watch` error when a watch cannot be set.
 */
export function createTreeWatch(root: string, options: TreeWatchOptions): TreeWatch {
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  const drop = (dir: string): void => {
    for (const [key, watcher] of watchers)
      if (key === dir || key.startsWith(`${dir}/`)) {
        watcher.close();
        watchers.delete(key);
      }
  };

  const watchOne = (dir: string): void => {
    const abs = path.join(root, dir);
    let watcher: FSWatcher;
    try {
      watcher = watch(abs, { persistent: false }, (_event, name) => {
        if (closed) return;
        options.onEvent(
          name === null ? null : dir === "" ? String(name) : `${dir}/${String(name)}`,
        );
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // gone meanwhile
      throw error;
    }
    watcher.on("error", () => {
      if (watchers.get(dir) !== watcher) return;
      drop(dir);
      if (!closed) options.onEvent(null);
    });
    watchers.set(dir, watcher);
  };

  const addTree = async (dir: string): Promise<number> => {
    if (closed || watchers.has(dir)) return 0;
    watchOne(dir);
    let added = 1;
    let entries;
    try {
      entries = await readdir(path.join(root, dir), { withFileTypes: true });
    } catch {
      return added;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === ".git") continue;
      const sub = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (!options.skip(sub)) added += await addTree(sub);
    }
    return added;
  };

  return {
    async start() {
      await addTree("");
    },
    async discover(files) {
      let added = 0;
      for (const file of new Set(files)) {
        if (closed) break;
        if (file.split("/").includes(".git")) continue;
        const parent = path.posix.dirname(file);
        let isDir = false;
        try {
          isDir = (await stat(path.join(root, file))).isDirectory();
        } catch {
          isDir = false;
        }
        if (!isDir || options.skip(file)) {
          drop(file);
          continue;
        }
        // Only below a watched directory: a skipped directory's contents stay unwatched.
        if (watchers.has(parent === "." ? "" : parent)) added += await addTree(file);
      }
      return added;
    },
    get size() {
      return watchers.size;
    },
    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
