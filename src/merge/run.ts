import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { COCKPIT, checkMailboxName } from "../core/mail.js";
import {
  addNote,
  filesOutsideScope,
  mergeMessage,
  nextBisectStep,
  planBatch,
  recordBisectGate,
  recoveryAction,
  scopeDecision,
  startBisect,
  type GateResult,
  type Journal,
  type JournalStep,
  type MergeEntry,
  type MergeQueueDoc,
} from "../core/merge-queue.js";
import { isLive } from "../core/mail.js";
import type { AgentRecord, Config } from "../core/schema.js";
import { MailStore } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import { killGroup, runGate } from "./gates.js";
import {
  commitIdentity,
  firstErrorLine,
  isAncestor,
  mustGit,
  revParse,
  tryGit,
  worktreeOfBranch,
} from "./git.js";
import { commitMerge, mergeTrees, type ConflictHunk } from "./merge-tree.js";
import { entryLogFile } from "./paths.js";
import { changedFiles, isWorktree, listShort, matchesScope, MergeQueueStore } from "./queue.js";
import { lockRun, pidAlive, runLockFile, type RunLock } from "./run-lock.js";

/**
 * One run of the merge queue: takes the per-target run lock, recovers from a journal a
 * killed run left, then lands batches until the queue is empty or a landing is held.
 *
 * A batch: up to `merge.batch` entries, each merged (`--no-ff`, trailers) onto the stack in
 * the object store (see merge-tree.ts), the stack checked out detached in the integration
 * worktree and gated once. All pass: the target moves to the stack's tip by compare-and-swap.
 * A gate fails: bisection (core/merge-queue.ts) finds the culprits; the rest land.
 * Every step is written to the journal before it is taken; `FLOTILLA_MERGE_DIE_AT=<step>`
 * in the environment SIGKILLs the process right after that step is journaled (test hook).
 */

/** Mailbox name the queue sends from. */
export const QUEUE_SENDER = "merge-queue";

/** What a run did. Ids are entry ids, in the order they were decided. */
export interface RunReport {
  /** Another process holds this target's run lock (its pid when known); nothing was done. */
  busy?: { pid: number | undefined };
  landed: string[];
  conflicts: string[];
  failed: string[];
  held: string[];
  /** Gate commands run (every attempt). */
  gateRuns: number;
  /** Entries put back because the target moved while they were gated. */
  remerged: number;
}

/** Options of {@link runQueue}. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
  isAlive?: (pid: number) => boolean;
}

/** A stacked entry: its merge commit on the stack. */
interface Stacked {
  id: string;
  commit: string;
}

type BatchOutcome = "done" | "held" | "moved";

/**
 * Runs the queue of `project` once (see the module comment). Returns `busy` without doing
 * anything when another process is running it.
 * @throws FlotillaError GIT_FAILED / INVALID_STATE_FILE / LOCK_FAILED on what it cannot handle;
 *   the journal then stays for the next run to recover from.
 */
export async function runQueue(project: Project, options: RunOptions = {}): Promise<RunReport> {
  const config = await project.readConfig();
  const store = new MergeQueueStore(project);
  const report: RunReport = {
    landed: [],
    conflicts: [],
    failed: [],
    held: [],
    gateRuns: 0,
    remerged: 0,
  };
  mkdirSync(store.paths.dir, { recursive: true });
  const lock = await lockRun(
    runLockFile(store.paths.dir, config.targetBranch),
    options.isAlive ?? pidAlive,
  );
  if ("busy" in lock) return { ...report, busy: { pid: lock.pid } };
  try {
    const run = new QueueRun(project, store, config, lock, report, options);
    await run.execute();
  } finally {
    await lock.release();
  }
  return report;
}

class QueueRun {
  private readonly root: string;
  private readonly target: string;
  private readonly now: () => Date;
  private readonly env: NodeJS.ProcessEnv;
  private identity: Record<string, string> = {};
  /** Entry changes waiting for the next write (see `changeEntriesLater`). */
  private readonly deferred: EntryChange[] = [];
  /** Worktrees of the queue already verified in this run (see `resetWorktree`). */
  private readonly ready = new Set<string>();

  constructor(
    private readonly project: Project,
    private readonly store: MergeQueueStore,
    private readonly config: Config,
    private readonly lock: RunLock,
    private readonly report: RunReport,
    options: RunOptions,
  ) {
    this.root = project.root;
    this.target = config.targetBranch;
    this.now = options.now ?? (() => new Date());
    this.env = options.env ?? process.env;
  }

  async execute(): Promise<void> {
    this.identity = await commitIdentity(this.root);
    mkdirSync(this.store.paths.logs, { recursive: true });
    if ((await this.recover()) === "held") return;
    // Bounded so a target that moves for ever cannot keep a run alive for ever.
    for (let round = 0; round < 1000; round++) {
      const doc = await this.store.read();
      const batch = planBatch(doc.entries, this.config.merge.batch);
      if (batch.length === 0) return;
      const outcome = await this.processBatch(batch.map((e) => e.id));
      if (outcome === "held") return;
    }
  }

  // ---- journal -----------------------------------------------------------------------

