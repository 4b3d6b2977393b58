import { appendFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import type { EventRecord } from "../core/schema.js";

/**
 * Appends one event as a JSON line to `.flotilla/events.jsonl`. A single `write(2)` with
 * O_APPEND, so lines from concurrent processes never interleave. Never throws: the event
 * log must not take an action down with it.
 */
export function appendEvent(
  file: string,
  type: string,
  fields: { agent?: string; detail?: Record<string, unknown> } = {},
  now: Date = new Date(),
): void {
  const record: EventRecord = { time: now.toISOString(), type, ...fields };
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, JSON.stringify(record) + "\n", { flag: "a" });
  } catch {
    // Best effort by design; see the docstring.
  }
}
