import { FlotillaError } from "../core/errors.js";
import { composeBrief, fillRole } from "../core/roles.js";
import { overlappingGlobs } from "../core/scope.js";
import { findTask, requireTask, type Task } from "../core/tasks.js";
import type { AgentRecord, Config } from "../core/schema.js";
import { readAgentContext, writeAgentContext } from "../runtimes/context.js";
import { resolveRuntime } from "../runtimes/profiles.js";
import { primeForAgent, MemoryStore } from "../store/memory-store.js";
import type { Project } from "../store/project.js";
import { readRoleTemplate } from "../store/roles.js";
import { readSpec } from "../store/task-files.js";
import { TaskStore } from "../store/task-store.js";
import { createAgent, markAgent, respawnAgent } from "./lifecycle.js";

/**
 * Sling: one task → one agent, in one step. Claims the task on the board (under its lock, so
 * one task is never slung twice), creates the agent's worktree and branch through the spawn
 * path (`createAgent`), writes the brief (role, spec, scope, gates, how to finish, the memory
 * primer) through the runtime's context delivery (`runtimes/context.ts`, the same path as the
 * memory primer: a flag for Claude Code, a git-excluded file for others; never a tracked
 * file, so the worktree stays clean), and records the agent with status `starting` for the
 * hub to launch. Also the loop's retry: the same brief plus the failure, in the same worktree.
 */

/** Options of {@link slingTask}. */
export interface SlingOptions {
  /** Runtime to run; default the task's, else `config.tasks.runtime`. */
  runtime?: string;
  /** Start even when its scope overlaps a running task's (the overlap is warned about). */
  force?: boolean;
  /** At most this many claimed tasks at once, this one included; 0 or absent: no bound. */
  max?: number;
  /** Agent name; default `t<N>-<title words>`. */
  name?: string;
  now?: Date;
}

/** What {@link slingTask} did. */
export interface SlingResult {
  task: Task;
  agent: AgentRecord;
  /** Overlaps with running tasks let through by `force`, one line each. */
  warnings: string[];
  /** The memory primer's one-line summary. */
  primer: string;
}

/**
 * Why the caller may not sling, or `undefined`. Only a coordinator (`FLOTILLA_ROLE`) or a role
 * in `config.tasks.slingRoles` may; the human (no `FLOTILLA_ROLE`) always may.
 */
export function slingRefusal(env: NodeJS.ProcessEnv, config: Config): string | undefined {
  const role = env.FLOTILLA_ROLE?.trim();
  if (!role || role === "coordinator" || config.tasks.slingRoles.includes(role)) return undefined;
  return `only a coordinator may sling (you are ${role}): ask your coordinator by mail, or add "${role}" to tasks.slingRoles in .flotilla/config.json`;
}

/**
 * Why `task` may not run next to the claimed tasks now: scope overlaps (conservative, see
 * `scopesOverlap`) as one line each.
 */
export function scopeConflicts(task: Task, running: readonly Task[]): string[] {
  const lines: string[] = [];
  for (const other of running) {
    if (other.id === task.id) continue;
    const pairs = overlappingGlobs(task.scope, other.scope);
    if (pairs.length === 0) continue;
    const [a, b] = pairs[0]!;
    lines.push(
      `${task.id}'s scope (${a}) may overlap ${other.id}'s (${b}), which ${other.assignee ?? "someone"} is working on`,
    );
  }
  return lines;
}

/** A default agent name for a task: `t3-form-validation` (valid agent name, ≤ 28 chars). */
export function agentNameFor(task: Pick<Task, "id" | "title">, taken: ReadonlySet<string>): string {
  const words = task.title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 20)
    .replace(/-+$/, "");
  const base = words ? `${task.id.toLowerCase()}-${words}` : task.id.toLowerCase();
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  return name;
}

/**
 * Slings task `id` (see the module comment).
 * @throws FlotillaError INVALID_INPUT (not ready, scope overlap without `force`, `max`
 *   reached), UNKNOWN_RUNTIME, DUPLICATE_NAME, GIT_FAILED; on any failure after the claim,
 *   the claim is released and nothing is left behind.
 */
