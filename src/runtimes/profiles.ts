import { DEFAULT_MAIL_NOTICE } from "../core/mail.js";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { RuntimeProfile, type AgentRecord, type Config } from "../core/schema.js";
import { checkWorktreeLink } from "../git/worktrees.js";
import type { Project } from "../store/project.js";
import {
  claudeSettings,
  claudeSettingsPath,
  claudeStatusHookPath,
  claudeStatusHookScript,
  statusHookCommand,
  statusHookScript,
} from "./claude-hooks.js";
import { agentBaseEnvironment } from "./environment.js";
import {
  geminiAcceptsSystemFile,
  geminiDefaultsDocument,
  geminiDefaultsPath,
  geminiOwnDefaultsPath,
  geminiStatusHooks,
} from "./gemini-hooks.js";
import {
  opencodeConfigContent,
  opencodePluginPackage,
  opencodePluginPath,
  opencodePluginSource,
} from "./opencode-plugin.js";
import { setupMarkerPath, wrapWithSetup } from "./worktree-setup.js";
import { runtimeTrustProblem } from "../store/trust.js";
import { demoAgentPath } from "./package-files.js";
import { deliverContext, readAgentContext } from "./context.js";

/**
 * Built-in runtime profiles (one per agent CLI) and how an agent's process is launched.
 *
 * A first prompt is always passed on the command line (never typed into the TUI, which may
 * be showing a trust dialog). `waitingPatterns` are regular-expression sources matched
 * against the visible screen; any match means the agent waits for the human.
 */

/**
 * The built-in profiles by name, for the given environment (`shell` uses `$SHELL`).
 *
 * - `claude`: Claude Code; `claude "<prompt>"` starts an interactive session on that prompt.
 * - `codex`: OpenAI Codex CLI; `codex "<prompt>"` is interactive too.
 * - `gemini`: Gemini CLI; a bare argument would run one-shot, so the prompt goes through
 *   `--prompt-interactive` (`-i`), which answers it and stays interactive.
 * - `aider`: takes no first prompt. Its positional arguments are files to edit, and
 *   `--message`/`--message-file` answer one message and exit, which would end the pane;
 *   type the prompt in its pane instead.
 * - `opencode`: `opencode --prompt "<prompt>"` opens the TUI with the prompt (its positional
 *   argument is a project directory, so a bare prompt would be misread).
 * - `shell`: `$SHELL` (or `/bin/bash`), no prompt.
 * - `demo`: the scripted demo agent, `node <package>/dist/demo/agent.js "<prompt>"`.
 *
 * `context` says how the memory primer reaches each (see `ContextDelivery`): Claude Code
 * `--append-system-prompt <text>`; Codex `-c developer_instructions="<text>"` (an extra
 * developer message; AGENTS.md still loads); Gemini CLI `GEMINI.md` in the worktree (kept out
 * of git, never written over a tracked one); Aider `--read .flotilla/context.md`; OpenCode,
 * the shell and the demo only `$FLOTILLA_CONTEXT`.
 */
