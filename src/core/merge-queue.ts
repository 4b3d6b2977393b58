import * as z from "./zod.js";

/**
 * The merge queue's domain, pure: the queue document (`.flotilla/merge-queue.json`), entry
 * states and their transitions, the journal steps that make a run crash-safe, batch
 * selection, and the bisection plan that finds the entries of a failed batch that broke
 * the gates. The engine that runs git and the gates lives in `src/merge/`.
 */

/**
 * Where an entry is. `queued → merging → gating → merged`, or one of the end states
 * `conflict`, `gate_failed`, `scope_violation`, `dropped`; `held` waits for the user's main
 * checkout to allow the fast-forward and goes back to landing by itself.
 */
export const MergeState = z.enum([
  "queued",
  "merging",
  "gating",
  "merged",
  "conflict",
  "gate_failed",
  "scope_violation",
  "dropped",
  "held",
]);
export type MergeState = z.infer<typeof MergeState>;

/** How an entry's change was brought onto the target: a plain merge, or rebased first. */
export const MergeTier = z.enum(["merge", "rebase"]);
export type MergeTier = z.infer<typeof MergeTier>;

/** One quality gate from `config.json`: a shell command run in the integration worktree. */
export const GateConfig = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(80)),
  command: z.string().check(z.minLength(1)),
  /** Killed (its whole process group) and failed after this many ms. Default 10 minutes. */
  timeoutMs: z._default(z.number().check(z.int(), z.gte(100), z.lte(24 * 3_600_000)), 600_000),
});
export type GateConfig = z.infer<typeof GateConfig>;

/** `config.json` `gates`: run in order on every merged result; all must pass. */
export const GatesConfig = z._default(z.array(GateConfig), []);

/** `config.json` `merge`: how the queue batches, retries, checks scope and cleans up. */
export const MergeConfig = z.object({
  /** Entries merged onto the target and gated together; 1 = strictly one at a time. */
  batch: z._default(z.number().check(z.int(), z.gte(1), z.lte(64)), 4),
  /** Re-runs of a failed gate; an entry that passes on a re-run is marked `flaky`. */
  retryFlaky: z._default(z.number().check(z.int(), z.gte(0), z.lte(5)), 1),
  /** Changes outside the declared scope: `block` (until `merge approve`) or `warn`. */
  scope: z._default(z.enum(["block", "warn"]), "block"),
  /** After landing, remove the agent's worktree and `git branch -d` its branch. */
  autoClean: z._default(z.boolean(), false),
  /** `enqueue`: the hub enqueues an agent's branch when its `worker_done` mail arrives. */
  onWorkerDone: z._default(z.enum(["enqueue", "off"]), "enqueue"),
});
export type MergeConfig = z.infer<typeof MergeConfig>;

/** Result of one gate on one merged result. `durationMs` in ms; `attempts` counts re-runs. */
export const GateResult = z.object({
  name: z.string(),
  ok: z.boolean(),
  /** `null` when the command was killed or could not start. */
  exitCode: z.nullable(z.number().check(z.int())),
  timedOut: z._default(z.boolean(), false),
  durationMs: z.number().check(z.gte(0)),
  attempts: z.number().check(z.int(), z.gte(1)),
  /** Passed only on a re-run. */
  flaky: z._default(z.boolean(), false),
  /** The commit the gate ran on. */
  commit: z.string(),
});
export type GateResult = z.infer<typeof GateResult>;

/** One line of an entry's history (its log lines in the document). `time` is ISO-8601. */
export const EntryNote = z.object({ time: z.string(), text: z.string() });
export type EntryNote = z.infer<typeof EntryNote>;

/** Most `worker_done` message ids remembered as handled. */
export const MAX_HANDLED_MAIL = 500;

/** Most history lines kept per entry (oldest dropped first); gate output lives in a log file. */
export const MAX_ENTRY_NOTES = 200;

/**
 * One queue entry. `head` is the branch's commit at enqueue (moved only by the rebase tier);
 * `files` are the paths it changes against the target. Times are ISO-8601.
 */
