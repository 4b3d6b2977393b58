import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { guardHookEntry, shellWrites } from "../../src/core/guard.js";
import { claudeSettings } from "../../src/runtimes/claude-hooks.js";
import { slingTask } from "../../src/hub/sling.js";
import { cleanEnv, removeTempRepos } from "../git/temp-repo.js";
import { makeTaskProject } from "../hub/task-fixture.js";
import { ensureBuilt, REPO } from "../store/mail-fixture.js";

afterAll(() => removeTempRepos());

const CLI = path.join(REPO, "dist/cli.js");

/** Claude Code's PreToolUse hook input (code.claude.com/docs/en/hooks, "PreToolUse input"). */
function preToolUse(cwd: string, tool_name: string, tool_input: Record<string, unknown>): string {
  return JSON.stringify({
    session_id: "4f0c1a52-6e8b-4d0e-9d0a-2b7c1f3e9a11",
    transcript_path: "/home/u/.claude/projects/x/4f0c1a52.jsonl",
    cwd,
    permission_mode: "default",
    hook_event_name: "PreToolUse",
    tool_name,
    tool_input,
    tool_use_id: "toolu_01ABC123",
  });
}

function guard(
  env: Record<string, string>,
  payload: string,
): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, "guard"], {
    input: payload,
    env: cleanEnv(env),
    encoding: "utf8",
  });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

describe("flotilla guard (Claude Code PreToolUse hook, real binary)", () => {
  beforeAll(() => ensureBuilt());

  it("blocks a write outside the scope (exit 2, reason on stderr), allows one inside, blocks outside the worktree", async () => {
    const { root, project, tasks } = await makeTaskProject();
    await tasks.add({ title: "Form validation", scope: ["src/form/**"] });
    const { agent } = await slingTask(project, "T1", { runtime: "claude" });
    const env = {
      FLOTILLA_ROOT: root,
      FLOTILLA_AGENT: agent.name,
      FLOTILLA_ROLE: "builder",
      FLOTILLA_TASK: "T1",
    };
    const wt = agent.worktree;

    const inside = guard(
      env,
      preToolUse(wt, "Write", { file_path: path.join(wt, "src/form/input.ts"), content: "x" }),
    );
    expect(inside).toMatchObject({ code: 0, stdout: "", stderr: "" });

    const outside = guard(
      env,
      preToolUse(wt, "Edit", {
        file_path: path.join(wt, "src/api/server.ts"),
        old_string: "a",
        new_string: "b",
        replace_all: false,
      }),
    );
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(
      /blocked Edit .*src\/api\/server\.ts is outside the scope of T1 \(src\/form\/\*\*\)/,
    );

    const otherTree = guard(
      env,
      preToolUse(wt, "Write", { file_path: path.join(root, "src/form/input.ts"), content: "x" }),
    );
    expect(otherTree.code).toBe(2);
    expect(otherTree.stderr).toMatch(/outside your worktree/);

    const bash = guard(
      env,
      preToolUse(wt, "Bash", {
        command: "echo hi > ../../../notes.txt && ls",
        description: "write",
      }),
    );
    expect(bash.code).toBe(2);
    expect(bash.stderr).toMatch(/the shell command writes/);

    const bashInside = guard(
      env,
      preToolUse(wt, "Bash", {
        command: "npm test 2>&1 | tee /tmp/log.txt; echo ok > src/form/a.ts",
        description: "t",
      }),
    );
    expect(bashInside.code).toBe(0);

    const read = guard(env, preToolUse(wt, "Read", { file_path: path.join(root, "README.md") }));
    expect(read.code).toBe(0);
  });

  it("a read-only role (reviewer) cannot write at all, even inside its scope", async () => {
    const { root, project, tasks } = await makeTaskProject();
    await tasks.add({ title: "Review forms", role: "reviewer", scope: ["src/form/**"] });
    const { agent } = await slingTask(project, "T1", { runtime: "claude" });
    const env = {
      FLOTILLA_ROOT: root,
      FLOTILLA_AGENT: agent.name,
      FLOTILLA_ROLE: "reviewer",
      FLOTILLA_TASK: "T1",
    };
    const wt = agent.worktree;
    const write = guard(
      env,
      preToolUse(wt, "MultiEdit", {
        file_path: path.join(wt, "src/form/input.ts"),
        edits: [{ old_string: "a", new_string: "b" }],
      }),
    );
    expect(write.code).toBe(2);
    expect(write.stderr).toMatch(/your role \(reviewer\) is read-only/);
    const commit = guard(
      env,
      preToolUse(wt, "Bash", { command: "git commit -am fix", description: "c" }),
    );
    expect(commit.code).toBe(2);
    const look = guard(
      env,
      preToolUse(wt, "Bash", {
        command: "git diff main... && grep -rn TODO src",
        description: "r",
      }),
    );
    expect(look.code).toBe(0);
  });

  it("outside a Flotilla agent it allows everything; an unreadable payload is blocked", () => {
    expect(guard({}, preToolUse("/", "Write", { file_path: "/etc/x", content: "" })).code).toBe(0);
    expect(guard({ FLOTILLA_AGENT: "a" }, "not json").code).toBe(2);
  });
});

describe("shellWrites (best effort)", () => {
  it("finds redirections, tee, rm, mv, cp, sed -i and cd; ignores fd duplications and input", () => {
    expect(shellWrites("echo a > out.txt 2>&1").targets).toEqual(["out.txt"]);
    expect(shellWrites("cat < in.txt | tee -a log.txt >/dev/null").targets).toEqual([
      "/dev/null",
      "log.txt",
    ]);
    expect(shellWrites("rm -rf build && mv a b").targets).toEqual(["build", "a", "b"]);
    expect(shellWrites("sed -i 's/x/y/' src/a.ts").targets).toEqual(["src/a.ts"]);
    expect(shellWrites("cd /elsewhere && touch f").targets).toEqual(["cd:/elsewhere", "f"]);
    expect(shellWrites('echo "a > b" >&2').targets).toEqual([]);
    expect(shellWrites("git commit -m x").gitWrites).toEqual(["git commit"]);
  });
});

describe("guardHookEntry", () => {
  it("is a PreToolUse settings entry for the write tools and Bash that runs flotilla guard", () => {
    const entry = guardHookEntry();
    expect(new RegExp(`^(${entry.matcher})$`).test("Edit")).toBe(true);
    expect(new RegExp(`^(${entry.matcher})$`).test("Read")).toBe(false);
    expect(entry.hooks).toEqual([{ type: "command", command: "flotilla guard", timeout: 10 }]);
  });
});

describe("Claude Code settings (--settings file outside the worktree)", () => {
  it("install the guard as a PreToolUse hook on the write tools and Bash", () => {
    expect(claudeSettings().hooks.PreToolUse).toContainEqual(guardHookEntry());
  });
});