  /**
   * Writes `step` (and `patch`) to the journal, with `change` applied to the entries `ids` in
   * the same atomic write, then honours the test hook.
   */
  private async step(
    step: JournalStep,
    patch: Partial<Journal> = {},
    ids: readonly string[] = [],
    change?: (entry: MergeEntry, doc: MergeQueueDoc) => void,
  ): Promise<void> {
    const now = this.now().toISOString();
    const deferred = this.deferred.splice(0);
    await this.write((doc) => {
      if (!doc.journal) throw new Error(`journal missing at step ${step}`);
      applyChanges(doc, deferred);
      Object.assign(doc.journal, patch, { step, updatedAt: now });
      if (change) for (const entry of doc.entries) if (ids.includes(entry.id)) change(entry, doc);
    });
    this.dieIfAsked(step);
  }

  private dieIfAsked(step: JournalStep): void {
    if (this.env.FLOTILLA_MERGE_DIE_AT === step) process.kill(process.pid, "SIGKILL");
  }

  private async clearJournal(): Promise<void> {
    await this.write((doc) => {
      delete doc.journal;
    });
  }

  /** One locked update of the document, with any deferred entry changes applied first. */
  private async write(fn: (doc: MergeQueueDoc) => void): Promise<void> {
    const deferred = this.deferred.splice(0);
    await this.store.doc.update((doc) => {
      applyChanges(doc, deferred);
      fn(doc);
    });
  }

  /** Changes entries `ids` in one locked update (with any deferred changes first). */
  private async changeEntries(
    ids: readonly string[],
    fn: (entry: MergeEntry, doc: MergeQueueDoc) => void,
  ): Promise<void> {
    const deferred = this.deferred.splice(0);
    await this.write((doc) => {
      applyChanges(doc, [...deferred, { ids, fn }]);
    });
  }

  /**
   * Changes entries with the next write instead of a write of their own. Only for what a
   * redo recomputes anyway (a stacked entry's merge commit and notes): each step's write
   * carries them, and a kill before it loses nothing the journal needs.
   */
  private changeEntriesLater(
    ids: readonly string[],
    fn: (entry: MergeEntry, doc: MergeQueueDoc) => void,
  ): void {
    this.deferred.push({ ids, fn });
  }

  private note(entry: MergeEntry, text: string): void {
    addNote(entry, text, this.now());
    this.log(entry.id, `[flotilla] ${text}\n`);
  }

  private log(id: string, text: string): void {
    try {
      appendFileSync(entryLogFile(this.store.paths, id), text);
    } catch {
      // The log is for people; a full disk must not stop a landing that is already decided.
    }
  }

  // ---- recovery ----------------------------------------------------------------------

  /**
   * Finishes or undoes what a killed run left (its journal). Returns `held` when a held
   * landing is still refused by the user's checkout.
   */
  private async recover(): Promise<"ok" | "held"> {
    const doc = await this.store.read();
    const journal = doc.journal;
    if (!journal) return "ok";
    const gatePid = Number.parseInt(readFileSyncOr(this.gatePidFile(), ""), 10);
    if (Number.isFinite(gatePid) && gatePid > 0 && this.isOurGate(gatePid))
      killGroup(gatePid, "SIGKILL");
    rmSync(this.gatePidFile(), { force: true });
    await this.recoverBranchMove(journal);
    const now = await revParse(this.root, `refs/heads/${journal.target}`);
    if (journal.held && journal.tip && now === journal.base) {
      const stack = doc.entries
        .filter((e) => journal.entries.includes(e.id) && e.state === "held" && e.mergeCommit)
        .map((e) => ({ id: e.id, commit: e.mergeCommit as string }));
      // Only the very stack that was gated, every entry of it still waiting (none dropped).
      if (stack.length > 0 && stack.length === journal.entries.length) {
        const outcome = await this.land(stack, journal.tip, journal.base);
        return outcome === "held" ? "held" : "ok";
      }
    }
    if (!journal.held && recoveryAction(journal, now) === "finish" && journal.tip) {
      await this.finishLanding(journal.tip);
      return "ok";
    }
    const interrupted = journal.held
      ? `${journal.target} moved while the landing was held: re-merging on its new tip`
      : `the run that had it stopped at step "${journal.step}" (killed?): redoing it`;
    await this.changeEntries(journal.entries, (entry) => {
      if (entry.state === "merging" || entry.state === "gating" || entry.state === "held") {
        entry.state = "queued";
        delete entry.reason;
        this.note(entry, interrupted);
      }
    });
    if (journal.held) this.report.remerged += journal.entries.length;
    await this.removeScratch();
    await this.clearJournal();
    return "ok";
  }

  /** Where the running gate's process group id is kept while it runs. */
  private gatePidFile(): string {
    return path.join(this.store.paths.dir, "gate.pid");
  }

  /** True when `pid` still runs inside the integration worktree (a gate a killed run left). */
  private isOurGate(pid: number): boolean {
    try {
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const dir = this.store.paths.integration;
      return cwd === dir || cwd.startsWith(dir + path.sep);
    } catch {
      return false;
    }
  }

