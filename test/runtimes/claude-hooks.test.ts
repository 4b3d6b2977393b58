import { spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  claudeSettings,
  claudeSettingsPath,
  mailHookCommand,
  removeLegacyClaudeSettings,
  STATUS_HOOK_COMMAND,
  STATUS_HOOK_EVENTS,
} from "../../src/runtimes/claude-hooks.js";

function worktree(settings?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flotilla-hooks-"));
  if (settings !== undefined) {
    mkdirSync(path.join(dir, ".claude"));
    writeFileSync(path.join(dir, ".claude", "settings.local.json"), settings);
  }
  return dir;
}

describe("claudeSettings", () => {
  it("has the status hooks on every event and the mail hooks on prompts and tool results", () => {
    const { hooks } = claudeSettings();
    for (const event of STATUS_HOOK_EVENTS) {
      expect(hooks[event]?.some((entry) => entry.hooks[0]?.command === STATUS_HOOK_COMMAND)).toBe(
        true,
      );
    }
    expect(hooks.PreToolUse?.[0]?.matcher).toBe("*");
    expect(hooks.Stop?.[0]).not.toHaveProperty("matcher");
    expect(hooks.UserPromptSubmit?.map((entry) => entry.hooks[0]?.command)).toEqual([
      STATUS_HOOK_COMMAND,
      mailHookCommand("UserPromptSubmit"),
    ]);
    expect(hooks.PostToolUse?.at(-1)).toEqual({
      matcher: "*",
      hooks: [{ type: "command", command: mailHookCommand("PostToolUse"), timeout: 10 }],
    });
  });

  it("lives under .flotilla/agents/<name>/, outside the worktree", () => {
    expect(claudeSettingsPath("/repo/.flotilla", "alice")).toBe(
      "/repo/.flotilla/agents/alice/claude-settings.json",
    );
  });
});

describe("removeLegacyClaudeSettings", () => {
  const ours = JSON.stringify({
    hooks: {
      UserPromptSubmit: [
        { hooks: [{ type: "command", command: mailHookCommand("UserPromptSubmit"), timeout: 10 }] },
      ],
      PostToolUse: [
        {
          matcher: "*",
          hooks: [{ type: "command", command: mailHookCommand("PostToolUse"), timeout: 10 }],
        },
      ],
    },
  });

  it("removes the file (and .claude/) when it holds only Flotilla's hooks", () => {
    const dir = worktree(ours);
    expect(removeLegacyClaudeSettings(dir)).toBe(true);
    expect(existsSync(path.join(dir, ".claude"))).toBe(false);
  });

  it("keeps .claude/ when it holds other files", () => {
    const dir = worktree(ours);
    writeFileSync(path.join(dir, ".claude", "commands.md"), "mine");
    expect(removeLegacyClaudeSettings(dir)).toBe(true);
    expect(existsSync(path.join(dir, ".claude", "commands.md"))).toBe(true);
  });

  it("leaves a file with the user's own settings or hooks, or that is not JSON, alone", () => {
    const mixed = JSON.parse(ours);
    mixed.permissions = { allow: ["Bash(npm test)"] };
    const withSettings = worktree(JSON.stringify(mixed));
    expect(removeLegacyClaudeSettings(withSettings)).toBe(false);
    const theirs = JSON.parse(ours);
    theirs.hooks.Stop = [{ hooks: [{ type: "command", command: "say done" }] }];
    expect(removeLegacyClaudeSettings(worktree(JSON.stringify(theirs)))).toBe(false);
    const broken = worktree("{ not json");
    expect(removeLegacyClaudeSettings(broken)).toBe(false);
    expect(readFileSync(path.join(broken, ".claude", "settings.local.json"), "utf8")).toBe(
      "{ not json",
    );
    expect(removeLegacyClaudeSettings(worktree())).toBe(false);
  });
});

describe("mailHookCommand", () => {
  it("starts flotilla only when the agent has unread mail", () => {
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
