import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import type { AgentRecord } from "../core/schema.js";
import { formatJson, sanitizeForTerminal } from "../core/sanitize.js";
import type { Project } from "../store/project.js";
import { plural } from "../core/plural.js";

/**
 * `init`, `spawn`, `kill`, `ls`, `respawn`: agent lifecycle from the command line. They work
 * without a hub: they change `.flotilla/state.json` under its lock, and a running hub picks
 * the change up. Heavy modules (git, lifecycle) are imported inside the actions.
 */

/** Where command output goes; handed in so it is never hard-wired to `process` streams. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  cwd: () => string;
  /** Asks a yes/no question; resolves false when no one can answer (not a terminal). */
  confirm: (question: string) => Promise<boolean>;
  /** Whether `confirm` can ask anyone (a terminal): a "no" then is an answer, not a refusal. */
  canAsk?: () => boolean;
}

/** The real process; everything written is passed through the terminal sanitizer. */
export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(sanitizeForTerminal(text)),
  err: (text) => void process.stderr.write(sanitizeForTerminal(text)),
  cwd: () => process.cwd(),
  confirm: confirmOnTerminal,
  canAsk: () => process.stdin.isTTY === true && process.stderr.isTTY === true,
};

/** Registers `init`, `spawn`, `kill`, `ls`, `respawn`. */
export function registerAgentCommands(program: Command, io: CommandIo = processIo): void {
  program
    .command("init")
    .description(
      "set up .flotilla/ in this git repository: config.json, a git exclude line, the flotilla shim",
    )
    .option("--target <branch>", "branch finished work merges into (default: the current branch)")
    .addHelpText(
      "after",
      "\nRun it once in the main checkout; running it again changes nothing but repairs the shim.",
    )
    .action(async (options: { target?: string }) => {
      const { initProject } = await import("../hub/init.js");
      const result = await initProject(io.cwd(), {
        ...(options.target !== undefined ? { targetBranch: options.target } : {}),
      });
      const root = result.project.root;
      if (!result.created) {
        io.out(`already initialised: ${path.join(root, ".flotilla")} (config left as it was)\n`);
        return;
      }
      io.out(
        [
          `initialised ${path.join(root, ".flotilla")}`,
          `  config         ${result.project.paths.config}`,
          `  target branch  ${result.targetBranch}`,
          `  agents' shim   ${result.shim}`,
          `next: flotilla spawn <name> --runtime claude --prompt "..."; then flotilla up`,
          "",
        ].join("\n"),
      );
    });

  program
    .command("spawn <name>")
    .description("create an agent: its own worktree and branch flotilla/<name>, started by the hub")
    .option(
      "-r, --runtime <runtime>",
      "agent CLI to run: claude, codex, gemini, aider, opencode, shell, demo or one from config.json",
      "shell",
    )
    .option("-p, --prompt <text>", "first prompt, passed on the agent's command line")
    .option(
      "-b, --base <ref>",
      "commit the branch starts from (default: HEAD of the main checkout)",
    )
    .option("--role <role>", "the agent's role, e.g. worker, reviewer, coordinator", "worker")
    .option(
      "-m, --model <model>",
      "model for the agent, passed through its CLI's own flag (claude, codex, gemini, opencode, aider: --model)",
    )
    .option(
      "--effort <level>",
      "reasoning effort: low, medium or high (claude: --effort; codex: -c model_reasoning_effort)",
    )
    .option(
      "--memory <domains>",
      'prime the agent with shared memory: comma-separated domains, or "auto" (records tied to files its prompt names, and domains it names)',
    )
    .option(
      "--memory-budget <tokens>",
      "primer budget in approximate tokens (default memory.budgetTokens, 4000)",
    )
    .addHelpText(
      "after",
      "\nExample: flotilla spawn alice --runtime claude --model opus --prompt \"add a --json flag to ls\" --memory auto\nThe primer reaches the agent the runtime's way (claude: --append-system-prompt; codex: -c developer_instructions; gemini: GEMINI.md; others: $FLOTILLA_CONTEXT), never through a tracked file.\n\nFiles listed in .worktreeinclude (or worktree.include in config) are copied into the new\nworktree; worktree.setup runs there, in the agent's pane, before the agent starts.",
    )
    .action(
      async (
        name: string,
        options: {
          runtime: string;
          prompt?: string;
          base?: string;
          role: string;
          memory?: string;
          memoryBudget?: string;
          model?: string;
          effort?: string;
        },
      ) => {
        const [{ openProject }, { createAgent }, { buildLaunch, resolveRuntime }] =
          await Promise.all([
            import("../store/project.js"),
            import("../hub/lifecycle.js"),
            import("../runtimes/profiles.js"),
          ]);
        const project = openProject(io.cwd());
        const effort = options.effort !== undefined ? await parseEffort(options.effort) : undefined;
        const primer =
          options.memory !== undefined ? await memoryPrimer(io, project, options) : undefined;
        const record = await createAgent(project, {
          name,
          runtime: options.runtime,
          role: options.role,
          ...(options.prompt !== undefined ? { prompt: options.prompt } : {}),
          ...(options.base !== undefined ? { base: options.base } : {}),
          ...(options.model !== undefined ? { model: options.model } : {}),
          ...(effort !== undefined ? { effort } : {}),
          ...(primer?.text !== undefined ? { context: primer.text } : {}),
        });
        const config = await project.readConfig();
        const copied = record.copiedFiles ?? [];
        io.out(
          [
            `spawned ${record.name} (runtime ${record.runtime}, role ${record.role}${record.model ? `, model ${record.model}` : ""}${record.effort ? `, effort ${record.effort}` : ""})`,
            `  worktree  ${path.relative(project.root, record.worktree)}`,
            `  branch    ${record.branch} from ${record.base.slice(0, 7)}`,
            ...(record.port !== undefined ? [`  port      FLOTILLA_PORT=${record.port}`] : []),
            ...(copied.length > 0
              ? [
                  `  copied    ${plural(copied.length, "file")} from .worktreeinclude: ${copied.slice(0, 5).join(", ")}${copied.length > 5 ? ", …" : ""}`,
                ]
              : []),
            ...(config.worktree.setup !== undefined
              ? [`  setup     ${config.worktree.setup} (runs in its pane before the agent starts)`]
              : []),
            `  status    starting: the cockpit (flotilla up) runs it in its own pane`,
            "",
          ].join("\n"),
        );
        const launch = buildLaunch(project, record, config);
        if (launch.problem !== undefined) {
          io.err(
            `warning: ${launch.problem}; ${record.name}'s pane will say so instead of starting it\n`,
          );
        }
        const profile = resolveRuntime(config, record.runtime);
        if (record.model !== undefined && profile.modelFlag === undefined) {
          io.err(
            `note: runtime ${record.runtime} has no model flag ("modelFlag" in its profile); --model is ignored\n`,
          );
        }
        if (record.effort !== undefined && profile.effortArgs === undefined) {
          io.err(
            `note: runtime ${record.runtime} has no effort flag ("effortArgs" in its profile); --effort is ignored\n`,
          );
        }
        if (primer) io.out(`  memory    ${primer.summary}\n`);
        if (primer?.text !== undefined && profile.context.mode === "file") {
          // A tracked file of that name is left as it is; then only $FLOTILLA_CONTEXT has it.
          const { readAgentContext } = await import("../runtimes/context.js");
          const target = path.join(record.worktree, profile.context.path);
          const delivered = existsSync(target) ? readFileSync(target, "utf8") : undefined;
          if (delivered !== readAgentContext(record.worktree))
            io.err(
              `note: ${profile.context.path} is tracked in this repository, so the primer was not written there; ${record.name} can read it at $FLOTILLA_CONTEXT\n`,
            );
        }
        if (record.prompt !== undefined && profile.prompt.mode === "none") {
          io.err(
            `note: runtime ${record.runtime} takes no first prompt; type it in ${record.name}'s pane\n`,
          );
        }
      },
    );

  program
    .command("kill <name>")
    .description("stop an agent (its worktree and branch stay unless --clean)")
    .option("--clean", "also remove its worktree and branch, if nothing would be lost")
    .option(
      "--force",
      "with --clean: remove even with unmerged commits, uncommitted changes or ignored files (all kept: refs/flotilla/archive/, .flotilla/kept/)",
    )
    .option("-y, --yes", "do not ask before a forced removal")
    .addHelpText(
      "after",
      "\nNo commit is ever made unreachable: a forced removal first saves every unmerged commit the\nworktree can reach (its branch, a detached HEAD, both reflogs) and uncommitted changes under\nrefs/flotilla/archive/<name>-<time>, moves git-ignored files and nested repositories whole to\n.flotilla/kept/<name>-<time>/, and prints where. It also finishes an interrupted spawn or removal.",
    )
    .action(async (name: string, options: { clean?: boolean; force?: boolean; yes?: boolean }) => {
      await killCommand(io, name, options);
    });

  program
    .command("ls")
    .description("list agents: name, runtime, status, branch, worktree, pid, age")
    .option("--json", "print a JSON array instead of a table (age in seconds)")
    .option("--waiting", "agents waiting for you first, the longest-waiting at the top")
    .action(async (options: { json?: boolean; waiting?: boolean }) => {
      const [{ openProject }, { reconcileAgents }] = await Promise.all([
        import("../store/project.js"),
        import("../hub/reconcile.js"),
      ]);
      const project = openProject(io.cwd());
      await reconcileAgents(project);
      let rows = listRows((await project.readState()).agents, new Date());
      if (options.waiting) rows = sortWaitingFirst(rows);
      if (options.json) {
        io.out(formatJson(rows) + "\n");
        return;
      }
      if (rows.length === 0) {
        io.out('no agents yet: flotilla spawn <name> --runtime claude --prompt "..."\n');
        return;
      }
      // A `starting` agent waits for a hub to start it: without one, say what to do.
      let hubRunning = true;
      if (rows.some((row) => row.status === "starting")) {
        const { hubStatus } = await import("../hub/daemon.js");
        hubRunning = (await hubStatus(project)).state === "running";
      }
      io.out(formatTable(project.root, rows, { hubRunning }));
    });

  program
    .command("respawn <name>")
    .description(
      "start a stopped (exited or lost) agent again in its existing worktree, resuming its conversation",
    )
    .option("--fresh", "start a new conversation instead of resuming the recorded one")
    .addHelpText(
      "after",
      "\nResumes with the agent CLI's own form: claude --resume <session id>, codex resume <id>\n(or --last), gemini --resume <id>, opencode --continue; a runtime without one starts fresh.",
    )
    .action(async (name: string, options: { fresh?: boolean }) => {
      const [{ openProject }, { respawnAgent }] = await Promise.all([
        import("../store/project.js"),
        import("../hub/lifecycle.js"),
      ]);
      const project = openProject(io.cwd());
      const record = await respawnAgent(project, name, undefined, {
        fresh: options.fresh ?? false,
      });
      const how = options.fresh ? "with a fresh conversation" : "resuming its conversation";
      io.out(
        `${record.name} is starting again in ${path.relative(project.root, record.worktree)}, ${how} (the cockpit, flotilla up, runs it)\n`,
      );
    });
}

