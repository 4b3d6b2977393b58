import { readFileSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { Hub, createHub } from "../../src/hub/hub.js";
import type { HubEvent } from "../../src/hub/protocol.js";
import { initProject } from "../../src/store/init.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo } from "../e2e/harness.js";

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function setup(command: string): Promise<{ hub: Hub; events: HubEvent[] }> {
  const repo = makeRepo("flotilla-hub-");
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
  trustConfig(project.root, await project.readConfig());
  await createAgent(project, { name: "probe", runtime: "probe" });
  const hub = await createHub(project);
  const events: HubEvent[] = [];
  hub.subscribe((event) => events.push(event));
  return { hub, events };
}

describe("hub", () => {
  let hub: Hub | undefined;
  afterEach(() => hub?.dispose());

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

  it("resizes the pty to the pane and answers snapshots that redraw the same screen", async () => {
    const setupResult = await setup("stty size; sleep 0.3; stty size; sleep 30");
    hub = setupResult.hub;
    hub.handle({ type: "resize", name: "probe", cols: 50, rows: 12 }, "test", () => undefined);
    const session = await waitFor(() => hub!.session("probe"));
    await waitFor(() => session.screen.text().includes("12 50"));
    let snapshot: HubEvent | undefined;
    hub.handle({ type: "snapshot", name: "probe", id: 1 }, "test", (event) => (snapshot = event));
    expect(snapshot).toMatchObject({ type: "snapshot", cols: 50, rows: 12 });
  });

  it("shows a missing command in the pane and keeps going", async () => {
    const repo = makeRepo("flotilla-hub-");
    const { project } = await initProject(repo);
    const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
    config.runtimes = {
      ghost: { command: "definitely-not-installed-cli", prompt: { mode: "none" } },
    };
    writeFileSync(project.paths.config, JSON.stringify(config));
    trustConfig(project.root, await project.readConfig());
    await createAgent(project, { name: "ghost", runtime: "ghost" });
    hub = await createHub(project);
    const session = await waitFor(() => hub!.session("ghost"));
    await waitFor(() => session.screen.text().includes("not found"));
    expect(session.currentStatus).toBe("exited");
  });
});
