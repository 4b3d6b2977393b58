import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inScope } from "../../src/core/scope.js";
import { DEMO_PLAN, planBranch, type DemoPlanTask } from "../../src/demo/plan.js";
import { createDemoRepo, DEMO_FILES, type DemoRepo } from "../../src/demo/repo.js";
import { firstPrompt } from "../../src/hub/sling.js";
import { demoAgentPath } from "../../src/runtimes/package-files.js";
import { PtyAgent } from "./agent-pty.js";
import { makeTempDir } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";

let tmp: string;
let repo: DemoRepo;
const agents: PtyAgent[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8" }).trim();
}

/** A worktree on branch `flotilla/<name>` from main's tip, as sling makes one. */
function addWorktree(name: string): string {
  const path = join(tmp, "worktrees", name);
  git(repo.root, "worktree", "add", "--quiet", "-b", `flotilla/${name}`, path, "main");
  return path;
}

/**
 * A `flotilla` on PATH that logs its arguments, then exits 0 (`log`) or, like `flotilla
 * done`'s project gate, with the status of `node --test` in the worktree (`gate`).
 */
function fakeFlotilla(behaviour: "log" | "gate"): { path: string; log: string } {
  const bin = join(tmp, `bin-${behaviour}`);
  const log = join(tmp, `flotilla-${behaviour}.log`);
  mkdirSync(bin, { recursive: true });
  const body =
    behaviour === "log"
      ? `#!/bin/sh\nprintf '%s\\n' "$@" >> '${log}'\n`
      : `#!/bin/sh\nprintf '%s\\n' "$@" >> '${log}'\nexec '${process.execPath}' --test\n`;
  writeFileSync(join(bin, "flotilla"), body);
  chmodSync(join(bin, "flotilla"), 0o755);
  return { path: `${bin}${delimiter}${process.env.PATH ?? ""}`, log };
}

/** A worker of the demo plan, started with the prompt sling gives it. */
function startWorker(
  task: DemoPlanTask,
  cwd: string,
  extraEnv: Record<string, string> = {},
): PtyAgent {
  const agent = new PtyAgent({
    cwd,
    args: [firstPrompt(task, "none")],
    env: { FLOTILLA_AGENT: task.agent, FLOTILLA_DEMO_SPEED: "50", ...extraEnv },
  });
  agents.push(agent);
  return agent;
}

function task(agent: string): DemoPlanTask {
  const found = DEMO_PLAN.find((candidate) => candidate.agent === agent);
  if (!found) throw new Error(`no demo task for ${agent}`);
  return found;
}

beforeEach(async () => {
  tmp = makeTempDir("flotilla-demo-");
  repo = await createDemoRepo(join(tmp, "repo"));
});

