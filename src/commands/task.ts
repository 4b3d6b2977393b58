import { readStdinText } from "./stdin.js";
import type { Command } from "commander";
import { FlotillaError } from "../core/errors.js";
import { sanitizeForTerminal, sanitizeLine } from "../core/sanitize.js";
import type { Task, TaskBoard } from "../core/tasks.js";
import type { TaskCost } from "../store/agent-costs.js";

// Like mail.ts: only zod-free modules load up front; the store, schemas, git and the hub's
// lifecycle load inside the actions, so registering these commands costs nothing.

/**
 * The world the task commands touch, handed in so tests can run them in-process.
 * `env.FLOTILLA_AGENT`/`FLOTILLA_ROLE`/`FLOTILLA_TASK` say who calls (inside an agent's pane).
 */
export interface TaskIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** All of stdin as UTF-8 (the guard's hook payload). */
  readStdin(): Promise<string>;
  /** Sets the process's exit status (the guard's 2). */
  setExitCode(code: number): void;
}

/** The real process. */
export function processTaskIo(): TaskIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: readStdinText,
    setExitCode: (code) => {
      process.exitCode = code;
    },
  };
}

async function load() {
  const [core, store, project] = await Promise.all([
    import("../core/tasks.js"),
    import("../store/task-store.js"),
    import("../store/project.js"),
  ]);
  return { ...core, ...store, ...project };
}

/**
 * What each of `tasks` cost, by id: its agents' spending from their CLIs' own logs (see
 * `readTaskCosts`), priced with the project's `costs.prices`.
 */
async function taskCosts(
  project: import("../store/project.js").Project,
  tasks: readonly Task[],
): Promise<Map<string, TaskCost>> {
  const { readTaskCosts } = await import("../store/agent-costs.js");
  const [config, state] = await Promise.all([project.readConfig(), project.readState()]);
  return readTaskCosts(tasks, state.agents, project.paths.worktrees, {
    prices: config.costs.prices,
  });
}

/**
 * After `task edit --scope` of a claimed task: the assignee's recorded scope (what the hub's
 * scope watcher and pane title check) becomes the new one, and a live assignee is told by
 * mail, since its brief still names the old scope (`flotilla guard` reads the task itself).
 * Nothing is done when the agent is gone or already records another task's scope.
 */
async function rescopeAssignee(
  io: TaskIo,
  project: import("../store/project.js").Project,
  id: string,
  agent: string,
  scope: string[],
): Promise<void> {
  const record = (await project.readState()).agents.find((a) => a.name === agent);
  if (!record) return;
  const [{ markAgent }, { sendMail }, { isLive }] = await Promise.all([
    import("../hub/lifecycle.js"),
    import("../store/mail-store.js"),
    import("../core/mail.js"),
  ]);
  await markAgent(project, agent, { scope });
  if (!isLive(record.status)) return;
  const shown = scope.length > 0 ? scope.join(", ") : "(none: anywhere in the worktree)";
  await sendMail(project, {
    from: "cockpit",
    to: agent,
    subject: `Your scope for ${id} changed: ${shown}`.slice(0, 300),
    body: `Task ${id}'s file scope is now: ${shown}\nWork only within it; your brief still shows the old scope.\n`,
    type: "status",
    payload: { task: id, scope },
  });
  io.stdout.write(`${agent} told its new scope by mail\n`);
}

/** Collects a repeatable, comma-separable option into a list. */
function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  ];
}