export const MergeEntry = z.object({
  id: z.string().check(z.regex(/^m[0-9]+$/)),
  agent: z.string().check(z.minLength(1)),
  branch: z.string().check(z.minLength(1)),
  head: z.string().check(z.regex(/^[0-9a-f]{40,64}$/)),
  task: z.optional(z.string()),
  files: z._default(z.array(z.string()), []),
  /** Declared file scope (globs); empty = none declared. */
  scope: z._default(z.array(z.string()), []),
  /** Files changed outside `scope`. */
  outOfScope: z._default(z.array(z.string()), []),
  /** `merge approve` lets an out-of-scope change through. */
  approved: z._default(z.boolean(), false),
  /** Files `git merge-tree` predicts will conflict with the target at `predictedAt`. */
  predictedConflicts: z._default(z.array(z.string()), []),
  predictedAt: z.optional(z.string()),
  enqueuedAt: z.string(),
  updatedAt: z.string(),
  state: MergeState,
  tier: z.optional(MergeTier),
  batch: z.optional(z.string()),
  /** One line saying why the entry is where it is (conflict files, failing gate, held reason). */
  reason: z.optional(z.string()),
  flaky: z._default(z.boolean(), false),
  gates: z._default(z.array(GateResult), []),
  /** The entry's own merge commit, and the target commit it landed in. */
  mergeCommit: z.optional(z.string()),
  landedAt: z.optional(z.string()),
  landedIn: z.optional(z.string()),
  /** Where the rebase tier kept the branch's old head. */
  archiveRef: z.optional(z.string()),
  /** The agent has been told the outcome (`merged` / `merge_failed` mail). */
  notified: z._default(z.boolean(), false),
  notes: z._default(z.array(EntryNote), []),
});
export type MergeEntry = z.infer<typeof MergeEntry>;

/**
 * Steps of a run, each written to the journal before it is taken:
 * `prepare` (reset the integration worktree at `base`), `stack` (merge entry `entry` onto the
 * stack), `rebase` (rebase tier for `entry` in the scratch worktree), `move-branch` (the
 * compare-and-swap of the agent's branch to the rebased head, old head archived first),
 * `gate` (run the gates on `tip`), `land` (compare-and-swap the target from `base` to `tip`),
 * `landed` (the target is at `tip`: mark entries merged), `notify` (mail the agents, clean).
 */
export const JOURNAL_STEPS = [
  "prepare",
  "stack",
  "rebase",
  "move-branch",
  "gate",
  "land",
  "landed",
  "notify",
] as const;
export const JournalStep = z.enum(JOURNAL_STEPS);
export type JournalStep = z.infer<typeof JournalStep>;

/**
 * The journal of the run in progress: which target, the target commit it started from
 * (`base`), the entries it took (queue order), the step about to be taken, and the stack tip
 * it would land (`tip`). Present only while a run is between `prepare` and the end of
 * `notify`; a run that finds one left behind recovers from it (see {@link recoveryAction}).
 */
export const Journal = z.object({
  runId: z.string(),
  pid: z.number().check(z.int()),
  target: z.string(),
  base: z.string(),
  entries: z.array(z.string()),
  step: JournalStep,
  entry: z.optional(z.string()),
  tip: z.optional(z.string()),
  /** Set while the landing waits for the user's checkout (`held`): retried as is. */
  held: z.optional(z.boolean()),
  /** The rebase tier's compare-and-swap of an agent branch, for recovery. */
  move: z.optional(
    z.object({
      branch: z.string(),
      from: z.string(),
      to: z.string(),
      worktree: z.optional(z.string()),
    }),
  ),
  /** The running gate's name and start (ISO-8601), for the view's live line. */
  gate: z.optional(z.string()),
  gateStartedAt: z.optional(z.string()),
  startedAt: z.string(),
  updatedAt: z.string(),
});
export type Journal = z.infer<typeof Journal>;

/** `.flotilla/merge-queue.json`. Entries are in queue order (FIFO unless moved). */
export const MergeQueueDoc = z.object({
  version: z._default(z.literal(1), 1),
  nextId: z._default(z.number().check(z.int(), z.gte(1)), 1),
  entries: z._default(z.array(MergeEntry), []),
  journal: z.optional(Journal),
  /** Gate commands run so far (all attempts), for the bench and `merge ls`. */
  gateRuns: z._default(z.number().check(z.int(), z.gte(0)), 0),
  /** Ids of `worker_done` messages the hub already acted on (newest last, bounded). */
  handledMail: z._default(z.array(z.string()), []),
});
export type MergeQueueDoc = z.infer<typeof MergeQueueDoc>;

/** States an entry can still move out of by itself (the queue will process it). */
export const ACTIVE_STATES: ReadonlySet<MergeState> = new Set([
  "queued",
  "merging",
  "gating",
  "held",
]);

/** End states a user may `retry` from. */
export const RETRYABLE_STATES: ReadonlySet<MergeState> = new Set([
  "conflict",
  "gate_failed",
  "scope_violation",
  "dropped",
  "held",
]);

/** True when the entry still waits for the queue (not landed, failed or dropped). */
export function isActive(entry: Pick<MergeEntry, "state">): boolean {
  return ACTIVE_STATES.has(entry.state);
}

