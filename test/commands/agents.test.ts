import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { formatAge } from "../../src/commands/agents.js";
import { createAgent, markAgent } from "../../src/hub/lifecycle.js";
import { initProject } from "../../src/hub/init.js";
import { Project } from "../../src/store/project.js";
import {
  cleanEnv,
  commitFile,
  git,
  makeRepo,
  makeTempDir,
  removeTempRepos,
} from "../git/temp-repo.js";

/**
 * The real CLI (`node dist/cli.js`) in real temporary repositories. Needs a build:
 * `npx tsc -p tsconfig.build.json` (npm test builds first).
 */
const CLI = path.resolve(import.meta.dirname, "../../dist/cli.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: cleanEnv(env), encoding: "utf8" },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the CLI and expects success; returns stdout. */
async function ok(cwd: string, ...args: string[]): Promise<string> {
  const result = await run(cwd, args);
  if (result.code !== 0) throw new Error(`flotilla ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** Expects exit 1 with exactly one line on stderr; returns that line. */
async function fails(cwd: string, ...args: string[]): Promise<string> {
  const result = await run(cwd, args);
  expect(result.code).toBe(1);
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0] ?? "";
}

/** A repository set up in-process (cheaper than the CLI where init is not under test). */
async function initialisedRepo(): Promise<string> {
  const root = makeRepo();
  await initProject(root);
  return root;
}

/** Creates an agent in-process, where spawning is not what the test is about. */
async function addAgent(root: string, name: string): Promise<string> {
  return (await createAgent(new Project(root), { name, runtime: "shell" })).worktree;
}

async function listJson(root: string): Promise<Array<Record<string, unknown>>> {
  return JSON.parse(await ok(root, "ls", "--json")) as Array<Record<string, unknown>>;
}

const children: ChildProcess[] = [];
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npx tsc -p tsconfig.build.json`);
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});
afterAll(removeTempRepos);