/** Collects a repeatable option without splitting (gate commands may hold commas). */
function collectWhole(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

interface AddOptions {
  spec?: string;
  scope?: string[];
  gate?: string[];
  role?: string;
  after?: string[];
  memory?: string[];
  fallback?: string;
  runtime?: string;
  model?: string;
  effort?: string;
  review?: boolean;
  json?: boolean;
}

/** Registers `task add|ls|show|claim|review|wait|fail|retry|edit`, `done`, `sling`, `guard`. */
export function registerTaskCommands(program: Command, io: TaskIo = processTaskIo()): void {
  const task = program
    .command("task")
    .description("the task board (.flotilla/tasks.json): specs, scopes, gates, dependencies");

  task
    .command("add")
    .description("add a task; it is ready once every task it comes after is done")
    .argument("<title>", "one-line title")
    .option(
      "--spec <text|path>",
      "the spec: a file (relative to the repository) or the text itself",
    )
    .option(
      "--scope <globs>",
      "files the task may change (picomatch globs; repeat or comma-separate)",
      collect,
    )
    .option("--gate <command>", "a quality gate command for this task (repeatable)", collectWhole)
    .option(
      "--role <role>",
      "builder, scout, reviewer, coordinator, or one in .flotilla/roles/",
      "builder",
    )
    .option("--after <ids>", "tasks that must be done first (T1,T2; repeatable)", collect)
    .option("--memory <domains>", "memory domains primed into the brief (comma-separated)", collect)
    .option("--fallback <runtime>", "runtime that takes over after maxAttempts failed attempts")
    .option("--runtime <runtime>", "runtime to sling it with by default")
    .option(
      "--model <model>",
      "model its agents run with (the runtime's own flag, as spawn --model)",
    )
    .option(
      "--effort <level>",
      "reasoning effort of its agents: low, medium or high (as spawn --effort)",
    )
    .option(
      "--review",
      "its branch is enqueued only after a reviewer approves (flotilla task review)",
    )
    .option("--json", "print the new task as JSON")
    .addHelpText(
      "after",
      '\nExample: flotilla task add "Form validation" --spec spec/form.md --scope "src/form/**" --gate "npm test"',
    )
    .action(async (title: string, options: AddOptions) => {
      const { openProject, TaskStore, gateFromCommand } = await load();
      const { existsSync } = await import("node:fs");
      const path = await import("node:path");
      const project = openProject(io.cwd);
      const { parseEffort } = await import("./agents.js");
      const effort = options.effort !== undefined ? await parseEffort(options.effort) : undefined;
      if (options.model !== undefined && options.model.trim().length === 0)
        throw new FlotillaError(
          "INVALID_INPUT",
          "--model is empty: give a model name, or leave --model out",
        );
      if (title.trim().length === 0)
        throw new FlotillaError(
          "INVALID_INPUT",
          "the title is empty: give the task a one-line title",
        );
      let spec: { spec?: string; specPath?: string } = {};
      if (options.spec !== undefined) {
        const candidate = path.resolve(io.cwd, options.spec);
        const looksLikePath = !/\s/.test(options.spec) && existsSync(candidate);
        spec = looksLikePath
          ? { specPath: path.relative(project.root, candidate) }
          : { spec: options.spec };
      }
      const created = await TaskStore.of(project.paths).add({
        title: title.trim(),
        ...spec,
        scope: options.scope ?? [],
        gates: (options.gate ?? []).map(gateFromCommand),
        ...(options.role !== undefined ? { role: options.role } : {}),
        after: options.after ?? [],
        memory: options.memory ?? [],
        ...(options.fallback !== undefined ? { fallback: options.fallback } : {}),
        ...(options.runtime !== undefined ? { runtime: options.runtime } : {}),
        ...(options.model !== undefined ? { model: options.model.trim() } : {}),
        ...(effort !== undefined ? { effort } : {}),
        ...(options.review ? { review: true } : {}),
      });
      project.log("task.added", { detail: { task: created.id, title: created.title } });
      if (options.json) io.stdout.write(JSON.stringify(created, null, 2) + "\n");
      else
        io.stdout.write(
          `added ${created.id} (${created.state}${created.after.length ? `, after ${created.after.join(", ")}` : ""}): ${sanitizeLine(created.title)}\n`,
        );
    });

  task
    .command("ls")
    .description("the board: tasks grouped by state, with dependencies, assignee and attempts")
    .option("--json", "print the board's tasks as a JSON array")
    .action(async (options: { json?: boolean }) => {
      const { openProject, TaskStore } = await load();
      const project = openProject(io.cwd);
      const board = await TaskStore.of(project.paths).read();
      if (options.json) {
        const costs = await taskCosts(project, board.tasks);
        const tasks = board.tasks.map((t) => ({ ...t, cost: costs.get(t.id) }));
        io.stdout.write(JSON.stringify(tasks, null, 2) + "\n");
        return;
      }
      io.stdout.write(formatBoard(board));
    });

  task
    .command("show")
    .description("one task in full: spec, scope, gates, dependencies and history")
    .argument("<id>", "task id, e.g. T1")
    .option("--json", "print it as JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      const { openProject, TaskStore, requireTask } = await load();
      const project = openProject(io.cwd);
      const found = requireTask(await TaskStore.of(project.paths).read(), id);
      const cost = (await taskCosts(project, [found])).get(found.id);
      if (options.json) {
        io.stdout.write(JSON.stringify({ ...found, cost }, null, 2) + "\n");
        return;
      }
      const { readSpec } = await import("../store/task-files.js");
      io.stdout.write(formatTask(found, await readSpec(project.root, found), cost));
    });

  task
    .command("claim")
    .description("inside an agent: take the next ready task that fits my role, atomically")
    .option("--json", "print the claimed task as JSON (null when none)")
    .addHelpText(
      "after",
      "\nThe agent is $FLOTILLA_AGENT and its role $FLOTILLA_ROLE (builder when unset). Claiming\nagain returns the task the agent already holds. Two agents never get the same task.",
    )
    .action(async (options: { json?: boolean }) => {
      const agent = requireAgentEnv(io, "task claim");
      const role = io.env.FLOTILLA_ROLE?.trim() || undefined;
      const { openProject, TaskStore } = await load();
      const project = openProject(io.cwd);
      const result = await TaskStore.of(project.paths).claimNext(agent, role);
      if (!result) {
        if (options.json) io.stdout.write("null\n");
        else io.stdout.write(`no ready task fits role ${role ?? "builder"}\n`);
        return;
      }
      if (!result.again) project.log("task.claimed", { agent, detail: { task: result.task.id } });
      await noteAgentTask(project, agent, result.task.id);
      if (options.json) io.stdout.write(JSON.stringify(result.task, null, 2) + "\n");
      else
        io.stdout.write(
          `${result.again ? "you already hold" : "claimed"} ${result.task.id}: ${sanitizeLine(result.task.title)}\n(see "flotilla task show ${result.task.id}"; run "flotilla done" when finished)\n`,
        );
    });

  task
    .command("fail")
    .description("mark a task failed (it is not retried until `task retry`)")
    .argument("<id>", "task id")
    .option("--reason <text>", "why", "marked failed by hand")
    .action(async (id: string, options: { reason: string }) => {
      const { openProject, TaskStore } = await load();
      const project = openProject(io.cwd);
      const failed = await TaskStore.of(project.paths).fail(id, options.reason);
      project.log("task.failed", { detail: { task: id, reason: options.reason } });
      io.stdout.write(`${failed.id} is failed: ${sanitizeLine(options.reason)}\n`);
    });

  task
    .command("retry")
    .description("make a failed (or stuck) task ready again, with fresh attempts")
    .argument("<id>", "task id")
    .action(async (id: string) => {
      const { openProject, TaskStore } = await load();
      const project = openProject(io.cwd);
      const again = await TaskStore.of(project.paths).retry(id);
      project.log("task.retry", { detail: { task: id } });
      io.stdout.write(`${again.id} is ${again.state}: "flotilla sling ${again.id}" starts it\n`);
    });

  task
    .command("review")
    .description(
      "a reviewer's verdict on tasks whose flotilla done passed: approve enqueues them together",
    )
    .argument("<ids...>", "task ids, e.g. T1 T2")
    .option("--approve", "approve: their branches go to the merge queue (one batch)")
    .option("--changes", "request changes: each worker gets the findings and fixes")
    .option("--findings <text>", "what you checked and found (required)")
    .option("--json", "print the tasks and merge entries as JSON")
    .action(
      async (
        ids: string[],
        options: { approve?: boolean; changes?: boolean; findings?: string; json?: boolean },
      ) => {
        if (Boolean(options.approve) === Boolean(options.changes))
          throw new FlotillaError("INVALID_INPUT", "give one verdict: --approve or --changes");
        if (options.findings === undefined)
          throw new FlotillaError(
            "INVALID_INPUT",
            '--findings is required: say what you checked (--findings "…")',
          );
        const [{ openProject }, { reviewTasks }] = await Promise.all([
          import("../store/project.js"),
          import("../hub/task-review.js"),
        ]);
        const project = openProject(io.cwd);
        const reviewer = io.env.FLOTILLA_AGENT?.trim() || "cockpit";
        const result = await reviewTasks(
          project,
          ids,
          options.approve ? "approve" : "changes",
          reviewer,
          options.findings,
        );
        if (options.json) {
          io.stdout.write(JSON.stringify(result, null, 2) + "\n");
          return;
        }
        for (const t of result.tasks)
          io.stdout.write(
            `${t.id}: ${options.approve ? `approved${result.entries[t.id] ? `, merge entry ${result.entries[t.id]} queued` : ""}` : "changes requested; its worker was told"}\n`,
          );
      },
    );

  task
    .command("wait")
    .description("block until tasks are done (landed), or --for review: wait for a verdict")
    .argument("<ids...>", "task ids, e.g. T1 T2")
    .option("--for <goal>", "done (default) or review", "done")
    .option("--timeout <seconds>", "give up after this long (exit 1); 0 = never", parseCount, 0)
    .option("--json", "print the tasks as a JSON array once all reached the goal")
    .addHelpText(
      "after",
      "\nExits 0 once every task reached the goal, 1 when one of them failed or on --timeout.",
    )
    .action(async (ids: string[], options: { for: string; timeout: number; json?: boolean }) => {
      const { runTaskWait } = await import("./task-wait.js");
      await runTaskWait(io, ids, options);
    });

  task
    .command("edit")
    .description("change a task's title, scope, dependencies, gates, role or fallback")
    .argument("<id>", "task id")
    .option("--title <text>", "new title")
    .option("--scope <globs>", "new scope (replaces the old; repeat or comma-separate)", collect)
    .option("--after <ids>", 'new dependencies (replaces the old; "none" for none)', collect)
    .option("--gate <command>", "new task gates (replace the old; repeatable)", collectWhole)
    .option("--role <role>", "new role")
    .option("--fallback <runtime>", "new fallback runtime")
    .action(
      async (
        id: string,
        options: {
          title?: string;
          scope?: string[];
          after?: string[];
          gate?: string[];
          role?: string;
          fallback?: string;
        },
      ) => {
        const { openProject, TaskStore, gateFromCommand } = await load();
        const project = openProject(io.cwd);
        const edited = await TaskStore.of(project.paths).edit(id, {
          ...(options.title !== undefined ? { title: options.title } : {}),
          ...(options.scope !== undefined ? { scope: options.scope } : {}),
          ...(options.after !== undefined
            ? { after: options.after.filter((a) => a !== "none") }
            : {}),
          ...(options.gate !== undefined ? { gates: options.gate.map(gateFromCommand) } : {}),
          ...(options.role !== undefined ? { role: options.role } : {}),
          ...(options.fallback !== undefined ? { fallback: options.fallback } : {}),
        });
        io.stdout.write(`edited ${edited.id} (${edited.state})\n`);
        if (options.scope !== undefined && edited.state === "claimed" && edited.assignee)
          await rescopeAssignee(io, project, edited.id, edited.assignee, edited.scope);
      },
    );

  program
    .command("sling")
    .description(
      "start tasks: worktree + branch + brief (spec, scope, gates, memory primer) + agent",
    )
    .argument("[id]", "task id, e.g. T1")
    .option("--all-ready", "every ready task (in id order), up to --max running")
    .option("-r, --runtime <runtime>", "agent CLI to run (default: the task's, else tasks.runtime)")
    .option("--max <n>", "at most this many tasks running at once, these included", parseCount)
    .option("--force", "start even when the scope overlaps a running task's (warns)")
    .option("--name <agent>", "agent name (one task only; default t<N>-<title>)")
    .addHelpText(
      "after",
      "\nOnly a coordinator (FLOTILLA_ROLE=coordinator) or the human may sling, unless\ntasks.slingRoles allows more. Scope overlap is checked conservatively: globs that cannot\nbe proven disjoint count as overlapping.",
    )
    .action(
      async (
        id: string | undefined,
        options: {
          allReady?: boolean;
          runtime?: string;
          max?: number;
          force?: boolean;
          name?: string;
        },
      ) => {
        const [{ openProject }, { slingTask, slingRefusal }, { TaskStore }] = await Promise.all([
          import("../store/project.js"),
          import("../hub/sling.js"),
          import("../store/task-store.js"),
        ]);
        const project = openProject(io.cwd);
        const config = await project.readConfig();
        const refusal = slingRefusal(io.env, config);
        if (refusal) throw new FlotillaError("INVALID_INPUT", refusal);
        if ((id === undefined) === !options.allReady)
          throw new FlotillaError(
            "INVALID_INPUT",
            "name one task (flotilla sling T1) or pass --all-ready",
          );
        if (options.allReady && options.name !== undefined)
          throw new FlotillaError("INVALID_INPUT", "--name applies to one task, not --all-ready");
        const ids = options.allReady
          ? (await TaskStore.of(project.paths).read()).tasks
              .filter((t) => t.state === "ready")
              .map((t) => t.id)
          : [id!];
        if (ids.length === 0) {
          io.stdout.write("no ready tasks to sling\n");
          return;
        }
        let started = 0;
        for (const taskId of ids) {
          try {
            const result = await slingTask(project, taskId, {
              ...(options.runtime !== undefined ? { runtime: options.runtime } : {}),
              ...(options.max !== undefined ? { max: options.max } : {}),
              ...(options.force ? { force: true } : {}),
              ...(options.name !== undefined ? { name: options.name } : {}),
            });
            for (const w of result.warnings)
              io.stderr.write(`warning: ${sanitizeLine(w)} (--force)\n`);
            io.stdout.write(
              `slung ${taskId} to ${result.agent.name} (runtime ${result.agent.runtime}, role ${result.agent.role}) on ${result.agent.branch}; ${sanitizeLine(result.primer)}\n`,
            );
            started += 1;
          } catch (error) {
            if (!options.allReady) throw error;
            io.stderr.write(`skipped ${taskId}: ${sanitizeLine((error as Error).message)}\n`);
          }
        }
        if (options.allReady)
          io.stdout.write(
            `${started} of ${ids.length} ready task(s) slung; the hub starts them (flotilla up)\n`,
          );
      },
    );

  program
    .command("done")
    .description(
      "inside an agent: run the gates; only if they pass, send worker_done and enqueue the merge",
    )
    .option("--learned <text>", "also record what you learned in shared memory")
    .option(
      "--domain <domain>",
      "memory domain for --learned (default: the task's first, else general)",
    )
    .addHelpText(
      "after",
      "\nRefuses uncommitted changes. Runs the project's gates then the task's in your worktree;\na failing gate's last lines are printed and nothing is sent.",
    )
    .action(async (options: { learned?: string; domain?: string }) => {
      const { runDone } = await import("./done-action.js");
      await runDone(io, options);
    });

  program
    .command("guard")
    .description("Claude Code PreToolUse hook: block writes outside the task's scope or worktree")
    .addHelpText(
      "after",
      "\nReads Claude Code's PreToolUse hook JSON on stdin. Allowed: exit 0, nothing printed.\nBlocked: exit 2 with the reason on stderr, which Claude Code shows the agent. Shell\ncommands are checked best effort (redirections, tee, rm, mv, cp, sed -i, …).",
    )
    .action(async () => {
      const { runGuard } = await import("./guard-action.js");
      await runGuard(io);
    });
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new FlotillaError("INVALID_INPUT", `"${text}" is not a whole number ≥ 0`);
  return n;
}

