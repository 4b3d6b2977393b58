import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { reportHook } from "../../src/commands/hook.js";
import { opencodeEvent, parseAgentEvent } from "../../src/runtimes/agent-events.js";
import {
  opencodeConfigContent,
  opencodePluginPackage,
  opencodePluginPath,
  opencodePluginSource,
} from "../../src/runtimes/opencode-plugin.js";
import { buildLaunch } from "../../src/runtimes/profiles.js";
import { projectPaths } from "../../src/store/paths.js";
import { makeTempDir, removeTempRepos } from "../git/temp-repo.js";

afterAll(removeTempRepos);

interface BusEvent {
  type: string;
  properties: Record<string, unknown>;
}

/**
 * OpenCode 1.18.33's bus events as a plugin gets them: `seen` captured from the real CLI,
 * `fromSchema` written from its bus definitions (the file's "//" says how).
 */
const fixture = JSON.parse(
  readFileSync(path.resolve(import.meta.dirname, "../fixtures/hooks/opencode-events.json"), "utf8"),
) as { seen: BusEvent[]; retry: BusEvent; fromSchema: BusEvent[] };
const [created, partUpdated, busy, idle, sessionIdle] = fixture.seen as [
  BusEvent,
  BusEvent,
  BusEvent,
  BusEvent,
  BusEvent,
];
const session = String(created.properties.sessionID);
const schema = (type: string, child = false): BusEvent => {
  const found = fixture.fromSchema.find(
    (event) => event.type === type && (event.properties.sessionID !== session) === child,
  );
  if (!found) throw new Error(`no ${type} in the fixture`);
  return found;
};

describe("opencodeEvent", () => {
  const statusOf = (payload: unknown) => {
    const event = opencodeEvent(payload);
    return (
      event && { status: event.status, reason: event.reason, conversation: event.conversation }
    );
  };

  it("maps OpenCode's session, permission and question events, with the top-level session id", () => {
    expect(statusOf(created)).toEqual({ conversation: session });
    expect(statusOf(busy)).toEqual({ status: "working", conversation: session });
    expect(statusOf(fixture.retry)).toEqual({ status: "working", conversation: session });
    expect(statusOf(idle)).toEqual({ status: "idle", conversation: session });
    expect(statusOf(sessionIdle)).toEqual({ status: "idle", conversation: session });
    expect(statusOf(schema("permission.asked"))).toEqual({
      status: "waiting",
      reason: "permission_prompt",
      conversation: session,
    });
    expect(statusOf(schema("question.asked"))).toEqual({
      status: "waiting",
      reason: "elicitation_dialog",
      conversation: session,
    });
    for (const type of ["permission.replied", "question.replied", "question.rejected"]) {
      expect(statusOf(schema(type))).toEqual({ status: "working", conversation: session });
    }
    expect(statusOf(partUpdated)).toEqual({ conversation: session });
    expect(opencodeEvent({ properties: {} })).toBeUndefined();
  });

  it("takes nothing from a subagent's session but its questions", () => {
    // Its creation names its parent; Flotilla's plugin marks its later events `child`.
    expect(statusOf(schema("session.created", true))).toEqual({});
    expect(statusOf({ ...schema("session.status", true), child: true })).toEqual({});
    expect(statusOf({ ...schema("session.idle", true), child: true })).toEqual({});
    const asked = { ...schema("permission.asked"), child: true };
    expect(statusOf(asked)).toEqual({ status: "waiting", reason: "permission_prompt" });
  });
});

describe("the OpenCode plugin", () => {
  /** Writes the plugin as a launch does and loads it as OpenCode would (every export called). */
  const loadPlugin = async (agent: string) => {
    const root = makeTempDir("flotilla-opencode-plugin-");
    const file = opencodePluginPath(path.join(root, ".flotilla"));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, opencodePluginSource());
    writeFileSync(path.join(path.dirname(file), "package.json"), opencodePluginPackage());
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const exports = Object.values(mod);
    expect(exports.every((value) => typeof value === "function")).toBe(true);
    const saved = { root: process.env.FLOTILLA_ROOT, agent: process.env.FLOTILLA_AGENT };
    process.env.FLOTILLA_ROOT = root;
    process.env.FLOTILLA_AGENT = agent;
    try {
      const init = exports[0] as (input: unknown) => Promise<{
        event?: (input: { event: BusEvent & { id?: string } }) => Promise<void>;
      }>;
      const hooks = await init({ directory: root, worktree: root });
      const events = path.join(root, ".flotilla", "agent-events", `${agent}.jsonl`);
      const lines = () =>
        existsSync(events) ? readFileSync(events, "utf8").split("\n").filter(Boolean) : [];
      return { hooks, lines };
    } finally {
      if (saved.root === undefined) delete process.env.FLOTILLA_ROOT;
      else process.env.FLOTILLA_ROOT = saved.root;
      if (saved.agent === undefined) delete process.env.FLOTILLA_AGENT;
      else process.env.FLOTILLA_AGENT = saved.agent;
    }
  };

  it("appends the status events only, subagents' marked, repeats dropped; the hub maps them", async () => {
    const { hooks, lines } = await loadPlugin("bob");
    const stream: BusEvent[] = [
      created,
      partUpdated,
      busy,
      busy,
      fixture.retry,
      schema("session.created", true),
      schema("session.status", true),
      schema("permission.asked"),
      schema("permission.replied"),
      schema("session.idle", true),
      idle,
      sessionIdle,
    ];
    for (const event of stream) await hooks.event?.({ event: { id: "evt", ...event } });
    const written = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written.map((line) => line.type)).toEqual([
      "session.created",
      "session.status",
      "session.status",
      "session.created",
      "session.status",
      "permission.asked",
      "permission.replied",
      "session.idle",
      "session.status",
      "session.idle",
    ]);
    expect(written.map((line) => line.child === true)).toEqual([
      false,
      false,
      false,
      true,
      true,
      false,
      false,
      true,
      false,
      false,
    ]);
    const mapped = lines().map((line) => parseAgentEvent(line));
    expect(mapped.map((event) => event?.status)).toEqual([
      undefined,
      "working",
      "working",
      undefined,
      undefined,
      "waiting",
      "working",
      undefined,
      "idle",
      "idle",
    ]);
    expect(mapped.every((event) => event?.source === "opencode")).toBe(true);
    expect(mapped[0]?.conversation).toBe(session);
    expect(mapped[3]?.conversation).toBeUndefined();
  });

  it("writes nothing for an agent name that would leave the folder", async () => {
    for (const agent of ["../x", ".hidden", ""]) {
      const { hooks, lines } = await loadPlugin(agent);
      expect(hooks.event).toBeUndefined();
      expect(lines()).toEqual([]);
    }
  });
});