  /** Completes a rebase-tier branch move that was cut off between its ref and its files. */
  private async recoverBranchMove(journal: Journal): Promise<void> {
    const move = journal.move;
    if (!move || journal.step !== "move-branch") return;
    const tip = await revParse(this.root, `refs/heads/${move.branch}`);
    if (tip !== move.to) return; // the compare-and-swap never happened: nothing to finish
    if (isWorktree(move.worktree)) {
      const indexTree = (await tryGit(move.worktree, ["write-tree"])).stdout.trim();
      const fromTree = (
        await tryGit(this.root, ["rev-parse", `${move.from}^{tree}`])
      ).stdout.trim();
      if (indexTree === fromTree)
        await tryGit(move.worktree, ["read-tree", "-m", "-u", move.from, move.to]);
    }
    const entryId = journal.entry;
    if (entryId)
      await this.changeEntries([entryId], (entry) => {
        entry.head = move.to;
        entry.tier = "rebase";
      });
  }

  // ---- one batch ---------------------------------------------------------------------

  private async processBatch(ids: string[]): Promise<BatchOutcome> {
    const base = await revParse(this.root, `refs/heads/${this.target}`);
    if (!base)
      throw new FlotillaError(
        "GIT_FAILED",
        `the target branch ${this.target} does not exist: create it or set targetBranch in .flotilla/config.json`,
      );
    const started = this.now().toISOString();
    const runId = `r${Date.now().toString(36)}`;
    const batchId = ids.length > 1 ? `b-${ids.join("-")}` : undefined;
    await this.write((doc) => {
      doc.journal = {
        runId,
        pid: process.pid,
        target: this.target,
        base,
        entries: ids,
        step: "prepare",
        startedAt: started,
        updatedAt: started,
      };
      for (const entry of doc.entries) {
        if (!ids.includes(entry.id)) continue;
        entry.state = "merging";
        delete entry.reason;
        if (batchId) entry.batch = batchId;
        else delete entry.batch;
        this.note(
          entry,
          `merging onto ${this.target} at ${base.slice(0, 10)}${batchId ? ` in batch ${ids.join(", ")}` : ""}`,
        );
      }
    });
    this.dieIfAsked("prepare");

    const stack: Stacked[] = [];
    let tip = base;
    for (const id of ids) {
      await this.step("stack", { entry: id, tip });
      const entry = await this.entry(id);
      if (!entry || entry.state !== "merging") continue; // dropped meanwhile
      const stacked = await this.stackOne(entry, tip, base, stack);
      if (stacked) {
        stack.push({ id, commit: stacked });
        tip = stacked;
      }
    }
    if (stack.length === 0) {
      await this.clearJournal();
      return "done";
    }

    const first = await this.gateStack(stack, tip);
    if (first.ok) return this.land(stack, tip, base);
    if (stack.length === 1) {
      await this.failEntries([stack[0]?.id ?? ""], first.results);
      await this.clearJournal();
      return "done";
    }

    // Bisect: gate halves of the stack on the target until the culprits are found.
    const plan = startBisect(stack.map((s) => s.id));
    const failedBy = new Map<string, GateResult[]>();
    for (const s of stack) failedBy.set(s.id, first.results);
    let lastPass: { stack: Stacked[]; tip: string } | undefined;
    for (;;) {
      const next = nextBisectStep(plan);
      if (next.kind === "done") break;
      const rebuilt = await this.restack(next.ids, base);
      const gated = rebuilt ? await this.gateStack(rebuilt.stack, rebuilt.tip) : undefined;
      const passed = gated?.ok ?? false;
      recordBisectGate(plan, passed);
      if (passed && rebuilt) lastPass = rebuilt;
      else if (gated) for (const id of next.ids) failedBy.set(id, gated.results);
    }
    const culprits = plan.culprits;
    for (const id of culprits) await this.failEntries([id], failedBy.get(id) ?? first.results);
    if (plan.good.length === 0 || !lastPass) {
      await this.clearJournal();
      return "done";
    }
    return this.land(lastPass.stack, lastPass.tip, base);
  }

  private async entry(id: string): Promise<MergeEntry | undefined> {
    return (await this.store.read()).entries.find((e) => e.id === id);
  }

  /** Re-creates the stack of `ids` (already merged once) on `base` for a bisection step. */
  private async restack(
    ids: readonly string[],
    base: string,
  ): Promise<{ stack: Stacked[]; tip: string } | undefined> {
    const doc = await this.store.read();
    const stack: Stacked[] = [];
    let tip = base;
    for (const id of ids) {
      const entry = doc.entries.find((e) => e.id === id);
      if (!entry) return undefined;
      const merged = await mergeTrees(this.root, tip, entry.head);
      if (!merged.clean) return undefined; // conflicts without the entries around it: counts as failing
      tip = await commitMerge(
        this.root,
        merged.tree,
        tip,
        entry.head,
        mergeMessage(entry),
        this.identity,
      );
      stack.push({ id, commit: tip });
    }
    return { stack, tip };
  }

