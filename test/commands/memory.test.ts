import { spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { memoryAuthor, registerMemoryCommands, type MemoryIo } from "../../src/commands/memory.js";
import { cleanEnv, git, makeRepo, removeTempRepos } from "../git/temp-repo.js";
import { REPO } from "../store/mail-fixture.js";

const CLI = path.join(REPO, "dist/cli.js");

/** Runs `flotilla memory <args>` in-process in `root` with `env`. */
async function memory(root: string, args: string[], env: NodeJS.ProcessEnv = {}, stdin = "") {
  let stdout = "";
  let stderr = "";
  const io: MemoryIo = {
    cwd: root,
    env,
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => stdin,
  };
  const program = new Command("flotilla")
    .exitOverride()
    .configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerMemoryCommands(program, io);
  await program.parseAsync(["memory", ...args], { from: "user" });
  return { stdout, stderr };
}

/** A repository with `.flotilla/config.json` (optionally with a `memory` section). */
function project(config: object = {}): string {
  const root = makeRepo();
  git(root, "config", "user.email", "t@example.com");
  spawnSync(process.execPath, [CLI, "init"], { cwd: root, env: cleanEnv() });
  if (Object.keys(config).length > 0)
    writeFileSync(path.join(root, ".flotilla/config.json"), JSON.stringify(config));
  return root;
}

function cli(cwd: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CLI, ...args], { cwd, env: cleanEnv(env), encoding: "utf8" });
}

afterAll(removeTempRepos);

describe("flotilla memory (in-process)", () => {
  it("record, dedupe, search, list, show, confirm, forget, prime --dry-run and prune", async () => {
    const root = project();
    const rec = await memory(root, [
      "record",
      "forms",
      "--type",
      "convention",
      "--text",
      "Validation errors use the FieldError class from src/form/errors.ts",
      "--evidence-file",
      "src/form/errors.ts",
      "--tags",
      "validation,errors",
    ]);
    const id = /^recorded (m-[a-z0-9]{8}) in forms \(convention, foundational\)\n$/.exec(
      rec.stdout,
    )?.[1];
    expect(id).toBeDefined();
    const again = await memory(
      root,
      [
        "record",
        "forms",
        "--type",
        "convention",
        "--text",
        "validation errors use the FieldError class from src/form/errors.ts",
      ],
      { FLOTILLA_AGENT: "bob" },
    );
    expect(again.stdout).toBe(
      `already recorded as ${id} in forms: updated and confirmed (1 confirmation(s))\n`,
    );
    await memory(root, [
      "record",
      "git",
      "--type",
      "failure",
      "--text",
      "npm test fails if .env is missing",
      "--resolution",
      "copy .env.example first",
    ]);

    const search = await memory(root, ["search", "validation", "errors", "--json"]);
    expect(JSON.parse(search.stdout)[0].record.id).toBe(id);
    expect((await memory(root, ["search", "nothing-like-this"])).stdout).toBe(
      "no matching records\n",
    );

    const list = await memory(root, ["list", "--domains"]);
    expect(list.stdout).toMatch(/^forms +1 active +0 archived +0 expired\ngit +1 active/);
    expect((await memory(root, ["show", id!])).stdout).toContain("confirmations:  bob ");

    const dry = await memory(root, ["prime", "--dry-run", "--budget", "2000"]);
    expect(dry.stdout).toMatch(
      /^would prime 2 record\(s\): \d+ characters \(~\d+ tokens\) of a 8000-character budget/,
    );
    expect(dry.stdout).toContain(
      "left out for the budget: 0; expired (past shelf life): 0; domains: forms, git",
    );
    const tiny = await memory(root, ["prime", "--chars", "700", "--json"]);
    const plan = JSON.parse(tiny.stdout);
    expect(plan.chars).toBeLessThanOrEqual(700);
    expect(plan.included.length + plan.leftOut).toBe(2);
    expect(plan.markdown).toContain(`${plan.leftOut} more record(s) left out for the budget`);

    expect((await memory(root, ["confirm", id!])).stdout).toBe(
      `confirmed ${id} (2 confirmation(s))\n`,
    );
    expect(
      (
        await memory(root, [
          "edit",
          id!,
          "--text",
          "Validation errors use FieldError",
          "--evidence-file",
          "src/form/*.ts",
        ])
      ).stdout,
    ).toBe(`edited ${id} in forms\n`);
    expect(JSON.parse((await memory(root, ["show", id!, "--json"])).stdout)).toMatchObject({
      text: "Validation errors use FieldError",
      evidence: { files: ["src/form/*.ts"] },
    });
    await expect(memory(root, ["edit", id!])).rejects.toThrow(/nothing to change/);
    expect((await memory(root, ["forget", id!])).stdout).toMatch(
      new RegExp(`^archived ${id} in forms`),
    );
    expect((await memory(root, ["list", "--json"])).stdout).not.toContain(id);
    expect((await memory(root, ["list", "--archived", "--json"])).stdout).toContain(id);
    expect(
      (await memory(root, ["prune", "--older-than", "0s", "--type", "failure", "--dry-run"]))
        .stdout,
    ).toMatch(/^would archive 1 record\(s\)\n/);
    await expect(memory(root, ["prune"])).rejects.toThrow(/--older-than <duration> or --expired/);
    await expect(memory(root, ["prune", "--expired", "--type", "bogus"])).rejects.toThrow(
      /neither a type/,
    );
  });

  it("export to a file and import into another project round-trips", async () => {
    const a = project();
    await memory(a, [
      "record",
      "api",
      "--type",
      "decision",
      "--text",
      "REST, not GraphQL",
      "--rationale",
      "simple clients",
    ]);
    await memory(a, [
      "record",
      "api",
      "--type",
      "reference",
      "--text",
      "API docs in docs/api.md",
      "--tags",
      "docs",
    ]);
    const md = (await memory(a, ["export"])).stdout;
    const json = (await memory(a, ["export", "--format", "json"])).stdout;
    const out = path.join(a, "MEMORY.md");
    await memory(a, ["export", "--out", out]);
    expect(readFileSync(out, "utf8")).toBe(md);
    const b = project();
    expect((await memory(b, ["import", out])).stdout).toBe(
      "imported into 1 domain(s): 2 added, 0 updated, 0 unchanged\n",
    );
    expect((await memory(b, ["export", "--format", "json"])).stdout).toBe(json);
    expect((await memory(b, ["import", "-"], {}, json)).stdout).toContain(
      "0 added, 0 updated, 2 unchanged",
    );
  });

  it("memory.dir in config keeps domain files inside the repository", async () => {
    const root = project({ memory: { dir: "team-memory" } });
    await memory(root, ["record", "ops", "--type", "convention", "--text", "Deploy on Tuesdays"]);
    expect(
      JSON.parse(readFileSync(path.join(root, "team-memory/ops.json"), "utf8")).records,
    ).toHaveLength(1);
  });

  it("author is $FLOTILLA_AGENT, else the human", () => {
    expect(memoryAuthor({ FLOTILLA_AGENT: "alice", USER: "dev" })).toBe("alice");
    expect(memoryAuthor({ USER: "dev" })).toBe("human:dev");
    expect(memoryAuthor({})).toBe("human");
    expect(() => memoryAuthor({ FLOTILLA_AGENT: "../x" })).toThrow(/not a valid agent name/);
  });
});

