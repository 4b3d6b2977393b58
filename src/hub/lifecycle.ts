import {
  hangUp,
  isProcessAlive,
  isSameProcess,
  procTable,
  processStartTime,
  type ProcessIdentity,
  type ProcessTable,
} from "./processes.js";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { FlotillaError } from "../core/errors.js";
import { assertAgentName, assertRoleName } from "../core/names.js";
import { gitAt, resolveCommit } from "../git/repo.js";
import { assertRuntimeTrusted } from "../store/trust.js";
import type { AgentRecord, EffortLevel, RuntimeProfile, State } from "../core/schema.js";
import {
  agentBranch,
  agentWorktreePath,
  assertWorktreeLink,
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
import { isRecordedProcess, reconcileAgents, STOPPED_STATUSES, type IsAlive } from "./reconcile.js";

export { reconcileAgents, STOPPED_STATUSES, type IsAlive } from "./reconcile.js";

/**
 * Agent lifecycle without any pty: create, mark, stop, respawn, remove and reconcile agents
 * in `.flotilla/state.json`. The hub calls these and owns the processes; CLI commands call
 * them when no hub runs. Every state change goes through `project.stateDoc.update` (locked,
 * atomic), and each appends an event to `.flotilla/events.jsonl`.
 */

/**
 * Longest first prompt accepted, in bytes of UTF-8 (64 KiB). The prompt goes on the agent's
 * command line, where Linux allows one argument at most 128 KiB (MAX_ARG_STRLEN) and all of
 * them with the environment about 2 MiB; refusing up front beats a pane that says
 * "Argument list too long" after the agent was recorded.
 */
export const MAX_PROMPT_BYTES = 64 * 1024;

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
  /** Reasoning effort, passed through the runtime's `effortArgs`. */
  effort?: EffortLevel;
  /**
   * Text for the agent's context (memory primer, brief): written into the new worktree before
   * the agent is recorded (so no hub launches it without), delivered per the runtime's
   * profile (`runtimes/context.ts`).
   */
  context?: string;
}

/** Field changes for {@link markAgent}; a key set to `undefined` clears that field. */
export type AgentPatch = Partial<Omit<AgentRecord, "name">>;

/**
 * Creates an agent: validates the name, role and runtime, records it as `creating` (so an
 * interrupted spawn is visible in `ls` and `kill --clean` can finish it), creates its
 * worktree and branch (`.flotilla/worktrees/<name>`, `flotilla/<name>`), and then records it
 * with status `starting` and no pid, ready for the hub to launch.
 * @throws FlotillaError INVALID_NAME (name or role), UNKNOWN_RUNTIME, UNTRUSTED_CONFIG,
 *   DUPLICATE_NAME (an agent, branch or directory of that name exists), INVALID_INPUT (bad
 *   base, or `.flotilla/` not writable), INVALID_STATE_FILE, GIT_FAILED.
 */
