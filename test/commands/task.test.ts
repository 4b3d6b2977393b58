import { writeFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { registerTaskCommands, type TaskIo } from "../../src/commands/task.js";
import { removeTempRepos } from "../git/temp-repo.js";
import { makeTaskProject } from "../hub/task-fixture.js";

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
