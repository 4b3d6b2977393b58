import * as z from "./zod.js";
import type { MergeEntry } from "./merge-queue.js";
import { DOMAIN_PATTERN, type MemoryInput } from "./memory.js";

/**
 * Draft `failure` memories from the merge queue, pure: when an agent's entry failed a quality
 * gate and a later entry of the same agent (or the same entry, retried) merged with that gate
 * passing, what was learned is a failure record: the gate's complaint and what changed
 * between the failing and the passing head. The hub's memory-drafts runner feeds this the
 * queue document and mails each draft to the cockpit, where a human (or an agent, with
 * `flotilla memory accept`) records it.
 */

/** A failed gate as first seen: kept so a retried entry (same id, later merged) still pairs. */
export const SeenFailure = z.object({
  entry: z.string(),
  agent: z.string(),
  gate: z.string(),
  head: z.string(),
  task: z.optional(z.string()),
  /** The first meaningful line of the gate's output (see {@link firstMeaningfulLine}). */
  output: z._default(z.string(), ""),
  /** ISO-8601, when the entry was marked failed. */
  at: z.string(),
});
export type SeenFailure = z.infer<typeof SeenFailure>;

/** Most failures and drafted pairs remembered (oldest dropped first). */
export const MAX_REMEMBERED = 500;

/**
 * `.flotilla/memory-drafts.json`: failures seen and the pairs already drafted (as
 * {@link pairKey}s), so each failure→pass pair is drafted once however often the queue changes.
 */
export const MemoryDraftsDoc = z.object({
  version: z._default(z.literal(1), 1),
  failures: z._default(z.array(SeenFailure), []),
  drafted: z._default(z.array(z.string()), []),
});
export type MemoryDraftsDoc = z.infer<typeof MemoryDraftsDoc>;

/**
 * A draft failure record, the payload of a `memory_draft` mail: the record to store
 * (`domain`, `text`, `resolution`, `evidence`) and the pair it came from.
 */
export const MemoryDraft = z.object({
  kind: z._default(z.literal("memory_draft"), "memory_draft"),
  key: z.string(),
  failedEntry: z.string(),
  passedEntry: z.string(),
  agent: z.string(),
  gate: z.string(),
  domain: z.string().check(z.regex(DOMAIN_PATTERN)),
  type: z._default(z.literal("failure"), "failure"),
  text: z.string().check(z.minLength(1)),
  resolution: z.string().check(z.minLength(1)),
  evidence: z.object({
    files: z._default(z.array(z.string()), []),
    commit: z.optional(z.string()),
    task: z.optional(z.string()),
    agent: z.optional(z.string()),
  }),
});
export type MemoryDraft = z.infer<typeof MemoryDraft>;

/** A failure and the merged entry that later passed the same gate, for the same agent. */
export interface GatePair {
  failure: SeenFailure;
  passed: MergeEntry;
  key: string;
}

/** The key a pair is remembered by: `<failed id>@<failed head>><passed id>`. */
export function pairKey(failure: Pick<SeenFailure, "entry" | "head">, passed: string): string {
  return `${failure.entry}@${failure.head}>${passed}`;
}

/** The queue number of an entry id (`m12` → 12). */
function entryNumber(id: string): number {
  return Number(id.slice(1));
}

/**
 * The first line of a gate's output worth quoting, from an entry's log text
 * (`.flotilla/merge/logs/<id>.log`: `[flotilla] gate <name> (attempt n) …` headers, the
 * gate's output, then `[flotilla] gate <name> passed|failed …`). Reads the last section of
 * `gate`; prefers a line that says error/fail/assert, else the first non-empty one; `""`
 * when there is none. Control characters are dropped, at most 200 characters kept.
 */
export function firstMeaningfulLine(log: string, gate: string): string {
  const lines = log.split(/\r?\n/);
  const header = `[flotilla] gate ${gate} (attempt`;
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (lines[i]?.startsWith(header)) {
      start = i + 1;
      break;
    }
  if (start < 0) return "";
  const section: string[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("[flotilla]")) break;
    const clean = line.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/[\x00-\x1f\x7f]/g, "");
    if (clean.trim()) section.push(clean.trim());
  }
  const chosen = section.find((l) => /error|fail|assert|✗|×/i.test(l)) ?? section[0] ?? "";
  return chosen.length > 200 ? `${chosen.slice(0, 199)}…` : chosen;
}

/**
 * Adds to `doc.failures` (mutates it) every `gate_failed` entry not seen yet at its head,
 * with its failing gate and the output line `outputOf(entry, gate)` gives. Returns the
 * failures added. Keeps at most {@link MAX_REMEMBERED}.
 */