/** Merged and dropped entries kept in the document (oldest forgotten first; logs stay). */
export const MAX_DONE_ENTRIES = 200;

/**
 * Forgets the oldest merged and dropped entries beyond `keep` (mutates `entries`), so the
 * document, rewritten on every step, stays small however long the project runs. Entries
 * that wait or failed are never forgotten. Returns how many were removed.
 */
export function pruneEntries(entries: MergeEntry[], keep = MAX_DONE_ENTRIES): number {
  const done = entries.filter((e) => e.state === "merged" || e.state === "dropped");
  const drop = new Set(done.slice(0, Math.max(0, done.length - keep)).map((e) => e.id));
  if (drop.size === 0) return 0;
  const kept = entries.filter((e) => !drop.has(e.id));
  entries.splice(0, entries.length, ...kept);
  return drop.size;
}

/** Adds a history line to `entry` (mutates it), keeping at most {@link MAX_ENTRY_NOTES}. */
export function addNote(entry: MergeEntry, text: string, now: Date): void {
  entry.notes.push({ time: now.toISOString(), text });
  if (entry.notes.length > MAX_ENTRY_NOTES)
    entry.notes.splice(0, entry.notes.length - MAX_ENTRY_NOTES);
  entry.updatedAt = now.toISOString();
}

/**
 * The entries of the next run, in queue order: up to `batch` entries that are `queued` or
 * `held` (a held batch is retried first because it is earlier in the queue), stopping before
 * any entry that waits on an unapproved scope check (those never reach a run).
 */
export function planBatch(entries: readonly MergeEntry[], batch: number): MergeEntry[] {
  const out: MergeEntry[] = [];
  for (const entry of entries) {
    if (out.length >= batch) break;
    if (entry.state === "queued" || entry.state === "held") out.push(entry);
  }
  return out;
}

/**
 * Files of `files` outside every glob of `scope`, using `isMatch(file, globs)` (picomatch in
 * the engine; injected so this stays pure). An empty scope declares nothing: none outside.
 */
export function filesOutsideScope(
  files: readonly string[],
  scope: readonly string[],
  isMatch: (file: string, globs: readonly string[]) => boolean,
): string[] {
  if (scope.length === 0) return [];
  return files.filter((file) => !isMatch(file, scope));
}

/** What the scope check decides for an entry: go on (maybe with a warning) or stop. */
export function scopeDecision(
  entry: Pick<MergeEntry, "outOfScope" | "approved">,
  mode: MergeConfig["scope"],
): "ok" | "warn" | "block" {
  if (entry.outOfScope.length === 0) return "ok";
  if (entry.approved || mode === "warn") return "warn";
  return "block";
}

/** Moves the entry `id` one place up (`-1`) or down (`+1`) among the entries; returns success. */
export function moveEntry(entries: MergeEntry[], id: string, delta: -1 | 1): boolean {
  const index = entries.findIndex((e) => e.id === id);
  const other = index + delta;
  if (index < 0 || other < 0 || other >= entries.length) return false;
  const a = entries[index];
  const b = entries[other];
  if (!a || !b) return false;
  entries[index] = b;
  entries[other] = a;
  return true;
}

/**
 * What a run does with a journal left by a run that died (SIGKILL): `finish` when the
 * target already points at the journal's `tip` after the `land` step (the compare-and-swap
 * happened: mark the entries merged and notify), otherwise `redo` (the target never moved
 * past `base`: put the entries back in the queue and start over).
 */
export function recoveryAction(journal: Journal, targetNow: string | undefined): "finish" | "redo" {
  const afterLand =
    journal.step === "land" || journal.step === "landed" || journal.step === "notify";
  if (afterLand && journal.tip !== undefined && targetNow === journal.tip) return "finish";
  return "redo";
}

/**
 * A bisection in progress over a failed batch (bors-ng / Gas Town Refinery style).
 * `good` are entries proven to pass stacked in queue order on the target (they will land);
 * `culprits` are proven to break the gates; `work` is what is left, in queue order. A work
 * item `known: "fail"` is a group already proven to fail when stacked on top of `good`;
 * `failsIfPreviousPasses` marks the second half of a split: if the first half passes, the
 * second half is known to fail without gating it.
 */
export interface BisectPlan {
  good: string[];
  culprits: string[];
  work: BisectItem[];
  /** Gate evaluations so far, the failed full-batch run included. */
  gateRuns: number;
}

/** One group of entries still to decide; see {@link BisectPlan}. */
export interface BisectItem {
  ids: string[];
  known: "fail" | "unknown";
  failsIfPreviousPasses?: boolean;
}

