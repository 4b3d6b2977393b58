import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import { Config, type AgentRecord } from "../../src/core/schema.js";
import {
  buildLaunch,
  builtinRuntimes,
  findExecutable,
  resolveRuntime,
} from "../../src/runtimes/profiles.js";
import { createWorktree } from "../../src/git/worktrees.js";
import { projectPaths } from "../../src/store/paths.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo, makeTempDir, removeTempRepos } from "../git/temp-repo.js";

afterAll(removeTempRepos);

/** A directory with an executable `name` (a tiny sh script) and a non-executable `plain`. */
function binDir(...names: string[]): string {
  const dir = makeTempDir("flotilla-bin-");
  for (const name of names) {
    writeFileSync(path.join(dir, name), "#!/bin/sh\nexit 0\n");
    chmodSync(path.join(dir, name), 0o755);
  }
  writeFileSync(path.join(dir, "plain"), "not executable\n");
  mkdirSync(path.join(dir, "adir"));
  return dir;
}

function waits(runtime: string, screen: string): boolean {
  const profile = builtinRuntimes()[runtime];
  if (!profile) throw new Error(`no runtime ${runtime}`);
  return profile.waitingPatterns.some((source) => new RegExp(source, "m").test(screen));
}

describe("built-in runtimes", () => {
  it("offers the agent CLIs, a shell and the demo agent", () => {
    expect(Object.keys(builtinRuntimes()).sort()).toEqual([
      "aider",
      "claude",
      "codex",
      "demo",
      "gemini",
      "opencode",
      "shell",
    ]);
  });

  it("recognises Claude Code's permission prompts and nothing else", () => {
    expect(
      waits("claude", "Edit file\nDo you want to make this edit to cli.ts?\n❯ 1. Yes\n  2. No"),
    ).toBe(true);
    expect(waits("claude", " ❯ 1. Yes, and don't ask again")).toBe(true);
    expect(waits("claude", "Overwrite? (y/n)")).toBe(true);
    expect(waits("claude", "✻ Thinking…\n> refactoring the parser")).toBe(false);
  });

  it("recognises Aider's and Gemini's questions", () => {
    expect(waits("aider", "Add file to the chat? (Y)es/(N)o/(A)ll/(S)kip all [Yes]:")).toBe(true);
    expect(waits("gemini", "Allow execution of: 'npm test'?\n● 1. Yes, allow once")).toBe(true);
    expect(waits("gemini", "Reading files…")).toBe(false);
  });

  it("uses $SHELL for the shell runtime, /bin/bash without one", () => {
    expect(builtinRuntimes({ SHELL: "/bin/zsh" }).shell?.command).toBe("/bin/zsh");
    expect(builtinRuntimes({}).shell?.command).toBe("/bin/bash");
  });
});

describe("resolveRuntime", () => {
  it("lets config.runtimes replace a built-in and add new names", () => {
    const config = Config.parse({
      runtimes: { claude: { command: "my-claude", args: ["--fast"] }, tests: { command: "npm" } },
    });
    expect(resolveRuntime(config, "claude")).toMatchObject({
      command: "my-claude",
      args: ["--fast"],
    });
    expect(resolveRuntime(config, "tests").command).toBe("npm");
    expect(resolveRuntime(config, "codex").command).toBe("codex");
  });

  it("refuses an unknown name, listing what is available", () => {
    const config = Config.parse({ runtimes: { tests: { command: "npm" } } });
    let error: unknown;
    try {
      resolveRuntime(config, "clade");
    } catch (e) {
      error = e;
    }
    expect(isFlotillaError(error, "UNKNOWN_RUNTIME")).toBe(true);
    expect((error as Error).message).toContain('unknown runtime "clade"');
    expect((error as Error).message).toContain(
      "claude, codex, demo, gemini, opencode, shell, tests",
    );
    expect(() => resolveRuntime(config, "toString")).toThrow(/unknown runtime/);
  });
});

describe("findExecutable", () => {
  it("walks PATH in order, skipping non-executables and directories", () => {
    const first = binDir("tool");
    const second = binDir("tool", "plain2");
    const PATH = [first, second].join(path.delimiter);
    expect(findExecutable("tool", PATH)).toBe(path.join(first, "tool"));
    expect(findExecutable("plain2", PATH)).toBe(path.join(second, "plain2"));
    expect(findExecutable("plain", PATH)).toBeUndefined();
    expect(findExecutable("adir", PATH)).toBeUndefined();
    expect(findExecutable("missing", PATH)).toBeUndefined();
    expect(findExecutable("tool", undefined)).toBeUndefined();
  });

  it("takes a command with a slash as a path, without searching PATH", () => {
    const dir = binDir("run.sh");
    expect(findExecutable(path.join(dir, "run.sh"), "")).toBe(path.join(dir, "run.sh"));
    expect(findExecutable("./run.sh", "", dir)).toBe(path.join(dir, "run.sh"));
    expect(findExecutable("./plain", "", dir)).toBeUndefined();
  });
});

