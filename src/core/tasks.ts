import * as z from "./zod.js";
import { EffortLevel } from "./agent-config.js";
import { FlotillaError } from "./errors.js";

/**
 * The task board's domain, pure: the `.flotilla/tasks.json` document, how `ready` follows
 * from dependencies, dependency cycles, the atomic claim's choice, and what happens to a
 * task after a failed attempt (retry, fallback runtime, failed). Storage lives in
 * `src/store/task-store.ts`; the hub's orchestration loop in `src/hub/task-loop.ts`.
 */

/**
 * Where a task is. `ready` (every dependency `done`) and `blocked` (some are not) are
 * computed from the dependencies by {@link refreshReadiness}; `claimed` has an assignee
 * working on it; `done` landed through the merge queue; `failed` ran out of attempts.
 */
export const TaskState = z.enum(["ready", "claimed", "done", "blocked", "failed"]);
export type TaskState = z.infer<typeof TaskState>;

/** Built-in roles; `.flotilla/roles/<role>.md` may add others or override these. */
export const BUILTIN_ROLES = ["builder", "scout", "reviewer", "coordinator"] as const;

/** Roles that never write files (the guard refuses every write for them). */
export const READ_ONLY_ROLES: ReadonlySet<string> = new Set(["scout", "reviewer"]);

/** Task ids: `T1`, `T2`, … */
export const TASK_ID_PATTERN = /^T[1-9][0-9]*$/;

/** Role names: a word of letters, digits, `_` and `-` (it names a markdown file). */
export const ROLE_PATTERN = /^[a-z][a-z0-9_-]{0,39}$/;

/** One quality gate of a task, run by `flotilla done` after the project's gates. */
export const TaskGate = z.object({
  name: z.string().check(z.minLength(1), z.maxLength(80)),
  command: z.string().check(z.minLength(1)),
  /** Killed (its whole process group) and failed after this many ms; default 10 minutes. */
  timeoutMs: z._default(z.number().check(z.int(), z.gte(100)), 600_000),
});
export type TaskGate = z.infer<typeof TaskGate>;

/** One line of a task's history. `time` is ISO-8601; `event` a short word such as `claimed`. */
export const TaskNote = z.object({
  time: z.string(),
  event: z.string(),
  text: z.string(),
  agent: z.optional(z.string()),
});
export type TaskNote = z.infer<typeof TaskNote>;

/** Most history lines kept per task (oldest dropped first). */
export const MAX_TASK_NOTES = 200;

/**
 * One task. `spec` is the spec's text, or `specPath` a file (relative to the main checkout)
 * holding it. `scope` are picomatch globs relative to the worktree's root; empty means no
 * declared scope. `after` are ids of tasks that must be `done` first. `memory` are memory
 * domains primed into the brief. `attempts` counts runs started (slings and claims);
 * `runtime` is the runtime of the current or last run; `fallback` the runtime used once
 * `attempts` reached the board's maximum. Times are ISO-8601.
 */
