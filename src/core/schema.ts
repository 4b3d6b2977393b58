import * as z from "zod";
import { CostsConfig, EffortLevel, NotifyConfig, WorktreeConfig } from "./agent-config.js";

export { EFFORT_LEVELS, EffortLevel } from "./agent-config.js";
import { LAYOUT_NAMES } from "./layout.js";
import { TerminalConfig } from "./terminal-config.js";
import { MemoryConfig } from "./memory.js";
import { GatesConfig, MergeConfig } from "./merge-queue.js";
import { checkAgentName, checkRoleName, checkRuntimeName } from "./names.js";
import { TasksConfig } from "./tasks.js";

/**
 * Zod schemas and types for every document Flotilla keeps under `.flotilla/`.
 * Each file is validated on read; a file that fails is reported, never overwritten.
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

/**
 * How a runtime receives its first prompt: `arg` appends it as the last argument,
 * `flag` passes it as `<flag> <prompt>`, `none` means the runtime takes no prompt.
 * A prompt is never typed into a TUI (it may be showing a trust dialog).
 */
export const PromptMode = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("arg") }),
  z.object({ mode: z.literal("flag"), flag: z.string().min(1) }),
  z.object({ mode: z.literal("none") }),
]);
export type PromptMode = z.infer<typeof PromptMode>;

/**
 * How text for an agent's context (the memory primer; later a task's brief) reaches the
 * runtime, through its own mechanism. The text is always kept in `<worktree>/.flotilla/
 * context.md` (excluded from git by `/.flotilla/`) and named by `FLOTILLA_CONTEXT`; then:
 * - `flag`: passed as `<flag> <value>` on the command line at every launch; `value` is
 *   `template` with `{text}` replaced by the text, or `{toml}` by the text as a TOML basic
 *   string (for Codex's `-c key=value`).
 * - `file`: also written to `path` (relative to the worktree) for a runtime that reads it
 *   there; Flotilla excludes it from git and never writes over a tracked file. With `flag`,
 *   `<flag> <path>` is passed too (Aider's `--read`).
 * - `none`: nothing more; the agent can read `$FLOTILLA_CONTEXT`.
 */
export const ContextDelivery = z.discriminatedUnion("mode", [
  z.object({
    mode: z.literal("flag"),
    flag: z.string().min(1),
    template: z.string().min(1).default("{text}"),
  }),
  z.object({
    mode: z.literal("file"),
    path: z.string().min(1),
    flag: z.string().min(1).optional(),
  }),
  z.object({ mode: z.literal("none") }),
]);
export type ContextDelivery = z.infer<typeof ContextDelivery>;

/**
 * A runtime profile: the agent CLI to run and how to read its screen.
 * `waitingPatterns` are regular-expression sources matched against the visible screen text;
 * any match means the agent is waiting for the human.
 */
export const RuntimeProfile = z.object({
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: z.record(z.string(), z.string()).default({}),
  prompt: PromptMode.default({ mode: "arg" }),
  waitingPatterns: z.array(z.string()).default([]),
  /** Line typed into an idle agent's terminal when mail arrives; `{count}`/`{from}` filled in. */
  mailNotice: z.string().optional(),
  /** How the memory primer (and a task's brief) reaches the agent; see {@link ContextDelivery}. */
  context: ContextDelivery.default({ mode: "none" }),
  description: z.string().optional(),
  /**
   * How the CLI tells Flotilla its own status: `claude-code` (hooks through `--settings`, a
   * file outside the worktree), `codex` (its `notify` program, through `-c notify=…`),
   * `gemini` (hooks in a system-defaults settings file named by
   * `GEMINI_CLI_SYSTEM_DEFAULTS_PATH`, where Gemini CLI accepts one; see
   * `runtimes/gemini-hooks.ts`), `opencode` (a plugin named in `OPENCODE_CONFIG_CONTENT`; see
   * `runtimes/opencode-plugin.ts`). Absent: the screen patterns alone.
   */
  hooks: z.enum(["claude-code", "codex", "gemini", "opencode"]).optional(),
  /** The CLI's flag for the model (`spawn --model M` → `<modelFlag> M`), e.g. `--model`. */
  modelFlag: z.string().min(1).optional(),
  /**
   * Arguments setting the reasoning effort (`spawn --effort high`), `{effort}` standing for
   * the level, e.g. `["--effort", "{effort}"]`. Absent: the CLI has no such flag.
   */
  effortArgs: z.array(z.string().min(1)).min(1).optional(),
  /** How the CLI starts and resumes a conversation; see {@link SessionArgs}. */
  session: z
    .object({
      /** Arguments starting a new conversation with an id Flotilla chose (`{id}`, a UUID). */
      newArgs: z.array(z.string()).optional(),
      /** Arguments resuming the recorded conversation `{id}`. */
      resumeArgs: z.array(z.string()).optional(),
      /** Arguments resuming the latest conversation in the worktree, when no id is known. */
      resumeLatestArgs: z.array(z.string()).optional(),
      /** The resume arguments are a subcommand: they go first (`codex resume <id>`). */
      resumeFirst: z.boolean().default(false),
    })
    .optional(),
});
export type RuntimeProfile = z.infer<typeof RuntimeProfile>;
export type RuntimeProfileInput = z.input<typeof RuntimeProfile>;