export function builtinRuntimes(
  env: NodeJS.ProcessEnv = process.env,
): Record<string, RuntimeProfile> {
  const yesNo = "\\((y/n|Y/n|y/N)\\)";
  return {
    // Patterns from the real screens in test/fixtures/clis/ (scripts/capture-cli-screens.mjs).
    claude: RuntimeProfile.parse({
      command: "claude",
      prompt: { mode: "arg" },
      context: { mode: "flag", flag: "--append-system-prompt" },
      waitingPatterns: [
        // Trust dialog (2.1.x): "❯ 1. Yes, I trust this folder"; older: "Do you trust the files…".
        "Yes, I trust this folder",
        "Do you trust the files in this folder",
        // Permission prompts and the detected-API-key question: "Do you want to …?".
        "Do you want to",
        // The footer of every Claude Code selection dialog (trust, API key, permissions).
        "Enter to confirm · Esc to cancel",
        "Select login method",
        "❯\\s*1\\.\\s*Yes",
        yesNo,
      ],
      description: "Claude Code (Anthropic)",
      hooks: "claude-code",
      modelFlag: "--model",
      // `claude --help` (2.1.197): --effort <level> (low, medium, high, xhigh, max).
      effortArgs: ["--effort", "{effort}"],
      // `claude --help`: --session-id <uuid>, -r/--resume [value].
      session: { newArgs: ["--session-id", "{id}"], resumeArgs: ["--resume", "{id}"] },
    }),
    codex: RuntimeProfile.parse({
      command: "codex",
      prompt: { mode: "arg" },
      // Additive developer message (checked with `codex debug prompt-input`); AGENTS.md stays.
      context: { mode: "flag", flag: "-c", template: "developer_instructions={toml}" },
      waitingPatterns: [
        // Login menu, browser sign-in, "Sign in another way", the API-key box.
        "Choose how you want to use Codex",
        "Finish signing in via your browser",
        "Paste or type your API key",
        "Sign in another way",
        "Use an OpenAI API key",
        // Approvals and the trust question.
        "Would you like to",
        "Allow command\\?",
        "Yes, proceed",
        "Do you trust",
        yesNo,
      ],
      description: "Codex CLI (OpenAI)",
      hooks: "codex",
      modelFlag: "--model",
      // No effort flag: `codex --help` -c <key=value> sets a config.toml key, and Codex's
      // config reference names model_reasoning_effort (minimal | low | medium | high | xhigh).
      effortArgs: ["-c", 'model_reasoning_effort="{effort}"'],
      // `codex resume --help`: codex resume [SESSION_ID] [PROMPT], --last for the latest in cwd.
      session: {
        resumeArgs: ["resume", "{id}"],
        resumeLatestArgs: ["resume", "--last"],
        resumeFirst: true,
      },
    }),
    gemini: RuntimeProfile.parse({
      command: "gemini",
      prompt: { mode: "flag", flag: "--prompt-interactive" },
      // No flag for extra instructions; it loads GEMINI.md from the worktree's root.
      context: { mode: "file", path: "GEMINI.md" },
      waitingPatterns: [
        "Do you trust the files in this folder",
        "How would you like to authenticate",
        "Enter Gemini API Key",
        "Allow execution",
        "Apply this change\\?",
        "Yes, allow once",
        "Do you want to proceed",
        yesNo,
      ],
      description: "Gemini CLI (Google)",
      // Its hooks, where Gemini CLI accepts the defaults file (see ./gemini-hooks.ts).
      hooks: "gemini",
      modelFlag: "--model",
      // `gemini --help` (0.61.0) has no effort or thinking flag: no effortArgs.
      // `gemini --help`: --session-id (a UUID), -r/--resume (latest, an index or a UUID).
      session: {
        newArgs: ["--session-id", "{id}"],
        resumeArgs: ["--resume", "{id}"],
        resumeLatestArgs: ["--resume", "latest"],
      },
    }),
    aider: RuntimeProfile.parse({
      command: "aider",
      prompt: { mode: "none" },
      // --read adds a read-only file to the chat.
      context: { mode: "file", path: ".flotilla/context.md", flag: "--read" },
      waitingPatterns: ["\\(Y\\)es/\\(N\\)o", yesNo],
      description: "Aider (takes no first prompt: type it in its pane)",
      modelFlag: "--model",
    }),
    opencode: RuntimeProfile.parse({
      command: "opencode",
      prompt: { mode: "flag", flag: "--prompt" },
      waitingPatterns: ["Permission required", "Allow once", yesNo],
      description: "OpenCode",
      // A plugin through OPENCODE_CONFIG_CONTENT (see ./opencode-plugin.ts).
      hooks: "opencode",
      // `opencode --help`: -m/--model provider/model, -c/--continue the last session (of
      // this directory: each agent has its own worktree), -s/--session <id> (1.18.33).
      modelFlag: "--model",
      // No effortArgs: only `opencode run` (not the TUI Flotilla runs) has --variant (1.18.33).
      // The plugin reports the session's id: --session <id>; else the directory's last.
      session: { resumeArgs: ["--session", "{id}"], resumeLatestArgs: ["--continue"] },
    }),
    shell: RuntimeProfile.parse({
      command: env.SHELL && env.SHELL.length > 0 ? env.SHELL : "/bin/bash",
      prompt: { mode: "none" },
      // A comment line: the shell shows the notice and runs nothing.
      mailNotice: `# ${DEFAULT_MAIL_NOTICE}`,
      description: "your login shell",
    }),
    demo: RuntimeProfile.parse({
      command: process.execPath,
      args: [demoAgentPath()],
      prompt: { mode: "arg" },
      // The question's "(y/n)" may be cut off in a narrow pane; the status line says it too.
      waitingPatterns: ["\\(y/n\\)", "· waiting for you$"],
      // FLOTILLA_* variables are not passed on to agents; the demo's pace is, so
      // `FLOTILLA_DEMO_SPEED=10 flotilla demo` speeds up every agent it starts.
      env: env.FLOTILLA_DEMO_SPEED ? { FLOTILLA_DEMO_SPEED: env.FLOTILLA_DEMO_SPEED } : {},
      description: "Flotilla's scripted demo agent (no AI, no network)",
    }),
  };
}

