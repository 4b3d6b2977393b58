import { existsSync } from "node:fs";
import picomatch from "picomatch";
import { FlotillaError } from "../core/errors.js";
import {
  addNote,
  filesOutsideScope,
  MergeQueueDoc,
  moveEntry,
  pruneEntries,
  RETRYABLE_STATES,
  scopeDecision,
  type MergeEntry,
} from "../core/merge-queue.js";
import { JsonDocument } from "../store/json-store.js";
import type { Project } from "../store/project.js";
import { isAncestor, mustGit, revParse, splitNul } from "./git.js";
import { predictConflicts } from "./merge-tree.js";
import { mergePaths, type MergePaths } from "./paths.js";

/**
 * The queue document and the operations on it that need no run: enqueue, retry, drop,
 * approve, move, and conflict prediction. `.flotilla/merge-queue.json` goes through the
 * project's `JsonDocument` (zod-validated, atomic writes, cross-process lock).
 */

/** What {@link enqueueBranch} did. */
export type EnqueueResult =
  { kind: "enqueued" | "updated"; entry: MergeEntry } | { kind: "nothing"; reason: string };

/** Options of {@link enqueueBranch}. */
export interface EnqueueOptions {
  /** Branch to merge; default the agent's recorded branch, else `flotilla/<agent>`. */
  branch?: string;
  /** Declared scope globs; default the agent's recorded scope. */
  scope?: string[];
  task?: string;
  now?: Date;
}

/** True when `file` matches any of `globs` (picomatch, dotfiles included). */
export function matchesScope(file: string, globs: readonly string[]): boolean {
  return picomatch.isMatch(file, [...globs], { dot: true });
}

/** The merge queue of one project: its document and paths. Cheap to construct. */
export class MergeQueueStore {
  readonly project: Project;
  readonly paths: MergePaths;
  readonly doc: JsonDocument<typeof MergeQueueDoc>;

  constructor(project: Project) {
    this.project = project;
    this.paths = mergePaths(project.paths);
    this.doc = new JsonDocument(this.paths.doc, MergeQueueDoc);
  }

  /** The validated queue (empty when the file does not exist yet). */
  read(): Promise<MergeQueueDoc> {
    return this.doc.read();
  }

  /**
   * Finds entry `id`.
   * @throws FlotillaError INVALID_INPUT when there is none.
   */
  async get(id: string): Promise<MergeEntry> {
    const entry = (await this.read()).entries.find((e) => e.id === id);
    if (!entry) throw unknownEntry(id);
    return entry;
  }