export const Task = z.object({
  id: z.string().check(z.regex(TASK_ID_PATTERN)),
  title: z.string().check(z.minLength(1), z.maxLength(300)),
  spec: z.optional(z.string()),
  specPath: z.optional(z.string()),
  scope: z._default(z.array(z.string().check(z.minLength(1))), []),
  gates: z._default(z.array(TaskGate), []),
  role: z._default(z.string().check(z.regex(ROLE_PATTERN)), "builder"),
  after: z._default(z.array(z.string().check(z.regex(TASK_ID_PATTERN))), []),
  memory: z._default(z.array(z.string().check(z.minLength(1))), []),
  state: TaskState,
  assignee: z.optional(z.string()),
  runtime: z.optional(z.string()),
  /** Model its agents run with (through the runtime's `modelFlag`), not on the fallback runtime. */
  model: z.optional(z.string().check(z.minLength(1))),
  /** Reasoning effort of its agents (the runtime's `effortArgs`), not on the fallback runtime. */
  effort: z.optional(EffortLevel),
  fallback: z.optional(z.string()),
  /** Set once the fallback runtime has taken over (its attempts count anew). */
  onFallback: z._default(z.boolean(), false),
  attempts: z._default(z.number().check(z.int(), z.gte(0)), 0),
  /** One line saying why the last attempt failed (given to the retry's brief). */
  lastFailure: z.optional(z.string()),
  /** Branch and head commit reported by `flotilla done`; the merge entry it became. */
  branch: z.optional(z.string()),
  head: z.optional(z.string()),
  mergeEntry: z.optional(z.string()),
  /** Its branch goes to the merge queue only after a reviewer's approving verdict. */
  review: z._default(z.boolean(), false),
  /**
   * The review of its passing `flotilla done`: `pending` (waiting for a reviewer), `approve`
   * (enqueued), `changes` (the worker must fix and run `flotilla done` again).
   */
  verdict: z.optional(z.enum(["pending", "approve", "changes"])),
  history: z._default(z.array(TaskNote), []),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Task = z.infer<typeof Task>;

/** `.flotilla/tasks.json`. */
export const TaskBoard = z.object({
  version: z._default(z.literal(1), 1),
  nextId: z._default(z.number().check(z.int(), z.gte(1)), 1),
  tasks: z._default(z.array(Task), []),
});
export type TaskBoard = z.infer<typeof TaskBoard>;

/** `config.json` `tasks`: the orchestration loop's knobs. Times in ms. */
export const TasksConfig = z.object({
  /** Attempts per runtime before the fallback (or `failed`). */
  maxAttempts: z._default(z.number().check(z.int(), z.gte(1), z.lte(20)), 3),
  /** A claimed task's agent with no output, not waiting, for this long is nudged once. */
  stallAfterMs: z._default(z.number().check(z.int(), z.gte(100)), 600_000),
  /** After the nudge, this much more silence escalates (default: stallAfterMs again). */
  escalateAfterMs: z.optional(z.number().check(z.int(), z.gte(100))),
  /** Dependants that become ready when their dependency lands are slung by the hub. */
  autoSling: z._default(z.boolean(), false),
  /** Runtime the hub slings with (autoSling) when the task names none. */
  runtime: z._default(z.string(), "claude"),
  /** Roles allowed to sling besides `coordinator` (and the human, with no FLOTILLA_ROLE). */
  slingRoles: z._default(z.array(z.string()), []),
  /** At most this many claimed tasks at once (sling's --max default); 0 = no limit. */
  maxRunning: z._default(z.number().check(z.int(), z.gte(0)), 0),
  /** Every task that writes needs a reviewer's verdict before it is enqueued (as `--review`). */
  requireReview: z._default(z.boolean(), false),
});
export type TasksConfig = z.infer<typeof TasksConfig>;

/** What a new task is made from (`flotilla task add`). */
export interface NewTask {
  title: string;
  spec?: string;
  specPath?: string;
  scope?: string[];
  gates?: TaskGate[];
  role?: string;
  after?: string[];
  memory?: string[];
  fallback?: string;
  runtime?: string;
  /** Model for its agents (`task add --model`). */
  model?: string;
  /** Reasoning effort for its agents (`task add --effort`). */
  effort?: EffortLevel;
  /** Needs a reviewer's approving verdict before its branch is enqueued. */
  review?: boolean;
}

/** The task `id` on `board`, or `undefined`. */
export function findTask(board: TaskBoard, id: string): Task | undefined {
  return board.tasks.find((task) => task.id === id);
}

/**
 * The task `id`.
 * @throws FlotillaError INVALID_INPUT naming the id and where to look.
 */
export function requireTask(board: TaskBoard, id: string): Task {
  const task = findTask(board, id);
  if (!task)
    throw new FlotillaError(
      "INVALID_INPUT",
      TASK_ID_PATTERN.test(id)
        ? `no task ${id} on the board: see "flotilla task ls"`
        : `"${id}" is not a task id (T1, T2, …): see "flotilla task ls"`,
    );
  return task;
}

/**
 * The first dependency cycle among `tasks`, as ids from a task back to itself
 * (`["T1", "T3", "T1"]`), or `undefined` when there is none. Depth-first over `after`.
 */
export function findCycle(tasks: readonly Pick<Task, "id" | "after">[]): string[] | undefined {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const mark = state.get(id);
    if (mark === "done") return undefined;
    if (mark === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const dep of byId.get(id)?.after ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const task of tasks) {
    const cycle = visit(task.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Checks the dependencies of every task: each names an existing task, none itself, and
 * there is no cycle.
 * @throws FlotillaError INVALID_INPUT naming the missing task or the cycle (`T1 → T3 → T1`).
 */
export function assertDependencies(tasks: readonly Pick<Task, "id" | "after">[]): void {
  const ids = new Set(tasks.map((task) => task.id));
  for (const task of tasks)
    for (const dep of task.after) {
      if (dep === task.id)
        throw new FlotillaError("INVALID_INPUT", `${task.id} cannot come after itself`);
      if (!ids.has(dep))
        throw new FlotillaError(
          "INVALID_INPUT",
          `${task.id} comes after ${dep}, but there is no task ${dep}: see "flotilla task ls"`,
        );
    }
  const cycle = findCycle(tasks);
  if (cycle)
    throw new FlotillaError(
      "INVALID_INPUT",
      `dependency cycle ${cycle.join(" → ")}: a task cannot wait for itself; drop one of these --after links`,
    );
}

/**
 * Sets `ready`/`blocked` from the dependencies (mutates `board`): a task that is neither
 * claimed, done nor failed is `ready` when every task it comes after is `done`, else
 * `blocked`. Returns the ids that became ready.
 */
export function refreshReadiness(board: TaskBoard, now: Date): string[] {
  const done = new Set(board.tasks.filter((t) => t.state === "done").map((t) => t.id));
  const became: string[] = [];
  for (const task of board.tasks) {
    if (task.state !== "ready" && task.state !== "blocked") continue;
    const next: TaskState = task.after.every((dep) => done.has(dep)) ? "ready" : "blocked";
    if (next === task.state) continue;
    task.state = next;
    task.updatedAt = now.toISOString();
    if (next === "ready") {
      became.push(task.id);
      note(task, now, "ready", `every dependency is done (${task.after.join(", ")})`);
    }
  }
  return became;
}

/**
 * Adds a task to `board` (mutates it) with the next id, checks its dependencies, and
 * returns it (state `ready` or `blocked`).
 * @throws FlotillaError INVALID_INPUT for a missing dependency, a cycle or a bad role.
 */
export function addTask(board: TaskBoard, input: NewTask, now: Date): Task {
  const id = `T${board.nextId}`;
  const role = input.role ?? "builder";
  if (!ROLE_PATTERN.test(role))
    throw new FlotillaError(
      "INVALID_INPUT",
      `invalid role "${role}": use lower-case letters, digits, "_" or "-" (builder, scout, reviewer, coordinator)`,
    );
  const task = Task.parse({
    id,
    title: input.title,
    ...(input.spec !== undefined ? { spec: input.spec } : {}),
    ...(input.specPath !== undefined ? { specPath: input.specPath } : {}),
    scope: input.scope ?? [],
    gates: input.gates ?? [],
    role,
    after: [...new Set(input.after ?? [])],
    memory: input.memory ?? [],
    ...(input.fallback !== undefined ? { fallback: input.fallback } : {}),
    ...(input.runtime !== undefined ? { runtime: input.runtime } : {}),
    ...(input.model !== undefined ? { model: input.model } : {}),
    ...(input.effort !== undefined ? { effort: input.effort } : {}),
    review: input.review ?? false,
    state: "blocked",
    history: [],
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  });
  assertDependencies([...board.tasks, task]);
  note(task, now, "added", `added${task.after.length ? ` after ${task.after.join(", ")}` : ""}`);
  board.tasks.push(task);
  board.nextId += 1;
  refreshReadiness(board, now);
  return task;
}

/** Changes to a task's definition (`flotilla task edit`, the board's edit). */
export interface TaskEdit {
  title?: string;
  scope?: string[];
  after?: string[];
  gates?: TaskGate[];
  role?: string;
  fallback?: string;
  memory?: string[];
}

/**
 * Edits task `id` (mutates `board`); dependencies are checked again, so a change that would
 * make a cycle is refused and nothing changes.
 * @throws FlotillaError INVALID_INPUT (unknown task, missing dependency, cycle, done task).
 */
export function editTask(board: TaskBoard, id: string, edit: TaskEdit, now: Date): Task {
  const task = requireTask(board, id);
  if (task.state === "done")
    throw new FlotillaError("INVALID_INPUT", `${id} is done: add a new task instead`);
  if (edit.after !== undefined) {
    const after = [...new Set(edit.after)];
    assertDependencies(board.tasks.map((t) => (t.id === id ? { id, after } : t)));
    task.after = after;
  }
  if (edit.role !== undefined && !ROLE_PATTERN.test(edit.role))
    throw new FlotillaError("INVALID_INPUT", `invalid role "${edit.role}"`);
  if (edit.title !== undefined) task.title = edit.title;
  if (edit.scope !== undefined) task.scope = edit.scope;
  if (edit.gates !== undefined) task.gates = edit.gates;
  if (edit.role !== undefined) task.role = edit.role;
  if (edit.fallback !== undefined) task.fallback = edit.fallback;
  if (edit.memory !== undefined) task.memory = edit.memory;
  task.updatedAt = now.toISOString();
  note(task, now, "edited", `edited: ${Object.keys(edit).join(", ")}`);
  refreshReadiness(board, now);
  return task;
}

/** Whether a task of role `taskRole` fits an agent of role `agentRole`. */
export function roleFits(taskRole: string, agentRole: string | undefined): boolean {
  // Agents spawned without a task role are "worker"s: they build.
  const role =
    agentRole === undefined || agentRole === "" || agentRole === "worker" ? "builder" : agentRole;
  return taskRole === role;
}

/** What {@link claimNext} found. `again`: the agent already held this task. */
export type ClaimResult = { task: Task; again: boolean } | undefined;

/**
 * The atomic claim's choice (mutates `board`; the store runs it under the board's lock):
 * the task `agent` already holds, if any; else the first `ready` task, in id order, whose
 * role fits `role`, which becomes `claimed` by `agent` (attempts + 1). `undefined` when no
 * ready task fits.
 */
export function claimNext(
  board: TaskBoard,
  agent: string,
  role: string | undefined,
  now: Date,
): ClaimResult {
  const held = board.tasks.find((t) => t.state === "claimed" && t.assignee === agent);
  if (held) return { task: held, again: true };
  refreshReadiness(board, now);
  const next = board.tasks.find((t) => t.state === "ready" && roleFits(t.role, role));
  if (!next) return undefined;
  claim(next, agent, now);
  return { task: next, again: false };
}

/**
 * Claims task `id` for `agent` (sling's claim; mutates `board`), counting an attempt and
 * recording the runtime.
 * @throws FlotillaError INVALID_INPUT when the task is not `ready` (blocked names what it
 *   waits for; claimed names its assignee).
 */
export function claimTask(
  board: TaskBoard,
  id: string,
  agent: string,
  now: Date,
  runtime?: string,
): Task {
  refreshReadiness(board, now);
  const task = requireTask(board, id);
  if (task.state !== "ready") throw notReady(board, task);
  claim(task, agent, now);
  if (runtime !== undefined) task.runtime = runtime;
  return task;
}

/**
 * Re-claims a claimed task for a new run by `agent` (the loop's retry; mutates `board`).
 * @throws FlotillaError INVALID_INPUT when the task is not claimed.
 */
export function reclaimTask(
  board: TaskBoard,
  id: string,
  agent: string,
  runtime: string,
  now: Date,
): Task {
  const task = requireTask(board, id);
  if (task.state !== "claimed")
    throw new FlotillaError("INVALID_INPUT", `${id} is ${task.state}, not claimed`);
  task.assignee = agent;
  task.runtime = runtime;
  task.attempts += 1;
  task.updatedAt = now.toISOString();
  note(task, now, "retry", `attempt ${task.attempts} on ${runtime}`, agent);
  return task;
}

/** Why `task` cannot be claimed now, as an error. */
function notReady(board: TaskBoard, task: Task): FlotillaError {
  if (task.state === "blocked") {
    const waiting = task.after.filter((dep) => findTask(board, dep)?.state !== "done");
    return new FlotillaError(
      "INVALID_INPUT",
      `${task.id} is blocked: it waits for ${waiting.join(", ")} to be done`,
    );
  }
  if (task.state === "claimed")
    return new FlotillaError(
      "INVALID_INPUT",
      `${task.id} is already claimed by ${task.assignee ?? "someone"}`,
    );
  return new FlotillaError(
    "INVALID_INPUT",
    `${task.id} is ${task.state}${task.state === "failed" ? ': "flotilla task retry" makes it ready again' : ""}`,
  );
}

function claim(task: Task, agent: string, now: Date): void {
  task.state = "claimed";
  task.assignee = agent;
  task.attempts += 1;
  task.updatedAt = now.toISOString();
  note(task, now, "claimed", `claimed by ${agent} (attempt ${task.attempts})`, agent);
}

/**
 * Records `flotilla done`'s success on task `id` (mutates `board`): branch, head and merge
 * entry. The task stays `claimed` until the queue lands it ({@link completeTask}).
 */
export function recordWorkerDone(
  board: TaskBoard,
  id: string,
  fields: { agent: string; branch: string; head: string; mergeEntry?: string; review?: boolean },
  now: Date,
): Task {
  const task = requireTask(board, id);
  task.branch = fields.branch;
  task.head = fields.head;
  if (fields.mergeEntry !== undefined) task.mergeEntry = fields.mergeEntry;
  if (fields.review) task.verdict = "pending";
  else delete task.verdict;
  task.updatedAt = now.toISOString();
  note(
    task,
    now,
    "worker_done",
    `gates passed on ${fields.branch} at ${fields.head.slice(0, 7)}${fields.mergeEntry ? `; merge entry ${fields.mergeEntry}` : ""}${fields.review ? "; waiting for a reviewer's verdict" : ""}`,
    fields.agent,
  );
  return task;
}

/**
 * True once the task's worker passed `flotilla done` for its current attempt: its branch is
 * in the merge queue or waits for (or got) an approving review. Its worker stopping then
 * is no failure, and it is not expected to make progress.
 */
export function passedDone(task: Pick<Task, "mergeEntry" | "verdict">): boolean {
  return task.mergeEntry !== undefined || task.verdict === "pending" || task.verdict === "approve";
}

/**
 * Records a reviewer's verdict on task `id` (mutates `board`): `approve` or `changes`, with
 * the findings in its history (and, for `changes`, as its last failure for the worker).
 * @throws FlotillaError INVALID_INPUT when the task is not waiting for a review.
 */
export function recordVerdict(
  board: TaskBoard,
  id: string,
  verdict: "approve" | "changes",
  reviewer: string,
  findings: string,
  now: Date,
): Task {
  const task = requireTask(board, id);
  if (task.state !== "claimed" || task.verdict !== "pending")
    throw new FlotillaError(
      "INVALID_INPUT",
      `${id} is not waiting for a review (${task.state}${task.verdict ? `, verdict ${task.verdict}` : ""}): review a task after its worker's flotilla done passed`,
    );
  task.verdict = verdict;
  if (verdict === "changes") task.lastFailure = `review by ${reviewer}: ${findings}`;
  task.updatedAt = now.toISOString();
  note(
    task,
    now,
    verdict === "approve" ? "approved" : "changes",
    `${verdict === "approve" ? "approved" : "changes requested"} by ${reviewer}: ${findings}`,
    reviewer,
  );
  return task;
}

/**
 * Gives a claimed task back to the board after its worker was stopped by hand (mutates
 * `board`): no assignee, no recorded branch, so it is `ready` (or `blocked`) for another
 * sling; `attempts` keep counting. `runtime`, when given, is the next run's (a fallback).
 */
export function releaseTask(
  board: TaskBoard,
  id: string,
  reason: string,
  now: Date,
  runtime?: string,
): Task {
  const task = requireTask(board, id);
  if (task.state !== "claimed")
    throw new FlotillaError("INVALID_INPUT", `${id} is ${task.state}, not claimed`);
  task.state = "blocked"; // readiness is refreshed right below
  delete task.assignee;
  delete task.branch;
  delete task.head;
  delete task.mergeEntry;
  delete task.verdict;
  if (runtime !== undefined) task.runtime = runtime;
  task.updatedAt = now.toISOString();
  note(task, now, "released", `${reason}; back on the board for another run`);
  refreshReadiness(board, now);
  return task;
}

/**
 * Marks task `id` done (its branch landed; mutates `board`) and returns the ids of tasks
 * that became ready because of it.
 */
export function completeTask(board: TaskBoard, id: string, now: Date, text = "merged"): string[] {
  const task = requireTask(board, id);
  if (task.state === "done") return [];
  task.state = "done";
  task.updatedAt = now.toISOString();
  note(task, now, "done", text, task.assignee);
  return refreshReadiness(board, now);
}

/**
 * What to do after a failed attempt: `retry` on the same runtime, `fallback` to the task's
 * fallback runtime (attempts start again), or `failed` (escalate).
 */
export type FailureDecision =
  | { kind: "retry"; runtime: string; attempt: number }
  | { kind: "fallback"; runtime: string }
  | { kind: "failed"; reason: string };

/**
 * Decides and records what follows a failed attempt of task `id` (mutates `board`):
 * fewer than `maxAttempts` attempts → retry (same runtime); else, if the task has a
 * fallback it has not used yet → fallback (attempts reset to 0); else → `failed`. Never
 * retries forever: each runtime gets at most `maxAttempts`.
 */
export function decideAfterFailure(
  board: TaskBoard,
  id: string,
  reason: string,
  maxAttempts: number,
  defaultRuntime: string,
  now: Date,
): FailureDecision {
  const task = requireTask(board, id);
  task.lastFailure = reason;
  task.updatedAt = now.toISOString();
  note(task, now, "attempt_failed", `attempt ${task.attempts} failed: ${reason}`, task.assignee);
  const runtime = task.runtime ?? defaultRuntime;
  if (task.attempts < maxAttempts) return { kind: "retry", runtime, attempt: task.attempts + 1 };
  if (task.fallback !== undefined && !task.onFallback) {
    task.onFallback = true;
    task.attempts = 0;
    note(task, now, "fallback", `after ${maxAttempts} attempts, falling back to ${task.fallback}`);
    return { kind: "fallback", runtime: task.fallback };
  }
  const why = `failed after ${maxAttempts} attempt(s)${task.onFallback ? " on its fallback too" : ""}: ${reason}`;
  failTask(board, id, why, now);
  return { kind: "failed", reason: why };
}

/** Marks task `id` failed (mutates `board`); its assignee is kept for the record. */
export function failTask(board: TaskBoard, id: string, reason: string, now: Date): Task {
  const task = requireTask(board, id);
  if (task.state === "done") throw new FlotillaError("INVALID_INPUT", `${id} is already done`);
  task.state = "failed";
  task.lastFailure = reason;
  task.updatedAt = now.toISOString();
  note(task, now, "failed", reason, task.assignee);
  return task;
}

/**
 * Makes a failed (or stuck claimed) task `id` ready again (mutates `board`): no assignee,
 * attempts and fallback start anew.
 * @throws FlotillaError INVALID_INPUT for a done task.
 */
export function retryTask(board: TaskBoard, id: string, now: Date): Task {
  const task = requireTask(board, id);
  if (task.state === "done") throw new FlotillaError("INVALID_INPUT", `${id} is already done`);
  if (task.state === "ready" || task.state === "blocked") return task;
  task.state = "blocked";
  delete task.assignee;
  task.attempts = 0;
  task.onFallback = false;
  task.updatedAt = now.toISOString();
  note(task, now, "retry", "made ready for another run by hand");
  refreshReadiness(board, now);
  return task;
}

/** Tasks that come after `id`. */
export function dependantsOf(board: TaskBoard, id: string): Task[] {
  return board.tasks.filter((task) => task.after.includes(id));
}

/** Appends a history line to `task`, keeping at most {@link MAX_TASK_NOTES}. */
export function note(task: Task, now: Date, event: string, text: string, agent?: string): void {
  task.history.push({
    time: now.toISOString(),
    event,
    text,
    ...(agent !== undefined ? { agent } : {}),
  });
  if (task.history.length > MAX_TASK_NOTES)
    task.history.splice(0, task.history.length - MAX_TASK_NOTES);
}

/** A gate from `--gate "<command>"`: named by the command itself (cut to 80 characters). */
export function gateFromCommand(command: string): TaskGate {
  return {
    name: command.length > 80 ? `${command.slice(0, 77)}...` : command,
    command,
    timeoutMs: 600_000,
  };
}