/** A runtime's `session` (see {@link RuntimeProfile}). */
export type SessionArgs = NonNullable<RuntimeProfile["session"]>;
/** A string that `check` accepts (it returns the problem, or `undefined`), read from disk. */
function checked(check: (text: string) => string | undefined) {
  return z.string().superRefine((text, ctx) => {
    const problem = check(text);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  });
}

/** A runtime's name: one word, as in `--runtime claude` (see `checkRuntimeName`). */
export const RuntimeName = checked(checkRuntimeName);

/** Cockpit key settings. `prefix` is a key name like `C-b`, `C-a`, `C-space`. */
export const KeysConfig = z.object({
  prefix: z.string().default("C-b"),
});

/** `.flotilla/config.json`: the one file a team may commit. */
export const Config = z.object({
  version: z.literal(1).default(1),
  /** Branch finished work merges into; defaults to the branch checked out at `init`. */
  targetBranch: z.string().min(1).default("main"),
  /** Lines of scrollback kept per pane. */
  scrollback: z.number().int().min(0).max(1_000_000).default(10_000),
  keys: KeysConfig.default({ prefix: "C-b" }),
  /** Custom runtimes, merged over the built-in profiles by name. */
  runtimes: z.record(RuntimeName, RuntimeProfile).default({}),
  /** Agent considered idle after this many ms without output. */
  idleAfterMs: z.number().int().min(100).default(3000),
  worktree: WorktreeConfig.default(WorktreeConfig.parse({})),
  costs: CostsConfig.default(CostsConfig.parse({})),
  notify: NotifyConfig.default(NotifyConfig.parse({})),
  terminal: TerminalConfig.default({ forwardTitle: false }),
  /** Pane arrangement the cockpit starts with (`prefix Space` cycles): tmux's names or `auto`. */
  layout: z.enum(LAYOUT_NAMES).default("auto"),
  /** Shared memory: where domain files live, shelf lives, prime budget (see core/memory.ts). */
  memory: MemoryConfig.prefault({}),
  /** Merge queue: quality gates run on every merged result, and how the queue runs. */
  gates: GatesConfig,
  merge: MergeConfig.prefault({}),
  /** Task board and orchestration loop: attempts, stalls, autoSling (see core/tasks.ts). */
  tasks: TasksConfig.prefault({}),
});
export type Config = z.infer<typeof Config>;

/** One agent as recorded in `.flotilla/state.json`. Times are ISO-8601 strings. */
export const AgentRecord = z.object({
  name: checked(checkAgentName),
  runtime: RuntimeName,
  role: checked(checkRoleName).default("worker"),
  prompt: z.string().optional(),
  task: z.string().optional(),
  /** Model asked for with `spawn --model`, passed through the runtime's `modelFlag`. */
  model: z.string().optional(),
  /** Reasoning effort asked for with `spawn --effort`, passed through the runtime's `effortArgs`. */
  effort: EffortLevel.optional(),
  /**
   * The agent CLI's conversation id: Claude Code's `session_id` (Flotilla chooses it with
   * `--session-id`; its hooks confirm it), Codex's thread id (from its `notify`), Gemini's
   * `--session-id`.
   */
  conversation: z.string().optional(),
  /** The conversation has been seen to exist (a hook or notify reported it): resumable. */
  conversationConfirmed: z.boolean().optional(),
  /** The next start resumes the conversation (set by `respawn`, cleared by `--fresh`). */
  resume: z.boolean().optional(),
  /** The agent has been started at least once in its worktree (OpenCode's `--continue`). */
  everStarted: z.boolean().optional(),
  /** Since when the agent waits for the human (set while `status` is `waiting`), ISO-8601. */
  waitingSince: z.string().optional(),
  /** Files copied from the main checkout at creation (`.worktreeinclude`), relative paths. */
  copiedFiles: z.array(z.string()).optional(),
  /** `FLOTILLA_PORT` for this agent: distinct across agents (dev servers do not collide). */
  port: z.number().int().min(1).max(65535).optional(),
  /** Declared file scope (globs): the merge queue's scope check lists changes outside it. */
  scope: z.array(z.string()).optional(),
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
  launchId: z.string().optional(),
  pid: z.number().int().optional(),
  /** Start time of `pid` (`/proc/<pid>/stat` field 22, clock ticks since boot): its identity. */
  pidStart: z.number().int().optional(),
  exitCode: z.number().int().nullable().optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
});
export type AgentRecord = z.infer<typeof AgentRecord>;

/** `.flotilla/state.json`. */
export const State = z.object({
  version: z.literal(1).default(1),
  agents: z.array(AgentRecord).default([]),
});
export type State = z.infer<typeof State>;

/** One line of `.flotilla/events.jsonl`. */
export const EventRecord = z.object({
  time: z.string(),
  type: z.string(),
  agent: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type EventRecord = z.infer<typeof EventRecord>;
