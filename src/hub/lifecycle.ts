import { hangUp, isProcessAlive } from "./processes.js";
import { existsSync } from "node:fs";
import { FlotillaError } from "../core/errors.js";
import { assertAgentName } from "../core/names.js";
import type { AgentRecord, AgentStatus, RuntimeProfile, State } from "../core/schema.js";
import {
  createWorktree,
  discardNewWorktree,
  inspectWorktree,
  removeWorktree,
  type WorktreeInspection,
  type WorktreeRemoval,
} from "../git/worktrees.js";
import { randomUUID } from "node:crypto";
import { resolveRuntime } from "../runtimes/profiles.js";
import { copyIncludedFiles, includePatterns } from "../runtimes/worktree-setup.js";
import { writeAgentContext } from "../runtimes/context.js";
import type { Project } from "../store/project.js";

/**
 * Agent lifecycle without any pty: create, mark, stop, respawn, remove and reconcile agents
 * in `.flotilla/state.json`. The hub calls these and owns the processes; CLI commands call
 * them when no hub runs. Every state change goes through `project.stateDoc.update` (locked,
 * atomic), and each appends an event to `.flotilla/events.jsonl`.
 */

/** Statuses of an agent whose process is not running (and will not start by itself). */
export const STOPPED_STATUSES: readonly AgentStatus[] = ["exited", "lost"];

/** What to create with {@link createAgent}. */
export interface CreateAgentOptions {
  name: string;
  /** Runtime profile name (built-in or from config.runtimes). */
  runtime: string;
  /** First prompt, passed on the command line per the runtime's prompt mode. */
  prompt?: string;
  /** Commit-ish the branch starts from; default the main checkout's HEAD. */
  base?: string;
  /** Free-form role, default "worker". */
  role?: string;
  /** Task id from the task board. */
  task?: string;
  /** Model, passed through the runtime's `modelFlag`. */
  model?: string;
  /**
   * Text for the agent's context (memory primer, brief): written into the new worktree before
   * the agent is recorded (so no hub launches it without), delivered per the runtime's
   * profile (`runtimes/context.ts`).
   */
  context?: string;
}

/** Field changes for {@link markAgent}; a key set to `undefined` clears that field. */
export type AgentPatch = Partial<Omit<AgentRecord, "name">>;

/** Tells whether a process id is alive; injected so tests and the hub can decide. */
export type IsAlive = (pid: number) => boolean;

/**
 * Creates an agent: validates the name and the runtime, creates its worktree and branch
 * (`.flotilla/worktrees/<name>`, `flotilla/<name>`), and records it with status `starting`
 * and no pid, ready for the hub to launch.
 * @throws FlotillaError INVALID_NAME, UNKNOWN_RUNTIME, DUPLICATE_NAME (an agent, branch or
 *   directory of that name exists), INVALID_INPUT (bad base), INVALID_STATE_FILE, GIT_FAILED.
 */
