import * as z from "./zod.js";
import { EffortLevel } from "./agent-config.js";
import { checkAgentName, checkRoleName, checkRuntimeName } from "./names.js";

/**
 * Zod schemas of the agents' own documents: `.flotilla/state.json` and the lines of
 * `.flotilla/events.jsonl`. Apart from the config's (schema.ts, which re-exports these) so
 * that `flotilla ls`, `mail` and the other commands that read only the agents load and
 * build no more than this.
 */

/**
 * Agent lifecycle status, as shown in pane titles and `flotilla ls`. `creating`: recorded by
 * `spawn` before its worktree exists, so an interrupted spawn is visible and `kill --clean`
 * can finish it; the hub never launches a `creating` agent.
 */
export const AgentStatus = z.enum([
  "creating",
  "starting",
  "working",
  "waiting",
  "idle",
  "exited",
  "lost",
]);
export type AgentStatus = z.infer<typeof AgentStatus>;

/** A string that `check` accepts (it returns the problem, or `undefined`), read from disk. */
function checked(check: (text: string) => string | undefined) {
  return z.string().check(
    z.superRefine((text, ctx) => {
      const problem = check(text);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }),
  );
}

/** A runtime's name: one word, as in `--runtime claude` (see `checkRuntimeName`). */
export const RuntimeName = checked(checkRuntimeName);

/** One agent as recorded in `.flotilla/state.json`. Times are ISO-8601 strings. */
export const AgentRecord = z.object({
  name: checked(checkAgentName),
  runtime: RuntimeName,
  role: z._default(checked(checkRoleName), "worker"),
  prompt: z.optional(z.string()),
  task: z.optional(z.string()),
  /** Model asked for with `spawn --model`, passed through the runtime's `modelFlag`. */
  model: z.optional(z.string()),
  /** Reasoning effort asked for with `spawn --effort`, passed through the runtime's `effortArgs`. */
  effort: z.optional(EffortLevel),
  /**
   * The agent CLI's conversation id: Claude Code's `session_id` (Flotilla chooses it with
   * `--session-id`; its hooks confirm it), Codex's thread id (from its `notify`), Gemini's
   * `--session-id`.
   */
  conversation: z.optional(z.string()),
  /** The conversation has been seen to exist (a hook or notify reported it): resumable. */
  conversationConfirmed: z.optional(z.boolean()),
  /** The next start resumes the conversation (set by `respawn`, cleared by `--fresh`). */
  resume: z.optional(z.boolean()),
  /** The agent has been started at least once in its worktree (OpenCode's `--continue`). */
  everStarted: z.optional(z.boolean()),
  /** Since when the agent waits for the human (set while `status` is `waiting`), ISO-8601. */
  waitingSince: z.optional(z.string()),
  /** Files copied from the main checkout at creation (`.worktreeinclude`), relative paths. */
  copiedFiles: z.optional(z.array(z.string())),
  /** `FLOTILLA_PORT` for this agent: distinct across agents (dev servers do not collide). */
  port: z.optional(z.number().check(z.int(), z.gte(1), z.lte(65535))),
  /** Declared file scope (globs): the merge queue's scope check lists changes outside it. */
  scope: z.optional(z.array(z.string())),
  /** Absolute path of the agent's worktree. */
  worktree: z.string(),
  branch: z.string(),
  /** Commit the branch was created from. */
  base: z.string(),
  status: AgentStatus,
  /**
   * Set anew by each spawn and respawn; the hub launches one launchId at most once, so a
   * fast-exiting agent is not started twice by two reloads of state.json.
   */
  launchId: z.optional(z.string()),
  pid: z.optional(z.number().check(z.int())),
  /** Start time of `pid` (`/proc/<pid>/stat` field 22, clock ticks since boot): its identity. */
  pidStart: z.optional(z.number().check(z.int())),
  exitCode: z.optional(z.nullable(z.number().check(z.int()))),
  createdAt: z.string(),
  startedAt: z.optional(z.string()),
  endedAt: z.optional(z.string()),
});
export type AgentRecord = z.infer<typeof AgentRecord>;

/** `.flotilla/state.json`. */
export const State = z.object({
  version: z._default(z.literal(1), 1),
  agents: z._default(z.array(AgentRecord), []),
});
export type State = z.infer<typeof State>;

/** One line of `.flotilla/events.jsonl`. */
export const EventRecord = z.object({
  time: z.string(),
  type: z.string(),
  agent: z.optional(z.string()),
  detail: z.optional(z.record(z.string(), z.unknown())),
});
export type EventRecord = z.infer<typeof EventRecord>;