describe("flotilla init", () => {
  it("initialises once, then says already initialised", async () => {
    const root = makeRepo();
    expect(await ok(root, "init")).toContain(`initialised ${path.join(root, ".flotilla")}`);
    expect(await ok(root, "init")).toContain("already initialised");
    expect(git(root, "status", "--porcelain")).toBe(""); // .flotilla/ is excluded
  });

  it("refuses outside a repository and in a repository without commits", async () => {
    expect(await fails(makeTempDir(), "init")).toMatch(
      /^flotilla: .* is not inside a git repository/,
    );
    expect(await fails(makeRepo({ commit: false }), "init")).toMatch(/no commit yet.*commit first/);
  });

  it("installs a flotilla shim that works from inside an agent's worktree", async () => {
    const root = await initialisedRepo();
    await addAgent(root, "alice");
    const worktree = path.join(root, ".flotilla/worktrees/alice");
    const shim = path.join(root, ".flotilla/bin/flotilla");
    const listed = await new Promise<string>((resolve, reject) =>
      execFile(shim, ["ls", "--json"], { cwd: worktree, env: cleanEnv() }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(JSON.parse(listed)).toMatchObject([{ name: "alice", worktree }]);
  });
});

describe("flotilla spawn", () => {
  it("creates the worktree and branch and records the agent", async () => {
    const root = await initialisedRepo();
    const out = await ok(root, "spawn", "alice", "--role", "reviewer");
    expect(out).toContain("spawned alice (runtime shell, role reviewer)");
    expect(out).toContain(".flotilla/worktrees/alice");
    expect(git(path.join(root, ".flotilla/worktrees/alice"), "branch", "--show-current")).toBe(
      "flotilla/alice",
    );
    expect(await listJson(root)).toMatchObject([
      { name: "alice", runtime: "shell", role: "reviewer", status: "starting" },
    ]);
  });

  it("refuses bad names, duplicates and unknown runtimes with one line", async () => {
    const root = await initialisedRepo();
    expect(await fails(root, "spawn", "a b")).toContain('invalid agent name "a b"');
    await ok(root, "spawn", "bob");
    expect(await fails(root, "spawn", "bob")).toContain("an agent named bob already exists");
    expect(await fails(root, "spawn", "carl", "--runtime", "gpt")).toContain(
      'unknown runtime "gpt": choose one of aider, claude',
    );
    expect((await listJson(root)).map((a) => a.name)).toEqual(["bob"]);
  });

  it("needs init first", async () => {
    expect(await fails(makeRepo(), "spawn", "dan")).toContain('run "flotilla init"');
  });

  it("warns when the runtime's command is missing, and still creates the agent", async () => {
    const root = await initialisedRepo();
    const config = JSON.parse(readFileSync(path.join(root, ".flotilla/config.json"), "utf8"));
    config.runtimes = { claude: { command: "claude-not-installed-here" } };
    writeFileSync(path.join(root, ".flotilla/config.json"), JSON.stringify(config));
    await ok(root, "trust");
    const result = await run(root, ["spawn", "eve", "--runtime", "claude", "--prompt", "hi"]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      "warning: command not found: claude-not-installed-here (install Claude Code or choose another --runtime); eve's pane will say so",
    );
    expect((await listJson(root)).map((a) => a.name)).toEqual(["eve"]);
  });

  it("records two agents spawned by two processes at once", async () => {
    const root = await initialisedRepo();
    const [a, b] = await Promise.all([run(root, ["spawn", "left"]), run(root, ["spawn", "right"])]);
    expect([a.code, b.code, a.stderr, b.stderr]).toEqual([0, 0, "", ""]);
    expect((await listJson(root)).map((x) => x.name).sort()).toEqual(["left", "right"]);
  });

  it("lets exactly one of two processes spawning the same name win", async () => {
    const root = await initialisedRepo();
    const results = await Promise.all([run(root, ["spawn", "same"]), run(root, ["spawn", "same"])]);
    expect(results.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(results.find((r) => r.code === 1)?.stderr).toMatch(/already exists/);
    expect((await listJson(root)).map((x) => x.name)).toEqual(["same"]);
  });
});

describe("flotilla ls", () => {
  it("prints a table and JSON with the same fields", async () => {
    const root = await initialisedRepo();
    expect(await ok(root, "ls")).toContain("no agents yet");
    await addAgent(root, "alice");
    const table = (await ok(root, "ls")).trimEnd().split("\n");
    expect(table[0]).toMatch(/^NAME\s+RUNTIME\s+STATUS\s+BRANCH\s+WORKTREE\s+PID\s+AGE$/);
    expect(table[1]).toMatch(
      /^alice\s+shell\s+stopped — run flotilla up\s+flotilla\/alice\s+\.flotilla\/worktrees\/alice\s+-\s+\d+s$/,
    );
    const [row] = await listJson(root);
    expect(Object.keys(row ?? {}).sort()).toEqual([
      "age",
      "branch",
      "createdAt",
      "name",
      "pid",
      "role",
      "runtime",
      "status",
      "waitingFor",
      "worktree",
    ]);
    expect(row).toMatchObject({
      name: "alice",
      runtime: "shell",
      status: "starting",
      branch: "flotilla/alice",
      worktree: path.join(root, ".flotilla/worktrees/alice"),
      pid: null,
    });
    expect(typeof row?.age).toBe("number");
  });

  it("reports a corrupt state.json by path and leaves it byte for byte", async () => {
    const root = await initialisedRepo();
    const state = path.join(root, ".flotilla/state.json");
    const corrupt = Buffer.from('{"version":1,"agents":[{"name":"x",}\n');
    writeFileSync(state, corrupt);
    for (const args of [["ls"], ["spawn", "zed"], ["kill", "x"], ["respawn", "x"]]) {
      const line = await fails(root, ...args);
      expect(line).toContain(`${state} is not valid JSON`);
    }
    expect(readFileSync(state)).toEqual(corrupt);
    expect(existsSync(path.join(root, ".flotilla/worktrees/zed"))).toBe(false);
  });

  it("formats ages in the largest whole unit", () => {
    expect([formatAge(5), formatAge(300), formatAge(7200), formatAge(3 * 86400)]).toEqual([
      "5s",
      "5m",
      "2h",
      "3d",
    ]);
  });
});

describe("flotilla kill", () => {
  it("stops a running agent's process and keeps its worktree", async () => {
    const root = await initialisedRepo();
    await addAgent(root, "alice");
    const child = spawn("sh", ["-c", 'trap "" TERM; echo ready; exec sleep 1000'], {
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(child);
    await once(child.stdout!, "data");
    await markAgent(new Project(root), "alice", { status: "working", pid: child.pid! });
    const exited = once(child, "exit");
    const out = await ok(root, "kill", "alice");
    expect(out).toContain(`stopped alice (pid ${child.pid})`);
    await exited;
    expect(await listJson(root)).toMatchObject([{ name: "alice", status: "exited" }]);
    expect(existsSync(path.join(root, ".flotilla/worktrees/alice"))).toBe(true);
  });

  it("--clean refuses unmerged commits and a dirty worktree, changing nothing", async () => {
    const root = await initialisedRepo();
    await addAgent(root, "bob");
    await addAgent(root, "carol");
    const bob = path.join(root, ".flotilla/worktrees/bob");
    const carol = path.join(root, ".flotilla/worktrees/carol");
    commitFile(bob, "one.txt", "1\n");
    commitFile(bob, "two.txt", "2\n");
    writeFileSync(path.join(carol, "draft.md"), "wip\n");

    const unmerged = await fails(root, "kill", "bob", "--clean");
    expect(unmerged).toContain("2 commits on flotilla/bob not merged into main");
    expect(unmerged).toContain("use --force");
    const dirty = await fails(root, "kill", "carol", "--clean");
    expect(dirty).toContain("uncommitted changes (draft.md)");
    expect(dirty).toContain("use --force");

    expect(await listJson(root)).toMatchObject([
      { name: "bob", status: "starting" },
      { name: "carol", status: "starting" },
    ]);
    expect(readFileSync(path.join(carol, "draft.md"), "utf8")).toBe("wip\n");
    expect(git(root, "rev-list", "--count", "main..flotilla/bob")).toBe("2");
  });

  it("--clean --force keeps every commit reachable and prints where", async () => {
    const root = await initialisedRepo();
    await addAgent(root, "dora");
    const worktree = path.join(root, ".flotilla/worktrees/dora");
    const sha = commitFile(worktree, "feature.txt", "done\n");
    writeFileSync(path.join(worktree, "notes.txt"), "unsaved\n");

    expect(await fails(root, "kill", "dora", "--clean", "--force")).toContain("pass -y");
    expect(existsSync(worktree)).toBe(true);

    const out = await ok(root, "kill", "dora", "--clean", "--force", "-y");
    const refs = [...out.matchAll(/kept its work at (refs\/flotilla\/archive\/\S+)/g)].map(
      (m) => m[1]!,
    );
    expect(refs).toHaveLength(2);
    const archived = refs.find((ref) => !ref.endsWith("-uncommitted"))!;
    expect(git(root, "rev-parse", archived)).toBe(sha);
    const uncommitted = refs.find((ref) => ref.endsWith("-uncommitted"))!;
    expect(git(root, "show", `${uncommitted}:notes.txt`)).toBe("unsaved");
    expect(existsSync(worktree)).toBe(false);
    expect(await listJson(root)).toEqual([]);
    expect(git(root, "branch", "--list", "flotilla/dora")).toBe("");
  });

  it("--clean removes a clean agent's worktree and branch, then the name is free again", async () => {
    const root = await initialisedRepo();
    await addAgent(root, "ed");
    expect(await ok(root, "kill", "ed", "--clean")).toContain(
      "removed ed: .flotilla/worktrees/ed and branch flotilla/ed",
    );
    await addAgent(root, "ed");
    expect((await listJson(root)).map((a) => a.name)).toEqual(["ed"]);
  });

  it("refuses unknown agents and --force without --clean", async () => {
    const root = await initialisedRepo();
    expect(await fails(root, "kill", "ghost")).toContain("no agent named ghost");
    await addAgent(root, "fred");
    expect(await fails(root, "kill", "fred", "--force")).toContain(
      "--force only applies with --clean",
    );
  });
});

describe("flotilla respawn", () => {
  it("restarts a stopped agent and refuses a running one", async () => {
    const root = await initialisedRepo();
    await addAgent(root, "gus");
    expect(await fails(root, "respawn", "gus")).toContain("agent gus is starting");
    await ok(root, "kill", "gus");
    expect(await ok(root, "respawn", "gus")).toContain(
      "gus is starting again in .flotilla/worktrees/gus",
    );
    expect(await listJson(root)).toMatchObject([{ name: "gus", status: "starting", pid: null }]);
  });
});

describe("help", () => {
  it.each(["init", "spawn", "kill", "ls", "respawn"])(
    "flotilla %s --help describes the command",
    async (command) => {
      const out = await ok(makeTempDir(), command, "--help");
      expect(out).toContain(`Usage: flotilla ${command}`);
      expect(out.split("\n").length).toBeGreaterThan(4);
    },
  );
});

describe("ls --waiting", () => {
  it("puts waiting agents first, the longest-waiting at the top", async () => {
    const { listRows, sortWaitingFirst } = await import("../../src/commands/agents.js");
    const base = {
      runtime: "claude",
      role: "worker",
      worktree: "/r/w",
      branch: "b",
      base: "0",
      createdAt: "2026-12-01T20:00:00.000Z",
    };
    const rows = listRows(
      [
        { ...base, name: "a", status: "working" },
        { ...base, name: "b", status: "waiting", waitingSince: "2026-12-01T20:09:00.000Z" },
        { ...base, name: "c", status: "waiting", waitingSince: "2026-12-01T20:05:00.000Z" },
      ],
      new Date("2026-12-01T20:10:00.000Z"),
    );
    expect(sortWaitingFirst(rows).map((row) => [row.name, row.waitingFor])).toEqual([
      ["c", 300],
      ["b", 60],
      ["a", null],
    ]);
  });
});

describe("interrupted spawn and leftovers (issue 8)", () => {
  /**
   * A `git` on PATH that, for `worktree add`, does the add without a checkout, writes one
   * file of the checkout, leaves the worktree locked as git does while it checks out, and then kills its whole process group:
   * what closing the terminal does to a `flotilla spawn` in the middle of a big checkout.
   */
  function killingGit(): string {
    const dir = makeTempDir("flotilla-git-");
    const script = [
      "#!/bin/sh",
      'case "$*" in',
      '  *"worktree add"*)',
      '    shift 2; /usr/bin/git worktree add --no-checkout "$@" >/dev/null 2>&1',
      // The files a checkout had written when it was killed (its index is not written yet).
      '    echo partial > "$3/half-checked-out.txt"',
      '    for d in "$(/usr/bin/git rev-parse --git-common-dir)"/worktrees/*; do echo initializing > "$d/locked"; done',
      "    kill -KILL 0 ;;",
      "esac",
      'exec /usr/bin/git "$@"',
      "",
    ].join("\n");
    writeFileSync(path.join(dir, "git"), script, { mode: 0o755 });
    return dir;
  }

  it("item 5: an interrupted spawn shows as creating, and kill --clean alone recovers", async () => {
    const root = await initialisedRepo();
    const fakeGit = killingGit();
    const child = spawn(process.execPath, [CLI, "spawn", "zed"], {
      cwd: root,
      env: cleanEnv({ PATH: `${fakeGit}:${process.env.PATH ?? ""}` }),
      detached: true, // its own process group, which the fake git kills
      stdio: "ignore",
    });
    children.push(child);
    await once(child, "exit");
    expect(existsSync(path.join(root, ".flotilla/worktrees/zed"))).toBe(true);
    const listed = await listJson(root);
    expect(listed.map((a) => [a.name, a.status])).toEqual([["zed", "creating"]]);
    expect(await fails(root, "spawn", "zed")).toContain("flotilla kill zed --clean");
    const out = await ok(root, "kill", "zed", "--clean");
    expect(out).toContain("removed zed");
    expect(existsSync(path.join(root, ".flotilla/worktrees/zed"))).toBe(false);
    expect(git(root, "branch", "--list", "flotilla/zed")).toBe("");
    expect(git(root, "worktree", "list")).not.toContain("zed");
    await ok(root, "spawn", "zed"); // the name is free again
  });

  it("item 5: kill --clean adopts a worktree and branch that no record names", async () => {
    const root = await initialisedRepo();
    git(
      root,
      "worktree",
      "add",
      "-q",
      "-b",
      "flotilla/orphan",
      path.join(root, ".flotilla/worktrees/orphan"),
    );
    expect(await fails(root, "spawn", "orphan")).toContain("flotilla kill orphan --clean");
    const out = await ok(root, "kill", "orphan", "--clean");
    expect(out).toContain("not recorded");
    expect(git(root, "branch", "--list", "flotilla/orphan")).toBe("");
    await ok(root, "spawn", "orphan");
  });
});

describe("a read-only .flotilla/ (issue 8 item 5)", () => {
  /** Makes `dir` read-only for this process: a read-only bind mount as root, else chmod. */
  function readOnly(dir: string): () => void {
    if (process.getuid?.() === 0) {
      execFileSync("mount", ["--bind", dir, dir]);
      execFileSync("mount", ["-o", "remount,ro,bind", dir]);
      return () => execFileSync("umount", [dir]);
    }
    chmodSync(dir, 0o500);
    return () => chmodSync(dir, 0o700);
  }

  it("item 5: spawn into a read-only .flotilla/ creates no branch and says what to fix", async () => {
    const root = await initialisedRepo();
    const undo = readOnly(path.join(root, ".flotilla"));
    try {
      const line = await fails(root, "spawn", "ro1");
      expect(line).toContain("make it writable");
      expect(line).not.toContain("choose another agent name");
      expect(git(root, "branch", "--list", "flotilla/*")).toBe("");
    } finally {
      undo();
    }
  });
});

describe("limits (issue 8 item 16)", () => {
  it("item 16: an over-long prompt is refused up front, before anything is created", async () => {
    const root = await initialisedRepo();
    // 100 KiB: over the limit, and still under what one argument of the test's own exec may be.
    const line = await fails(root, "spawn", "big", "--prompt", "x".repeat(100 * 1024));
    expect(line).toContain("over the limit of 64 KiB");
    expect(await listJson(root)).toEqual([]);
    expect(git(root, "branch", "--list", "flotilla/*")).toBe("");
  });
});