/** The agent calling, from `$FLOTILLA_AGENT`. */
export function requireAgentEnv(io: Pick<TaskIo, "env">, what: string): string {
  const agent = io.env.FLOTILLA_AGENT?.trim();
  if (!agent)
    throw new FlotillaError(
      "INVALID_INPUT",
      `${what} runs inside an agent's pane: FLOTILLA_AGENT is not set (flotilla sling starts agents with it)`,
    );
  return agent;
}

/** Records the task on the agent's state record, when the agent is one Flotilla knows. */
async function noteAgentTask(
  project: import("../store/project.js").Project,
  agent: string,
  taskId: string,
): Promise<void> {
  const state = await project.readState();
  const record = state.agents.find((a) => a.name === agent);
  if (!record || record.task === taskId) return;
  await project.stateDoc.update((draft) => {
    const r = draft.agents.find((a) => a.name === agent);
    if (r) r.task = taskId;
  });
}

const STATE_ORDER = ["claimed", "ready", "blocked", "failed", "done"] as const;

/** The board as text: one group per state (claimed first), one line per task. */
export function formatBoard(board: TaskBoard): string {
  if (board.tasks.length === 0)
    return 'no tasks yet: flotilla task add "title" --spec "..." --scope "src/x/**"\n';
  const lines: string[] = [];
  for (const state of STATE_ORDER) {
    const tasks = board.tasks.filter((t) => t.state === state);
    if (tasks.length === 0) continue;
    lines.push(`${state.toUpperCase()} (${tasks.length})`);
    for (const t of tasks) {
      const parts = [
        `  ${t.id.padEnd(4)}`,
        t.role.padEnd(11),
        sanitizeLine(t.title),
        t.after.length ? `after ${t.after.join(",")}` : "",
        t.assignee ? `@${sanitizeLine(t.assignee)}` : "",
        t.attempts > 0 ? `attempt ${t.attempts}${t.onFallback ? " (fallback)" : ""}` : "",
        t.verdict ? `review ${t.verdict}` : t.review ? "needs review" : "",
        t.scope.length ? `scope ${t.scope.join(",")}` : "",
      ];
      lines.push(parts.filter((p) => p.length > 0).join("  "));
    }
  }
  return lines.join("\n") + "\n";
}