describe("flotilla hook opencode", () => {
  it("appends the event a bus event on stdin means, as the agent's", async () => {
    const root = makeTempDir("flotilla-opencode-hook-");
    const env = { FLOTILLA_ROOT: root, FLOTILLA_AGENT: "bob" };
    const input = JSON.stringify(schema("question.asked"));
    expect(await reportHook("opencode", undefined, env, () => Promise.resolve(input))).toBe(true);
    const file = path.join(root, ".flotilla", "agent-events", "bob.jsonl");
    expect(parseAgentEvent(readFileSync(file, "utf8").trim())).toMatchObject({
      source: "opencode",
      status: "waiting",
      reason: "elicitation_dialog",
      conversation: session,
    });
  });
});

describe("OPENCODE_CONFIG_CONTENT", () => {
  const plugin = "/p/.flotilla/opencode/flotilla-status.js";
  const spec = pathToFileURL(plugin).href;

  it("names the plugin, added to the user's own value and its plugins", () => {
    expect(JSON.parse(opencodeConfigContent({}, plugin) ?? "")).toEqual({ plugin: [spec] });
    expect(
      JSON.parse(opencodeConfigContent({ OPENCODE_CONFIG_CONTENT: " " }, plugin) ?? ""),
    ).toEqual({ plugin: [spec] });
    const theirs = JSON.stringify({ model: "anthropic/claude", plugin: ["their-plugin@1.0.0"] });
    expect(
      JSON.parse(opencodeConfigContent({ OPENCODE_CONFIG_CONTENT: theirs }, plugin) ?? ""),
    ).toEqual({ model: "anthropic/claude", plugin: ["their-plugin@1.0.0", spec] });
  });

  it("leaves a value it cannot parse as a JSON object alone (no plugin then)", () => {
    for (const value of ['{ "model": "x", } // jsonc', "[]", '"text"']) {
      expect(opencodeConfigContent({ OPENCODE_CONFIG_CONTENT: value }, plugin)).toBeUndefined();
    }
  });

  it("a launch passes it, and writes the plugin outside the worktree; OPENCODE_CONFIG stays the user's", () => {
    const root = makeTempDir("flotilla-opencode-launch-");
    const worktree = path.join(root, ".flotilla", "worktrees", "bob");
    mkdirSync(worktree, { recursive: true });
    const paths = projectPaths(root);
    const record = { name: "bob", runtime: "opencode", role: "worker", worktree, prompt: "hi" };
    const env = { PATH: "/usr/bin:/bin", OPENCODE_CONFIG: "/home/u/oc.json" };
    const launch = buildLaunch({ root, paths }, record, { runtimes: {} }, env);
    const file = opencodePluginPath(paths.dir);
    expect(JSON.parse(launch.env.OPENCODE_CONFIG_CONTENT ?? "")).toEqual({
      plugin: [pathToFileURL(file).href],
    });
    expect(launch.env.OPENCODE_CONFIG).toBe("/home/u/oc.json");
    expect(launch.files?.map((entry) => entry.path)).toEqual([
      file,
      path.join(path.dirname(file), "package.json"),
    ]);
    expect(launch.files?.every((entry) => !entry.path.startsWith(worktree))).toBe(true);
    // The user's unparseable value is kept, and no plugin is written.
    const kept = buildLaunch(
      { root, paths },
      record,
      { runtimes: {} },
      { ...env, OPENCODE_CONFIG_CONTENT: "{ // jsonc\n}" },
    );
    expect(kept.env.OPENCODE_CONFIG_CONTENT).toBe("{ // jsonc\n}");
    expect(kept.files).toEqual([]);
  });

  it("a respawn resumes the session the plugin reported, else the directory's last", () => {
    const root = makeTempDir("flotilla-opencode-resume-");
    const worktree = path.join(root, ".flotilla", "worktrees", "bob");
    mkdirSync(worktree, { recursive: true });
    const paths = projectPaths(root);
    const base = { name: "bob", runtime: "opencode", role: "worker", worktree, resume: true };
    const env = { PATH: "/usr/bin:/bin" };
    const args = (extra: object) =>
      buildLaunch({ root, paths }, { ...base, ...extra }, { runtimes: {} }, env).args;
    expect(args({ conversation: session, conversationConfirmed: true, everStarted: true })).toEqual(
      ["--session", session],
    );
    expect(args({ everStarted: true })).toEqual(["--continue"]);
  });
});
