import { watch, type FSWatcher } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";

/**
 * The hub's one watcher of `.flotilla/`: every part of the hub (the hub's own state.json
 * reload, each runner) subscribes to the directories it cares about by sub-path, and each
 * directory gets one `fs.watch` however many subscribers it has.
 *
 * Not one recursive `fs.watch` of the tree: `.flotilla/worktrees/` holds every agent's
 * checkout (node_modules included), and a recursive watch on Linux puts an inotify watch on
 * every directory below it. Directories are watched non-recursively, on demand.
 */

/** Called with the entry name that changed in a watched directory (`null` when unknown). */
export type WatchListener = (name: string | null) => void;

/**
 * Watches directories under one root. Paths are sub-paths of `root` (`"mail"`,
 * `"mail/alice/new"`, `""` for the root itself) or absolute paths inside it.
 */
export interface ProjectWatcher {
  /** Absolute path of the watched root (`<project>/.flotilla`). */
  readonly root: string;
  /**
   * Calls `listener` whenever an entry of directory `dir` is added, removed, renamed or
   * written, and once with `null` when the directory's watch broke (it was removed):
   * re-read, and call {@link refresh} to watch it again. Does not create `dir`; a missing
   * directory is watched once {@link refresh} finds it. Returns the unsubscribe function
   * (the `fs.watch` closes with its last subscriber).
   */
  subscribe(dir: string, listener: WatchListener): () => void;
  /**
   * Makes sure `dir` is watched as it is now on disk: after it was removed and made anew
   * (a watch follows the inode it was set on, not the path) the watch is set again.
   * Resolves once done; never rejects (a missing directory stays unwatched until next time).
   */
  refresh(dir: string): Promise<void>;
  /** Closes every watch; no listener runs afterwards. */
  close(): void;
}

interface Entry {
  listeners: Set<WatchListener>;
  watcher: FSWatcher | undefined;
  /**
   * Identity of the directory the watch was set on: inode and birth time (ns), since a
   * directory removed and made anew often gets the same inode number back (ext4, tmpfs).
   */
  ino: string | undefined;
}

/** Opens the shared watcher for `root` (nothing is watched until someone subscribes). */
export function createProjectWatcher(root: string): ProjectWatcher {
  const entries = new Map<string, Entry>();
  let closed = false;
  const resolve = (dir: string): string => path.resolve(root, dir);

  const drop = (entry: Entry): void => {
    entry.watcher?.close();
    entry.watcher = undefined;
    entry.ino = undefined;
  };
  const tell = (entry: Entry, name: string | null): void => {
    if (closed) return;
    for (const listener of [...entry.listeners]) listener(name);
  };
  const open = (dir: string, entry: Entry, ino: string): void => {
    if (closed) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        // The directory itself went away (Linux reports its own name): its inode may be
        // reused by the next one made there, so set the watch again on the next refresh.
        if (name === path.basename(dir)) entry.ino = undefined;
        tell(entry, name === null ? null : String(name));
      });
    } catch {
      return; // gone meanwhile: the next refresh tries again
    }
    // A watched directory that goes away (purge, rm -rf) errors: forget the watch and let
    // subscribers re-read; their next refresh watches it again if it comes back.
    watcher.on("error", () => {
      if (entry.watcher !== watcher) return;
      drop(entry);
      tell(entry, null);
    });
    entry.watcher = watcher;
    entry.ino = ino;
  };

  return {
    root,
    subscribe(dir, listener) {
      const key = resolve(dir);
      let entry = entries.get(key);
      if (!entry)
        entries.set(key, (entry = { listeners: new Set(), watcher: undefined, ino: undefined }));
      entry.listeners.add(listener);
      const current = entry;
      return () => {
        current.listeners.delete(listener);
        if (current.listeners.size > 0 || entries.get(key) !== current) return;
        drop(current);
        entries.delete(key);
      };
    },
    async refresh(dir) {
      const key = resolve(dir);
      let ino: string;
      try {
        const info = await stat(key, { bigint: true });
        ino = `${info.ino}:${info.birthtimeNs}`;
      } catch {
        return;
      }
      const entry = entries.get(key);
      if (!entry || closed) return;
      if (entry.watcher && entry.ino === ino) return;
      drop(entry);
      open(key, entry, ino);
    },
    close() {
      closed = true;
      for (const entry of entries.values()) drop(entry);
      entries.clear();
    },
  };
}