/** One task in full for a terminal. */
export function formatTask(t: Task, spec: string, cost?: TaskCost): string {
  const lines = [
    `${t.id}  ${sanitizeLine(t.title)}`,
    `state:     ${t.state}${t.assignee ? ` (${sanitizeLine(t.assignee)})` : ""}`,
    `role:      ${t.role}`,
    `after:     ${t.after.join(", ") || "-"}`,
    `scope:     ${t.scope.join(", ") || "(none declared)"}`,
    `gates:     ${t.gates.map((g) => g.command).join(" ; ") || "(project gates only)"}`,
    `memory:    ${t.memory.join(", ") || "-"}`,
    ...(t.model || t.effort
      ? [
          `model:     ${t.model ? sanitizeLine(t.model) : "(the runtime's default)"}${t.effort ? `, effort ${t.effort}` : ""}`,
        ]
      : []),
    `attempts:  ${t.attempts}${t.runtime ? ` on ${t.runtime}` : ""}${t.fallback ? `, fallback ${t.fallback}${t.onFallback ? " (in use)" : ""}` : ""}`,
    ...(t.branch
      ? [
          `branch:    ${t.branch} at ${t.head?.slice(0, 7) ?? "?"}${t.mergeEntry ? `, merge entry ${t.mergeEntry}` : ""}`,
        ]
      : []),
    ...(t.review || t.verdict ? [`review:    ${t.verdict ?? "needed after flotilla done"}`] : []),
    ...(t.lastFailure ? [`failure:   ${sanitizeLine(t.lastFailure)}`] : []),
    ...(cost && cost.agents.length > 0
      ? [
          `cost:      $${cost.dollars.toFixed(2)}${cost.unpriced.length > 0 ? "+?" : ""} (${cost.agents
            .map((a) => `${sanitizeLine(a.agent)} $${a.dollars.toFixed(2)}`)
            .join(", ")})`,
        ]
      : []),
    "",
    `spec${t.specPath ? ` (${t.specPath})` : ""}:`,
    spec.trim().length > 0 ? sanitizeForTerminal(spec).replace(/\n?$/, "") : "(none)",
    "",
    "history:",
    ...t.history.map((h) => `  ${h.time}  ${h.event.padEnd(14)} ${sanitizeLine(h.text)}`),
  ];
  return lines.join("\n") + "\n";
}
