import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempDir, removeTempRepos } from "../git/temp-repo.js";

afterAll(removeTempRepos);
import {
  claudeSettings,
  claudeSettingsPath,
  claudeStatusHookPath,
  claudeStatusHookScript,
  mailHookCommand,
  removeLegacyClaudeSettings,
  STATUS_HOOK_COMMAND,
  STATUS_HOOK_EVENTS,
  statusHookCommand,
} from "../../src/runtimes/claude-hooks.js";
import { claudeHookEvent, parseAgentEvent } from "../../src/runtimes/agent-events.js";

function worktree(settings?: string): string {
  const dir = makeTempDir("flotilla-hooks-");
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

describe("claudeStatusHookScript (the status hook's fast path)", () => {
  const session = "8f2c6a1e-4b7d-4c1a-9e3f-2d5b7a9c0e11";
  /** Runs the real script with `sh`, `input` on stdin; returns its result and the events file. */
  const runHook = (input: string, agent = "alice") => {
    const root = worktree();
    const script = claudeStatusHookPath(path.join(root, ".flotilla"));
    mkdirSync(path.dirname(script), { recursive: true });
    writeFileSync(script, claudeStatusHookScript());
    const result = spawnSync("sh", ["-c", statusHookCommand(script)], {
      input,
      env: { PATH: "/usr/bin:/bin", FLOTILLA_ROOT: root, FLOTILLA_AGENT: agent },
      encoding: "utf8",
    });
    const file = path.join(root, ".flotilla", "agent-events", `${agent}.jsonl`);
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    return { ...result, lines };
  };
  const payloads: Record<string, unknown>[] = [
    {
      session_id: session,
      transcript_path: `/home/u/.claude/projects/-repo/${session}.jsonl`,
      cwd: "/repo/.flotilla/worktrees/alice",
      permission_mode: "default",
      hook_event_name: "PreToolUse",
      tool_name: "Bash",
      // A tool input that mentions the keys must not be read as them.
      tool_input: { command: 'echo \'"hook_event_name":"Stop"\' "notification_type":"x"' },
    },
    { session_id: session, hook_event_name: "Stop", stop_hook_active: false },
    {
      session_id: session,
      hook_event_name: "Notification",
      message: "Claude needs your permission to use Bash",
      notification_type: "permission_prompt",
    },
    // Before notification_type: the message says it.
    {
      session_id: session,
      hook_event_name: "Notification",
      message: "Claude needs your permission to use Bash",
    },
    { session_id: session, hook_event_name: "PermissionRequest", tool_name: "Write" },
    { session_id: session, hook_event_name: "Notification", notification_type: "idle_prompt" },
  ];

  it("appends what the Node hook would, for each payload, compact or pretty-printed, printing nothing", () => {
    for (const payload of payloads) {
      for (const text of [JSON.stringify(payload), JSON.stringify(payload, null, 2)]) {
        const { status, stdout, lines } = runHook(text + "\n");
        expect({ status, stdout, count: lines.length }).toEqual({
          status: 0,
          stdout: "",
          count: 1,
        });
        const got = parseAgentEvent(lines[0] ?? "");
        const want = claudeHookEvent(payload, new Date(got?.time ?? 0));
        expect(got).toEqual(want);
      }
    }
  });

  it("writes nothing for what is not a hook payload, or an agent name that leaves the folder", () => {
    expect(runHook("not json\n").lines).toEqual([]);
    expect(runHook('{"hook_event_name":"St\\"op"}').lines).toEqual([]);
    const escape = runHook('{"hook_event_name":"Stop"}', "../../x");
    expect({ status: escape.status, lines: escape.lines }).toEqual({ status: 0, lines: [] });
  });
});