  /**
   * Merges `entry` onto `tip`: the scope check, then tier 1 (a clean merge), tier 2 (its
   * branch rebased onto `base` in the scratch worktree), else tier 3 (`conflict`, mail).
   * Returns the entry's merge commit, or `undefined` when it was set aside.
   */
  private async stackOne(
    entry: MergeEntry,
    tip: string,
    base: string,
    before: readonly Stacked[],
  ): Promise<string | undefined> {
    if (await isAncestor(this.root, entry.head, base)) {
      await this.changeEntries([entry.id], (e) => {
        e.state = "merged";
        e.landedIn = base;
        e.landedAt = this.now().toISOString();
        this.note(
          e,
          `${entry.head.slice(0, 10)} is already in ${this.target}: nothing left to merge`,
        );
      });
      this.report.landed.push(entry.id);
      return undefined;
    }
    // Files are listed again against this base only when a scope needs checking.
    const files =
      entry.scope.length > 0 ? await changedFiles(this.root, base, entry.head) : entry.files;
    const outOfScope = filesOutsideScope(files, entry.scope, matchesScope);
    const decision = scopeDecision(
      { outOfScope, approved: entry.approved },
      this.config.merge.scope,
    );
    if (decision === "block") {
      await this.changeEntries([entry.id], (e) => {
        Object.assign(e, { files, outOfScope, state: "scope_violation" });
        e.reason = `changes outside its scope: ${listShort(outOfScope)}; flotilla merge approve ${e.id} lets it through`;
        this.note(e, e.reason);
      });
      this.report.failed.push(entry.id);
      return undefined;
    }
    const merged = await mergeTrees(this.root, tip, entry.head);
    if (merged.clean) {
      const commit = await commitMerge(
        this.root,
        merged.tree,
        tip,
        entry.head,
        mergeMessage(entry),
        this.identity,
      );
      this.changeEntriesLater([entry.id], (e) => {
        Object.assign(e, { files, outOfScope, mergeCommit: commit, tier: "merge" });
        this.note(
          e,
          `merged cleanly as ${commit.slice(0, 10)}` +
            (decision === "warn" ? `; outside scope (warned): ${listShort(outOfScope)}` : ""),
        );
      });
      return commit;
    }
    const rebased = await this.tryRebase(entry, base, tip);
    if (rebased.ok) {
      await this.changeEntries([entry.id], (e) => {
        Object.assign(e, { files, outOfScope, mergeCommit: rebased.commit, tier: "rebase" });
        e.head = rebased.head;
        e.archiveRef = rebased.archiveRef;
        this.note(
          e,
          `a plain merge conflicted (${listShort(merged.files)}); rebased onto ${this.target} (old head kept as ${rebased.archiveRef}) and merged as ${rebased.commit.slice(0, 10)}`,
        );
      });
      return rebased.commit;
    }
    await this.handBack(entry, merged.files, merged.hunks, tip, base, before, rebased.reason);
    return undefined;
  }

  /** Tier 3: the entry becomes `conflict` and its agent gets `merge_failed` mail. */
  private async handBack(
    entry: MergeEntry,
    files: string[],
    hunks: ConflictHunk[],
    tip: string,
    base: string,
    before: readonly Stacked[],
    rebaseReason: string,
  ): Promise<void> {
    const withTarget = tip === base || !(await mergeTrees(this.root, base, entry.head)).clean;
    const others = before.map((s) => s.id);
    const against = withTarget
      ? `${this.target} at ${base.slice(0, 10)}`
      : `entries ${others.join(", ")} merged before it in its batch`;
    const reason = `conflicts with ${against} in ${listShort(files)}`;
    const todo = withTarget
      ? `In your worktree run \`git merge ${this.target}\`, resolve the conflicts, commit, then \`flotilla merge enqueue ${entry.agent}\`.`
      : `Once ${others.join(", ")} ha${others.length === 1 ? "s" : "ve"} landed, run \`git merge ${this.target}\` in your worktree, resolve the conflicts, commit, then \`flotilla merge enqueue ${entry.agent}\`.`;
    const hunkText = hunks.map((h) => `--- ${h.file}, line ${h.line}:\n${h.text}`).join("\n\n");
    const body =
      `Your branch ${entry.branch} (at ${entry.head.slice(0, 10)}, merge queue entry ${entry.id}) conflicts with ${against} and was not merged. Nothing was changed on either side.\n\n` +
      `Conflicting files:\n${files.map((f) => `  - ${f}`).join("\n")}\n\n` +
      (hunkText ? `Conflicts as git leaves them:\n\n${hunkText}\n\n` : "") +
      `Rebasing did not help either: ${rebaseReason}.\n\n${todo}\n`;
    await this.mail(entry, `Merge conflict: ${entry.branch} into ${this.target}`, body, {
      entry: entry.id,
      branch: entry.branch,
      target: this.target,
      files,
      state: "conflict",
    });
    await this.changeEntries([entry.id], (e) => {
      e.state = "conflict";
      e.reason = reason;
      e.notified = true;
      this.note(e, `${reason}; rebase tier: ${rebaseReason}; ${entry.agent} was mailed`);
    });
    this.report.conflicts.push(entry.id);
  }

  // ---- tier 2: rebase ----------------------------------------------------------------

