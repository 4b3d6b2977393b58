import { existsSync, watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { describeError } from "../core/errors.js";
import type { MergeQueueDoc } from "../core/merge-queue.js";
import { gitCommonDir } from "../git/repo.js";
import type { Project } from "../store/project.js";
import { MergeQueueStore } from "./queue.js";
import { runQueue, type RunReport } from "./run.js";

/**
 * The merge queue run continuously (what the hub's runner does): a run when the queue
 * document changes (an enqueue, a retry), when the target or the main checkout changes
 * (`refs/heads/`, `packed-refs`, the checkout's `index`/`HEAD`: a commit, a stash), and,
 * only while a landing is held, every `heldPollMs` as a fallback. Runs never overlap; events
 * during a run cause one more run after it. Nothing runs while nothing changes.
 */

/** Options of {@link MergeQueueLoop}. */
export interface MergeLoopOptions {
  env?: NodeJS.ProcessEnv;
  /** Called after every run with its report and the queue as it now is. */
  onRun?: (report: RunReport, doc: MergeQueueDoc) => void;
  /** Called when a run throws; the loop keeps going. */
  onError?: (error: unknown) => void;
  /** Quiet time after a file event before a run, in ms. */
  debounceMs?: number;
  /** While something is held (or another process runs the queue), re-try this often, in ms. */
  heldPollMs?: number;
  /**
   * Watch `.flotilla/merge-queue.json` itself (default true). The hub's runner says false
   * and calls {@link MergeQueueLoop.kick} from the hub's one shared watcher instead.
   */
  watchQueueFile?: boolean;
}

/** See the module comment. `start()` once, `dispose()` at the end. */
export class MergeQueueLoop {
  private readonly store: MergeQueueStore;
  private readonly watchers: FSWatcher[] = [];
  private running: Promise<void> | undefined;
  private again = false;
  private disposed = false;
  private debounce: NodeJS.Timeout | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly project: Project,
    private readonly options: MergeLoopOptions = {},
  ) {
    this.store = new MergeQueueStore(project);
  }

  /** Starts watching and runs the queue once. */
  async start(): Promise<void> {
    if (this.options.watchQueueFile ?? true)
      this.watch(this.project.paths.dir, false, (file) => file === "merge-queue.json");
    const common = await gitCommonDir(this.project.root).catch(() => "");
    if (common) {
      this.watch(common, false, (file) => /^(index|HEAD|packed-refs|ORIG_HEAD)$/.test(file));
      this.watch(path.join(common, "refs", "heads"), true, () => true);
    }
    this.kick(0);
  }

  /** Asks for a run soon (after `delayMs`, default the debounce). */
  kick(delayMs = this.options.debounceMs ?? 100): void {
    if (this.disposed) return;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.runSoon(), delayMs);
  }

  /** Resolves when no run is in progress (for tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops watching and waits for a run in progress to end. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.debounce);
    clearTimeout(this.poll);
    for (const w of this.watchers.splice(0)) w.close();
    await this.idle();
  }

  private watch(dir: string, recursive: boolean, want: (file: string) => boolean): void {
    try {
      const watcher = watch(dir, { recursive, persistent: false }, (_event, file) => {
        if (file === null || want(String(file))) this.kick();
      });
      watcher.on("error", () => undefined);
      this.watchers.push(watcher);
    } catch {
      // A directory that does not exist yet (no refs/heads in a packed repo): the poll and
      // the other watchers still cover it.
    }
  }

  private async runSoon(): Promise<void> {
    if (this.disposed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runOnce().finally(() => {
      this.running = undefined;
      if (this.again && !this.disposed) {
        this.again = false;
        this.kick();
      }
    });
    await this.running;
  }

  private async runOnce(): Promise<void> {
    clearTimeout(this.poll);
    // A project that never enqueued anything has no queue to run (and gets no files).
    if (!existsSync(this.store.paths.doc)) return;
    let retryLater = false;
    try {
      await this.store.refreshPredictions().catch(() => false);
      const report = await runQueue(this.project, {
        ...(this.options.env ? { env: this.options.env } : {}),
      });
      const doc = await this.store.read();
      retryLater = report.busy !== undefined || doc.entries.some((e) => e.state === "held");
      this.options.onRun?.(report, doc);
    } catch (error) {
      retryLater = true;
      this.options.onError?.(new Error(`merge queue: ${describeError(error)}`, { cause: error }));
    }
    if (retryLater && !this.disposed)
      this.poll = setTimeout(() => this.kick(0), this.options.heldPollMs ?? 2000);
  }
}