export async function createAgent(
  project: Project,
  options: CreateAgentOptions,
  now: Date = new Date(),
): Promise<AgentRecord> {
  const { name } = options;
  assertAgentName(name);
  const config = await project.readConfig();
  const profile = resolveRuntime(config, options.runtime);
  // Fail fast before touching git; re-checked under the lock below.
  assertNoAgent(await project.readState(), name);

  const info = await createWorktree(project.root, name, options.base);
  const conversation = newConversationId(profile);
  if (options.context !== undefined) {
    try {
      const written = await writeAgentContext(profile, info.worktree, options.context);
      project.log("agent.context", {
        agent: name,
        detail: { written: written.written, skipped: written.skipped },
      });
    } catch (error) {
      await discardNewWorktree(project.root, info);
      throw error;
    }
  }
  const record: AgentRecord = {
    name,
    runtime: options.runtime,
    role: options.role ?? "worker",
    ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
    ...(options.task !== undefined ? { task: options.task } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(conversation !== undefined ? { conversation } : {}),
    worktree: info.worktree,
    branch: info.branch,
    base: info.base,
    status: "starting",
    createdAt: now.toISOString(),
  };
  try {
    const copied = await copyIncludedFiles(
      project.root,
      info.worktree,
      includePatterns(project.root, config.worktree),
    );
    if (copied.length > 0) record.copiedFiles = copied;
    await project.stateDoc.update((state) => {
      assertNoAgent(state, name);
      record.port = freePort(state, config.worktree.portBase);
      state.agents.push(record);
    });
  } catch (error) {
    await discardNewWorktree(project.root, info);
    throw error;
  }
  project.log("agent.created", {
    agent: name,
    detail: { runtime: record.runtime, role: record.role, branch: info.branch, base: info.base },
  });
  return record;
}

/**
 * Applies `patch` to the agent called `name` and returns the updated record.
 * @throws FlotillaError UNKNOWN_AGENT, INVALID_STATE_FILE (also when the patch is invalid).
 */
export async function markAgent(
  project: Project,
  name: string,
  patch: AgentPatch,
): Promise<AgentRecord> {
  const state = await project.stateDoc.update((draft) => {
    const record = requireAgent(draft, name);
    Object.assign(record, patch, { name });
  });
  const updated = requireAgent(state, name);
  if (patch.status !== undefined) {
    project.log("agent.status", { agent: name, detail: { status: patch.status } });
  }
  return updated;
}

/** Result of {@link stopAgent}. */
export interface StopResult {
  record: AgentRecord;
  /** The recorded process was alive and was sent SIGHUP and SIGTERM. */
  signalled: boolean;
  /** The agent was already stopped (exited or lost) before this call. */
  alreadyStopped: boolean;
}

/**
 * Stops an agent: if its recorded pid is alive, sends SIGHUP then SIGTERM to its process
 * group (falling back to the pid alone). Interactive shells ignore SIGTERM but exit on a
 * hang-up, as when a terminal closes. Then marks it `exited` so no hub restarts it.
 * @throws FlotillaError UNKNOWN_AGENT.
 */
export async function stopAgent(
  project: Project,
  name: string,
  deps: { isAlive?: IsAlive; signal?: (pid: number) => void; now?: Date } = {},
): Promise<StopResult> {
  const isAlive = deps.isAlive ?? isProcessAlive;
  const signal = deps.signal ?? hangUp;
  const before = requireAgent(await project.readState(), name);
  const alreadyStopped = STOPPED_STATUSES.includes(before.status);
  let signalled = false;
  if (before.pid !== undefined && isAlive(before.pid)) {
    signal(before.pid);
    signalled = true;
  }
  const record = alreadyStopped
    ? before
    : await markAgent(project, name, {
        status: "exited",
        endedAt: (deps.now ?? new Date()).toISOString(),
      });
  project.log("agent.stopped", { agent: name, detail: { signalled, pid: before.pid } });
  return { record, signalled, alreadyStopped };
}

/**
 * What removing the agent's worktree would lose (see `inspectWorktree`), against the
 * configured target branch.
 * @throws FlotillaError UNKNOWN_AGENT, INVALID_STATE_FILE, GIT_FAILED.
 */
export async function inspectAgent(
  project: Project,
  name: string,
): Promise<{ record: AgentRecord; inspection: WorktreeInspection; target: string }> {
  const record = requireAgent(await project.readState(), name);
  const target = (await project.readConfig()).targetBranch;
  const inspection = await inspectWorktree(project.root, record.worktree, record.branch, target);
  return { record, inspection, target };
}

/** Result of {@link removeAgent}. */
export interface RemoveResult {
  record: AgentRecord;
  /** What happened to the worktree and branch; absent when `clean` was not asked. */
  removal?: WorktreeRemoval;
}

/**
 * Forgets an agent. With `clean`, first removes its worktree and branch with the safety
 * checks of `removeWorktree` (refusing unmerged commits or uncommitted changes unless
 * `force`, and archiving them when forced). Without `clean`, the worktree and branch stay
 * on disk.
 * @throws FlotillaError UNKNOWN_AGENT; INVALID_INPUT while its process is alive (stop it
 *   first); UNSAFE_REMOVAL; GIT_FAILED.
 */
export async function removeAgent(
  project: Project,
  name: string,
  options: { clean?: boolean; force?: boolean; isAlive?: IsAlive; now?: Date } = {},
): Promise<RemoveResult> {
  const isAlive = options.isAlive ?? isProcessAlive;
  const record = requireAgent(await project.readState(), name);
  if (
    record.pid !== undefined &&
    isAlive(record.pid) &&
    !STOPPED_STATUSES.includes(record.status)
  ) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `agent ${name} is still running (pid ${record.pid}): stop it first with "flotilla kill ${name}"`,
    );
  }
  let removal: WorktreeRemoval | undefined;
  if (options.clean) {
    const config = await project.readConfig();
    removal = await removeWorktree(project.root, record, {
      force: options.force ?? false,
      target: config.targetBranch,
      ...(options.now ? { now: options.now } : {}),
    });
  }
  await project.stateDoc.update((state) => {
    state.agents = state.agents.filter((agent) => agent.name !== name);
  });
  project.log("agent.removed", {
    agent: name,
    detail: {
      clean: options.clean ?? false,
      force: options.force ?? false,
      archiveRefs: removal?.archiveRefs ?? [],
    },
  });
  return removal ? { record, removal } : { record };
}

