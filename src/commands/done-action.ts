import { execFileSync } from "node:child_process";
import { FlotillaError } from "../core/errors.js";
import { sanitizeForTerminal, sanitizeLine } from "../core/sanitize.js";
import { finishWork } from "../hub/task-done.js";
import { MemoryStore } from "../store/memory-store.js";
import { openProject } from "../store/project.js";
import { TaskStore } from "../store/task-store.js";
import { requireAgentEnv, type TaskIo } from "./task.js";

/**
 * `flotilla done [--learned "..."]` inside an agent (see `hub/task-done.ts`). The agent is
 * `$FLOTILLA_AGENT`; its worktree is its recorded one (else the checkout around the cwd);
 * its task `$FLOTILLA_TASK`, else its recorded task, else the task it holds on the board.
 * A failing gate sets exit status 1 after printing the gate's last lines.
 */
export async function runDone(
  io: TaskIo,
  options: { learned?: string; domain?: string },
): Promise<void> {
  const agent = requireAgentEnv(io, "done");
  const project = openProject(io.cwd);
  const record = (await project.readState()).agents.find((a) => a.name === agent);
  const worktree = record?.worktree ?? toplevel(io.cwd);
  const board = await TaskStore.of(project.paths).read();
  const taskId =
    io.env.FLOTILLA_TASK?.trim() ||
    record?.task ||
    board.tasks.find((t) => t.state === "claimed" && t.assignee === agent)?.id;
  const role = io.env.FLOTILLA_ROLE?.trim() || record?.role;
  const result = await finishWork(project, {
    agent,
    worktree,
    ...(taskId ? { task: taskId } : {}),
    ...(role ? { role } : {}),
    env: io.env,
    progress: (line) => io.stdout.write(`${line}\n`),
  });
  if (!result.ok) {
    io.stderr.write(
      `gate ${sanitizeLine(result.gate)} failed (${result.timedOut ? "timed out" : `exit ${result.exitCode ?? "none"}`}); nothing was sent. Its last lines:\n${sanitizeForTerminal(result.tail)}\nFix it, commit, and run flotilla done again.\n`,
    );
    io.setExitCode(1);
    return;
  }
  io.stdout.write(
    `done: worker_done sent (${result.mail}) for ${result.branch} at ${result.head.slice(0, 10)}, ${result.files.length} file(s); ${result.entry ? `merge entry ${result.entry} queued` : (result.note ?? "")}\n`,
  );
  if (options.learned !== undefined) {
    const text = options.learned.trim();
    if (text.length === 0)
      throw new FlotillaError("INVALID_INPUT", "--learned is empty: say what you learned");
    const config = await project.readConfig();
    const task = taskId ? board.tasks.find((t) => t.id === taskId) : undefined;
    const domain = options.domain ?? task?.memory[0] ?? "general";
    const outcome = await MemoryStore.forProject(project.root, config).record(
      {
        domain,
        type: "pattern",
        text,
        tags: ["learned"],
        evidence: {
          files: result.files.slice(0, 50),
          commit: result.head,
          ...(taskId ? { task: taskId } : {}),
          agent,
        },
      },
      { author: agent },
    );
    io.stdout.write(`recorded in memory (${domain}): ${outcome.record.id}\n`);
  }
}

function toplevel(cwd: string): string {
  try {
    return execFileSync("git", ["rev-parse", "--show-toplevel"], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    throw new FlotillaError(
      "NOT_A_GIT_REPO",
      `${cwd} is not inside a git worktree: run flotilla done in your worktree`,
    );
  }
}
