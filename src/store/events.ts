import { closeSync, constants, fstatSync, openSync, readSync, writeSync } from "node:fs";
import path from "node:path";
import type { EventRecord } from "../core/schema.js";
import { assertNoSymlink, ensurePrivateDir, PRIVATE_FILE_MODE } from "./safe-path.js";

// O_NOFOLLOW: a link planted at events.jsonl itself fails the open instead of being followed.
const APPEND = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW;

/**
 * Appends one event as a JSON line to `.flotilla/events.jsonl` (mode 0600). A single
 * `write(2)` with O_APPEND, so lines from concurrent processes never interleave. Never
 * throws: the event log must not take an action down with it; an event that would be
 * written through a symlink is dropped instead.
 */
export function appendEvent(
  file: string,
  type: string,
  fields: { agent?: string; detail?: Record<string, unknown> } = {},
  now: Date = new Date(),
): void {
  const record: EventRecord = { time: now.toISOString(), type, ...fields };
  try {
    ensurePrivateDir(path.dirname(file));
    assertNoSymlink(file);
    const fd = openSync(file, APPEND, PRIVATE_FILE_MODE);
    try {
      // A line torn by a writer that died mid-line is ended first, so it does not swallow this one.
      const size = fstatSync(fd).size;
      const last = Buffer.alloc(1);
      const torn = size > 0 && readSync(fd, last, 0, 1, size - 1) === 1 && last[0] !== 0x0a;
      writeSync(fd, (torn ? "\n" : "") + JSON.stringify(record) + "\n");
    } finally {
      closeSync(fd);
    }
  } catch {
    // Best effort by design; see the docstring.
  }
}