  private async tryRebase(
    entry: MergeEntry,
    base: string,
    tip: string,
  ): Promise<
    { ok: true; head: string; commit: string; archiveRef: string } | { ok: false; reason: string }
  > {
    const record = await this.agentRecord(entry.agent);
    const worktree = record?.worktree;
    const hasWorktree = isWorktree(worktree);
    if (hasWorktree) {
      const status = await tryGit(worktree, ["status", "--porcelain", "--untracked-files=no"]);
      if (status.code !== 0 || status.stdout.trim().length > 0)
        return { ok: false, reason: "the agent's worktree has uncommitted changes" };
      const checkedOut = (await tryGit(worktree, ["symbolic-ref", "-q", "HEAD"])).stdout.trim();
      if (checkedOut !== `refs/heads/${entry.branch}`)
        return { ok: false, reason: `the agent's worktree is not on ${entry.branch}` };
    }
    const branchTip = await revParse(this.root, `refs/heads/${entry.branch}`);
    if (branchTip !== entry.head)
      return { ok: false, reason: `${entry.branch} moved since it was enqueued; enqueue it again` };

    await this.step("rebase", { entry: entry.id });
    const scratch = this.store.paths.scratch;
    await this.resetWorktree(scratch, entry.head);
    const rebase = await tryGit(
      scratch,
      ["-c", "core.hooksPath=/dev/null", "rebase", "--no-autostash", base],
      { env: this.identity },
    );
    if (rebase.code !== 0) {
      await tryGit(scratch, ["rebase", "--abort"]);
      return { ok: false, reason: `rebasing onto ${this.target} conflicts too` };
    }
    const rebased = await revParse(scratch, "HEAD");
    if (!rebased) return { ok: false, reason: "the rebase left no commit" };
    const merged = await mergeTrees(this.root, tip, rebased);
    if (!merged.clean)
      return { ok: false, reason: "the rebased branch still conflicts with the batch" };

    // Move the agent's branch: old head archived first, then compare-and-swap, then its files.
    const archiveRef = `refs/flotilla/archive/${entry.agent}/merge-${entry.id}-${stamp(this.now())}`;
    await this.step("move-branch", {
      entry: entry.id,
      move: {
        branch: entry.branch,
        from: entry.head,
        to: rebased,
        ...(hasWorktree ? { worktree } : {}),
      },
    });
    await mustGit(
      this.root,
      ["update-ref", archiveRef, entry.head, "0".repeat(40)],
      "archiving the old head",
    );
    const cas = await tryGit(this.root, [
      "update-ref",
      "-m",
      `flotilla merge queue: rebase ${entry.id} onto ${this.target}`,
      `refs/heads/${entry.branch}`,
      rebased,
      entry.head,
    ]);
    if (cas.code !== 0)
      return { ok: false, reason: `${entry.branch} moved during the rebase; enqueue it again` };
    if (hasWorktree) {
      const files = await tryGit(worktree, ["read-tree", "-m", "-u", entry.head, rebased]);
      if (files.code !== 0) {
        // Put the branch back exactly; its files never changed.
        await tryGit(this.root, ["update-ref", `refs/heads/${entry.branch}`, entry.head, rebased]);
        return {
          ok: false,
          reason: `could not update the agent's worktree: ${firstErrorLine(files)}`,
        };
      }
    }
    await this.write((doc) => {
      if (doc.journal) delete doc.journal.move;
    });
    const commit = await commitMerge(
      this.root,
      merged.tree,
      tip,
      rebased,
      mergeMessage(entry),
      this.identity,
    );
    return { ok: true, head: rebased, commit, archiveRef };
  }

  // ---- gates -------------------------------------------------------------------------

  /** Checks out `tip` in the integration worktree and runs every gate on it. */
  private async gateStack(
    stack: readonly Stacked[],
    tip: string,
  ): Promise<{ ok: boolean; results: GateResult[] }> {
    const ids = stack.map((s) => s.id);
    const gates = this.config.gates;
    const first = gates[0];
    await this.step(
      "gate",
      { tip, ...(first ? { gate: first.name, gateStartedAt: this.now().toISOString() } : {}) },
      ids,
      (e) => {
        e.state = "gating";
        const mine = stack.find((s) => s.id === e.id);
        if (mine) e.mergeCommit = mine.commit;
      },
    );
    await this.resetWorktree(this.store.paths.integration, tip);
    const results: GateResult[] = [];
    let runs = 0;
    if (gates.length === 0) {
      for (const id of ids)
        this.log(id, `[flotilla] no gates configured: ${tip.slice(0, 10)} lands ungated\n`);
    }
    for (const gate of gates) {
      let attempts = 0;
      let last: Awaited<ReturnType<typeof runGate>> | undefined;
      while (attempts <= this.config.merge.retryFlaky) {
        attempts += 1;
        const header = `\n[flotilla] gate ${gate.name} (attempt ${attempts}) on ${tip.slice(0, 10)} with ${ids.join(", ")}: ${gate.command}\n`;
        for (const id of ids) this.log(id, header);
        if (runs > 0)
          await this.write((doc) => {
            if (doc.journal)
              Object.assign(doc.journal, {
                gate: gate.name,
                gateStartedAt: this.now().toISOString(),
              });
          });
        runs += 1;
        this.report.gateRuns += 1;
        last = await runGate(gate, {
          cwd: this.store.paths.integration,
          env: this.gateEnv(tip, ids),
          onOutput: (text) => {
            for (const id of ids) this.log(id, text);
          },
          // A plain file, not the document: no lock on the way to starting the gate.
          onStart: (pid) => writeFileSync(this.gatePidFile(), `${pid}\n`),
        });
        rmSync(this.gatePidFile(), { force: true });
        const verdict = last.ok
          ? "passed"
          : last.timedOut
            ? `timed out after ${gate.timeoutMs} ms`
            : last.startError
              ? `could not start: ${last.startError}`
              : `failed with exit ${last.exitCode}`;
        for (const id of ids)
          this.log(id, `[flotilla] gate ${gate.name} ${verdict} (elapsed ${last.durationMs} ms)\n`);
        if (last.ok) break;
      }
      const result: GateResult = {
        name: gate.name,
        ok: last?.ok ?? false,
        exitCode: last?.exitCode ?? null,
        timedOut: last?.timedOut ?? false,
        durationMs: last?.durationMs ?? 0,
        attempts,
        flaky: (last?.ok ?? false) && attempts > 1,
        commit: tip,
      };
      results.push(result);
      if (result.flaky)
        for (const id of ids)
          this.log(
            id,
            `[flotilla] gate ${gate.name} failed, then passed on attempt ${attempts}: marked flaky\n`,
          );
      if (!result.ok) break; // fail closed: later gates cannot make up for it
    }
    const ok = results.every((r) => r.ok);
    const flaky = ok && results.some((r) => r.flaky);
    await this.write((doc) => {
      doc.gateRuns += runs;
      if (doc.journal) {
        delete doc.journal.gate;
        delete doc.journal.gateStartedAt;
      }
      for (const e of doc.entries) {
        if (!ids.includes(e.id) || !ok) continue;
        e.gates = [...results];
        if (flaky) {
          e.flaky = true;
          addNote(e, `passed only on a re-run: marked flaky`, this.now());
        }
      }
    });
    return { ok, results };
  }