export async function slingTask(
  project: Project,
  id: string,
  options: SlingOptions = {},
): Promise<SlingResult> {
  const now = options.now ?? new Date();
  const config = await project.readConfig();
  const store = TaskStore.of(project.paths);
  const board = await store.read();
  const task = requireTask(board, id);
  const runtime = options.runtime ?? task.runtime ?? config.tasks.runtime;
  resolveRuntime(config, runtime);
  const running = board.tasks.filter((t) => t.state === "claimed");
  const max = options.max ?? config.tasks.maxRunning;
  if (max > 0 && running.length >= max)
    throw new FlotillaError(
      "INVALID_INPUT",
      `${running.length} task(s) already running (${running.map((t) => t.id).join(", ")}) and --max is ${max}: wait for one to finish`,
    );
  const conflicts = scopeConflicts(task, running);
  if (conflicts.length > 0 && !options.force)
    throw new FlotillaError(
      "INVALID_INPUT",
      `${conflicts[0]}: overlapping work must run one after the other (--force starts it anyway)`,
    );
  const state = await project.readState();
  const name = options.name ?? agentNameFor(task, new Set(state.agents.map((a) => a.name)));
  const claimed = await store.claim(id, name, runtime, now);
  try {
    // Slung again after an attempt failed (its worker was stopped by hand, or the task was
    // retried by hand): say why, and where that attempt's commits are.
    const previous =
      claimed.lastFailure !== undefined
        ? {
            failure: claimed.lastFailure,
            branch: state.agents.filter((a) => a.task === id && a.name !== name).pop()?.branch,
          }
        : undefined;
    const { brief, primer } = await briefFor(
      project,
      config,
      claimed,
      name,
      previous?.failure,
      previous?.branch,
    );
    const agent = await createAgent(
      project,
      {
        name,
        runtime,
        role: claimed.role,
        task: claimed.id,
        prompt: firstPrompt(claimed, resolveRuntime(config, runtime).context.mode),
        context: brief,
        // The task's model and effort are for its own runtime, not the fallback's.
        ...(claimed.model !== undefined && !claimed.onFallback ? { model: claimed.model } : {}),
        ...(claimed.effort !== undefined && !claimed.onFallback ? { effort: claimed.effort } : {}),
      },
      now,
    );
    const recorded =
      claimed.scope.length > 0 ? await markAgent(project, name, { scope: claimed.scope }) : agent;
    project.log("task.slung", { agent: name, detail: { task: id, runtime } });
    return { task: claimed, agent: recorded, warnings: conflicts, primer };
  } catch (error) {
    await store.change((b) => {
      const t = findTask(b, id);
      if (t && t.state === "claimed" && t.assignee === name) {
        t.state = "blocked"; // readiness is refreshed right after
        delete t.assignee;
        t.attempts = Math.max(0, t.attempts - 1);
      }
    });
    throw error;
  }
}

/**
 * Starts another attempt of claimed task `id` in its agent's existing worktree: the brief
 * again with the failure, on `runtime` (the fallback's, when it changed), and the stopped
 * agent respawned. The board counts the attempt.
 * @throws FlotillaError INVALID_INPUT when the task has no agent or its agent still runs.
 */
export async function retryInPlace(
  project: Project,
  id: string,
  runtime: string,
  failure: string,
  now = new Date(),
): Promise<AgentRecord> {
  const config = await project.readConfig();
  const store = TaskStore.of(project.paths);
  const task = requireTask(await store.read(), id);
  const name = task.assignee;
  const record = (await project.readState()).agents.find((a) => a.name === name);
  if (!name || !record)
    throw new FlotillaError("INVALID_INPUT", `${id} has no agent to retry in: sling it again`);
  const profile = resolveRuntime(config, runtime);
  const { reclaimTask } = await import("../core/tasks.js");
  const again = await store.change((b) => reclaimTask(b, id, name, runtime, now));
  const { brief } = await briefFor(project, config, again, name, failure);
  writeAgentContext(profile, record.worktree, brief);
  if (record.runtime !== runtime) await markAgent(project, name, { runtime });
  return respawnAgent(project, name);
}

/**
 * The brief for `task` run by `agent` (and the primer's summary); with `previousFailure`, a
 * retry's (in a new worktree when `previousBranch`, the branch of the failed attempt, is
 * given).
 */
export async function briefFor(
  project: Project,
  config: Config,
  task: Task,
  agent: string,
  previousFailure?: string,
  previousBranch?: string,
): Promise<{ brief: string; primer: string }> {
  const [template, spec] = await Promise.all([
    readRoleTemplate(project.paths.dir, task.role),
    readSpec(project.root, task),
  ]);
  let primerText: string | undefined;
  let primer = "no memory primed";
  try {
    const plan = await primeForAgent(MemoryStore.forProject(project.root, config), {
      memory: task.memory.length > 0 ? task.memory.join(",") : "auto",
      task: [task.title, spec, ...task.scope].join("\n"),
      budgetChars: config.memory.budgetTokens * 4,
    });
    if (plan.included.length > 0) {
      primerText = plan.markdown;
      primer = `primed ${plan.included.length} memory record(s) from ${plan.domains.join(", ")}`;
    }
  } catch (error) {
    primer = `memory not primed: ${(error as Error).message}`;
  }
  const brief = composeBrief({
    agent,
    task,
    role: fillRole(template, { agent, task: task.id, title: task.title }),
    spec,
    gates: [...config.gates, ...task.gates],
    ...(primerText !== undefined ? { primer: primerText } : {}),
    ...(previousFailure !== undefined ? { previousFailure } : {}),
    ...(previousBranch !== undefined ? { previousBranch } : {}),
    attempt: task.attempts,
  });
  return { brief, primer };
}

/**
 * The first prompt: short, pointing at the brief (which reaches the agent's context the
 * runtime's way; a runtime with no such mechanism reads it from `$FLOTILLA_CONTEXT`).
 */
export function firstPrompt(task: Pick<Task, "id" | "title">, contextMode: string): string {
  const where =
    contextMode === "flag"
      ? "Your brief (spec, scope, gates, how to finish) is in your instructions."
      : "Read your brief first: .flotilla/context.md in your worktree ($FLOTILLA_CONTEXT) has the spec, scope, gates and how to finish.";
  return `Flotilla task ${task.id}: ${task.title.replace(/[\x00-\x1f\x7f]/g, " ")}. ${where} When done and committed, run: flotilla done`;
}

/** The brief kept for the agent in `worktree` (what sling or the last retry wrote). */
export function readBrief(worktree: string): string | undefined {
  return readAgentContext(worktree);
}
