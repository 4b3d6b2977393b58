import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installClaudeMailHook } from "../../src/runtimes/claude-hooks.js";

function worktree(settings?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flotilla-hooks-"));
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
                command: "flotilla mail check --inject --hook-event UserPromptSubmit",
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
                command: "flotilla mail check --inject --hook-event PostToolUse",
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
            command: "flotilla mail check --inject --hook-event PostToolUse",
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
});
