import {
  addTask,
  claimNext,
  claimTask,
  completeTask,
  decideAfterFailure,
  editTask,
  failTask,
  recordVerdict,
  recordWorkerDone,
  refreshReadiness,
  releaseTask,
  retryTask,
  TaskBoard,
  type ClaimResult,
  type FailureDecision,
  type NewTask,
  type Task,
  type TaskEdit,
} from "../core/tasks.js";
import { JsonDocument } from "./json-store.js";
import type { ProjectPaths } from "./paths.js";

/**
 * The task board on disk: `.flotilla/tasks.json` through the project's `JsonDocument`
 * (zod-validated on read, atomic writes, a cross-process lock around every change), so a
 * claim by one process and a claim by another never both see the same task as ready.
 * Every operation is one locked read-modify-write of the pure functions in `core/tasks.ts`.
 */
export class TaskStore {
  readonly doc: JsonDocument<typeof TaskBoard>;

  /** `file` is `.flotilla/tasks.json` (`ProjectPaths.tasks`). */
  constructor(file: string) {
    this.doc = new JsonDocument(file, TaskBoard);
  }

  /** The board of the project with these paths. */
  static of(paths: Pick<ProjectPaths, "tasks">): TaskStore {
    return new TaskStore(paths.tasks);
  }

  /** The validated board (empty when the file does not exist yet). */
  read(): Promise<TaskBoard> {
    return this.doc.read();
  }

  /** Adds a task; see `addTask`. */
  async add(input: NewTask, now = new Date()): Promise<Task> {
    let task: Task | undefined;
    await this.doc.update((board) => {
      task = addTask(board, input, now);
    });
    return task!;
  }

  /** Edits a task; see `editTask`. */
  async edit(id: string, edit: TaskEdit, now = new Date()): Promise<Task> {
    return this.change((board) => editTask(board, id, edit, now));
  }

  /**
   * The atomic claim: under the board's lock, the task `agent` already holds, or the next
   * ready task fitting `role`, claimed for `agent`. `undefined` when none fits.
   */
  async claimNext(agent: string, role: string | undefined, now = new Date()): Promise<ClaimResult> {
    let result: ClaimResult;
    await this.doc.update((board) => {
      result = claimNext(board, agent, role, now);
    });
    return result;
  }

  /** Claims task `id` for `agent` (sling); see `claimTask`. */
  async claim(id: string, agent: string, runtime?: string, now = new Date()): Promise<Task> {
    return this.change((board) => claimTask(board, id, agent, now, runtime));
  }

  /** Records a passing `flotilla done`; see `recordWorkerDone`. */
  async workerDone(
    id: string,
    fields: { agent: string; branch: string; head: string; mergeEntry?: string; review?: boolean },
    now = new Date(),
  ): Promise<Task> {
    return this.change((board) => recordWorkerDone(board, id, fields, now));
  }

  /** Records a reviewer's verdict; see `recordVerdict`. */
  async verdict(
    id: string,
    verdict: "approve" | "changes",
    reviewer: string,
    findings: string,
    now = new Date(),
  ): Promise<Task> {
    return this.change((board) => recordVerdict(board, id, verdict, reviewer, findings, now));
  }

  /** Gives a claimed task back to the board; see `releaseTask`. */
  async release(id: string, reason: string, runtime?: string, now = new Date()): Promise<Task> {
    return this.change((board) => releaseTask(board, id, reason, now, runtime));
  }

  /** Marks task `id` done; returns the ids that became ready. */
  async complete(id: string, text?: string, now = new Date()): Promise<string[]> {
    let ready: string[] = [];
    await this.doc.update((board) => {
      ready = completeTask(board, id, now, text);
    });
    return ready;
  }

  /** Records a failed attempt and decides what follows; see `decideAfterFailure`. */
  async failAttempt(
    id: string,
    reason: string,
    maxAttempts: number,
    defaultRuntime: string,
    now = new Date(),
  ): Promise<FailureDecision> {
    let decision: FailureDecision | undefined;
    await this.doc.update((board) => {
      decision = decideAfterFailure(board, id, reason, maxAttempts, defaultRuntime, now);
    });
    return decision!;
  }

  /** Marks task `id` failed by hand. */
  async fail(id: string, reason: string, now = new Date()): Promise<Task> {
    return this.change((board) => failTask(board, id, reason, now));
  }

  /** Makes task `id` ready for another run. */
  async retry(id: string, now = new Date()): Promise<Task> {
    return this.change((board) => retryTask(board, id, now));
  }

  /** Applies `fn` under the lock, with readiness refreshed after; returns what `fn` returned. */
  async change<T>(fn: (board: TaskBoard) => T, now = new Date()): Promise<T> {
    let out: T | undefined;
    await this.doc.update((board) => {
      out = fn(board);
      refreshReadiness(board, now);
    });
    return out as T;
  }
}
