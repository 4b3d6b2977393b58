import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { initProject } from "../../src/hub/init.js";
import { trustConfig } from "../../src/store/trust.js";
import { TerminalDriver, makeRepo, runCli, stopHub } from "../e2e/harness.js";
import { waitUntil } from "../hub/fake-backend.js";

let hub: Hub | undefined;
const repos: string[] = [];
const drivers: TerminalDriver[] = [];
afterEach(async () => {
  if (hub) await hub.shutdown(10_000);
  hub = undefined;
  for (const driver of drivers.splice(0)) driver.dispose();
  for (const repo of repos) stopHub(repo);
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
    `#!/bin/sh\nprintf '%s\\t' "$@" >> ${log}\nprintf '\\n' >> ${log}\nexec sleep 600\n`,
  );
  chmodSync(cli, 0o755);
  const { project } = await initProject(repo);
  const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
  config.runtimes = {
    fake: {
      command: cli,
      prompt: { mode: "arg" },
      modelFlag: "--model",
      effortArgs: ["--effort", "{effort}"],
      session: { newArgs: ["--session-id", "{id}"], resumeArgs: ["--resume", "{id}"] },
    },
  };
  writeFileSync(project.paths.config, JSON.stringify(config));
  await trustConfig(project.root, await project.readConfig()); // a config that defines runtimes needs the user's trust
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

describe("model and effort reach the CLI", () => {
  it(
    "spawn --effort and a task's --model/--effort (through sling) become the runtime's flags",
    { timeout: 60_000 },
    async () => {
      const { repo, project, runs } = await fakeCliProject();
      const bad = runCli(["spawn", "x", "--runtime", "fake", "--effort", "extreme"], repo);
      expect(bad.status).toBe(1);
      expect(bad.stderr.trim()).toBe(
        'flotilla: --effort "extreme" is not a level: use low, medium, high',
      );
      expect((await project.readState()).agents).toEqual([]); // nothing half-made
      const badTask = runCli(["task", "add", "T", "--effort", "max"], repo);
      expect(badTask.status).toBe(1);
      expect(badTask.stderr.trim()).toBe(
        'flotilla: --effort "max" is not a level: use low, medium, high',
      );

      expect(runCli(["spawn", "a", "--runtime", "fake", "--effort", "low"], repo).stdout).toContain(
        "effort low",
      );
      const added = runCli(
        ["task", "add", "Tidy", "--runtime", "fake", "--model", "m2", "--effort", "high", "--json"],
        repo,
      );
      expect(added.stderr).toBe("");
      expect(JSON.parse(added.stdout)).toMatchObject({ model: "m2", effort: "high" });
      expect(runCli(["task", "show", "T1"], repo).stdout).toContain("model:     m2, effort high");
      const slung = runCli(["sling", "T1"], repo);
      expect(slung.stderr).toBe("");
      hub = await createHub(project);
      await waitUntil(() => runs().length === 2, "both agents to start", 60_000);
      const byEffort = (level: string) => runs().find((argv) => argv.includes(level));
      expect(byEffort("low")?.slice(2)).toEqual(["--effort", "low"]);
      const task = byEffort("high") ?? [];
      expect(task.slice(2, 6)).toEqual(["--model", "m2", "--effort", "high"]);
    },
  );
});

describe("up offers to resume the agents lost with a killed hub", () => {
  /** `flotilla up` in a pty of `repo`, disposed after the test. */
  const up = (repo: string, args: string[] = []): TerminalDriver => {
    const driver = new TerminalDriver(["up", ...args], repo, { cols: 120, rows: 30 });
    drivers.push(driver);
    return driver;
  };
  const hubPid = (repo: string): number =>
    JSON.parse(readFileSync(path.join(repo, ".flotilla", "hub.json"), "utf8")).pid;
  /** SIGKILLs the hub (as a crash would) and waits for the cockpit attached to it to end. */
  const killHub = async (repo: string, cockpit: TerminalDriver): Promise<void> => {
    process.kill(hubPid(repo), "SIGKILL");
    await cockpit.waitExit();
  };
  const statuses = (repo: string): string[] =>
    JSON.parse(runCli(["ls", "--json"], repo).stdout).map(
      (row: { name: string; status: string }) => `${row.name}:${row.status}`,
    );
  const question = "2 agents were lost (a, b): resume their conversations? [Y/n]";

  it(
    "asks once and resumes each with its recorded id; --no-resume keeps them lost; --resume does not ask",
    { timeout: 120_000 },
    async () => {
      const { repo, runs } = await fakeCliProject();
      for (const name of ["a", "b"]) {
        const spawned = runCli(["spawn", name, "--runtime", "fake", "-p", `hi ${name}`], repo);
        expect(spawned.stderr).toBe("");
      }
      const first = up(repo);
      await waitUntil(() => runs().length === 2, "both agents to start", 60_000);
      await first.waitFor((t) => t.includes(" a · fake") && t.includes(" b · fake"));
      const ids = new Map(runs().map((argv) => [argv.at(-1), argv[1]]));
      const idOf = (name: string): string => ids.get(`hi ${name}`) ?? "";
      expect(idOf("a")).toMatch(UUID);
      expect(idOf("b")).toMatch(UUID);
      await killHub(repo, first);

      // --no-resume: no question, both stay lost, nothing is run.
      const keep = up(repo, ["--no-resume"]);
      await keep.waitFor("a is lost: its process ended with an earlier hub");
      expect(keep.raw).not.toContain("resume their conversations");
      expect(statuses(repo)).toEqual(["a:lost", "b:lost"]);
      expect(runs()).toHaveLength(2);
      await killHub(repo, keep);

      // Plain up asks once; Enter (the default) resumes both, through the respawn path.
      const ask = up(repo);
      await ask.waitFor(question);
      expect(runs()).toHaveLength(2);
      ask.type("\r");
      await waitUntil(() => runs().length === 4, "both agents to be resumed", 20_000);
      const resumed = runs().slice(2);
      expect(resumed).toContainEqual(["--resume", idOf("a")]);
      expect(resumed).toContainEqual(["--resume", idOf("b")]);
      await ask.waitFor((t) => t.includes(" a · fake") && !t.includes("is lost"));
      expect(ask.raw.split(question)).toHaveLength(2); // asked once
      // The terminal is the cockpit's again after the question: keys reach the focused pane.
      ask.type("typed-after-question");
      await ask.waitFor("typed-after-question");
      await waitUntil(
        () => statuses(repo).every((s) => !s.endsWith(":lost")),
        "no agent to be lost",
        20_000,
      );
      const events = readFileSync(path.join(repo, ".flotilla", "events.jsonl"), "utf8");
      expect(events.match(/"agent\.respawn"/g)).toHaveLength(2);
      await killHub(repo, ask);

      // --resume: no question, both resumed again with the same conversations.
      const scripted = up(repo, ["--resume"]);
      await waitUntil(() => runs().length === 6, "both agents to be resumed again", 20_000);
      expect(runs().slice(4)).toEqual(
        expect.arrayContaining([
          ["--resume", idOf("a")],
          ["--resume", idOf("b")],
        ]),
      );
      await scripted.waitFor((t) => t.includes(" a · fake") && !t.includes("is lost"));
      expect(scripted.raw).not.toContain("resume their conversations");
    },
  );
});
