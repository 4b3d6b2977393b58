import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { installClaudeMailHook, mailHookCommand } from "../../src/runtimes/claude-hooks.js";
import { makeTempDir } from "../git/temp-repo.js";

function worktree(settings?: string): string {
  const dir = makeTempDir("flotilla-hooks-");
  if (settings !== undefined) {
    mkdirSync(path.join(dir, ".claude"));
    writeFileSync(path.join(dir, ".claude", "settings.local.json"), settings);
  }
  return dir;
}

const read = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("installClaudeMailHook", () => {
  it("writes UserPromptSubmit and PostToolUse hooks that run mail check --inject", async () => {
    const file = await installClaudeMailHook(worktree());
    expect(read(file)).toEqual({
      hooks: {
        UserPromptSubmit: [
          {
            hooks: [
              {
                type: "command",
                command: mailHookCommand("UserPromptSubmit"),
                timeout: 10,
              },
            ],
          },
        ],
        PostToolUse: [
          {
            matcher: "*",
            hooks: [
              {
                type: "command",
                command: mailHookCommand("PostToolUse"),
                timeout: 10,
              },
            ],
          },
        ],
      },
    });
  });

  it("keeps existing settings and hooks, and is idempotent", async () => {
    const existing = {
      permissions: { allow: ["Bash(npm test)"] },
      hooks: {
        PostToolUse: [
          { matcher: "Write|Edit", hooks: [{ type: "command", command: "npx prettier --write" }] },
        ],
        Stop: [{ hooks: [{ type: "command", command: "say done" }] }],
      },
    };
    const dir = worktree(JSON.stringify(existing));
    await installClaudeMailHook(dir);
    const file = await installClaudeMailHook(dir);
    const settings = read(file);
    expect(settings.permissions).toEqual(existing.permissions);
    expect(settings.hooks.Stop).toEqual(existing.hooks.Stop);
    expect(settings.hooks.PostToolUse).toEqual([
      existing.hooks.PostToolUse[0],
      {
        matcher: "*",
        hooks: [
          {
            type: "command",
            command: mailHookCommand("PostToolUse"),
            timeout: 10,
          },
        ],
      },
    ]);
    expect(settings.hooks.UserPromptSubmit).toHaveLength(1);
  });

  it("refuses to touch a settings file that is not valid JSON", async () => {
    const dir = worktree("{ not json");
    await expect(installClaudeMailHook(dir)).rejects.toThrow(/is not valid JSON.*left untouched/);
    expect(readFileSync(path.join(dir, ".claude", "settings.local.json"), "utf8")).toBe(
      "{ not json",
    );
  });

  it("the hook command starts flotilla only when the agent has unread mail", () => {
    const root = worktree();
    const bin = path.join(root, "bin");
    mkdirSync(bin);
    // A stand-in flotilla that shows how it was called.
    writeFileSync(path.join(bin, "flotilla"), '#!/bin/sh\necho "flotilla $*"\n');
    chmodSync(path.join(bin, "flotilla"), 0o755);
    const run = (env: Record<string, string>) =>
      spawnSync("bash", ["-c", mailHookCommand("PostToolUse")], {
        env: { PATH: `${bin}:/usr/bin:/bin`, ...env },
        encoding: "utf8",
      });
    const env = { FLOTILLA_ROOT: root, FLOTILLA_AGENT: "alice" };
    expect(run(env)).toMatchObject({ status: 0, stdout: "" });
    const inbox = path.join(root, ".flotilla", "mail", "alice", "new");
    mkdirSync(inbox, { recursive: true });
    expect(run(env)).toMatchObject({ status: 0, stdout: "" });
    writeFileSync(path.join(inbox, "m.json"), "{}");
    expect(run(env).stdout).toBe("flotilla mail check --inject --hook-event PostToolUse\n");
    expect(run({}).stdout).toBe("flotilla mail check --inject --hook-event PostToolUse\n");
  });
});
