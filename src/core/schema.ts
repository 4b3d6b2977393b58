import * as z from "./zod.js";
import { CostsConfig, NotifyConfig, WorktreeConfig } from "./agent-config.js";
import { RuntimeName } from "./agent-schema.js";
import { LAYOUT_NAMES } from "./layout.js";
import { TerminalConfig } from "./terminal-config.js";
import { MemoryConfig } from "./memory.js";
import { GatesConfig, MergeConfig } from "./merge-queue.js";
import { TasksConfig } from "./tasks.js";

export { EFFORT_LEVELS, EffortLevel } from "./agent-config.js";
export { AgentRecord, AgentStatus, EventRecord, RuntimeName, State } from "./agent-schema.js";

/**
 * Zod schemas and types for every document Flotilla keeps under `.flotilla/`.
 * Each file is validated on read; a file that fails is reported, never overwritten.
 * The agents' own documents (`state.json`, `events.jsonl`) are in `agent-schema.ts`,
 * re-exported here: a command that reads only those never builds the config's schemas.
 */

/**
 * How a runtime receives its first prompt: `arg` appends it as the last argument,
 * `flag` passes it as `<flag> <prompt>`, `none` means the runtime takes no prompt.
 * A prompt is never typed into a TUI (it may be showing a trust dialog).
 */
export const PromptMode = z.discriminatedUnion("mode", [
  z.object({ mode: z.literal("arg") }),
  z.object({ mode: z.literal("flag"), flag: z.string().check(z.minLength(1)) }),
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
    flag: z.string().check(z.minLength(1)),
    template: z._default(z.string().check(z.minLength(1)), "{text}"),
  }),
  z.object({
    mode: z.literal("file"),
    path: z.string().check(z.minLength(1)),
    flag: z.optional(z.string().check(z.minLength(1))),
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
  command: z.string().check(z.minLength(1)),
  args: z._default(z.array(z.string()), []),
  env: z._default(z.record(z.string(), z.string()), {}),
  prompt: z._default(PromptMode, { mode: "arg" }),
  waitingPatterns: z._default(z.array(z.string()), []),
  /** Line typed into an idle agent's terminal when mail arrives; `{count}`/`{from}` filled in. */
  mailNotice: z.optional(z.string()),
  /** How the memory primer (and a task's brief) reaches the agent; see {@link ContextDelivery}. */
  context: z._default(ContextDelivery, { mode: "none" }),
  description: z.optional(z.string()),
  /**
   * How the CLI tells Flotilla its own status: `claude-code` (hooks through `--settings`, a
   * file outside the worktree), `codex` (its `notify` program, through `-c notify=…`),
   * `gemini` (hooks in a system-defaults settings file named by
   * `GEMINI_CLI_SYSTEM_DEFAULTS_PATH`, where Gemini CLI accepts one; see
   * `runtimes/gemini-hooks.ts`), `opencode` (a plugin named in `OPENCODE_CONFIG_CONTENT`; see
   * `runtimes/opencode-plugin.ts`). Absent: the screen patterns alone.
   */
  hooks: z.optional(z.enum(["claude-code", "codex", "gemini", "opencode"])),
  /** The CLI's flag for the model (`spawn --model M` → `<modelFlag> M`), e.g. `--model`. */
  modelFlag: z.optional(z.string().check(z.minLength(1))),
  /**
   * Arguments setting the reasoning effort (`spawn --effort high`), `{effort}` standing for
   * the level, e.g. `["--effort", "{effort}"]`. Absent: the CLI has no such flag.
   */
  effortArgs: z.optional(z.array(z.string().check(z.minLength(1))).check(z.minLength(1))),
  /** How the CLI starts and resumes a conversation; see {@link SessionArgs}. */
  session: z.optional(
    z.object({
      /** Arguments starting a new conversation with an id Flotilla chose (`{id}`, a UUID). */
      newArgs: z.optional(z.array(z.string())),
      /** Arguments resuming the recorded conversation `{id}`. */
      resumeArgs: z.optional(z.array(z.string())),
      /** Arguments resuming the latest conversation in the worktree, when no id is known. */
      resumeLatestArgs: z.optional(z.array(z.string())),
      /** The resume arguments are a subcommand: they go first (`codex resume <id>`). */
      resumeFirst: z._default(z.boolean(), false),
    }),
  ),
});
export type RuntimeProfile = z.infer<typeof RuntimeProfile>;
export type RuntimeProfileInput = z.input<typeof RuntimeProfile>;

/** A runtime's `session` (see {@link RuntimeProfile}). */
export type SessionArgs = NonNullable<RuntimeProfile["session"]>;
/** Cockpit key settings. `prefix` is a key name like `C-b`, `C-a`, `C-space`. */
export const KeysConfig = z.object({
  prefix: z._default(z.string(), "C-b"),
});

/** `.flotilla/config.json`: the one file a team may commit. */
export const Config = z.object({
  version: z._default(z.literal(1), 1),
  /** Branch finished work merges into; defaults to the branch checked out at `init`. */
  targetBranch: z._default(z.string().check(z.minLength(1)), "main"),
  /** Lines of scrollback kept per pane. */
  scrollback: z._default(z.number().check(z.int(), z.gte(0), z.lte(1_000_000)), 10_000),
  keys: z._default(KeysConfig, { prefix: "C-b" }),
  /** Custom runtimes, merged over the built-in profiles by name. */
  runtimes: z._default(z.record(RuntimeName, RuntimeProfile), {}),
  /** Agent considered idle after this many ms without output. */
  idleAfterMs: z._default(z.number().check(z.int(), z.gte(100)), 3000),
  worktree: z._default(WorktreeConfig, WorktreeConfig.parse({})),
  costs: z._default(CostsConfig, CostsConfig.parse({})),
  notify: z._default(NotifyConfig, NotifyConfig.parse({})),
  terminal: z._default(TerminalConfig, { forwardTitle: false }),
  /** Pane arrangement the cockpit starts with (`prefix Space` cycles): tmux's names or `auto`. */
  layout: z._default(z.enum(LAYOUT_NAMES), "auto"),
  /** Shared memory: where domain files live, shelf lives, prime budget (see core/memory.ts). */
  memory: z.prefault(MemoryConfig, {}),
  /** Merge queue: quality gates run on every merged result, and how the queue runs. */
  gates: GatesConfig,
  merge: z.prefault(MergeConfig, {}),
  /** Task board and orchestration loop: attempts, stalls, autoSling (see core/tasks.ts). */
  tasks: z.prefault(TasksConfig, {}),
});
export type Config = z.infer<typeof Config>;
