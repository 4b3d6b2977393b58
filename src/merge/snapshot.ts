import { open } from "node:fs/promises";
import type { Journal, MergeEntry } from "../core/merge-queue.js";
import { entryLogFile } from "./paths.js";
import type { MergeQueueStore } from "./queue.js";

/**
 * What a live view of the queue shows: the entries, the run in progress (its step and the
 * running gate's name and start) and the last lines of the running entry's log.
 */
export interface QueueSnapshot {
  entries: MergeEntry[];
  journal: Journal | undefined;
  /** Last lines of the log of the first entry of the running batch (gate output). */
  tail: string[];
}

/** Bytes read from the end of a log for its tail. */
const TAIL_BYTES = 8 * 1024;

/** Reads the queue and, while a run is in progress, the tail of its log (`lines` lines). */
export async function readSnapshot(store: MergeQueueStore, lines = 8): Promise<QueueSnapshot> {
  const doc = await store.read();
  const running = doc.journal?.entries[0];
  const tail = running ? await readTail(entryLogFile(store.paths, running), lines) : [];
  return { entries: doc.entries, journal: doc.journal, tail };
}

/** The last `lines` non-empty lines of `file` (read from its last 8 KiB); [] when missing. */
export async function readTail(file: string, lines: number): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch {
    return [];
  }
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    const text = buffer.toString("utf8").split("\n");
    if (start > 0) text.shift(); // a partial first line
    return text.filter((l) => l.trim().length > 0).slice(-lines);
  } finally {
    await handle.close();
  }
}

/** The whole log of entry `id` (gate output and steps); "" when it has none yet. */
export async function readLog(store: MergeQueueStore, id: string): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  return readFile(entryLogFile(store.paths, id), "utf8").catch(() => "");
}