/**
 * The memory primer for `spawn --memory`: `text` to deliver (absent when no record
 * qualifies) and a one-line summary for spawn's output.
 */
async function memoryPrimer(
  io: CommandIo,
  project: Project,
  options: { memory?: string; memoryBudget?: string; prompt?: string },
): Promise<{ text?: string; summary: string }> {
  const [{ MemoryStore, primeForAgent }, { FlotillaError }] = await Promise.all([
    import("../store/memory-store.js"),
    import("../core/errors.js"),
  ]);
  const config = await project.readConfig();
  let tokens = config.memory.budgetTokens;
  if (options.memoryBudget !== undefined) {
    tokens = Number(options.memoryBudget);
    if (!Number.isInteger(tokens) || tokens <= 0)
      throw new FlotillaError(
        "INVALID_INPUT",
        `--memory-budget "${options.memoryBudget}" is not a whole number > 0`,
      );
  }
  const plan = await primeForAgent(MemoryStore.forProject(project.root, config), {
    memory: options.memory ?? "auto",
    ...(options.prompt !== undefined ? { task: options.prompt } : {}),
    budgetChars: tokens * 4,
  });
  for (const problem of plan.problems) io.err(`warning: ${problem.message}\n`);
  if (plan.included.length === 0)
    return { summary: `no records to prime (${plan.domains.join(", ") || "no domains"})` };
  return {
    text: plan.markdown,
    summary: `primed ${plan.included.length} record(s) from ${plan.domains.join(", ")} (~${plan.tokens} tokens; ${plan.leftOut.length} left out for the budget)`,
  };
}