/** Names of every runtime available with `config`: built-ins plus `config.runtimes`, sorted. */
export function runtimeNames(config: Pick<Config, "runtimes">): string[] {
  return [...new Set([...Object.keys(builtinRuntimes()), ...Object.keys(config.runtimes)])].sort();
}

/**
 * The profile called `name`: `config.runtimes[name]` when present (it replaces a built-in
 * of the same name entirely), else the built-in.
 * @throws FlotillaError UNKNOWN_RUNTIME listing the available names.
 */
export function resolveRuntime(
  config: Pick<Config, "runtimes">,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): RuntimeProfile {
  const custom = Object.hasOwn(config.runtimes, name) ? config.runtimes[name] : undefined;
  if (custom) return custom;
  const builtins = builtinRuntimes(env);
  const builtin = Object.hasOwn(builtins, name) ? builtins[name] : undefined;
  if (builtin) return builtin;
  throw new FlotillaError(
    "UNKNOWN_RUNTIME",
    `unknown runtime "${name}": choose one of ${runtimeNames(config).join(", ")} (or add it under "runtimes" in .flotilla/config.json)`,
  );
}

/**
 * The absolute path `command` runs, looked up like `execvp` without a shell: a command
 * containing a slash is taken as a path (relative to `cwd`); otherwise each directory of
 * `PATH` (separated by `path.delimiter`) is tried in order. Returns `undefined` when nothing
 * executable is found.
 */
export function findExecutable(
  command: string,
  PATH: string | undefined,
  cwd: string = process.cwd(),
): string | undefined {
  if (command.length === 0) return undefined;
  if (command.includes("/") || command.includes(path.sep)) {
    const file = path.resolve(cwd, command);
    return isExecutableFile(file) ? file : undefined;
  }
  for (const dir of (PATH ?? "").split(path.delimiter)) {
    if (dir.length === 0) continue; // an empty entry means "current directory": not honoured
    const file = path.join(path.resolve(cwd, dir), command);
    if (isExecutableFile(file)) return file;
  }
  return undefined;
}

/** How to start one agent's process: what a pty spawn needs, plus a problem to show instead. */
export interface Launch {
  /** Program to run: an absolute path when found, else the bare command. */
  file: string;
  args: string[];
  /** The agent's worktree. */
  cwd: string;
  env: Record<string, string>;
  /**
   * Files to write before starting (absolute paths, all outside the worktree), e.g. Claude
   * Code's `--settings` file.
   */
  files?: { path: string; content: string }[];
  /** The launch resumes the recorded conversation (no first prompt is passed). */
  resumed?: boolean;
  /**
   * Why the agent cannot start, e.g. `command not found: claude (install Claude Code or
   * choose another --runtime)`; the pane shows it instead of spawning.
   */
  problem?: string;
}

const INSTALL_HINTS: Record<string, string> = {
  claude: "install Claude Code",
  codex: "install the Codex CLI",
  gemini: "install the Gemini CLI",
  aider: "install Aider",
  opencode: "install OpenCode",
  demo: 'build flotilla with "npm run build"',
};

/**
 * Builds the launch of `record` in its worktree. The environment is `env` without the outer
 * terminal's variables (`TMUX`, `TERM_PROGRAM`, `KITTY_*`, …; see `./environment.ts`) plus
 * `TERM=xterm-256color`, `COLORTERM=truecolor`, `TERM_PROGRAM=flotilla`, the profile's `env`, the
 * runtime's hooks (Claude Code `--settings`, Codex `-c notify=…`, Gemini CLI
 * `GEMINI_CLI_SYSTEM_DEFAULTS_PATH`, OpenCode `OPENCODE_CONFIG_CONTENT`), and the agent's
 * identity: `FLOTILLA_ROOT`, `FLOTILLA_AGENT`, `FLOTILLA_ROLE`, `FLOTILLA_TASK` (only when
 * the agent has a task) and a `PATH` with `.flotilla/bin` first (where the `flotilla` shim is).
 * The prompt is added per the profile's prompt mode; `resume` picks the profile's resume
 * arguments, `model` its `modelFlag`; `worktree.setup` (until it has succeeded once) wraps
 * the launch so the command runs first in the pane.
 * @throws FlotillaError UNKNOWN_RUNTIME.
 */
