import { readFile } from "node:fs/promises";
import path from "node:path";
import { COCKPIT } from "../core/mail.js";
import { MergeQueueDoc } from "../core/merge-queue.js";
import {
  draftFailure,
  findGatePairs,
  firstMeaningfulLine,
  MemoryDraftsDoc,
  observeFailures,
  rememberDrafted,
  type GatePair,
  type MemoryDraft,
} from "../core/memory-drafts.js";
import { runGitIn } from "../git/git.js";
import { entryLogFile, mergePaths } from "../merge/paths.js";
import { JsonDocument } from "../store/json-store.js";
import { MailStore } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import type { HubContext, HubRunner } from "./runner.js";

/**
 * The memory-drafts runner: watches `.flotilla/merge-queue.json` through the hub's shared
 * watcher and, when an agent's entry that failed a gate is followed by one that merged with
 * that gate passing, mails the cockpit a `memory_draft` (payload: `MemoryDraft`) to accept
 * with `y` in the inbox or `flotilla memory accept <mail-id>`. What it has seen and drafted
 * is kept in `.flotilla/memory-drafts.json`, so each pair is drafted once, across restarts.
 */

/** Sender of draft mail. */
export const DRAFTS_SENDER = "memory-drafts";

/** Quiet time after a change of the queue document before it is read, in ms. */
const DEBOUNCE_MS = 100;

/** `.flotilla/memory-drafts.json` of a project. */
export function memoryDraftsFile(project: Pick<Project, "paths">): string {
  return path.join(project.paths.dir, "memory-drafts.json");
}

/**
 * One pass over the queue: remembers new gate failures (with the first meaningful line of
 * their log), finds failure→pass pairs not drafted yet, mails each draft to the cockpit and
 * remembers it. Returns the drafts sent. Safe to call any time (the drafts document is
 * locked for the pass).
 * @throws FlotillaError INVALID_STATE_FILE when the queue or drafts document is invalid.
 */
export async function draftFromQueue(project: Project): Promise<MemoryDraft[]> {
  const queue = await new JsonDocument(project.paths.mergeQueue, MergeQueueDoc).read();
  const doc = new JsonDocument(memoryDraftsFile(project), MemoryDraftsDoc);
  const paths = mergePaths(project.paths);
  return doc.withLock(async () => {
    const state = await doc.read();
    const logs = new Map<string, string>();
    for (const entry of queue.entries)
      if (entry.state === "gate_failed")
        logs.set(entry.id, await readFile(entryLogFile(paths, entry.id), "utf8").catch(() => ""));
    const added = observeFailures(state, queue.entries, (entry, gate) =>
      firstMeaningfulLine(logs.get(entry.id) ?? "", gate),
    );
    const { pairs, covered } = findGatePairs(state.failures, queue.entries, new Set(state.drafted));
    if (added.length === 0 && pairs.length === 0) return [];
    const store = new MailStore(project.paths.mail);
    const sent: MemoryDraft[] = [];
    for (const pair of pairs) {
      const draft = draftFailure(pair, await changeBetween(project.root, pair));
      await store.send(
        {
          from: DRAFTS_SENDER,
          to: COCKPIT,
          subject: `Memory draft (${draft.domain}): ${draft.text}`.slice(0, 290),
          body: draftBody(draft),
          type: "memory_draft",
          payload: draft,
        },
        [COCKPIT],
      );
      sent.push(draft);
    }
    rememberDrafted(state, [...covered, ...pairs.map((p) => p.key)]);
    await doc.write(state);
    return sent;
  });
}

/** Subjects (oldest first) and files changed from the failing to the passing head; empty when git cannot tell. */
async function changeBetween(
  root: string,
  pair: GatePair,
): Promise<{ subjects: string[]; files: string[] }> {
  const range = `${pair.failure.head}..${pair.passed.head}`;
  const lines = (text: string) => text.split("\n").filter((line) => line.trim().length > 0);
  const subjects = await runGitIn(root, ["log", "--reverse", "--format=%s", range])
    .then(lines)
    .catch(() => []);
  const files = await runGitIn(root, [
    "diff",
    "--name-only",
    "--no-renames",
    pair.failure.head,
    pair.passed.head,
  ])
    .then(lines)
    .catch(() => []);
  return { subjects, files };
}

function draftBody(draft: MemoryDraft): string {
  const files = draft.evidence.files;
  return (
    `${draft.agent}'s merge queue entry ${draft.failedEntry} failed gate ${draft.gate}; ${draft.passedEntry} later merged with it passing.\n\n` +
    `Draft failure record for domain ${draft.domain}:\n  text: ${draft.text}\n  resolution: ${draft.resolution}\n` +
    (files.length > 0
      ? `  files: ${files.slice(0, 10).join(", ")}${files.length > 10 ? ", …" : ""}\n`
      : "") +
    `\nAccept it with y in the inbox, or: flotilla memory accept <this mail's id>\n`
  );
}

/** The hub runner around {@link draftFromQueue}; see the module comment. */
export class MemoryDraftsRunner implements HubRunner {
  readonly name = "memory-drafts";
  private unsubscribe = (): void => undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  private context: HubContext | undefined;

  async start(context: HubContext): Promise<void> {
    this.context = context;
    const file = path.basename(context.project.paths.mergeQueue);
    this.unsubscribe = context.watcher.subscribe("", (name) => {
      if (name === null || name === file) this.schedule();
    });
    await context.watcher.refresh("");
    this.schedule();
  }

  /** Resolves once no pass is running or scheduled (for tests). */
  async idle(): Promise<void> {
    while (this.running || this.timer) {
      if (this.running) await this.running;
      else await new Promise((resolve) => setTimeout(resolve, DEBOUNCE_MS));
    }
  }

  private schedule(): void {
    if (this.disposed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pass();
    }, DEBOUNCE_MS);
  }

  private pass(): void {
    if (this.disposed || !this.context) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const context = this.context;
    this.running = draftFromQueue(context.project)
      .then(
        () => undefined,
        (error: unknown) => {
          if (!this.disposed) context.notify(`memory drafts: ${(error as Error).message}`);
        },
      )
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.schedule();
        }
      });
  }

  dispose(): void {
    this.disposed = true;
    this.unsubscribe();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