/** One agent as `ls --json` prints it (and the table shows). */
export interface AgentRow {
  name: string;
  runtime: string;
  role: string;
  status: AgentRecord["status"];
  branch: string;
  /** Absolute path. */
  worktree: string;
  pid: number | null;
  /** Seconds since the agent was created. */
  age: number;
  createdAt: string;
  /** Seconds it has waited for you, `null` when it is not waiting. */
  waitingFor: number | null;
}

/** The `ls` rows for `agents` at time `now`. */
export function listRows(agents: AgentRecord[], now: Date): AgentRow[] {
  return agents.map((agent) => ({
    name: agent.name,
    runtime: agent.runtime,
    role: agent.role,
    status: agent.status,
    branch: agent.branch,
    worktree: agent.worktree,
    pid: agent.pid ?? null,
    age: Math.max(0, Math.floor((now.getTime() - Date.parse(agent.createdAt)) / 1000)),
    createdAt: agent.createdAt,
    waitingFor:
      agent.status === "waiting" && agent.waitingSince !== undefined
        ? Math.max(0, Math.floor((now.getTime() - Date.parse(agent.waitingSince)) / 1000))
        : null,
  }));
}

/** Waiting agents first, the longest-waiting at the top; the rest in their order. */
export function sortWaitingFirst(rows: AgentRow[]): AgentRow[] {
  const waiting = rows
    .filter((row) => row.status === "waiting")
    .sort((a, b) => (b.waitingFor ?? 0) - (a.waitingFor ?? 0));
  return [...waiting, ...rows.filter((row) => row.status !== "waiting")];
}