export function buildLaunch(
  project: Pick<Project, "root" | "paths">,
  record: Pick<AgentRecord, "name" | "runtime" | "role" | "task" | "prompt" | "worktree"> &
    Partial<
      Pick<
        AgentRecord,
        | "model"
        | "effort"
        | "conversation"
        | "conversationConfirmed"
        | "resume"
        | "everStarted"
        | "port"
      >
    >,
  config: Pick<Config, "runtimes"> & Partial<Pick<Config, "worktree">>,
  env: NodeJS.ProcessEnv = process.env,
): Launch {
  const profile = resolveRuntime(config, record.runtime, env);
  const childEnv = agentBaseEnvironment(env);
  Object.assign(childEnv, profile.env);
  const binDir = project.paths.bin;
  const inheritedPath = profile.env.PATH ?? env.PATH ?? "/usr/local/bin:/usr/bin:/bin";
  childEnv.PATH = `${binDir}${path.delimiter}${inheritedPath}`;
  childEnv.FLOTILLA_ROOT = project.root;
  childEnv.FLOTILLA_AGENT = record.name;
  childEnv.FLOTILLA_ROLE = record.role;
  if (record.task !== undefined) childEnv.FLOTILLA_TASK = record.task;
  if (record.port !== undefined) childEnv.FLOTILLA_PORT = String(record.port);

  const args = [...profile.args];
  const files: { path: string; content: string }[] = [];
  const resumeArgs = chooseResume(profile, record);
  if (resumeArgs) {
    if (profile.session?.resumeFirst) args.unshift(...resumeArgs);
    else args.push(...resumeArgs);
  } else if (profile.session?.newArgs && record.conversation !== undefined) {
    args.push(...fillId(profile.session.newArgs, record.conversation));
  }
  if (record.model !== undefined && profile.modelFlag !== undefined) {
    args.push(profile.modelFlag, record.model);
  }
  if (record.effort !== undefined && profile.effortArgs !== undefined) {
    const level = record.effort;
    args.push(...profile.effortArgs.map((arg) => arg.replaceAll("{effort}", level)));
  }
  const hooks = hooksOf(record.runtime, profile);
  if (hooks === "claude-code") {
    const file = claudeSettingsPath(project.paths.dir, record.name);
    // The status hooks run on every tool call: a sh + awk script, not the Node CLI.
    const hook = claudeStatusHookPath(project.paths.dir);
    files.push({ path: hook, content: claudeStatusHookScript() });
    const settings = claudeSettings(statusHookCommand(hook));
    files.push({ path: file, content: JSON.stringify(settings, null, 2) + "\n" });
    args.push("--settings", file);
  } else if (hooks === "codex") {
    // Codex runs `notify` with one JSON argument after each turn (agent-turn-complete).
    args.push("-c", `notify=${JSON.stringify(["flotilla", "hook", "codex"])}`);
  } else if (hooks === "gemini") {
    // Hooks in a system-defaults file, only where Gemini CLI would load it (root-owned path).
    const file = geminiDefaultsPath(project.paths.dir, record.name);
    const hook = path.join(binDir, "gemini-status-hook.sh");
    const document = geminiAcceptsSystemFile(file)
      ? geminiDefaultsDocument(
          geminiOwnDefaultsPath(env),
          geminiStatusHooks(statusHookCommand(hook)),
        )
      : undefined;
    if (document !== undefined) {
      files.push({ path: hook, content: statusHookScript("gemini") });
      files.push({ path: file, content: JSON.stringify(document, null, 2) + "\n" });
      childEnv.GEMINI_CLI_SYSTEM_DEFAULTS_PATH = file;
    }
  } else if (hooks === "opencode") {
    // A plugin named in OPENCODE_CONFIG_CONTENT (merged into the user's own, if any).
    const plugin = opencodePluginPath(project.paths.dir);
    const content = opencodeConfigContent(env, plugin);
    if (content !== undefined) {
      files.push({ path: plugin, content: opencodePluginSource() });
      files.push({
        path: path.join(path.dirname(plugin), "package.json"),
        content: opencodePluginPackage(),
      });
      childEnv.OPENCODE_CONFIG_CONTENT = content;
    }
  }
  // Memory primer (or brief) written at spawn: delivered the runtime's way at every launch.
  const context = readAgentContext(record.worktree);
  if (context !== undefined) {
    const plan = deliverContext(profile, record.worktree, context);
    args.push(...plan.args);
    Object.assign(childEnv, plan.env);
  }
  const prompt = record.prompt;
  if (!resumeArgs && prompt !== undefined && prompt.length > 0) {
    if (profile.prompt.mode === "arg") args.push(prompt);
    else if (profile.prompt.mode === "flag") args.push(profile.prompt.flag, prompt);
  }

  const found = findExecutable(profile.command, childEnv.PATH, record.worktree);
  // Never launch a command a repository's config brought in before the user trusted it, nor
  // in a worktree whose .git link is broken (git there would act on the main checkout).
  const untrusted = runtimeTrustProblem(project.root, config, record.runtime);
  const brokenLink = existsSync(record.worktree) ? checkWorktreeLink(record.worktree) : undefined;
  const launch: Launch = {
    file: found ?? profile.command,
    args,
    cwd: record.worktree,
    env: childEnv,
    files,
    resumed: resumeArgs !== undefined,
  };
  if (untrusted !== undefined) {
    launch.problem = untrusted;
  } else if (found === undefined) {
    const hint = INSTALL_HINTS[record.runtime] ?? `install ${profile.command}`;
    launch.problem = `command not found: ${profile.command} (${hint} or choose another --runtime)`;
  } else if (isBuiltinDemo(config, record.runtime) && !existsSync(profile.args[0] ?? "")) {
    launch.problem = `demo agent not built: ${profile.args[0]} is missing (run "npm run build")`;
  } else if (!existsSync(record.worktree)) {
    launch.problem = `worktree missing: ${record.worktree} (remove the agent with "flotilla kill ${record.name} --clean")`;
  } else if (brokenLink !== undefined) {
    launch.problem = `worktree broken: ${brokenLink} (remove the agent with "flotilla kill ${record.name} --clean --force"; its work is kept)`;
  } else {
    const marker = setupMarkerPath(project.paths.dir, record.name);
    Object.assign(launch, wrapWithSetup(launch, config.worktree?.setup, marker));
  }
  return launch;
}

