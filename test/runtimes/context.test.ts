import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deliverContext, tomlString, writeAgentContext } from "../../src/runtimes/context.js";
import { buildLaunch, builtinRuntimes } from "../../src/runtimes/profiles.js";
import { openProject } from "../../src/store/project.js";
import {
  cleanEnv,
  commitFile,
  git,
  makeRepo,
  makeTempDir,
  removeTempRepos,
} from "../git/temp-repo.js";
import { REPO } from "../store/mail-fixture.js";

const CLI = path.join(REPO, "dist/cli.js");

afterAll(removeTempRepos);

/**
 * A fake agent CLI: writes its argv, cwd, FLOTILLA_CONTEXT and the context files a runtime
 * would read (GEMINI.md, MYBOT.md, $FLOTILLA_CONTEXT) to `$FAKE_OUT/<name>.json`.
 */
function fakeBin(): string {
  const bin = makeTempDir("flotilla-fake-bin-");
  const script = `#!${process.execPath}
const fs = require("node:fs"), path = require("node:path");
const read = (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : null);
const name = path.basename(process.argv[1]);
fs.writeFileSync(path.join(process.env.FAKE_OUT, name + ".json"), JSON.stringify({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  context: process.env.FLOTILLA_CONTEXT ?? null,
  contextText: process.env.FLOTILLA_CONTEXT ? read(process.env.FLOTILLA_CONTEXT) : null,
  geminiMd: read("GEMINI.md"),
  mybotMd: read("MYBOT.md"),
}));
`;
  for (const name of ["claude", "codex", "gemini", "mybot"]) {
    const file = path.join(bin, name);
    writeFileSync(file, script);
    chmodSync(file, 0o755);
  }
  return bin;
}

function cli(cwd: string, args: string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd, env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`flotilla ${args.join(" ")}: ${result.stderr}`);
  return result;
}

interface Seen {
  argv: string[];
  cwd: string;
  context: string | null;
  contextText: string | null;
  geminiMd: string | null;
  mybotMd: string | null;
}