afterEach(async () => {
  for (const agent of agents.splice(0)) {
    agent.kill("SIGKILL");
    await agent.exited;
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe("demo agent in a pty", () => {
  it("asks once, and on y edits, runs the tests, commits with its trailer and runs flotilla done", async () => {
    const worktree = addWorktree("alice");
    const mainHead = git(repo.root, "rev-parse", "main");
    const flotilla = fakeFlotilla("log");
    const agent = startWorker(task("alice"), worktree, { PATH: flotilla.path });

    await agent.waitFor("(y/n)");
    expect(agent.screen()).toContain("Edit src/form.js");
    expect(git(worktree, "status", "--porcelain")).toBe("");
    agent.write("y");

    await agent.waitFor("Script finished");
    const history = agent.history();
    expect(history).toContain("Update(src/form.js)");
    expect(history).toContain("✔ passed");
    expect(history).toContain("Commit [flotilla/alice");
    expect(history).toContain("Run(flotilla done)");
    // Once answered, the question no longer reads as pending.
    expect(agent.screen()).not.toContain("(y/n)");

    expect(readFileSync(join(worktree, "src/form.js"), "utf8")).toContain(
      "export function validateSignup",
    );
    expect(git(worktree, "status", "--porcelain")).toBe("");
    expect(git(repo.root, "rev-parse", "main")).toBe(mainHead);
    expect(git(repo.root, "rev-parse", "flotilla/alice~1")).toBe(mainHead);
    expect(
      git(
        repo.root,
        "log",
        "-1",
        "--format=%(trailers:key=Flotilla-Agent,valueonly)",
        "flotilla/alice",
      ),
    ).toBe("alice");
    expect(readFileSync(flotilla.log, "utf8")).toBe("done\n");
    // The scripted edits keep the project's own tests green.
    execFileSync(process.execPath, ["--test"], { cwd: worktree, stdio: "pipe" });

    // Idle like a real agent: the cursor shows (written just after "Script finished", so
    // it may come in a later read), it runs until interrupted, and the cursor stays shown.
    await waitFor(() => !agent.cursorHidden(), { what: "the idle agent's cursor to show" });
    agent.write("\x03");
    expect((await agent.exited).exitCode).toBe(130);
    expect(agent.cursorHidden()).toBe(false);
  });

  it("on n takes the no path: nothing edited, nothing committed", async () => {
    const worktree = addWorktree("carol");
    const head = git(worktree, "rev-parse", "HEAD");
    const agent = startWorker(task("carol"), worktree);

    await agent.waitFor("(y/n)");
    agent.write("n");
    await agent.waitFor("Script finished");

    expect(agent.history()).toContain("leave the README as it is");
    expect(agent.history()).not.toContain("Update(README.md)");
    expect(readFileSync(join(worktree, "README.md"), "utf8")).toBe(DEMO_FILES["README.md"]);
    expect(git(worktree, "rev-parse", "HEAD")).toBe(head);
    expect(git(worktree, "status", "--porcelain")).toBe("");

    agent.kill("SIGTERM");
    expect((await agent.exited).exitCode).toBe(143);
    expect(agent.cursorHidden()).toBe(false);
  });

  it("ignores keys other than y and n at the question", async () => {
    const worktree = addWorktree("carol");
    const agent = startWorker(task("carol"), worktree, { PATH: fakeFlotilla("log").path });
    await agent.waitFor("(y/n)");
    agent.write("x");
    agent.write("\r");
    agent.write("y");
    await agent.waitFor("Script finished");
    expect(agent.history()).toContain("Commit [flotilla/carol");
  });

  it("bob's gate fails once on his slip; he fixes the test, commits, and flotilla done passes", async () => {
    const worktree = addWorktree("bob");
    const flotilla = fakeFlotilla("gate");
    const agent = startWorker(task("bob"), worktree, { PATH: flotilla.path });
    await agent.waitFor("(y/n)");
    agent.write("y");
    await agent.waitFor("Script finished");
    const history = agent.history();
    expect(history).toContain("The gate caught my mistake");
    expect(history.indexOf("✘ failed")).toBeGreaterThan(-1);
    expect(history.indexOf("✔ passed")).toBeGreaterThan(history.indexOf("✘ failed"));
    expect(readFileSync(flotilla.log, "utf8")).toBe("done\ndone\n");
    expect(git(repo.root, "log", "--format=%s", "main..flotilla/bob").split("\n")).toEqual([
      "Fix the expected slug of R2-D2",
      "Test isEmail edge cases and slugify",
    ]);
    expect(git(worktree, "status", "--porcelain")).toBe("");
  });

  it("plays the whole plan: each worker stays in its scope, T4 builds on T1, and the merges pass the tests", async () => {
    const flotilla = fakeFlotilla("gate");
    const bases = new Map<string, string>();
    const play = async (planTask: DemoPlanTask): Promise<void> => {
      bases.set(planTask.id, git(repo.root, "rev-parse", "main"));
      const agent = startWorker(planTask, addWorktree(planTask.agent), { PATH: flotilla.path });
      await agent.waitFor("(y/n)");
      agent.write("y");
      await agent.waitFor("Script finished");
    };
    const first = DEMO_PLAN.filter((t) => t.after.length === 0);
    const later = DEMO_PLAN.filter((t) => t.after.length > 0);
    await Promise.all(first.map(play));
    for (const t of first) git(repo.root, "merge", "--quiet", "--no-edit", planBranch(t));
    // A dependant's worktree starts from main once its dependencies have landed.
    await Promise.all(later.map(play));
    for (const t of later) git(repo.root, "merge", "--quiet", "--no-edit", planBranch(t));

    for (const t of DEMO_PLAN) {
      const branch = planBranch(t);
      const files = git(repo.root, "diff", "--name-only", bases.get(t.id)!, branch).split("\n");
      for (const file of files) expect(inScope(file, t.scope), `${t.id} wrote ${file}`).toBe(true);
      expect(
        git(repo.root, "log", "-1", "--format=%(trailers:key=Flotilla-Agent,valueonly)", branch),
      ).toBe(t.agent);
    }
    const output = execFileSync(process.execPath, ["--test"], {
      cwd: repo.root,
      encoding: "utf8",
    });
    expect(output).toMatch(/# pass 10\b/);
    expect(output).toMatch(/# fail 0\b/);
  });

  it("a pane narrowed while it asks shows the question once, and nothing of it after the answer", async () => {
    const script = join(tmp, "ask.json");
    const question = "Edit src/form.js and add test/validate-signup.test.js now, please?";
    writeFileSync(
      script,
      JSON.stringify({ steps: [{ do: "ask", question, yes: [{ do: "say", text: "ok" }] }] }),
    );
    const agent = new PtyAgent({ cwd: repo.root, args: ["--script", script], cols: 80 });
    agents.push(agent);
    await agent.waitFor("(y/n)");
    const since = agent.output.length;
    agent.resize(40, 30);
    await agent.waitForOutput(/\(y\/n\)/, since);
    const statusLines = (text: string) => text.split("\n").filter((l) => l.startsWith("◆"));
    expect(statusLines(agent.screen())).toHaveLength(1);
    agent.write("y");
    await agent.waitFor("Script finished");
    const screen = agent.screen();
    expect(screen).not.toContain("(y/n)");
    expect(screen).not.toContain("waiting for you");
    expect(statusLines(screen)).toHaveLength(1);
  });

  it("plays a --script file, animates its spinner, survives resizes and ends on exit", async () => {
    const script = join(tmp, "custom.json");
    writeFileSync(
      script,
      JSON.stringify({
        name: "custom",
        steps: [
          { do: "say", text: "Hello from **custom**" },
          {
            do: "ask",
            question: "Think for a long while?",
            yes: [{ do: "think", ms: 600_000, label: "Pondering" }],
          },
        ],
      }),
    );
    const agent = new PtyAgent({
      cwd: repo.root,
      args: ["--script", script],
      env: { FLOTILLA_DEMO_SPEED: "1" },
    });
    agents.push(agent);
    await agent.waitFor("(y/n)");
    expect(agent.screen()).toContain("Hello from custom");
    expect(agent.screen()).toContain("◆ demo · custom · step 2/2");
    agent.write("y");
    await agent.waitFor(/⠋ Pondering…/);
    await agent.waitFor(/⠙ Pondering…/);
    expect(agent.cursorHidden()).toBe(true);
    for (const [cols, rows] of [
      [40, 10],
      [5, 3],
      [120, 40],
    ] as const) {
      const mark = agent.output.length;
      agent.resize(cols, rows);
      await agent.waitForOutput(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, mark);
    }
    await agent.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] Pondering…/);
    agent.write("\x03");
    expect((await agent.exited).exitCode).toBe(130);
    expect(agent.cursorHidden()).toBe(false);
    expect(agent.screen()).toContain("Interrupted.");
  });

  it("gives the terminal back in its normal mode after Ctrl-C", async () => {
    const script = join(tmp, "long.json");
    writeFileSync(
      script,
      JSON.stringify({ steps: [{ do: "think", ms: 600_000, label: "Pondering" }] }),
    );
    const run = `"${process.execPath}" "${demoAgentPath()}" --script "${script}"; echo "exit=$?"; stty -a`;
    const agent = new PtyAgent({ cwd: repo.root, shell: run });
    agents.push(agent);
    await agent.waitFor("Pondering");
    agent.write("\x03");
    await agent.waitFor(/exit=130[\s\S]*\bicanon\b/, "history");
    const modes = agent.history().slice(agent.history().indexOf("exit=130"));
    expect(modes).not.toMatch(/-icanon|-echo\b|-isig/);
    expect(agent.cursorHidden()).toBe(false);
  });

  it("exits with the code of an exit step, and stops at a failing step", async () => {
    const script = join(tmp, "exit.json");
    writeFileSync(
      script,
      JSON.stringify({
        steps: [
          { do: "edit", file: "README.md", replace: { find: "no such text", with: "x" } },
          { do: "exit", code: 3 },
        ],
      }),
    );
    const stopped = new PtyAgent({ cwd: repo.root, args: ["--script", script] });
    agents.push(stopped);
    await stopped.waitFor("Stopped: edit README.md: text to replace not found");
    stopped.kill("SIGTERM");
    await stopped.exited;

    writeFileSync(
      script,
      JSON.stringify({
        steps: [
          { do: "wait", ms: 10 },
          { do: "exit", code: 3 },
        ],
      }),
    );
    const exiting = new PtyAgent({ cwd: repo.root, args: ["--script", script] });
    agents.push(exiting);
    expect((await exiting.exited).exitCode).toBe(3);
    expect(exiting.cursorHidden()).toBe(false);
  });

  it("refuses an invalid script with one clear line", async () => {
    const script = join(tmp, "bad.json");
    writeFileSync(script, JSON.stringify({ steps: [{ do: "think", label: "no ms" }] }));
    const agent = new PtyAgent({ cwd: repo.root, args: ["--script", script], cols: 300 });
    agents.push(agent);
    expect((await agent.exited).exitCode).toBe(1);
    expect(agent.screen()).toContain(
      `flotilla demo agent: demo script ${script}: steps[0].ms: Invalid input`,
    );
    expect(agent.screen()).not.toMatch(/\n\s+at /);
  });
});
