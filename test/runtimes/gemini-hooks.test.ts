import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { reportHook } from "../../src/commands/hook.js";
import { geminiHookEvent, parseAgentEvent } from "../../src/runtimes/agent-events.js";
import { statusHookCommand, statusHookScript } from "../../src/runtimes/claude-hooks.js";
import {
  GEMINI_HOOK_NAME,
  GEMINI_STATUS_HOOK_EVENTS,
  geminiAcceptsSystemFile,
  geminiDefaultsDocument,
  geminiDefaultsPath,
  geminiOwnDefaultsPath,
  geminiStatusHooks,
} from "../../src/runtimes/gemini-hooks.js";
import { buildLaunch } from "../../src/runtimes/profiles.js";
import { projectPaths } from "../../src/store/paths.js";
import { makeTempDir, removeTempRepos } from "../git/temp-repo.js";

afterAll(removeTempRepos);

/**
 * Gemini CLI 0.61.0's hook inputs: `seen` captured from the real CLI, `fromSource` written
 * from its bundled source (the file's "//" says where each comes from).
 */
const fixture = JSON.parse(
  readFileSync(
    path.resolve(import.meta.dirname, "../fixtures/hooks/gemini-hook-inputs.json"),
    "utf8",
  ),
) as { seen: Record<string, unknown>[]; fromSource: Record<string, unknown>[] };
const inputs = [...fixture.seen, ...fixture.fromSource];
const byEvent = (name: string): Record<string, unknown> => {
  const found = inputs.find((input) => input.hook_event_name === name);
  if (!found) throw new Error(`no ${name} in the fixture`);
  return found;
};
const session = String(byEvent("SessionStart").session_id);

describe("geminiHookEvent", () => {
  it("maps Gemini CLI's hook inputs to statuses, with the session id", () => {
    const now = new Date("2026-12-02T10:00:00Z");
    const statusOf = (name: string) => {
      const event = geminiHookEvent(byEvent(name), now);
      return (
        event && { status: event.status, reason: event.reason, conversation: event.conversation }
      );
    };
    expect(statusOf("SessionStart")).toEqual({ conversation: session });
    expect(statusOf("BeforeAgent")).toEqual({ status: "working", conversation: session });
    expect(statusOf("BeforeTool")).toEqual({ status: "working", conversation: session });
    expect(statusOf("AfterTool")).toEqual({ status: "working", conversation: session });
    expect(statusOf("Notification")).toEqual({
      status: "waiting",
      reason: "permission_prompt",
      conversation: session,
    });
    expect(statusOf("AfterAgent")).toEqual({ status: "idle", conversation: session });
    expect(statusOf("SessionEnd")).toEqual({ conversation: session });
    expect(statusOf("PreCompress")).toEqual({ conversation: session });
    expect(
      geminiHookEvent({ ...byEvent("Notification"), notification_type: "Other" })?.status,
    ).toBe(undefined);
    expect(geminiHookEvent("nope")).toBeUndefined();
    expect(geminiHookEvent({ session_id: session })).toBeUndefined();
  });
});

describe("Gemini CLI's status hook script (the fast path)", () => {
  /** Runs the real script with `sh`, `input` on stdin; returns its result and the events file. */
  const runHook = (input: string, agent = "carol") => {
    const root = makeTempDir("flotilla-gemini-hook-");
    const script = path.join(root, ".flotilla", "bin", "gemini-status-hook.sh");
    mkdirSync(path.dirname(script), { recursive: true });
    writeFileSync(script, statusHookScript("gemini"));
    const result = spawnSync("sh", ["-c", statusHookCommand(script)], {
      input,
      env: { PATH: "/usr/bin:/bin", FLOTILLA_ROOT: root, FLOTILLA_AGENT: agent },
      encoding: "utf8",
    });
    const file = path.join(root, ".flotilla", "agent-events", `${agent}.jsonl`);
    const lines = existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
    return { ...result, lines };
  };

  it("appends a gemini line the hub maps as geminiHookEvent would, for every input, printing nothing", () => {
    for (const input of inputs) {
      const { status, stdout, lines } = runHook(JSON.stringify(input));
      expect({ status, stdout, count: lines.length }).toEqual({ status: 0, stdout: "", count: 1 });
      expect(JSON.parse(lines[0] ?? "{}").source).toBe("gemini");
      const got = parseAgentEvent(lines[0] ?? "");
      expect(got).toEqual(geminiHookEvent(input, new Date(got?.time ?? 0)));
    }
  });

  it("writes nothing for what is not a hook input, or an agent name that leaves the folder", () => {
    expect(runHook("not json").lines).toEqual([]);
    expect(runHook(JSON.stringify(byEvent("AfterAgent")), "../x").lines).toEqual([]);
  });
});