export function observeFailures(
  doc: MemoryDraftsDoc,
  entries: readonly MergeEntry[],
  outputOf: (entry: MergeEntry, gate: string) => string,
): SeenFailure[] {
  const added: SeenFailure[] = [];
  for (const entry of entries) {
    if (entry.state !== "gate_failed") continue;
    const failing = entry.gates.find((g) => !g.ok);
    if (!failing) continue;
    if (doc.failures.some((f) => f.entry === entry.id && f.head === entry.head)) continue;
    const failure: SeenFailure = {
      entry: entry.id,
      agent: entry.agent,
      gate: failing.name,
      head: entry.head,
      ...(entry.task ? { task: entry.task } : {}),
      output: outputOf(entry, failing.name),
      at: entry.updatedAt,
    };
    doc.failures.push(failure);
    added.push(failure);
  }
  if (doc.failures.length > MAX_REMEMBERED)
    doc.failures.splice(0, doc.failures.length - MAX_REMEMBERED);
  return added;
}

/**
 * The failure→pass pairs not drafted yet: for each remembered failure, the first merged
 * entry of the same agent that is the same entry at a different head or a later one, and
 * whose gates include the failed gate passing. When several failures of one agent and gate
 * precede the same pass, only the latest pairs (the others are covered by it and returned
 * in `covered`, to be remembered as drafted too).
 */
export function findGatePairs(
  failures: readonly SeenFailure[],
  entries: readonly MergeEntry[],
  drafted: ReadonlySet<string>,
): { pairs: GatePair[]; covered: string[] } {
  const byTarget = new Map<string, GatePair>();
  const covered: string[] = [];
  for (const failure of failures) {
    const passed = entries.find(
      (e) =>
        e.state === "merged" &&
        e.agent === failure.agent &&
        // The same entry counts too: `merge retry` sends a failed entry round again.
        (e.id === failure.entry || entryNumber(e.id) > entryNumber(failure.entry)) &&
        e.gates.some((g) => g.name === failure.gate && g.ok),
    );
    if (!passed) continue;
    const key = pairKey(failure, passed.id);
    if (drafted.has(key)) continue;
    const slot = `${passed.id}\u0000${failure.gate}`;
    const earlier = byTarget.get(slot);
    if (earlier) covered.push(earlier.key);
    byTarget.set(slot, { failure, passed, key });
  }
  return { pairs: [...byTarget.values()], covered };
}

/** The memory domain of a gate's failures: the gate's name when it is a valid domain, else `gates`. */
export function draftDomain(gate: string): string {
  const name = gate.trim().toLowerCase().replace(/\s+/g, "-");
  return DOMAIN_PATTERN.test(name) ? name : "gates";
}

/**
 * The draft for `pair`: text `<gate> failed: <output line>`, resolution from `subjects`
 * (the subject lines of the commits between the failing and the passing head, oldest
 * first; at most 10 kept) or, with none, the passing head; evidence `files` (those changed
 * between the heads, else the passing entry's), the passing head, task and agent.
 */
export function draftFailure(
  pair: GatePair,
  change: { subjects: readonly string[]; files: readonly string[] },
): MemoryDraft {
  const { failure, passed } = pair;
  const output = failure.output.trim();
  const text = output ? `${failure.gate} failed: ${output}` : `${failure.gate} failed`;
  const subjects = change.subjects.map((s) => s.trim()).filter((s) => s.length > 0);
  const shown = subjects.slice(-10);
  const resolution =
    shown.length > 0
      ? `${subjects.length > shown.length ? "… " : ""}${shown.join("; ")}`
      : `passed at ${passed.head.slice(0, 10)} (${passed.id})`;
  const files = change.files.length > 0 ? [...change.files] : [...passed.files];
  const task = passed.task ?? failure.task;
  return {
    kind: "memory_draft",
    key: pair.key,
    failedEntry: failure.entry,
    passedEntry: passed.id,
    agent: failure.agent,
    gate: failure.gate,
    domain: draftDomain(failure.gate),
    type: "failure",
    text,
    resolution,
    evidence: {
      files: files.slice(0, 50),
      commit: passed.head,
      ...(task ? { task } : {}),
      agent: failure.agent,
    },
  };
}

/** Marks `keys` drafted in `doc` (mutates it), keeping at most {@link MAX_REMEMBERED}. */
export function rememberDrafted(doc: MemoryDraftsDoc, keys: readonly string[]): void {
  for (const key of keys) if (!doc.drafted.includes(key)) doc.drafted.push(key);
  if (doc.drafted.length > MAX_REMEMBERED)
    doc.drafted.splice(0, doc.drafted.length - MAX_REMEMBERED);
}

/** The memory input a draft records (what `flotilla memory accept` stores). */
export function draftInput(draft: MemoryDraft): MemoryInput {
  return {
    domain: draft.domain,
    type: "failure",
    text: draft.text,
    resolution: draft.resolution,
    tags: ["gate", draft.gate],
    evidence: draft.evidence,
  };
}