export async function createAgent(
  project: Project,
  options: CreateAgentOptions,
  now: Date = new Date(),
): Promise<AgentRecord> {
  const { name } = options;
  assertAgentName(name);
  const role = options.role ?? "worker";
  assertRoleName(role);
  const promptBytes = Buffer.byteLength(options.prompt ?? "", "utf8");
  if (promptBytes > MAX_PROMPT_BYTES) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `the prompt is ${Math.ceil(promptBytes / 1024)} KiB, over the limit of ${MAX_PROMPT_BYTES / 1024} KiB (it goes on the agent's command line): put the details in a file and give a short prompt that points at it`,
    );
  }
  const config = await project.readConfig();
  const profile = resolveRuntime(config, options.runtime);
  assertRuntimeTrusted(project.root, config, options.runtime);
  // Fail fast before touching git; re-checked under the lock below.
  assertNoAgent(await project.readState(), name);

  const base = await resolveBase(project.root, options.base);
  const conversation = newConversationId(profile);
  const record: AgentRecord = {
    name,
    runtime: options.runtime,
    role,
    ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
    ...(options.task !== undefined ? { task: options.task } : {}),
    ...(options.model !== undefined ? { model: options.model } : {}),
    ...(options.effort !== undefined ? { effort: options.effort } : {}),
    ...(conversation !== undefined ? { conversation } : {}),
    worktree: agentWorktreePath(project.root, name),
    branch: agentBranch(name),
    base,
    status: "creating",
    createdAt: now.toISOString(),
  };
  try {
    await project.stateDoc.update((state) => {
      assertNoAgent(state, name);
      record.port = freePort(state, config.worktree.portBase);
      state.agents.push(record);
    });
  } catch (error) {
    throw explainUnwritable(project, error);
  }
  const forget = (): Promise<unknown> =>
    project.stateDoc
      .update((state) => {
        state.agents = state.agents.filter((a) => !(a.name === name && a.status === "creating"));
      })
      .catch(() => undefined);
  let info;
  try {
    info = await createWorktree(project.root, name, base);
  } catch (error) {
    // Nothing was handed to an agent: forget the record (git refused before creating).
    await forget();
    throw error;
  }
  let copied: string[];
  try {
    if (options.context !== undefined) {
      const written = await writeAgentContext(profile, info.worktree, options.context);
      project.log("agent.context", {
        agent: name,
        detail: { written: written.written, skipped: written.skipped },
      });
    }
    copied = await copyIncludedFiles(
      project.root,
      info.worktree,
      includePatterns(project.root, config.worktree),
    );
  } catch (error) {
    await discardNewWorktree(project.root, info);
    await forget();
    throw error;
  }
  let created: AgentRecord;
  try {
    created = await markAgent(project, name, {
      status: "starting",
      launchId: newLaunchId(),
      ...(copied.length > 0 ? { copiedFiles: copied } : {}),
    });
  } catch (error) {
    await discardNewWorktree(project.root, info);
    throw explainUnwritable(project, error);
  }
  project.log("agent.created", {
    agent: name,
    detail: { runtime: record.runtime, role: record.role, branch: info.branch, base: info.base },
  });
  return created;
}

/** A fresh id for one launch of an agent (see `AgentRecord.launchId`). */
function newLaunchId(): string {
  return randomBytes(6).toString("hex");
}

/** The full SHA of `base` (default the main checkout's HEAD). */
async function resolveBase(root: string, base: string = "HEAD"): Promise<string> {
  const sha = base.startsWith("-") ? undefined : await resolveCommit(gitAt(root), base);
  if (sha !== undefined) return sha;
  throw base === "HEAD"
    ? new FlotillaError(
        "GIT_FAILED",
        `${root} has no commit yet: worktrees need one, so commit first (git commit --allow-empty -m "initial commit")`,
      )
    : new FlotillaError(
        "INVALID_INPUT",
        `--base ${JSON.stringify(base)} is not a commit in ${root}`,
      );
}