describe("flotilla hook gemini", () => {
  it("appends the event an input means, as the agent's", async () => {
    const root = makeTempDir("flotilla-gemini-cli-hook-");
    const env = { FLOTILLA_ROOT: root, FLOTILLA_AGENT: "carol" };
    const input = JSON.stringify(byEvent("Notification"));
    expect(await reportHook("gemini", undefined, env, () => Promise.resolve(input))).toBe(true);
    const file = path.join(root, ".flotilla", "agent-events", "carol.jsonl");
    const line = parseAgentEvent(readFileSync(file, "utf8").trim());
    expect(line).toMatchObject({ source: "gemini", status: "waiting", conversation: session });
  });
});

describe("the defaults file", () => {
  it("has Flotilla's named hook on every status event, timeouts in ms", () => {
    const hooks = geminiStatusHooks("sh '/p/.flotilla/bin/gemini-status-hook.sh'");
    expect(Object.keys(hooks)).toEqual([...GEMINI_STATUS_HOOK_EVENTS]);
    expect(hooks.AfterAgent).toEqual([
      {
        matcher: "*",
        hooks: [
          {
            type: "command",
            name: GEMINI_HOOK_NAME,
            command: "sh '/p/.flotilla/bin/gemini-status-hook.sh'",
            timeout: 10_000,
          },
        ],
      },
    ]);
  });

  it("copies the user's own system defaults and adds the hooks after theirs", () => {
    const dir = makeTempDir("flotilla-gemini-defaults-");
    const theirs = path.join(dir, "system-defaults.json");
    const theirHook = { hooks: [{ type: "command", command: "their-hook" }] };
    writeFileSync(
      theirs,
      JSON.stringify({ ui: { hideTips: true }, hooks: { AfterAgent: [theirHook], Custom: [] } }),
    );
    const ours = geminiStatusHooks("ours");
    const document = geminiDefaultsDocument(theirs, ours);
    expect(document?.ui).toEqual({ hideTips: true });
    const hooks = document?.hooks as Record<string, unknown[]>;
    expect(hooks.AfterAgent).toEqual([theirHook, ...(ours.AfterAgent ?? [])]);
    expect(hooks.Custom).toEqual([]);
    expect(hooks.BeforeAgent).toEqual(ours.BeforeAgent);
    // None: the hooks alone. Not JSON: nothing (the agent keeps the user's file, no hooks).
    expect(geminiDefaultsDocument(path.join(dir, "missing.json"), ours)).toEqual({ hooks: ours });
    writeFileSync(theirs, "// a comment\n{}");
    expect(geminiDefaultsDocument(theirs, ours)).toBeUndefined();
    writeFileSync(theirs, "[]");
    expect(geminiDefaultsDocument(theirs, ours)).toBeUndefined();
  });

  it("finds the defaults file Gemini CLI would read, as its getSystemDefaultsPath does", () => {
    expect(geminiOwnDefaultsPath({}, "linux")).toBe("/etc/gemini-cli/system-defaults.json");
    expect(geminiOwnDefaultsPath({}, "darwin")).toBe(
      "/Library/Application Support/GeminiCli/system-defaults.json",
    );
    expect(
      geminiOwnDefaultsPath({ GEMINI_CLI_SYSTEM_SETTINGS_PATH: "/opt/g/s.json" }, "linux"),
    ).toBe("/opt/g/system-defaults.json");
    expect(
      geminiOwnDefaultsPath(
        {
          GEMINI_CLI_SYSTEM_SETTINGS_PATH: "/opt/g/s.json",
          GEMINI_CLI_SYSTEM_DEFAULTS_PATH: "/d.json",
        },
        "linux",
      ),
    ).toBe("/d.json");
  });

  it("is wired only where Gemini CLI would load it: root-owned directories nobody else can write", () => {
    // "/" is root's and 0755 everywhere; a directory not made yet is Flotilla's to make.
    expect(geminiAcceptsSystemFile("/flotilla-not-there/agents/a/x.json", 0, "linux")).toBe(true);
    expect(geminiAcceptsSystemFile("/flotilla-not-there/x.json", 1000, "linux")).toBe(false);
    expect(geminiAcceptsSystemFile("/flotilla-not-there/x.json", 0, "win32")).toBe(false);
    // A temp dir sits under a world-writable /tmp (or belongs to a user).
    const dir = makeTempDir("flotilla-gemini-secure-");
    expect(geminiAcceptsSystemFile(path.join(dir, "x.json"), 0, "linux")).toBe(false);
  });

  it("a launch where Gemini CLI would skip the file gets neither the file nor the variable", () => {
    const root = makeTempDir("flotilla-gemini-launch-");
    const worktree = path.join(root, ".flotilla", "worktrees", "carol");
    mkdirSync(worktree, { recursive: true });
    const launch = buildLaunch(
      { root, paths: projectPaths(root) },
      { name: "carol", runtime: "gemini", role: "worker", worktree, prompt: "hi" },
      { runtimes: {} },
      { PATH: "/usr/bin:/bin", HOME: root },
    );
    expect(launch.env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH).toBeUndefined();
    expect(launch.files).toEqual([]);
    expect(geminiDefaultsPath(path.join(root, ".flotilla"), "carol")).toBe(
      path.join(root, ".flotilla", "agents", "carol", "gemini-system-defaults.json"),
    );
  });
});