describe("flotilla memory (the real binary)", () => {
  it("works from inside an agent's worktree with the agent as author; errors are one line", () => {
    const root = project();
    const worktree = path.join(root, ".flotilla/worktrees/alice");
    git(root, "worktree", "add", "-q", "-b", "flotilla/alice", worktree);
    const env = { FLOTILLA_AGENT: "alice", FLOTILLA_ROOT: root, FLOTILLA_TASK: "T7" };
    const rec = cli(
      worktree,
      ["memory", "record", "git", "--type", "pattern", "--text", "Rebase before pushing"],
      env,
    );
    expect(rec.stderr).toBe("");
    expect(rec.status).toBe(0);
    const list = JSON.parse(cli(root, ["memory", "list", "--json"]).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ author: "alice", evidence: { agent: "alice", task: "T7" } });
    expect(git(worktree, "status", "--porcelain")).toBe("");

    const bad = cli(root, ["memory", "record", "git", "--type", "failure", "--text", "x"]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe(
      'flotilla: a failure record needs its fix: add --resolution "what made it pass"\n',
    );
    const badType = cli(root, ["memory", "record", "git", "--type", "rumour", "--text", "x"]);
    expect(badType.status).toBe(1);
    expect(badType.stderr.split("\n")[0]).toMatch(/argument 'rumour' is invalid/);
    for (const sub of [
      "record",
      "prime",
      "search",
      "list",
      "show",
      "confirm",
      "edit",
      "forget",
      "prune",
      "export",
      "import",
    ]) {
      const help = cli(root, ["memory", sub, "--help"]);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`Usage: flotilla memory ${sub}`);
    }
  });

  it("four CLI processes recording at once lose nothing", async () => {
    const root = project();
    const run = (p: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(
          process.execPath,
          [CLI, "memory", "record", "shared", "--type", "pattern", "--text", `from process ${p}`],
          { cwd: root, env: cleanEnv({ FLOTILLA_AGENT: `agent${p}` }), stdio: "ignore" },
        );
        child.on("exit", resolve);
      });
    const codes = await Promise.all([0, 1, 2, 3].map(run));
    expect(codes).toEqual([0, 0, 0, 0]);
    expect(JSON.parse(cli(root, ["memory", "list", "--json"]).stdout)).toHaveLength(4);
  });
});