/** A project with memory and a custom runtime `mybot` that reads MYBOT.md. */
function setUp() {
  const root = makeRepo();
  const bin = fakeBin();
  const out = makeTempDir("flotilla-fake-out-");
  const env = cleanEnv({ PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`, FAKE_OUT: out });
  cli(root, ["init"], env);
  const configFile = path.join(root, ".flotilla/config.json");
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  config.runtimes = { mybot: { command: "mybot", context: { mode: "file", path: "MYBOT.md" } } };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const record = (...args: string[]) => cli(root, ["memory", "record", ...args], env);
  record(
    "forms",
    "--type",
    "convention",
    "--text",
    'Validation errors use "FieldError" from src/form/errors.ts',
    "--evidence-file",
    "src/form/errors.ts",
  );
  record(
    "git",
    "--type",
    "failure",
    "--text",
    "npm test fails if .env is missing",
    "--resolution",
    "copy .env.example first",
  );
  record("ops", "--type", "convention", "--text", "Deploys happen on Tuesdays");
  return { root, env, out };
}

/** Spawns `name` with the real CLI, then launches it exactly as the hub would (buildLaunch). */
async function spawnAndLaunch(
  ctx: ReturnType<typeof setUp>,
  name: string,
  runtime: string,
  extra: string[],
): Promise<{ seen: Seen; spawnOut: string; spawnErr: string; worktree: string }> {
  const spawned = cli(ctx.root, ["spawn", name, "--runtime", runtime, ...extra], ctx.env);
  const project = openProject(ctx.root);
  const state = await project.readState();
  const agent = state.agents.find((a) => a.name === name)!;
  const launch = buildLaunch(project, agent, await project.readConfig(), ctx.env);
  expect(launch.problem).toBeUndefined();
  execFileSync(launch.file, launch.args, { cwd: launch.cwd, env: launch.env });
  const seen = JSON.parse(
    readFileSync(path.join(ctx.out, `${path.basename(launch.file)}.json`), "utf8"),
  ) as Seen;
  return { seen, spawnOut: spawned.stdout, spawnErr: spawned.stderr, worktree: agent.worktree };
}

describe("spawn --memory delivers the primer the runtime's way", () => {
  const ctx = setUp();

  it("claude: --append-system-prompt <primer>, before the prompt; worktree clean", async () => {
    const { seen, spawnOut, worktree } = await spawnAndLaunch(ctx, "alice", "claude", [
      "--memory",
      "forms,git",
      "--prompt",
      "fix the form",
    ]);
    expect(spawnOut).toMatch(/memory +primed 2 record\(s\) from forms, git/);
    const i = seen.argv.indexOf("--append-system-prompt");
    expect(i).toBeGreaterThanOrEqual(0);
    const primer = seen.argv[i + 1]!;
    expect(primer).toContain("# Team memory (flotilla)");
    expect(primer).toContain('Validation errors use "FieldError" from src/form/errors.ts');
    expect(primer).toContain("fix: copy .env.example first");
    expect(primer).not.toContain("Tuesdays");
    expect(seen.argv.at(-1)).toBe("fix the form");
    expect(seen.contextText).toBe(primer);
    expect(git(worktree, "status", "--porcelain")).toBe("");
  });

  it("codex: -c developer_instructions=<TOML string of the primer>; worktree clean", async () => {
    const { seen, worktree } = await spawnAndLaunch(ctx, "bob", "codex", ["--memory", "forms"]);
    // (Another -c carries Codex's notify program.)
    const value = seen.argv.find((arg) => arg.startsWith("developer_instructions="))!;
    expect(value.startsWith("developer_instructions=")).toBe(true);
    const decoded = JSON.parse(value.slice("developer_instructions=".length)) as string;
    expect(decoded).toContain('Validation errors use "FieldError"');
    expect(decoded).toBe(seen.contextText);
    expect(git(worktree, "status", "--porcelain")).toBe("");
  });

  it("gemini: GEMINI.md in the worktree, kept out of git; main checkout clean too", async () => {
    const { seen, worktree } = await spawnAndLaunch(ctx, "carol", "gemini", [
      "--memory",
      "auto",
      "--prompt",
      "Tidy src/form/input.ts",
    ]);
    expect(seen.geminiMd).toContain('Validation errors use "FieldError"');
    expect(seen.geminiMd).not.toContain("Tuesdays");
    expect(seen.argv.slice(-2)).toEqual(["--prompt-interactive", "Tidy src/form/input.ts"]);
    expect(seen.argv.join(" ")).not.toContain("context");
    expect(git(worktree, "status", "--porcelain")).toBe("");
    expect(git(ctx.root, "status", "--porcelain")).toBe("");
  });

  it("a custom runtime: the file its profile names; and FLOTILLA_CONTEXT for every runtime", async () => {
    const { seen, worktree } = await spawnAndLaunch(ctx, "dave", "mybot", ["--memory", "ops"]);
    expect(seen.mybotMd).toContain("Deploys happen on Tuesdays");
    expect(seen.context).toBe(path.join(worktree, ".flotilla/context.md"));
    expect(seen.contextText).toBe(seen.mybotMd);
    expect(git(worktree, "status", "--porcelain")).toBe("");
  });

  it("without --memory nothing is added", async () => {
    const { seen } = await spawnAndLaunch(ctx, "erin", "claude", ["--prompt", "hi"]);
    // Only the session id and the hooks' settings file (outside the worktree) come first.
    expect(seen.argv.at(-1)).toBe("hi");
    expect(seen.argv).not.toContain("--append-system-prompt");
    expect(seen.context).toBeNull();
  });
});

describe("a tracked file is never written over", () => {
  it("gemini with a tracked GEMINI.md: left as committed, primer at $FLOTILLA_CONTEXT, worktree clean", async () => {
    const ctx = setUp();
    commitFile(ctx.root, "GEMINI.md", "# the team's own GEMINI.md\n");
    const { seen, spawnErr, worktree } = await spawnAndLaunch(ctx, "fay", "gemini", [
      "--memory",
      "forms",
    ]);
    expect(spawnErr).toContain("GEMINI.md is tracked in this repository");
    expect(seen.geminiMd).toBe("# the team's own GEMINI.md\n");
    expect(seen.contextText).toContain("FieldError");
    expect(git(worktree, "status", "--porcelain")).toBe("");
  });
});

describe("deliverContext", () => {
  it("states every built-in's path and strips control characters", () => {
    const profiles = builtinRuntimes({ SHELL: "/bin/sh" });
    const plan = (name: string) => deliverContext(profiles[name]!, "/w", "hi\x1b[31m red\x07");
    expect(plan("claude").args).toEqual(["--append-system-prompt", "hi red"]);
    expect(plan("codex").args).toEqual(["-c", 'developer_instructions="hi red"']);
    expect(plan("gemini").files.map((f) => f.path)).toEqual([".flotilla/context.md", "GEMINI.md"]);
    expect(plan("aider").args).toEqual(["--read", ".flotilla/context.md"]);
    expect(plan("shell")).toEqual({
      args: [],
      env: { FLOTILLA_CONTEXT: "/w/.flotilla/context.md" },
      files: [{ path: ".flotilla/context.md", content: "hi red" }],
    });
    expect(tomlString('a"b\\c\nd\x7f')).toBe('"a\\"b\\\\c\\nd\\u007F"');
  });

  it("a profile path outside the worktree is refused", async () => {
    const root = makeRepo();
    mkdirSync(path.join(root, ".flotilla"), { recursive: true });
    await expect(
      writeAgentContext({ context: { mode: "file", path: "../escape.md" } }, root, "x"),
    ).rejects.toThrow(/must stay inside the worktree/);
    expect(existsSync(path.join(root, "..", "escape.md"))).toBe(false);
  });
});