  /**
   * Enqueues agent `agent`'s branch at its current tip: records the files it changes against
   * the target, the scope check and the predicted conflicts. A queued entry of the same
   * branch is updated in place (new head) instead of queued twice. A branch with no commits
   * the target lacks is not enqueued (`kind: "nothing"`).
   * @throws FlotillaError INVALID_INPUT when the branch or the target branch does not exist,
   *   or the branch is the target.
   */
  async enqueue(agent: string, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    const now = options.now ?? new Date();
    const root = this.project.root;
    const config = await this.project.readConfig();
    const target = config.targetBranch;
    const record = (await this.project.readState()).agents.find((a) => a.name === agent);
    const branch = options.branch ?? record?.branch ?? `flotilla/${agent}`;
    if (branch === target)
      throw new FlotillaError("INVALID_INPUT", `${branch} is the target branch: nothing to merge`);
    const head = await revParse(root, `refs/heads/${branch}`);
    if (!head)
      throw new FlotillaError(
        "INVALID_INPUT",
        `no branch ${branch}${record ? "" : ` and no agent "${agent}"`}: check the name (flotilla ls), or pass --branch`,
      );
    const targetTip = await revParse(root, `refs/heads/${target}`);
    if (!targetTip)
      throw new FlotillaError(
        "INVALID_INPUT",
        `the target branch ${target} does not exist: create it or set targetBranch in .flotilla/config.json`,
      );
    if (await isAncestor(root, head, targetTip))
      return {
        kind: "nothing",
        reason: `${branch} has no commits that ${target} does not already have: nothing to merge`,
      };
    const files = await changedFiles(root, targetTip, head);
    const scope = options.scope ?? record?.scope ?? [];
    const outOfScope = filesOutsideScope(files, scope, matchesScope);
    const predicted = await predictConflicts(root, targetTip, head);
    const task = options.task ?? record?.task;
    let result: EnqueueResult | undefined;
    await this.doc.update((doc) => {
      const existing = doc.entries.find(
        (e) => e.branch === branch && (e.state === "queued" || e.state === "scope_violation"),
      );
      const entry: MergeEntry = existing ?? {
        id: `m${doc.nextId}`,
        agent,
        branch,
        head,
        files,
        scope,
        outOfScope,
        approved: false,
        predictedConflicts: predicted,
        predictedAt: targetTip,
        enqueuedAt: now.toISOString(),
        updatedAt: now.toISOString(),
        state: "queued",
        flaky: false,
        notified: false,
        gates: [],
        notes: [],
        ...(task !== undefined ? { task } : {}),
      };
      if (!existing) {
        doc.nextId += 1;
        doc.entries.push(entry);
        pruneEntries(doc.entries);
      }
      Object.assign(entry, { head, files, scope, outOfScope, predictedConflicts: predicted });
      entry.predictedAt = targetTip;
      if (existing) entry.approved = false;
      const blocked = scopeDecision(entry, config.merge.scope) === "block";
      entry.state = blocked ? "scope_violation" : "queued";
      if (blocked)
        entry.reason = `changes outside its scope: ${listShort(outOfScope)}; flotilla merge approve ${entry.id} lets it through`;
      else delete entry.reason;
      addNote(
        entry,
        `${existing ? "re-enqueued" : "enqueued"} ${branch} at ${head.slice(0, 10)} (${files.length} file${files.length === 1 ? "" : "s"})` +
          (predicted.length ? `; predicted conflicts: ${listShort(predicted)}` : "") +
          (outOfScope.length ? `; outside scope: ${listShort(outOfScope)}` : ""),
        now,
      );
      result = { kind: existing ? "updated" : "enqueued", entry: { ...entry } };
    });
    if (!result) throw new Error("enqueue: the document update did not run");
    this.project.log("merge.enqueued", {
      agent,
      detail: { entry: (result as { entry: MergeEntry }).entry.id, branch, head },
    });
    return result;
  }

  /**
   * Puts an entry that ended (`conflict`, `gate_failed`, `scope_violation`, `dropped`,
   * `held`) back in the queue at its place, at its branch's current tip.
   * @throws FlotillaError INVALID_INPUT for an unknown id or an entry that is not retryable.
   */
  async retry(id: string, now = new Date()): Promise<MergeEntry> {
    const entry = await this.get(id);
    if (!RETRYABLE_STATES.has(entry.state))
      throw new FlotillaError(
        "INVALID_INPUT",
        `entry ${id} is ${entry.state}: only conflict, gate_failed, scope_violation, dropped or held entries can be retried`,
      );
    const head = (await revParse(this.project.root, `refs/heads/${entry.branch}`)) ?? entry.head;
    const config = await this.project.readConfig();
    const targetTip = await revParse(this.project.root, `refs/heads/${config.targetBranch}`);
    const files = targetTip ? await changedFiles(this.project.root, targetTip, head) : entry.files;
    return this.change(id, (e) => {
      if (!RETRYABLE_STATES.has(e.state)) throw notRetryable(e);
      e.head = head;
      e.files = files;
      e.outOfScope = filesOutsideScope(files, e.scope, matchesScope);
      e.state = scopeDecision(e, config.merge.scope) === "block" ? "scope_violation" : "queued";
      delete e.reason;
      e.flaky = false;
      e.notified = false;
      addNote(e, `retried at ${head.slice(0, 10)}`, now);
    });
  }

  /**
   * Takes an entry out of the queue (state `dropped`; its branch is untouched).
   * @throws FlotillaError INVALID_INPUT for an unknown id, or one being merged right now.
   */
  async drop(id: string, now = new Date()): Promise<MergeEntry> {
    return this.change(id, (e) => {
      if (e.state === "merging" || e.state === "gating")
        throw new FlotillaError(
          "INVALID_INPUT",
          `entry ${id} is ${e.state} right now: wait for the run to finish, then drop it`,
        );
      if (e.state === "merged")
        throw new FlotillaError("INVALID_INPUT", `entry ${id} has already merged`);
      e.state = "dropped";
      delete e.reason;
      addNote(e, "dropped (its branch is kept)", now);
    });
  }