/** A permission error writing `.flotilla/` as a one-line FlotillaError; others unchanged. */
function explainUnwritable(project: Project, error: unknown): unknown {
  const codeOf = (e: unknown): unknown => (e as { code?: unknown } | undefined)?.code;
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const code = [codeOf(error), codeOf(cause)].find(
    (c) => c === "EACCES" || c === "EPERM" || c === "EROFS",
  );
  if (code === undefined) return error;
  return new FlotillaError(
    "INVALID_INPUT",
    `cannot write ${project.paths.dir} (${code}): nothing was created; make it writable (chmod u+w) and spawn again`,
    { cause: error },
  );
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
  // A pid is recorded with its start time, so it can never be mistaken for a later process.
  const withStart =
    patch.pid !== undefined && !("pidStart" in patch)
      ? { ...patch, pidStart: processStartTime(patch.pid) }
      : patch;
  const state = await project.stateDoc.update((draft) => {
    const record = requireAgent(draft, name);
    Object.assign(record, withStart, { name });
    if (record.pidStart === undefined) delete record.pidStart;
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
 * Stops an agent: if its recorded process is still the one it launched (same pid and start
 * time; see `isSameProcess`) and the agent is not already stopped, sends SIGHUP then SIGTERM
 * to its process group (or the pid alone). Interactive shells ignore SIGTERM but exit on a
 * hang-up, as when a terminal closes. A pid that now belongs to another process is never
 * signalled; it is cleared. Then marks the agent `exited` so no hub restarts it.
 * @throws FlotillaError UNKNOWN_AGENT.
 */
export async function stopAgent(
  project: Project,
  name: string,
  deps: {
    isAlive?: IsAlive;
    signal?: (who: ProcessIdentity) => void;
    table?: ProcessTable;
    now?: Date;
  } = {},
): Promise<StopResult> {
  const table = deps.table ?? procTable;
  const isAlive = deps.isAlive ?? ((who: ProcessIdentity) => isSameProcess(who, table));
  const signal = deps.signal ?? ((who: ProcessIdentity) => void hangUp(who, table));
  const before = requireAgent(await project.readState(), name);
  const alreadyStopped = STOPPED_STATUSES.includes(before.status);
  let signalled = false;
  const running = before.pid !== undefined && isAlive(before);
  if (running && !alreadyStopped) {
    signal(before);
    signalled = true;
  }
  const clearPid =
    before.pid !== undefined && !running ? { pid: undefined, pidStart: undefined } : {};
  const record =
    alreadyStopped && Object.keys(clearPid).length === 0
      ? before
      : await markAgent(project, name, {
          ...clearPid,
          ...(alreadyStopped
            ? {}
            : { status: "exited" as const, endedAt: (deps.now ?? new Date()).toISOString() }),
        });
  project.log("agent.stopped", { agent: name, detail: { signalled, pid: before.pid } });
  return { record: signalled ? { ...record, pid: before.pid } : record, signalled, alreadyStopped };
}

/**
 * What removing the agent's worktree would lose (see `inspectWorktree`), against the
 * configured target branch. An agent that is not recorded but left a worktree or a branch
 * `flotilla/<name>` behind (a spawn interrupted before it recorded anything) is adopted: its
 * record is made up from what is on disk, with status `lost`.
 * @throws FlotillaError UNKNOWN_AGENT (nothing recorded and nothing left), INVALID_STATE_FILE,
 *   GIT_FAILED.
 */
export async function inspectAgent(
  project: Project,
  name: string,
): Promise<{
  record: AgentRecord;
  inspection: WorktreeInspection;
  target: string;
  adopted: boolean;
}> {
  const found = (await project.readState()).agents.find((agent) => agent.name === name);
  const record = found ?? (await adoptLeftovers(project, name));
  const target = (await project.readConfig()).targetBranch;
  const inspection = await inspectWorktree(
    project.root,
    record.worktree,
    agentBranch(name),
    target,
  );
  return { record, inspection, target, adopted: found === undefined };
}

/**
 * A record for the worktree and branch an unrecorded agent `name` left behind.
 * @throws FlotillaError UNKNOWN_AGENT when neither exists.
 */
async function adoptLeftovers(project: Project, name: string): Promise<AgentRecord> {
  assertAgentName(name);
  const worktree = agentWorktreePath(project.root, name);
  const branch = agentBranch(name);
  const tip = await resolveCommit(gitAt(project.root), `refs/heads/${branch}`);
  if (!existsSync(worktree) && tip === undefined) throw unknownAgent(name);
  return {
    name,
    runtime: "shell",
    role: "worker",
    worktree,
    branch,
    base: tip ?? "",
    status: "lost",
    createdAt: new Date().toISOString(),
  };
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
  const isAlive = options.isAlive ?? isRecordedProcess;
  const found = (await project.readState()).agents.find((agent) => agent.name === name);
  const record = found ?? (options.clean ? await adoptLeftovers(project, name) : undefined);
  if (!record) throw unknownAgent(name);
  if (record.pid !== undefined && isAlive(record) && !STOPPED_STATUSES.includes(record.status)) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `agent ${name} is still running (pid ${record.pid}): stop it first with "flotilla kill ${name}"`,
    );
  }
  let removal: WorktreeRemoval | undefined;
  if (options.clean) {
    const config = await project.readConfig();
    removal = await removeWorktree(project.root, record, {
      // A spawn that never finished was never handed to an agent: what it left is a partial
      // checkout, archived (nothing is lost) rather than refused.
      force: (options.force ?? false) || record.status === "creating",
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
      ...(removal?.keptDir !== undefined ? { keptDir: removal.keptDir } : {}),
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
  isAlive: IsAlive = isRecordedProcess,
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
  assertWorktreeLink(name, current.worktree);
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
    record.launchId = newLaunchId();
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
    delete record.pidStart;
    delete record.exitCode;
    delete record.startedAt;
    delete record.endedAt;
  });
  project.log("agent.respawn", { agent: name, detail: { fresh: options.fresh ?? false } });
  return requireAgent(state, name);
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

export { hangUp, isProcessAlive, isSameProcess };
