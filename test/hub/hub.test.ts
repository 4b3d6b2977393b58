import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { FlotillaError } from "../../src/core/errors.js";
import { Hub, createHub } from "../../src/hub/hub.js";
import { linkLocalHub } from "../../src/hub/local-link.js";
import type { AgentView, HubEvent } from "../../src/hub/protocol.js";
import type { HubContext, HubRunner } from "../../src/hub/runner.js";
import { HUB_RUNNERS } from "../../src/hub/runners.js";
import { initProject } from "../../src/hub/init.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo } from "../git/temp-repo.js";

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function setup(
  command: string,
  runners = HUB_RUNNERS,
): Promise<{ hub: Hub; events: HubEvent[] }> {
  const repo = makeRepo({ prefix: "flotilla-hub-" });
  const { project } = await initProject(repo);
  const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
  config.runtimes = {
    probe: {
      command: "bash",
      args: ["--norc", "--noprofile", "-c", command],
      prompt: { mode: "none" },
      waitingPatterns: ["Proceed\\? \\(y/n\\)"],
    },
  };
  config.idleAfterMs = 300;
  writeFileSync(project.paths.config, JSON.stringify(config));
  await trustConfig(project.root, await project.readConfig());
  await createAgent(project, { name: "probe", runtime: "probe" });
  const hub = await createHub(project, runners);
  const events: HubEvent[] = [];
  hub.subscribe((event) => events.push(event));
  return { hub, events };
}

describe("hub", () => {
  let hub: Hub | undefined;
  // Shut down (not just dispose) so no state write lands after the temp repo is removed.
  afterEach(async () => {
    await hub?.shutdown(2000);
    hub = undefined;
  });

  it("runs a recorded agent in a pty, streams its output and tracks working → waiting → exited", async () => {
    const setupResult = await setup(
      'echo started; read -p "Proceed? (y/n) " a; echo "got $a"; exit 3',
    );
    hub = setupResult.hub;
    const { events } = setupResult;
    const session = await waitFor(() => hub!.session("probe"));
    await waitFor(() => events.some((e) => e.type === "status" && e.status === "waiting"));
    expect(session.screen.text()).toContain("Proceed? (y/n)");
    hub.handle({ type: "input", name: "probe", data: "y\r" }, "test", () => undefined);
    await waitFor(() => events.some((e) => e.type === "status" && e.status === "exited"));
    const exited = events.find((e) => e.type === "status" && e.status === "exited");
    expect(exited).toMatchObject({ exitCode: 3 });
    expect(session.screen.text()).toContain("got y");
    const output = events
      .filter((e) => e.type === "output")
      .map((e) => (e.type === "output" ? e.seq : 0));
    // Consecutive sequence points: nothing skipped or repeated (the first may predate subscribe).
    expect(output).toEqual(output.map((_, i) => output[0]! + i));
    await hub.flush();
    const state = await hub.project.readState();
    expect(state.agents[0]).toMatchObject({ name: "probe", status: "exited", exitCode: 3 });
  });

  it("resizes the pty and the pane's screen to the pane", async () => {
    // Reports the size once the resize arrived, however long that takes.
    const setupResult = await setup(
      'stty size; until [ "$(stty size)" = "12 50" ]; do sleep 0.05; done; stty size; sleep 30',
    );
    hub = setupResult.hub;
    hub.handle({ type: "resize", name: "probe", cols: 50, rows: 12 }, "test", () => undefined);
    const session = await waitFor(() => hub!.session("probe"));
    await waitFor(() => session.screen.text().includes("12 50"));
    expect({ cols: session.screen.cols, rows: session.screen.rows }).toEqual({
      cols: 50,
      rows: 12,
    });
  });

  it("shows a missing command in the pane and keeps going", async () => {
    const repo = makeRepo({ prefix: "flotilla-hub-" });
    const { project } = await initProject(repo);
    const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
    config.runtimes = {
      ghost: { command: "definitely-not-installed-cli", prompt: { mode: "none" } },
    };
    writeFileSync(project.paths.config, JSON.stringify(config));
    await trustConfig(project.root, await project.readConfig());
    await createAgent(project, { name: "ghost", runtime: "ghost" });
    hub = await createHub(project, HUB_RUNNERS);
    const session = await waitFor(() => hub!.session("ghost"));
    await waitFor(() => session.screen.text().includes("not found"));
    expect(session.currentStatus).toBe("exited");
  });

  it("runs the runners it is given: start with context, status hooks, decorated views, replay, dispose", async () => {
    const calls: string[] = [];
    let context: HubContext | undefined;
    const runner: HubRunner = {
      name: "recorder",
      async start(given) {
        context = given;
        calls.push(
          `start:${given
            .agents()
            .map((a) => a.name)
            .join(",")}`,
        );
      },
      onAgentStatus: (name, status) => calls.push(`status:${name}:${status}`),
      decorateAgent: (view: AgentView) => ({ ...view, problem: "decorated" }),
      replay: () => [{ type: "notice", level: "info", text: "replayed" }],
      dispose: () => calls.push("dispose"),
    };
    const setupResult = await setup("echo hi; sleep 30", [() => runner]);
    hub = setupResult.hub;
    expect(calls[0]).toBe("start:probe");
    expect(context?.watcher.root).toBe(hub.project.paths.dir);
    await waitFor(() => calls.includes("status:probe:working"));
    const replies: HubEvent[] = [];
    hub.handle({ type: "list", id: 7 }, "test", (event) => replies.push(event));
    await waitFor(() => replies.length >= 2);
    const result = replies.find((e) => e.type === "result");
    expect(result).toMatchObject({ ok: true, value: [{ name: "probe", problem: "decorated" }] });
    expect(replies).toContainEqual({ type: "notice", level: "info", text: "replayed" });
    hub.dispose();
    hub.dispose();
    expect(calls.filter((c) => c === "dispose")).toHaveLength(1);
    hub = undefined;
  });

  it("rejects a failed request through the local link with the hub's error code", async () => {
    const setupResult = await setup("echo hi; sleep 30", []);
    hub = setupResult.hub;
    const { link } = linkLocalHub(hub);
    await waitFor(() => hub!.session("probe")?.isRunning);
    const error = await link.request({ type: "respawn", name: "probe" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlotillaError);
    expect(error).toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("still running"),
    });
    const missing = await link
      .request({ type: "respawn", name: "nobody" })
      .catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: "UNKNOWN_AGENT" });
  });
});