  /**
   * Lets an out-of-scope entry through: it is queued (or stays queued) with `approved`.
   * @throws FlotillaError INVALID_INPUT for an unknown id or an entry that already ended.
   */
  async approve(id: string, now = new Date()): Promise<MergeEntry> {
    return this.change(id, (e) => {
      if (e.state === "merged" || e.state === "dropped")
        throw new FlotillaError("INVALID_INPUT", `entry ${id} is ${e.state}: nothing to approve`);
      e.approved = true;
      if (e.state === "scope_violation") {
        e.state = "queued";
        delete e.reason;
      }
      addNote(e, `approved (files outside scope: ${listShort(e.outOfScope) || "none"})`, now);
    });
  }

  /**
   * Moves an entry one place up (`-1`, earlier) or down (`+1`) in the queue.
   * @throws FlotillaError INVALID_INPUT for an unknown id or when it is already at that end.
   */
  async move(id: string, delta: -1 | 1): Promise<void> {
    await this.doc.update((doc) => {
      if (!doc.entries.some((e) => e.id === id)) throw unknownEntry(id);
      if (!moveEntry(doc.entries, id, delta))
        throw new FlotillaError(
          "INVALID_INPUT",
          `entry ${id} is already at the ${delta < 0 ? "top" : "bottom"} of the queue`,
        );
    });
  }

  /**
   * Re-predicts conflicts of waiting entries whose prediction is older than the target's
   * current tip (`git merge-tree`); returns whether anything was updated.
   */
  async refreshPredictions(): Promise<boolean> {
    const config = await this.project.readConfig();
    const tip = await revParse(this.project.root, `refs/heads/${config.targetBranch}`);
    if (!tip) return false;
    const doc = await this.read();
    const stale = doc.entries.filter(
      (e) => (e.state === "queued" || e.state === "held") && e.predictedAt !== tip,
    );
    if (stale.length === 0) return false;
    const predicted = new Map<string, string[]>();
    for (const e of stale)
      predicted.set(e.id, await predictConflicts(this.project.root, tip, e.head));
    await this.doc.update((d) => {
      for (const e of d.entries) {
        const files = predicted.get(e.id);
        if (files === undefined) continue;
        e.predictedConflicts = files;
        e.predictedAt = tip;
      }
    });
    return true;
  }

  /** Applies `fn` to entry `id` under the lock; returns the entry as written. */
  private async change(id: string, fn: (entry: MergeEntry) => void): Promise<MergeEntry> {
    let out: MergeEntry | undefined;
    await this.doc.update((doc) => {
      const entry = doc.entries.find((e) => e.id === id);
      if (!entry) throw unknownEntry(id);
      fn(entry);
      out = { ...entry };
    });
    if (!out) throw unknownEntry(id);
    this.project.log("merge.changed", {
      agent: out.agent,
      detail: { entry: id, state: out.state },
    });
    return out;
  }
}

/** Paths `head` changes against its merge base with `targetTip` (`git diff A...B`). */
export async function changedFiles(
  root: string,
  targetTip: string,
  head: string,
): Promise<string[]> {
  const out = await mustGit(
    root,
    ["diff", "--name-only", "-z", "--no-renames", `${targetTip}...${head}`],
    "listing the files a branch changes",
  );
  return splitNul(out);
}

/** At most three names, then "and N more". */
export function listShort(items: readonly string[]): string {
  const shown = items.slice(0, 3).join(", ");
  return items.length > 3 ? `${shown} and ${items.length - 3} more` : shown;
}

function unknownEntry(id: string): FlotillaError {
  return new FlotillaError(
    "INVALID_INPUT",
    `no merge queue entry "${id}": see flotilla merge ls for the ids`,
  );
}

function notRetryable(e: MergeEntry): FlotillaError {
  return new FlotillaError("INVALID_INPUT", `entry ${e.id} is ${e.state}: it cannot be retried`);
}

/** True when a directory looks like a git worktree (its `.git` file or directory exists). */
export function isWorktree(dir: string | undefined): dir is string {
  return dir !== undefined && existsSync(`${dir}/.git`);
}