describe("buildLaunch", () => {
  const root = makeRepo();
  const project = { root, paths: projectPaths(root) };
  const worktree = path.join(root, ".flotilla/worktrees/alice");
  // A real worktree: nothing is launched in one whose .git link is broken.
  beforeAll(() => createWorktree(root, "alice"));

  function record(runtime: string, extra: Partial<AgentRecord> = {}) {
    return { name: "alice", runtime, role: "worker", worktree, ...extra };
  }

  it("gives the agent its identity, the flotilla shim first on PATH and a 256-colour terminal", async () => {
    const bin = binDir("claude");
    const env = { PATH: bin, HOME: "/home/me", FLOTILLA_TASK: "stale", TERM: "dumb" };
    const config = Config.parse({
      runtimes: { claude: { command: "claude", env: { ANSWER: "42" } } },
    });
    await trustConfig(root, config);
    const launch = buildLaunch(project, record("claude", { task: "t-7" }), config, env);
    expect(launch.file).toBe(path.join(bin, "claude"));
    expect(launch.cwd).toBe(worktree);
    expect(launch.problem).toBeUndefined();
    expect(launch.env).toMatchObject({
      FLOTILLA_ROOT: root,
      FLOTILLA_AGENT: "alice",
      FLOTILLA_ROLE: "worker",
      FLOTILLA_TASK: "t-7",
      TERM: "xterm-256color",
      COLORTERM: "truecolor",
      HOME: "/home/me",
      ANSWER: "42",
    });
    expect(launch.env.PATH?.split(path.delimiter)).toEqual([path.join(root, ".flotilla/bin"), bin]);
  });

  it("does not pass on an inherited FLOTILLA_TASK when the agent has none", () => {
    const launch = buildLaunch(project, record("shell"), Config.parse({}), {
      PATH: "/usr/bin:/bin",
      SHELL: "/bin/sh",
      FLOTILLA_TASK: "someone-else's",
      FLOTILLA_AGENT: "parent",
    });
    expect(launch.env.FLOTILLA_TASK).toBeUndefined();
    expect(launch.env.FLOTILLA_AGENT).toBe("alice");
  });

  it("passes the first prompt as each runtime expects", () => {
    const bin = binDir("claude", "codex", "gemini", "aider", "opencode");
    const env = { PATH: bin };
    const config = Config.parse({});
    const prompt = "fix the tests; don't touch docs";
    const argsOf = (runtime: string) =>
      buildLaunch(project, record(runtime, { prompt }), config, env).args;
    const settings = path.join(root, ".flotilla", "agents", "alice", "claude-settings.json");
    expect(argsOf("claude")).toEqual(["--settings", settings, prompt]);
    expect(argsOf("codex")).toEqual(["-c", 'notify=["flotilla","hook","codex"]', prompt]);
    expect(argsOf("gemini")).toEqual(["--prompt-interactive", prompt]);
    expect(argsOf("opencode")).toEqual(["--prompt", prompt]);
    expect(argsOf("aider")).toEqual([]);
    expect(buildLaunch(project, record("claude"), config, env).args).toEqual([
      "--settings",
      settings,
    ]);
  });

  it("hands Claude Code its hooks in a settings file outside the worktree", () => {
    const bin = binDir("claude");
    const launch = buildLaunch(project, record("claude"), Config.parse({}), { PATH: bin });
    const file = launch.files?.find((f) => f.path.endsWith("claude-settings.json"));
    expect(file?.path).toBe(
      path.join(root, ".flotilla", "agents", "alice", "claude-settings.json"),
    );
    for (const written of launch.files ?? []) {
      expect(path.relative(root, written.path).startsWith(".flotilla")).toBe(true);
    }
    // The status hook is the sh fast path, written beside the shim.
    const hook = path.join(root, ".flotilla", "bin", "claude-status-hook.sh");
    expect(launch.files?.map((f) => f.path)).toContain(hook);
    expect(JSON.parse(file?.content ?? "{}").hooks.Stop[0].hooks[0].command).toBe(`sh '${hook}'`);
  });

  it("passes --model through each runtime's own flag", () => {
    const bin = binDir("claude", "codex", "gemini", "aider", "opencode");
    const config = Config.parse({});
    const argsOf = (runtime: string, model: string) =>
      buildLaunch(project, record(runtime, { model }), config, { PATH: bin }).args;
    expect(argsOf("claude", "opus")).toEqual(expect.arrayContaining(["--model", "opus"]));
    expect(argsOf("codex", "o3")).toContain("o3");
    expect(argsOf("gemini", "gemini-2.5-pro")).toEqual(["--model", "gemini-2.5-pro"]);
    expect(argsOf("opencode", "anthropic/claude-sonnet-4")).toEqual([
      "--model",
      "anthropic/claude-sonnet-4",
    ]);
    expect(argsOf("aider", "sonnet")).toEqual(["--model", "sonnet"]);
    // A runtime without a model flag ignores it.
    expect(
      buildLaunch(project, record("shell", { model: "x" }), config, { SHELL: "/bin/sh" }).args,
    ).toEqual([]);
  });

  it("passes --effort through each runtime's own flag, where its --help shows one", () => {
    const bin = binDir("claude", "codex", "gemini", "aider", "opencode");
    const config = Config.parse({});
    const argsOf = (runtime: string, effort: "low" | "medium" | "high") =>
      buildLaunch(project, record(runtime, { effort }), config, { PATH: bin }).args;
    // claude --help (2.1.197): --effort <level>.
    const claude = argsOf("claude", "high");
    expect(claude[claude.indexOf("--effort") + 1]).toBe("high");
    // codex: -c <key=value> over config.toml's model_reasoning_effort (a TOML string).
    const codex = argsOf("codex", "low");
    expect(codex[codex.indexOf('model_reasoning_effort="low"') - 1]).toBe("-c");
    // Gemini CLI and OpenCode's TUI have no such flag: nothing is added.
    expect(argsOf("gemini", "high")).toEqual([]);
    expect(argsOf("opencode", "high")).toEqual([]);
    expect(argsOf("aider", "high")).toEqual([]);
  });

  it("starts Claude Code on the conversation id Flotilla chose, and resumes it when asked", () => {
    const bin = binDir("claude", "codex", "gemini", "opencode");
    const config = Config.parse({});
    const id = "0b5c3a52-3a3e-4f55-9d0c-6c1f0a4f7c11";
    const launch = (runtime: string, extra: Partial<AgentRecord>) =>
      buildLaunch(project, record(runtime, { prompt: "go", conversation: id, ...extra }), config, {
        PATH: bin,
      });
    expect(launch("claude", {}).args).toEqual(expect.arrayContaining(["--session-id", id, "go"]));
    const resumed = launch("claude", { resume: true, conversationConfirmed: true });
    expect(resumed.resumed).toBe(true);
    expect(resumed.args).toEqual(expect.arrayContaining(["--resume", id]));
    expect(resumed.args).not.toContain("go");
    expect(resumed.args).not.toContain("--session-id");
    // Not confirmed by a hook (it never got that far): a fresh start on the same id.
    expect(launch("claude", { resume: true }).args).toContain("--session-id");
    // Codex: a subcommand, first; by id from notify, else the latest in its worktree.
    expect(launch("codex", { resume: true, conversationConfirmed: true }).args.slice(0, 2)).toEqual(
      ["resume", id],
    );
    expect(
      launch("codex", { resume: true, conversation: undefined, everStarted: true }).args.slice(
        0,
        2,
      ),
    ).toEqual(["resume", "--last"]);
    expect(launch("gemini", { resume: true, everStarted: true }).args).toEqual(["--resume", id]);
    expect(
      launch("opencode", { resume: true, conversation: undefined, everStarted: true }).args,
    ).toEqual(["--continue"]);
    expect(launch("opencode", { resume: false, everStarted: true }).args).toEqual([
      "--prompt",
      "go",
    ]);
  });

  it("runs the demo agent with this node", () => {
    const launch = buildLaunch(project, record("demo", { prompt: "go" }), Config.parse({}), {});
    expect(launch.file).toBe(process.execPath);
    expect(launch.args[0]).toMatch(/dist[/\\]demo[/\\]agent\.js$/);
    expect(launch.args[1]).toBe("go");
  });

  it("passes the demo's pace on to demo agents, and no other FLOTILLA_ variable of the hub", () => {
    const env = { PATH: "/usr/bin", FLOTILLA_DEMO_SPEED: "20", FLOTILLA_SECRET: "x" };
    const demo = buildLaunch(project, record("demo"), Config.parse({}), env);
    expect(demo.env.FLOTILLA_DEMO_SPEED).toBe("20");
    expect(demo.env.FLOTILLA_SECRET).toBeUndefined();
    const shell = buildLaunch(project, record("shell"), Config.parse({}), env);
    expect(shell.env.FLOTILLA_DEMO_SPEED).toBeUndefined();
  });

  it("reports a missing command instead of failing", () => {
    const launch = buildLaunch(project, record("claude"), Config.parse({}), { PATH: binDir() });
    expect(launch.problem).toBe(
      "command not found: claude (install Claude Code or choose another --runtime)",
    );
    expect(launch.file).toBe("claude");
  });

  it("reports a worktree that is gone", () => {
    const gone = { ...record("shell"), name: "bob", worktree: path.join(root, "nowhere") };
    const launch = buildLaunch(project, gone, Config.parse({}), { SHELL: "/bin/sh" });
    expect(launch.problem).toContain("worktree missing");
  });
});