/** What to do next: gate the stack of `ids` (in order) on the target, or stop. */
export type BisectStep =
  { kind: "gate"; ids: string[] } | { kind: "done"; good: string[]; culprits: string[] };

/** Starts a bisection after the gates failed on the stack of `ids` (one gate run so far). */
export function startBisect(ids: readonly string[]): BisectPlan {
  return { good: [], culprits: [], work: [{ ids: [...ids], known: "fail" }], gateRuns: 1 };
}

/**
 * The next step of `plan` (mutates it to settle what needs no gate run: a failing single
 * entry is a culprit, a failing group is split in halves). Gate `good + item` next.
 */
export function nextBisectStep(plan: BisectPlan): BisectStep {
  for (;;) {
    const item = plan.work[0];
    if (!item) return { kind: "done", good: [...plan.good], culprits: [...plan.culprits] };
    if (item.known === "unknown") return { kind: "gate", ids: [...plan.good, ...item.ids] };
    if (item.ids.length === 1) {
      plan.culprits.push(...item.ids);
      plan.work.shift();
      continue;
    }
    const half = Math.ceil(item.ids.length / 2);
    plan.work.splice(
      0,
      1,
      { ids: item.ids.slice(0, half), known: "unknown" },
      { ids: item.ids.slice(half), known: "unknown", failsIfPreviousPasses: true },
    );
  }
}

/** Records the result of the gate run asked for by {@link nextBisectStep} (mutates `plan`). */
export function recordBisectGate(plan: BisectPlan, passed: boolean): void {
  const item = plan.work[0];
  if (!item || item.known !== "unknown") throw new Error("recordBisectGate: no gate was asked for");
  plan.gateRuns += 1;
  if (!passed) {
    item.known = "fail";
    // The second half now has to be gated on whatever of this half survives.
    const next = plan.work[1];
    if (next) delete next.failsIfPreviousPasses;
    return;
  }
  plan.good.push(...item.ids);
  plan.work.shift();
  const next = plan.work[0];
  if (next?.failsIfPreviousPasses) {
    next.known = "fail";
    delete next.failsIfPreviousPasses;
  }
}

/**
 * Gate runs (evaluations, re-runs for flakiness not counted) needed to land a batch of `n`
 * entries when exactly the entries with an index in `bad` (0-based) break the gates: 1 when
 * none is bad, else the failed full run plus the bisection's runs. Used by tests and the
 * bench to state what bisection predicts.
 */
export function predictGateRuns(n: number, bad: ReadonlySet<number>): number {
  const ids = Array.from({ length: n }, (_, i) => String(i));
  if (![...bad].some((i) => i < n)) return 1;
  const plan = startBisect(ids);
  for (;;) {
    const step = nextBisectStep(plan);
    if (step.kind === "done") return plan.gateRuns;
    recordBisectGate(plan, !step.ids.some((id) => bad.has(Number(id))));
  }
}

/**
 * The merge commit message of one entry: a subject naming the branch, then the trailers
 * `git log` and `git interpret-trailers` read (`Flotilla-Agent`, `Flotilla-Task`; the task is
 * `none` when the entry has none, so every merge carries both).
 */
export function mergeMessage(entry: Pick<MergeEntry, "agent" | "branch" | "task" | "id">): string {
  return (
    `Merge ${entry.branch} (flotilla merge queue ${entry.id})\n\n` +
    `Flotilla-Agent: ${entry.agent}\nFlotilla-Task: ${entry.task ?? "none"}\n`
  );
}

/** One-line, human summary of an entry's state for `merge ls` and pane titles. */
export function describeEntry(entry: MergeEntry): string {
  const flaky = entry.flaky ? " (flaky)" : "";
  const reason = entry.reason ? `: ${entry.reason}` : "";
  return `${entry.state}${flaky}${reason}`;
}

/**
 * The pane-title word for an agent from its newest entry: `queued`, `gating`, `merged`,
 * `failed` (conflict, gate_failed, scope_violation), `held`; `undefined` when none or dropped.
 */
export function titleBadge(entries: readonly MergeEntry[], agent: string): string | undefined {
  let newest: MergeEntry | undefined;
  for (const entry of entries) if (entry.agent === agent) newest = entry;
  if (!newest) return undefined;
  switch (newest.state) {
    case "queued":
      return "merge: queued";
    case "merging":
    case "gating":
      return "merge: gating";
    case "held":
      return "merge: held";
    case "merged":
      return newest.flaky ? "merge: merged (flaky)" : "merge: merged";
    case "conflict":
      return "merge: conflict";
    case "gate_failed":
      return "merge: gate failed";
    case "scope_violation":
      return "merge: out of scope";
    case "dropped":
      return undefined;
  }
}
