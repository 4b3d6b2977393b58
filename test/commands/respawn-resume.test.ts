import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { initProject } from "../../src/hub/init.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo, runCli } from "../e2e/harness.js";
import { waitUntil } from "../hub/fake-backend.js";

let hub: Hub | undefined;
const repos: string[] = [];
afterEach(async () => {
  if (hub) await hub.shutdown(10_000);
  hub = undefined;
  for (const repo of repos.splice(0)) {
    rmSync(repo, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
  }
});

/**
 * A project whose runtime `fake` is a stand-in CLI that appends its argv (tab-separated)
 * to argv.log and then sleeps, with Claude Code's session arguments.
 */
async function fakeCliProject() {
  const repo = makeRepo("flotilla-resume-");
  repos.push(repo);
  const log = path.join(repo, "argv.log");
  const cli = path.join(repo, "fake-cli.sh");
  writeFileSync(
    cli,
    `#!/bin/sh\nprintf '%s\\t' "$@" >> ${log}\nprintf '\\n' >> ${log}\nexec sleep 60\n`,
  );
  chmodSync(cli, 0o755);
  const { project } = await initProject(repo);
  const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
  config.runtimes = {
    fake: {
      command: cli,
      prompt: { mode: "arg" },
      modelFlag: "--model",
      session: { newArgs: ["--session-id", "{id}"], resumeArgs: ["--resume", "{id}"] },
    },
  };
  writeFileSync(project.paths.config, JSON.stringify(config));
  trustConfig(project.root, await project.readConfig()); // a config that defines runtimes needs the user's trust
  const runs = (): string[][] =>
    existsSync(log)
      ? readFileSync(log, "utf8")
          .split("\n")
          .filter((line) => line.length > 0)
          .map((line) => line.replace(/\t$/, "").split("\t"))
      : [];
  return { repo, project, runs };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("respawn resumes the conversation", () => {
  it(
    "respawn runs the resume form with the recorded id; --fresh starts a new one",
    { timeout: 90_000 },
    async () => {
      const { repo, project, runs } = await fakeCliProject();
      const spawned = runCli(
        ["spawn", "a", "--runtime", "fake", "--model", "m1", "-p", "hi"],
        repo,
      );
      expect(spawned.stderr).toBe("");
      expect(spawned.stdout).toContain("model m1");
      hub = await createHub(project);
      const agent = () => hub?.agents().find((view) => view.name === "a");
      // Each run is stopped with the hub's kill (as prefix x does) before it is respawned.
      const ran = async (n: number) => {
        await waitUntil(() => runs().length === n, `run ${n}`, 20_000);
        await waitUntil(() => agent()?.status !== "starting", `run ${n} started`, 20_000);
        await new Promise((resolve) =>
          hub?.handle({ type: "kill", id: n, name: "a" }, "t", resolve),
        );
        await waitUntil(() => agent()?.status === "exited", `run ${n} to exit`, 20_000);
        await hub?.flush();
      };
      await ran(1);
      const [first] = runs();
      expect(first?.[0], JSON.stringify(runs())).toBe("--session-id");
      const id = first?.[1] ?? "";
      expect(id).toMatch(UUID);
      expect(first?.slice(2)).toEqual(["--model", "m1", "hi"]);

      const resumed = runCli(["respawn", "a"], repo);
      expect(resumed.stderr).toBe("");
      expect(resumed.stdout).toContain("resuming its conversation");
      await ran(2);
      // The same conversation, no first prompt again.
      expect(runs()[1]).toEqual(["--resume", id, "--model", "m1"]);

      const fresh = runCli(["respawn", "a", "--fresh"], repo);
      expect(fresh.stderr).toBe("");
      expect(fresh.stdout).toContain("fresh conversation");
      await ran(3);
      expect(runs(), JSON.stringify(runs())).toHaveLength(3);
      const third = runs()[2] ?? [];
      expect(third[0]).toBe("--session-id");
      expect(third[1]).toMatch(UUID);
      expect(third[1]).not.toBe(id);
      expect(third).not.toContain("--resume");
    },
  );
});