/** `45` → `45s`, `300` → `5m`, `7200` → `2h`, `259200` → `3d` (seconds in, largest unit out). */
export function formatAge(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** What the STATUS column says for `row`: `waiting 5m`; `stopped — run flotilla up` for an
 * agent waiting to start when no hub runs (nothing will start it until `up`). */
function statusCell(row: AgentRow, hubRunning: boolean): string {
  if (row.status === "starting" && !hubRunning) return "stopped — run flotilla up";
  return row.waitingFor !== null ? `${row.status} ${formatAge(row.waitingFor)}` : row.status;
}

/**
 * The `ls` table: a header and one line per row, columns padded to fit, worktrees relative.
 * `hubRunning: false` (no hub runs this project) shows `starting` agents as stopped.
 */
export function formatTable(
  root: string,
  rows: AgentRow[],
  { hubRunning = true }: { hubRunning?: boolean } = {},
): string {
  const header = ["NAME", "RUNTIME", "STATUS", "BRANCH", "WORKTREE", "PID", "AGE"];
  const cells = rows.map((row) => [
    row.name,
    row.runtime,
    statusCell(row, hubRunning),
    row.branch,
    path.relative(root, row.worktree) || ".",
    row.pid === null ? "-" : String(row.pid),
    formatAge(row.age),
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  return [header, ...cells]
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  "),
    )
    .join("\n")
    .concat("\n");
}

async function killCommand(
  io: CommandIo,
  name: string,
  options: { clean?: boolean; force?: boolean; yes?: boolean },
): Promise<void> {
  const [{ openProject }, lifecycle, worktrees, { FlotillaError }] = await Promise.all([
    import("../store/project.js"),
    import("../hub/lifecycle.js"),
    import("../git/worktrees.js"),
    import("../core/errors.js"),
  ]);
  const project = openProject(io.cwd());
  if (options.force && !options.clean) {
    throw new FlotillaError("INVALID_INPUT", "--force only applies with --clean");
  }

  let adopted = false;
  let creating = false;
  if (options.clean) {
    // Decide before stopping anything, so a refused removal changes nothing.
    const inspected = await lifecycle.inspectAgent(project, name);
    const { record, inspection, target } = inspected;
    adopted = inspected.adopted;
    creating = record.status === "creating";
    const forced = options.force || record.status === "creating";
    if (!forced) worktrees.assertNothingToLose(record, inspection, target);
    else if (
      !worktrees.isSafeToRemove(inspection) &&
      !options.yes &&
      record.status !== "creating"
    ) {
      const what = worktrees.summarizeLoss(inspection);
      const ok = await io.confirm(
        `remove ${name}'s worktree and branch with ${what}? Commits and changes are kept under refs/flotilla/archive/, other files under .flotilla/kept/. [y/N] `,
      );
      // Answering "n" is an answer (exit 0); with no terminal to ask on, say how to go on.
      if (!ok && io.canAsk?.()) {
        io.out(`not killed: ${name}, its worktree and branch are as they were\n`);
        return;
      }
      if (!ok) {
        throw new FlotillaError(
          "INVALID_INPUT",
          `not removing ${name}: confirm on a terminal or pass -y with --force`,
        );
      }
    }
  }

  if (adopted) {
    io.out(`${name} is not recorded; removing the worktree and branch an interrupted spawn left\n`);
    await removeAdopted(io, project, name, options.force ?? false);
    return;
  }
  // Before the signal: the hub's task loop must find the task released, not respawn it.
  const released = await (await import("../hub/task-release.js")).releaseTaskOf(project, name);
  const stop = await lifecycle.stopAgent(project, name);
  if (released) io.out(`${released.text}\n`);
  if (stop.signalled) {
    const pid = stop.record.pid ?? 0;
    const gone = await waitForExit(pid, (p) => lifecycle.isSameProcess({ ...stop.record, pid: p }));
    if (!gone && !options.clean) {
      io.out(`sent SIGHUP and SIGTERM to ${name} (pid ${pid}); it has not exited yet\n`);
    } else if (!gone) {
      throw new FlotillaError(
        "INVALID_INPUT",
        `sent SIGHUP and SIGTERM to ${name} (pid ${pid}) but it has not exited after 5 s; nothing was removed (try again, or kill -9 ${pid})`,
      );
    } else {
      io.out(`stopped ${name} (pid ${pid})\n`);
    }
  } else if (stop.alreadyStopped) {
    io.out(`${name} was already stopped (${stop.record.status})\n`);
  } else {
    io.out(`${name} had no running process; marked exited\n`);
  }

  if (!options.clean) {
    io.out(
      `kept ${path.relative(project.root, stop.record.worktree)} and branch ${stop.record.branch}: "flotilla respawn ${name}" restarts it, "flotilla kill ${name} --clean" removes it\n`,
    );
    return;
  }
  const result = await lifecycle.removeAgent(project, name, {
    clean: true,
    force: (options.force ?? false) || creating,
  });
  const removal = result.removal;
  const parts: string[] = [];
  if (removal?.removedWorktree) parts.push(path.relative(project.root, result.record.worktree));
  if (removal?.deletedBranch) parts.push(`branch ${result.record.branch}`);
  io.out(`removed ${name}${parts.length > 0 ? `: ${parts.join(" and ")}` : ""}\n`);
  reportRemoval(io, removal);
}

/** Removes what an unrecorded agent left (see `inspectAgent`) and says what was kept. */
async function removeAdopted(
  io: CommandIo,
  project: import("../store/project.js").Project,
  name: string,
  force: boolean,
): Promise<void> {
  const lifecycle = await import("../hub/lifecycle.js");
  const result = await lifecycle.removeAgent(project, name, { clean: true, force });
  const parts: string[] = [];
  if (result.removal?.removedWorktree)
    parts.push(path.relative(project.root, result.record.worktree));
  if (result.removal?.deletedBranch) parts.push(`branch ${result.record.branch}`);
  io.out(`removed ${name}${parts.length > 0 ? `: ${parts.join(" and ")}` : ""}\n`);
  reportRemoval(io, result.removal);
}

/** Prints where a removal kept work: archive refs, the kept directory, a kept branch. */
function reportRemoval(
  io: CommandIo,
  removal: import("../git/worktrees.js").WorktreeRemoval | undefined,
): void {
  for (const ref of removal?.archiveRefs ?? []) {
    io.out(`kept its work at ${ref} (restore with: git branch <new-name> ${ref})\n`);
  }
  if (removal?.keptDir !== undefined) {
    io.out(`kept its ignored files and nested repositories in ${removal.keptDir}\n`);
  }
  if (removal?.branchNote !== undefined) io.out(`note: ${removal.branchNote}\n`);
}

/** Polls until `pid` is gone; true when it exited within `timeoutMs`. */
async function waitForExit(
  pid: number,
  isAlive: (pid: number) => boolean,
  timeoutMs = 5000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * `--effort`'s value as a level.
 * @throws FlotillaError INVALID_INPUT naming the levels when it is not one.
 */
export async function parseEffort(value: string): Promise<import("../core/schema.js").EffortLevel> {
  const [{ EFFORT_LEVELS }, { FlotillaError }] = await Promise.all([
    import("../core/schema.js"),
    import("../core/errors.js"),
  ]);
  const level = EFFORT_LEVELS.find((known) => known === value.trim().toLowerCase());
  if (level === undefined)
    throw new FlotillaError(
      "INVALID_INPUT",
      `--effort "${value}" is not a level: use ${EFFORT_LEVELS.join(", ")}`,
    );
  return level;
}

/** Asks `question` on the terminal; false when there is none to ask (not a TTY). */
export async function confirmOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}
