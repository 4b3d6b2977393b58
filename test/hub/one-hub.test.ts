import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import { hubStatus, stopHub } from "../../src/hub/daemon.js";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { initProject } from "../../src/hub/init.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { startHubService, type HubService } from "../../src/hub/service.js";
import type { Project } from "../../src/store/project.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo, makeTempDir } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";

/** Real hubs on real temp repositories, agents that record each run in a file. */
const services: HubService[] = [];
const hubs: Hub[] = [];
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
  for (const hub of hubs.splice(0)) await hub.shutdown();
});

/** A project whose runtime `count` appends one line to `runs` per launch and exits at once. */
async function countingProject(): Promise<{ project: Project; runs: string }> {
  const { project } = await initProject(makeRepo());
  const runs = path.join(makeTempDir("flotilla-runs-"), "runs");
  writeFileSync(runs, "");
  const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
  config.runtimes = {
    count: {
      command: "sh",
      args: ["-c", `echo "$FLOTILLA_AGENT" >> '${runs}'`],
      prompt: { mode: "none" },
    },
  };
  writeFileSync(project.paths.config, JSON.stringify(config));
  await trustConfig(project.root, await project.readConfig());
  return { project, runs };
}

const lines = (file: string): string[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.length > 0);

describe("one hub per project, one launch per spawn (issue 8 item 8)", () => {
  it("item 8: two hubs started at once: one wins before anything is launched, the agent runs once", async () => {
    const { project, runs } = await countingProject();
    await createAgent(project, { name: "a1", runtime: "count" });
    const dir = makeTempDir("flotilla-sock-");
    const results = await Promise.allSettled([
      startHubService(project, { socketPath: path.join(dir, "one.sock"), runners: [] }),
      startHubService(project, { socketPath: path.join(dir, "two.sock"), runners: [] }),
    ]);
    const won = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    services.push(...won);
    await waitFor(async () => (await project.readState()).agents[0]?.status === "exited", {
      what: "a1 to run and exit",
    });
    expect(lines(runs)).toEqual(["a1"]);
    expect(won).toHaveLength(1);
    const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(isFlotillaError(lost.reason, "HUB_UNAVAILABLE")).toBe(true);
    const record = (await project.readState()).agents[0]!;
    expect(record.pid === undefined || record.status === "exited").toBe(true);
  });

  it("item 8: five fast-exiting agents are launched five times, not six", async () => {
    const { project, runs } = await countingProject();
    const hub = await createHub(project);
    hubs.push(hub);
    const names = ["f1", "f2", "f3", "f4", "f5"];
    for (const name of names) await createAgent(project, { name, runtime: "count" });
    await waitFor(
      async () => {
        const agents = (await project.readState()).agents;
        return agents.length === 5 && agents.every((a) => a.status === "exited");
      },
      { what: "all five to run and exit" },
    );
    await hub.flush();
    expect(lines(runs).sort()).toEqual(names);
    expect(existsSync(runs)).toBe(true);
  });
});

describe("a copied project never drives the original's hub (issue 8 item 11)", () => {
  it("item 11: hub status and hub stop in a copy leave the original's hub and socket alone", async () => {
    const { project } = await countingProject();
    const socket = path.join(makeTempDir("flotilla-sock-"), "hub.sock");
    const service = await startHubService(project, { socketPath: socket, runners: [] });
    services.push(service);
    const { project: copy } = await initProject(makeRepo());
    // What `cp -a` carries over: the original's hub.json, naming its socket.
    writeFileSync(copy.paths.hubRecord, readFileSync(project.paths.hubRecord));
    const status = await hubStatus(copy);
    expect(status).toMatchObject({ state: "stale", foreign: true });
    expect(await stopHub(copy)).toEqual({ how: "none" });
    expect(existsSync(socket)).toBe(true);
    // The copy's probe said hello, saw another project in the welcome and left, sending nothing.
    await waitFor(() => service.server.clientCount() === 0, { what: "the probe to leave" });
    expect(await hubStatus(project)).toMatchObject({ state: "running", pid: process.pid });
  });
});

describe("a corrupt hub.json (issue 8 item 17)", () => {
  it("item 17: does not hide the running hub, so it can still be found and stopped", async () => {
    const { project } = await countingProject();
    const service = await startHubService(project, { runners: [] });
    services.push(service);
    writeFileSync(project.paths.hubRecord, "{torn");
    expect(await hubStatus(project)).toMatchObject({ state: "running", pid: process.pid });
  });
});