/**
 * How the runtime reports its own status: the profile's `hooks`, or `claude-code` for any
 * runtime whose command is `claude` (a custom profile wrapping Claude Code).
 */
export function hooksOf(runtime: string, profile: RuntimeProfile): RuntimeProfile["hooks"] {
  if (profile.hooks) return profile.hooks;
  return runtime === "claude" || path.basename(profile.command) === "claude"
    ? "claude-code"
    : undefined;
}

/**
 * Whether the runtime's hooks report the conversation id whenever it runs, so `respawn`
 * waits for that confirmation before resuming an id: Claude Code's and OpenCode's always
 * load, Codex's notify always runs; Gemini CLI's load only where it accepts the defaults
 * file, so its chosen `--session-id` counts once it has started, as without hooks.
 */
function hooksConfirmConversation(hooks: RuntimeProfile["hooks"]): boolean {
  return hooks === "claude-code" || hooks === "codex" || hooks === "opencode";
}

/**
 * The arguments resuming `record`'s conversation, or `undefined` for a fresh start: only
 * when `respawn` asked for it (`record.resume`) and there is something to resume, i.e. a
 * recorded id the CLI has confirmed (runtimes with hooks) or used before, else the CLI's
 * "latest conversation here" form once the agent has run in its worktree.
 */
function chooseResume(
  profile: RuntimeProfile,
  record: Partial<
    Pick<AgentRecord, "conversation" | "conversationConfirmed" | "resume" | "everStarted">
  >,
): string[] | undefined {
  const session = profile.session;
  if (!record.resume || !session) return undefined;
  const known =
    record.conversation !== undefined &&
    (record.conversationConfirmed === true ||
      (!hooksConfirmConversation(profile.hooks) && record.everStarted === true));
  if (known && session.resumeArgs) return fillId(session.resumeArgs, record.conversation ?? "");
  if (record.everStarted && session.resumeLatestArgs) return [...session.resumeLatestArgs];
  return undefined;
}

function fillId(args: readonly string[], id: string): string[] {
  return args.map((arg) => arg.replaceAll("{id}", id));
}

function isBuiltinDemo(config: Pick<Config, "runtimes">, runtime: string): boolean {
  return runtime === "demo" && !Object.hasOwn(config.runtimes, "demo");
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