  private gateEnv(tip: string, ids: readonly string[]): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...this.env };
    delete env.FLOTILLA_MERGE_DIE_AT;
    for (const key of Object.keys(env)) if (key.startsWith("GIT_")) delete env[key];
    return {
      ...env,
      FLOTILLA_ROOT: this.root,
      FLOTILLA_MERGE_COMMIT: tip,
      FLOTILLA_MERGE_TARGET: this.target,
      FLOTILLA_MERGE_ENTRIES: ids.join(" "),
    };
  }

  /** Culprits of a failed gate: `gate_failed`, mail with the failing gate and its log. */
  private async failEntries(ids: readonly string[], results: readonly GateResult[]): Promise<void> {
    const failing = results.find((r) => !r.ok);
    const what = failing
      ? failing.timedOut
        ? `gate ${failing.name} timed out`
        : failing.exitCode === null
          ? `gate ${failing.name} could not run`
          : `gate ${failing.name} failed (exit ${failing.exitCode})`
      : "the gates failed";
    for (const id of ids) {
      const entry = await this.entry(id);
      if (!entry) continue;
      const reason = `${what} on ${(failing?.commit ?? "").slice(0, 10)}; ${this.target} unchanged`;
      await this.mail(
        entry,
        `Gates failed: ${entry.branch} not merged into ${this.target}`,
        `Your branch ${entry.branch} (merge queue entry ${entry.id}) was merged onto ${this.target} in the integration worktree, and ${what}. ${this.target} was not changed.\n\n` +
          `The gate output is in \`flotilla merge log ${entry.id}\`. Fix it on your branch, commit, then \`flotilla merge enqueue ${entry.agent}\`.\n`,
        {
          entry: id,
          branch: entry.branch,
          target: this.target,
          state: "gate_failed",
          gate: failing?.name,
        },
      );
      await this.changeEntries([id], (e) => {
        e.state = "gate_failed";
        e.reason = reason;
        e.gates = [...results];
        e.notified = true;
        this.note(e, `${reason}; ${e.agent} was mailed`);
      });
      this.report.failed.push(id);
    }
  }

  // ---- landing -----------------------------------------------------------------------

  /**
   * Moves the target from `base` to `tip` by compare-and-swap: `git update-ref`, or, where
   * the target is checked out, `git merge --ff-only` in that checkout (git refuses to touch
   * uncommitted changes it would overwrite: the entries are then `held`).
   */
  private async land(stack: readonly Stacked[], tip: string, base: string): Promise<BatchOutcome> {
    const ids = stack.map((s) => s.id);
    if (this.lock.compromised) return this.moved(ids, "the run lock was lost");
    await this.step("land", { tip, entries: ids, held: false }, ids, (e) => {
      const mine = stack.find((s) => s.id === e.id);
      if (mine) e.mergeCommit = mine.commit;
    });
    const current = await revParse(this.root, `refs/heads/${this.target}`);
    if (current !== base)
      return this.moved(ids, `${this.target} moved to ${current?.slice(0, 10)}`);
    const checkout = await worktreeOfBranch(this.root, this.target);
    if (checkout) {
      // No auto-maintenance here: it is the user's checkout, and a landing should be quick.
      const ff = await tryGit(checkout, [
        "-c",
        "maintenance.auto=false",
        "-c",
        "gc.auto=0",
        "merge",
        "--ff-only",
        "--no-stat",
        "-q",
        tip,
      ]);
      if (ff.code !== 0) {
        const after = await revParse(this.root, `refs/heads/${this.target}`);
        if (after !== base)
          return this.moved(ids, `${this.target} moved to ${after?.slice(0, 10)}`);
        return this.hold(ids, checkout, ff.stderr);
      }
    } else {
      const cas = await tryGit(this.root, [
        "update-ref",
        "-m",
        `flotilla merge queue: land ${ids.join(", ")}`,
        `refs/heads/${this.target}`,
        tip,
        base,
      ]);
      if (cas.code !== 0) {
        const after = await revParse(this.root, `refs/heads/${this.target}`);
        if (after !== base)
          return this.moved(ids, `${this.target} moved to ${after?.slice(0, 10)}`);
        throw new FlotillaError(
          "GIT_FAILED",
          `could not move ${this.target}: ${firstErrorLine(cas)}`,
        );
      }
    }
    await this.finishLanding(tip, new Set(ids));
    return "done";
  }

  /** The target moved under the run: nothing landed; the entries go back to the queue. */
  private async moved(ids: readonly string[], why: string): Promise<BatchOutcome> {
    await this.changeEntries(ids, (e) => {
      if (e.state === "gating" || e.state === "merging" || e.state === "held") {
        e.state = "queued";
        delete e.reason;
        this.note(e, `${why} while gating: nothing was overwritten; re-merging on the new tip`);
      }
    });
    this.report.remerged += ids.length;
    await this.clearJournal();
    return "moved";
  }

  /** The checkout refused the fast-forward: the batch waits (journal kept, `held`). */
  private async hold(
    ids: readonly string[],
    checkout: string,
    stderr: string,
  ): Promise<BatchOutcome> {
    const files = stderr
      .split("\n")
      .filter((l) => l.startsWith("\t"))
      .map((l) => l.trim());
    const why = files.length
      ? `your uncommitted changes to ${listShort(files)} in ${checkout}`
      : `${checkout}: ${firstErrorLine({ stderr, stdout: "" })}`;
    const reason = `landing would touch ${why}; commit or stash them and it lands by itself`;
    await this.write((doc) => {
      if (doc.journal) doc.journal.held = true;
      for (const e of doc.entries) {
        if (!ids.includes(e.id)) continue;
        const first = e.state !== "held";
        e.state = "held";
        e.reason = reason;
        if (first) this.note(e, `held: ${reason}`);
      }
    });
    for (const id of ids) if (!this.report.held.includes(id)) this.report.held.push(id);
    return "held";
  }

  /** The target is at `tip`: entries merged into it are `merged`; then mail and clean-up. */
  private async finishLanding(tip: string, stacked?: ReadonlySet<string>): Promise<void> {
    const doc = await this.store.read();
    const ids = doc.journal?.entries ?? [];
    const landed: string[] = [];
    for (const e of doc.entries) {
      if (!ids.includes(e.id) || e.state === "merged") continue;
      // A run that built the stack knows; a recovering run asks git.
      if (
        stacked?.has(e.id) ||
        (e.mergeCommit && (await isAncestor(this.root, e.mergeCommit, tip)))
      )
        landed.push(e.id);
    }
    const when = this.now().toISOString();
    // The step and its effect in one atomic write: the entries are merged iff it is journaled.
    await this.step("landed", { tip }, ids, (e) => {
      if (landed.includes(e.id)) {
        e.state = "merged";
        delete e.reason;
        e.landedIn = tip;
        e.landedAt = when;
        this.note(
          e,
          `landed: ${this.target} is now ${tip.slice(0, 10)} (merge commit ${e.mergeCommit?.slice(0, 10)})`,
        );
      } else if (e.state === "merging" || e.state === "gating" || e.state === "held") {
        e.state = "queued";
        this.note(e, "not in the landed stack: back in the queue");
      }
    });
    this.project.log("merge.landed", { detail: { target: this.target, tip, entries: landed } });
    await this.step("notify");
    const told: string[] = [];
    for (const id of ids) {
      const entry = await this.entry(id);
      if (!entry || entry.state !== "merged") continue;
      if (!this.report.landed.includes(id)) this.report.landed.push(id);
      if (!entry.notified) {
        await this.mail(
          entry,
          `Merged: ${entry.branch} landed in ${this.target}`,
          `Your branch ${entry.branch} (merge queue entry ${entry.id}) passed the gates and landed in ${this.target}, which is now ${tip}.` +
            (entry.flaky
              ? "\nA gate failed once and passed on a re-run: it is marked flaky."
              : "") +
            "\n",
          {
            entry: id,
            branch: entry.branch,
            target: this.target,
            state: "merged",
            commit: tip,
            flaky: entry.flaky,
          },
        );
        told.push(id);
      }
      if (this.config.merge.autoClean) await this.autoClean(entry);
    }
    // One write for all: a kill before it means mail may be sent twice, never lost.
    await this.write((d) => {
      for (const e of d.entries) if (told.includes(e.id)) e.notified = true;
      delete d.journal;
    });
  }

  /** Removes a landed agent's worktree and `git branch -d` its branch, only when nothing is lost. */
  private async autoClean(entry: MergeEntry): Promise<void> {
    const record = await this.agentRecord(entry.agent);
    const skip = (why: string) =>
      this.changeEntries([entry.id], (e) => this.note(e, `autoClean skipped: ${why}`));
    if (record && isLive(record.status)) return skip(`${entry.agent} is still running`);
    const worktree = record?.worktree;
    if (isWorktree(worktree)) {
      const status = await tryGit(worktree, ["status", "--porcelain", "--ignored"]);
      if (status.code !== 0 || status.stdout.trim().length > 0)
        return skip(`${worktree} has uncommitted, untracked or ignored files`);
      const head = await revParse(worktree, "HEAD");
      if (!head || !(await isAncestor(this.root, head, `refs/heads/${this.target}`)))
        return skip(`${worktree}'s HEAD is not in ${this.target}`);
      const removed = await tryGit(this.root, ["worktree", "remove", worktree]);
      if (removed.code !== 0) return skip(firstErrorLine(removed));
    }
    // -d, never -D: git itself refuses unless the branch is merged.
    const deleted = await tryGit(this.root, ["branch", "-d", entry.branch]);
    await this.changeEntries([entry.id], (e) =>
      this.note(
        e,
        deleted.code === 0
          ? `autoClean: removed the worktree and deleted ${entry.branch} (fully merged)`
          : `autoClean: kept ${entry.branch}: ${firstErrorLine(deleted)}`,
      ),
    );
  }

  // ---- worktrees, mail ---------------------------------------------------------------

  /**
   * Makes `dir` (the queue's own integration or scratch worktree) a clean detached checkout
   * of `commit`: created when missing or broken, else force-checked-out and cleaned (`-ffdx`:
   * a gate sees exactly the merged tree, never what an earlier gate left).
   */
  private async resetWorktree(dir: string, commit: string): Promise<void> {
    if (this.ready.has(dir)) {
      // Already checked and cleaned in this run: only this run has touched it since.
      await mustGit(
        dir,
        ["checkout", "--quiet", "--detach", "--force", commit],
        `checking out ${commit.slice(0, 10)} in ${dir}`,
      );
      await mustGit(dir, ["clean", "-ffdxq"], `cleaning ${dir}`);
      return;
    }
    this.ready.add(dir);
    await tryGit(this.root, ["worktree", "prune"]);
    if (!isWorktree(dir) || (await tryGit(dir, ["rev-parse", "--git-dir"])).code !== 0) {
      rmSync(dir, { recursive: true, force: true });
      await tryGit(this.root, ["worktree", "prune"]);
      mkdirSync(path.dirname(dir), { recursive: true });
      await mustGit(
        this.root,
        ["worktree", "add", "--detach", "--force", dir, commit],
        `creating ${dir}`,
      );
      return;
    }
    const gitDir = (await tryGit(dir, ["rev-parse", "--absolute-git-dir"])).stdout.trim();
    // A killed git (or run) leaves these behind; only this queue ever runs git here.
    if (gitDir) {
      rmSync(path.join(gitDir, "index.lock"), { force: true });
      if (
        existsSync(path.join(gitDir, "rebase-merge")) ||
        existsSync(path.join(gitDir, "rebase-apply"))
      )
        await tryGit(dir, ["rebase", "--abort"]);
    }
    await mustGit(
      dir,
      ["checkout", "--quiet", "--detach", "--force", commit],
      `checking out ${commit.slice(0, 10)} in ${dir}`,
    );
    await mustGit(dir, ["clean", "-ffdxq"], `cleaning ${dir}`);
  }

  private async removeScratch(): Promise<void> {
    const scratch = this.store.paths.scratch;
    this.ready.delete(scratch);
    if (!existsSync(scratch)) return;
    await tryGit(scratch, ["rebase", "--abort"]);
    // The scratch worktree holds only rebased copies; the originals stay on the agent's branch.
    await tryGit(this.root, ["worktree", "remove", "--force", scratch]);
    rmSync(scratch, { recursive: true, force: true });
    await tryGit(this.root, ["worktree", "prune"]);
  }

  private async agentRecord(name: string): Promise<AgentRecord | undefined> {
    return (await this.project.readState()).agents.find((a) => a.name === name);
  }

  /** Mail to the entry's agent (the cockpit when the agent is unknown); failures are noted. */
  private async mail(
    entry: MergeEntry,
    subject: string,
    body: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    const record = await this.agentRecord(entry.agent);
    const to = record && checkMailboxName(entry.agent) === undefined ? entry.agent : COCKPIT;
    const merged = payload.state === "merged";
    try {
      await new MailStore(this.project.paths.mail).send(
        {
          from: QUEUE_SENDER,
          to,
          subject,
          body,
          type: merged ? "merged" : "merge_failed",
          priority: merged ? "normal" : "high",
          payload,
        },
        [to],
      );
    } catch (error) {
      this.log(entry.id, `[flotilla] could not mail ${to}: ${(error as Error).message}\n`);
    }
  }
}

/** A change to some entries, applied inside a document update. */
interface EntryChange {
  ids: readonly string[];
  fn: (entry: MergeEntry, doc: MergeQueueDoc) => void;
}

function applyChanges(doc: MergeQueueDoc, changes: readonly EntryChange[]): void {
  for (const { ids, fn } of changes)
    for (const entry of doc.entries) if (ids.includes(entry.id)) fn(entry, doc);
}

function readFileSyncOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\..*$/, "");
}
