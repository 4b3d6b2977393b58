import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { describeError } from "../core/errors.js";
import { decide, WRITE_TOOLS, type GuardInput, type GuardPolicy } from "../core/guard.js";
import { READ_ONLY_ROLES, findTask } from "../core/tasks.js";
import { Project } from "../store/project.js";
import { TaskStore } from "../store/task-store.js";
import type { TaskIo } from "./task.js";

/**
 * `flotilla guard`: Claude Code's `PreToolUse` hook command. Reads the hook payload on stdin
 * (see `core/guard.ts` for its shape), works out the caller's worktree, task scope and role
 * from `$FLOTILLA_AGENT`/`$FLOTILLA_TASK`/`$FLOTILLA_ROLE` and the project's documents, and
 * answers the documented way: allowed → exit 0 and no output (Claude Code's normal permission
 * flow goes on); blocked → exit 2 with the reason on stderr, which Claude Code feeds back to
 * the model. When the guard cannot work out its policy, a write tool is blocked (fail closed)
 * and anything else allowed.
 */
export async function runGuard(io: TaskIo): Promise<void> {
  let input: GuardInput;
  try {
    const parsed = JSON.parse(await io.readStdin()) as Partial<GuardInput>;
    if (typeof parsed.tool_name !== "string") throw new Error("no tool_name");
    input = {
      tool_name: parsed.tool_name,
      tool_input:
        typeof parsed.tool_input === "object" && parsed.tool_input !== null
          ? parsed.tool_input
          : {},
      ...(typeof parsed.cwd === "string" ? { cwd: parsed.cwd } : {}),
    };
  } catch (error) {
    io.stderr.write(
      `Flotilla guard: cannot read the PreToolUse payload on stdin (${describeError(error)})\n`,
    );
    io.setExitCode(2);
    return;
  }
  const agent = io.env.FLOTILLA_AGENT?.trim();
  if (!agent) return; // not a Flotilla agent: nothing to enforce
  let policy: GuardPolicy;
  try {
    policy = await guardPolicy(io, agent, input.cwd);
  } catch (error) {
    if (WRITE_TOOLS.has(input.tool_name) || input.tool_name === "Bash") {
      io.stderr.write(
        `Flotilla guard: blocked: cannot check your task's scope (${describeError(error)}); tell the cockpit by mail\n`,
      );
      io.setExitCode(2);
    }
    return;
  }
  const decision = decide(input, policy);
  if (!decision.allow) {
    io.stderr.write(decision.reason + "\n");
    io.setExitCode(2);
  }
}

async function guardPolicy(
  io: TaskIo,
  agent: string,
  hookCwd: string | undefined,
): Promise<GuardPolicy> {
  const cwd = hookCwd ?? io.cwd;
  const rootEnv = io.env.FLOTILLA_ROOT;
  const root = rootEnv && existsSync(path.join(rootEnv, ".git")) ? rootEnv : mainCheckout(cwd);
  const project = new Project(root);
  const record = (await project.readState()).agents.find((a) => a.name === agent);
  const worktree = record?.worktree ?? toplevel(cwd);
  const taskId = io.env.FLOTILLA_TASK?.trim() || record?.task;
  const task = taskId ? findTask(await TaskStore.of(project.paths).read(), taskId) : undefined;
  const role = io.env.FLOTILLA_ROLE?.trim() || task?.role || record?.role || "builder";
  return {
    worktree,
    root,
    scope: task?.scope ?? [],
    role,
    readOnly: READ_ONLY_ROLES.has(role),
    ...(taskId ? { task: taskId } : {}),
  };
}

function toplevel(cwd: string): string {
  return execFileSync("git", ["rev-parse", "--show-toplevel"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
}

function mainCheckout(cwd: string): string {
  const common = execFileSync("git", ["rev-parse", "--path-format=absolute", "--git-common-dir"], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();
  return path.basename(common) === ".git" ? path.dirname(common) : toplevel(cwd);
}
