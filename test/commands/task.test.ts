import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { registerTaskCommands, type TaskIo } from "../../src/commands/task.js";
import { removeTempRepos } from "../git/temp-repo.js";
import { makeTaskProject } from "../hub/task-fixture.js";
import { slingTask } from "../../src/hub/sling.js";
import { encodeClaudeProject } from "../../src/store/agent-costs.js";
import { MailStore } from "../../src/store/mail-store.js";

afterAll(() => removeTempRepos());
delete process.env.FLOTILLA_ROOT;

async function task(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = "";
  let stderr = "";
  const io: TaskIo = {
    cwd: root,
    env,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => "",
    setExitCode: () => undefined,
  };
  const program = new Command("flotilla")
    .exitOverride()
    .configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerTaskCommands(program, io);
  await program.parseAsync(args, { from: "user" });
  return { stdout, stderr };
}

describe("flotilla task (in-process)", () => {
  it("add (spec from a file), ls grouped by state, show with spec and history, ls --json", async () => {
    const { root } = await makeTaskProject();
    writeFileSync(path.join(root, "form.md"), "# Form\nValidate email.\n");
    expect(
      (
        await task(root, [
          "task",
          "add",
          "Form validation",
          "--spec",
          "form.md",
          "--scope",
          "src/form/**",
          "--gate",
          "npm test",
        ])
      ).stdout,
    ).toBe("added T1 (ready): Form validation\n");
    expect(
      (await task(root, ["task", "add", "Docs", "--spec", "Document it", "--after", "T1"])).stdout,
    ).toBe("added T2 (blocked, after T1): Docs\n");
    const ls = (await task(root, ["task", "ls"])).stdout;
    expect(ls).toContain("READY (1)\n  T1    builder      Form validation  scope src/form/**");
    expect(ls).toContain("BLOCKED (1)\n  T2    builder      Docs  after T1");
    const show = (await task(root, ["task", "show", "T1"])).stdout;
    expect(show).toContain("spec (form.md):\n# Form\nValidate email.");
    expect(show).toContain("gates:     npm test");
    const json = JSON.parse((await task(root, ["task", "ls", "--json"])).stdout) as Array<{
      id: string;
      specPath?: string;
      spec?: string;
    }>;
    expect(json.map((t) => [t.id, t.specPath ?? t.spec])).toEqual([
      ["T1", "form.md"],
      ["T2", "Document it"],
    ]);
  });

  it("show and ls --json give what the task's agents cost, earlier attempts' agents included", async () => {
    const { root, project } = await makeTaskProject();
    await task(root, ["task", "add", "Form validation"]);
    await task(root, ["task", "add", "Docs"]);
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    // An earlier attempt's agent, removed since: only the task's history names it.
    const file = project.paths.tasks;
    const board = JSON.parse(readFileSync(file, "utf8"));
    board.tasks[0].history.push({
      time: "2026-01-01T00:00:00.000Z",
      event: "claimed",
      text: "x",
      agent: "t1-old",
    });
    writeFileSync(file, JSON.stringify(board));
    const claude = mkdtempSync(path.join(os.tmpdir(), "flotilla-task-cost-"));
    const before = process.env.CLAUDE_CONFIG_DIR;
    process.env.CLAUDE_CONFIG_DIR = claude;
    try {
      const fixtures = path.resolve(import.meta.dirname, "../fixtures/transcripts");
      for (const [worktree, file] of [
        [agent.worktree, "claude-session.jsonl"], // $0.012395
        [path.join(project.paths.worktrees, "t1-old"), "claude-subagent.jsonl"], // $0.005505 (its sonnet response, its haiku one)
      ] as const) {
        const dir = path.join(claude, "projects", encodeClaudeProject(worktree));
        mkdirSync(dir, { recursive: true });
        writeFileSync(path.join(dir, "s.jsonl"), readFileSync(path.join(fixtures, file)));
      }
      const show = (await task(root, ["task", "show", "T1"])).stdout;
      expect(show).toContain(`cost:      $0.02 (${agent.name} $0.01, t1-old $0.01)`);
      const json = JSON.parse((await task(root, ["task", "ls", "--json"])).stdout) as Array<{
        id: string;
        cost: { dollars: number; agents: { agent: string }[]; tokens: { output: number } };
      }>;
      expect(json[0]?.cost.dollars).toBeCloseTo(0.012395 + 0.005505, 8);
      expect(json[0]?.cost.agents.map((a) => a.agent).sort()).toEqual(
        [agent.name, "t1-old"].sort(),
      );
      expect(json[0]?.cost.tokens.output).toBe(455 + 65);
      expect(json[1]?.cost).toEqual({
        dollars: 0,
        tokens: { input: 0, output: 0, cacheWrite: 0, cacheRead: 0 },
        agents: [],
        unpriced: [],
      });
      const shown = JSON.parse((await task(root, ["task", "show", "T1", "--json"])).stdout);
      expect(shown.cost.dollars).toBeCloseTo(json[0]!.cost.dollars, 10);
    } finally {
      if (before === undefined) delete process.env.CLAUDE_CONFIG_DIR;
      else process.env.CLAUDE_CONFIG_DIR = before;
      rmSync(claude, { recursive: true, force: true });
    }
  });

  it("edit --scope of a claimed task re-scopes its agent's record and tells the agent by mail", async () => {
    const { root, project } = await makeTaskProject();
    await task(root, ["task", "add", "Form validation", "--scope", "src/form/**"]);
    const { agent } = await slingTask(project, "T1", { runtime: "shell" });
    const edited = await task(root, ["task", "edit", "T1", "--scope", "src/form/**,docs/form.md"]);
    expect(edited.stdout).toBe(`edited T1 (claimed)\n${agent.name} told its new scope by mail\n`);
    const record = (await project.readState()).agents.find((a) => a.name === agent.name);
    expect(record?.scope).toEqual(["src/form/**", "docs/form.md"]);
    const inbox = (await new MailStore(project.paths.mail).list(agent.name)).messages;
    expect(inbox.map((m) => m.subject)).toEqual([
      "Your scope for T1 changed: src/form/**, docs/form.md",
    ]);
  });

  it("one-line errors: a cycle named, an unknown task, claim outside an agent, sling by a builder", async () => {
    const { root } = await makeTaskProject();
    await task(root, ["task", "add", "a"]);
    await task(root, ["task", "add", "b", "--after", "T1"]);
    await expect(task(root, ["task", "edit", "T1", "--after", "T2"])).rejects.toThrow(
      "dependency cycle T1 → T2 → T1",
    );
    await expect(task(root, ["task", "show", "T9"])).rejects.toThrow(
      'no task T9 on the board: see "flotilla task ls"',
    );
    await expect(task(root, ["task", "claim"])).rejects.toThrow(/FLOTILLA_AGENT is not set/);
    await expect(task(root, ["sling", "T1"], { FLOTILLA_ROLE: "builder" })).rejects.toThrow(
      /only a coordinator may sling/,
    );
    await expect(task(root, ["sling"])).rejects.toThrow(/name one task .* or pass --all-ready/);
  });
});