/**
 * Sets a stopped agent (`exited` or `lost`) back to `starting` with no pid, so the hub
 * launches it again in its existing worktree.
 * @throws FlotillaError UNKNOWN_AGENT; INVALID_INPUT when it is running or starting, or when
 *   its worktree is gone.
 */
export async function respawnAgent(
  project: Project,
  name: string,
  isAlive: IsAlive = isProcessAlive,
  options: { fresh?: boolean } = {},
): Promise<AgentRecord> {
  const profile = resolveRuntime(
    await project.readConfig(),
    requireAgent(await project.readState(), name).runtime,
  );
  await reconcileAgents(project, isAlive);
  const current = requireAgent(await project.readState(), name);
  if (!existsSync(current.worktree)) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `cannot respawn ${name}: its worktree ${current.worktree} is gone; remove the agent with "flotilla kill ${name} --clean" and spawn it again`,
    );
  }
  const state = await project.stateDoc.update((draft) => {
    const record = requireAgent(draft, name);
    if (!STOPPED_STATUSES.includes(record.status)) {
      const pid = record.pid !== undefined ? `, pid ${record.pid}` : "";
      throw new FlotillaError(
        "INVALID_INPUT",
        `agent ${name} is ${record.status}${pid}: stop it with "flotilla kill ${name}" before respawning`,
      );
    }
    record.status = "starting";
    if (record.startedAt !== undefined) record.everStarted = true;
    // Resume the conversation unless asked for a fresh one (which gets a new id).
    record.resume = !options.fresh;
    if (options.fresh) {
      const id = newConversationId(profile);
      if (id !== undefined) record.conversation = id;
      else delete record.conversation;
      delete record.conversationConfirmed;
    }
    delete record.pid;
    delete record.exitCode;
    delete record.startedAt;
    delete record.endedAt;
  });
  project.log("agent.respawn", { agent: name, detail: { fresh: options.fresh ?? false } });
  return requireAgent(state, name);
}

/**
 * Marks as `lost` every agent that has a pid, is not stopped, and whose process `isAlive`
 * says is gone (e.g. the hub died). Writes only when something changed. Returns the names
 * marked lost.
 */
export async function reconcileAgents(
  project: Project,
  isAlive: IsAlive,
  now: Date = new Date(),
): Promise<string[]> {
  const isLost = (agent: AgentRecord): boolean =>
    agent.pid !== undefined && !STOPPED_STATUSES.includes(agent.status) && !isAlive(agent.pid);
  if (!(await project.readState()).agents.some(isLost)) return [];
  const lost: string[] = [];
  await project.stateDoc.update((state) => {
    for (const agent of state.agents) {
      if (!isLost(agent)) continue;
      agent.status = "lost";
      agent.endedAt = now.toISOString();
      lost.push(agent.name);
    }
  });
  for (const name of lost) project.log("agent.lost", { agent: name });
  return lost;
}

/**
 * A new conversation id (a UUID) when the runtime lets Flotilla choose one (its
 * `session.newArgs` hold `{id}`), else `undefined`.
 */
function newConversationId(profile: RuntimeProfile): string | undefined {
  return profile.session?.newArgs?.some((arg) => arg.includes("{id}")) ? randomUUID() : undefined;
}

/** The lowest port from `base` no other agent has (each agent's `FLOTILLA_PORT`). */
function freePort(state: State, base: number): number {
  const taken = new Set(state.agents.map((agent) => agent.port));
  let port = base;
  while (taken.has(port)) port += 1;
  return port;
}

function assertNoAgent(state: State, name: string): void {
  const existing = state.agents.find((agent) => agent.name === name);
  if (existing) {
    throw new FlotillaError(
      "DUPLICATE_NAME",
      `an agent named ${name} already exists (${existing.status}): choose another name, or remove it with "flotilla kill ${name} --clean"`,
    );
  }
}

function requireAgent(state: State, name: string): AgentRecord {
  const record = state.agents.find((agent) => agent.name === name);
  if (!record) throw unknownAgent(name);
  return record;
}

function unknownAgent(name: string): FlotillaError {
  return new FlotillaError("UNKNOWN_AGENT", `no agent named ${name} (see "flotilla ls")`);
}

export { hangUp, isProcessAlive };
