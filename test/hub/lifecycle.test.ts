import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import {
  createAgent,
  markAgent,
  reconcileAgents,
  removeAgent,
  respawnAgent,
  stopAgent,
} from "../../src/hub/lifecycle.js";
import { createHub } from "../../src/hub/hub.js";
import { isProcessAlive, isSameProcess, processStartTime } from "../../src/hub/processes.js";
import { initProject } from "../../src/hub/init.js";
import { buildLaunch } from "../../src/runtimes/profiles.js";
import type { Project } from "../../src/store/project.js";
import { commitFile, git, makeRepo, removeTempRepos } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});
afterAll(removeTempRepos);

async function newProject(): Promise<Project> {
  return (await initProject(makeRepo())).project;
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await once(child, "exit");
  return child.pid ?? -1;
}

/** A process in its own group (like a pty child) that ignores SIGTERM, as a shell does. */
async function stubbornProcess(): Promise<ChildProcess> {
  const child = spawn("sh", ["-c", 'trap "" TERM; echo ready; exec sleep 1000'], {
    detached: true,
    stdio: ["ignore", "pipe", "ignore"],
  });
  children.push(child);
  await once(child.stdout!, "data");
  return child;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Error)) throw new Error("expected a failure");
  return error;
}

describe("createAgent", () => {
  it("creates the worktree and records the agent as starting with no pid", async () => {
    const project = await newProject();
    const now = new Date("2030-05-06T07:08:09.000Z");
    const record = await createAgent(
      project,
      { name: "alice", runtime: "shell", prompt: "hello", role: "reviewer", task: "t1" },
      now,
    );
    expect(record).toEqual({
      name: "alice",
      runtime: "shell",
      role: "reviewer",
      prompt: "hello",
      task: "t1",
      worktree: path.join(project.root, ".flotilla/worktrees/alice"),
      branch: "flotilla/alice",
      base: git(project.root, "rev-parse", "HEAD"),
      status: "starting",
      port: 4100, // the first FLOTILLA_PORT
      launchId: expect.stringMatching(/^[0-9a-f]{12}$/),
      createdAt: now.toISOString(),
    });
    expect((await project.readState()).agents).toEqual([record]);
    expect(existsSync(record.worktree)).toBe(true);
    const events = readFileSync(project.paths.events, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.at(-1)).toMatchObject({ type: "agent.created", agent: "alice" });
  });

  it("refuses an invalid name, an unknown runtime and a duplicate without creating anything", async () => {
    const project = await newProject();
    expect(
      isFlotillaError(
        await failure(createAgent(project, { name: "-x", runtime: "shell" })),
        "INVALID_NAME",
      ),
    ).toBe(true);
    const unknown = await failure(createAgent(project, { name: "bob", runtime: "nope" }));
    expect(isFlotillaError(unknown, "UNKNOWN_RUNTIME")).toBe(true);
    expect(git(project.root, "branch", "--list", "flotilla/*")).toBe("");

    await createAgent(project, { name: "bob", runtime: "shell" });
    const dup = await failure(createAgent(project, { name: "bob", runtime: "claude" }));
    expect(isFlotillaError(dup, "DUPLICATE_NAME")).toBe(true);
    expect(dup.message).toContain("an agent named bob already exists");
    const state = await project.readState();
    expect(state.agents.map((a) => [a.name, a.runtime])).toEqual([["bob", "shell"]]);
  });

  it("reports a corrupt state.json with its path and leaves it byte for byte", async () => {
    const project = await newProject();
    const corrupt = '{"version":1,"agents":[{"name":"x"}]}\n';
    writeFileSync(project.paths.state, corrupt);
    const error = await failure(createAgent(project, { name: "carl", runtime: "shell" }));
    expect(isFlotillaError(error, "INVALID_STATE_FILE")).toBe(true);
    expect(error.message).toContain(project.paths.state);
    expect(readFileSync(project.paths.state, "utf8")).toBe(corrupt);
    expect(existsSync(path.join(project.root, ".flotilla/worktrees/carl"))).toBe(false);
  });
});

describe("markAgent and reconcileAgents", () => {
  it("patches a record, clearing fields set to undefined", async () => {
    const project = await newProject();
    await createAgent(project, { name: "dina", runtime: "shell" });
    await markAgent(project, "dina", {
      status: "working",
      pid: 4242,
      startedAt: "2030-01-01T00:00:00.000Z",
    });
    const cleared = await markAgent(project, "dina", { pid: undefined });
    expect(cleared.status).toBe("working");
    expect(cleared.pid).toBeUndefined();
    expect(isFlotillaError(await failure(markAgent(project, "nobody", {})), "UNKNOWN_AGENT")).toBe(
      true,
    );
  });

  it("marks running agents whose process is gone as lost, and only those", async () => {
    const project = await newProject();
    const gone = await deadPid();
    for (const name of ["a1", "a2", "a3", "a4"])
      await createAgent(project, { name, runtime: "shell" });
    await markAgent(project, "a1", { status: "working", pid: gone });
    await markAgent(project, "a2", { status: "idle", pid: process.pid });
    await markAgent(project, "a3", { status: "exited", pid: gone });
    // a4: starting, no pid yet.
    expect(await reconcileAgents(project)).toEqual(["a1"]);
    const statuses = (await project.readState()).agents.map((a) => a.status);
    expect(statuses).toEqual(["lost", "idle", "exited", "starting"]);
    expect(await reconcileAgents(project)).toEqual([]);
  });
});

describe("stopAgent", () => {
  it("stops a live process that ignores SIGTERM and marks the agent exited", async () => {
    const project = await newProject();
    await createAgent(project, { name: "eve", runtime: "shell" });
    const child = await stubbornProcess();
    await markAgent(project, "eve", { status: "working", pid: child.pid! });
    const exited = once(child, "exit");
    const result = await stopAgent(project, "eve");
    expect(result.signalled).toBe(true);
    expect(result.record.status).toBe("exited");
    const [, signal] = await exited;
    expect(signal).toBe("SIGHUP");
  });

  it("marks an agent with no process exited without signalling anything", async () => {
    const project = await newProject();
    await createAgent(project, { name: "fay", runtime: "shell" });
    const signalled: number[] = [];
    const result = await stopAgent(project, "fay", {
      signal: (who) => void signalled.push(who.pid ?? -1),
    });
    expect(result).toMatchObject({ signalled: false, alreadyStopped: false });
    expect(result.record.status).toBe("exited");
    expect(signalled).toEqual([]);
  });
});

describe("respawnAgent", () => {
  it("puts a stopped agent back to starting and refuses a running one", async () => {
    const project = await newProject();
    await createAgent(project, { name: "gil", runtime: "shell" });
    await markAgent(project, "gil", { status: "working", pid: process.pid });
    const running = await failure(respawnAgent(project, "gil"));
    expect(running.message).toContain(`agent gil is working, pid ${process.pid}`);

    await markAgent(project, "gil", {
      status: "exited",
      exitCode: 3,
      endedAt: "2030-01-01T00:00:00.000Z",
    });
    const record = await respawnAgent(project, "gil");
    expect(record.status).toBe("starting");
    expect(record.pid).toBeUndefined();
    expect(record.exitCode).toBeUndefined();
    expect(record.endedAt).toBeUndefined();

    const starting = await failure(respawnAgent(project, "gil"));
    expect(starting.message).toContain("agent gil is starting");
  });

  it("respawns an agent lost when its process died", async () => {
    const project = await newProject();
    await createAgent(project, { name: "hugo", runtime: "shell" });
    await markAgent(project, "hugo", { status: "working", pid: await deadPid() });
    expect((await respawnAgent(project, "hugo")).status).toBe("starting");
  });
});

describe("a worktree whose .git link is missing (issue 8 item 4)", () => {
  it("item 4: is never respawned nor launched, since git there would find the main checkout", async () => {
    const project = await newProject();
    const rec = await createAgent(project, { name: "nolink", runtime: "shell" });
    await markAgent(project, "nolink", { status: "exited", exitCode: 0 });
    rmSync(path.join(rec.worktree, ".git"));
    const refused = await failure(respawnAgent(project, "nolink"));
    expect(refused.message).toContain("the worktree of nolink is broken");
    expect((await project.readState()).agents[0]?.status).toBe("exited");
    const launch = buildLaunch(project, rec, await project.readConfig(), {
      PATH: "/usr/bin:/bin",
      SHELL: "/bin/sh",
    });
    expect(launch.problem).toContain("worktree broken");
  });
});

describe("removeAgent", () => {
  it("keeps the worktree unless clean, and refuses while the process lives", async () => {
    const project = await newProject();
    const rec = await createAgent(project, { name: "iris", runtime: "shell" });
    await markAgent(project, "iris", { status: "working", pid: process.pid });
    const alive = await failure(removeAgent(project, "iris", { clean: true }));
    expect(alive.message).toContain("still running");
    expect(existsSync(rec.worktree)).toBe(true);

    await markAgent(project, "iris", { status: "exited" });
    await removeAgent(project, "iris");
    expect((await project.readState()).agents).toEqual([]);
    expect(existsSync(rec.worktree)).toBe(true);
  });

  it("with clean, refuses unmerged work and with force archives it", async () => {
    const project = await newProject();
    const rec = await createAgent(project, { name: "jo", runtime: "shell" });
    const sha = commitFile(rec.worktree, "x.txt", "x\n");
    const refused = await failure(removeAgent(project, "jo", { clean: true }));
    expect(isFlotillaError(refused, "UNSAFE_REMOVAL")).toBe(true);
    expect((await project.readState()).agents.map((a) => a.name)).toEqual(["jo"]);

    const { removal } = await removeAgent(project, "jo", { clean: true, force: true });
    expect(removal?.archiveRefs).toHaveLength(1);
    expect(git(project.root, "rev-parse", removal!.archiveRefs[0]!)).toBe(sha);
    expect(existsSync(rec.worktree)).toBe(false);
    expect((await project.readState()).agents).toEqual([]);
  });
});

describe("process identity (issue 8 item 7)", () => {
  /** A live process in its own group, standing for an unrelated program that got a reused pid. */
  async function bystander(): Promise<ChildProcess> {
    const child = spawn("sh", ["-c", "echo ready; exec sleep 1000"], {
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(child);
    await once(child.stdout!, "data");
    return child;
  }

  it("item 7: kill never signals a pid now owned by another process, and clears it", async () => {
    const project = await newProject();
    await createAgent(project, { name: "d1", runtime: "shell" });
    const other = await bystander();
    const start = processStartTime(other.pid!)!;
    // The agent's own process started at another time: this pid was reused since.
    await markAgent(project, "d1", { status: "idle", pid: other.pid!, pidStart: start - 7 });
    const result = await stopAgent(project, "d1");
    expect(result.signalled).toBe(false);
    expect(result.record.pid).toBeUndefined();
    expect(isProcessAlive(other.pid!)).toBe(true);
    expect(other.exitCode).toBeNull();
  });

  it("item 7: a stopped agent is never signalled, even when its process still runs", async () => {
    const project = await newProject();
    await createAgent(project, { name: "d2", runtime: "shell" });
    const other = await bystander();
    await markAgent(project, "d2", { status: "exited", pid: other.pid! });
    const signalled: unknown[] = [];
    const result = await stopAgent(project, "d2", { signal: (who) => void signalled.push(who) });
    expect(result.alreadyStopped).toBe(true);
    expect(signalled).toEqual([]);
    expect(isProcessAlive(other.pid!)).toBe(true);
  });

  it("item 7: reconciliation marks an agent whose pid was reused lost and clears every stale pid", async () => {
    const project = await newProject();
    for (const name of ["r1", "r2", "r3"]) await createAgent(project, { name, runtime: "shell" });
    const other = await bystander();
    const real = processStartTime(other.pid!)!;
    // An injected process table: r1's pid is alive but started later (reused).
    const table = (pid: number) =>
      pid === other.pid ? { state: "S", pgrp: pid, start: real } : undefined;
    await markAgent(project, "r1", { status: "idle", pid: other.pid!, pidStart: real - 1 });
    await markAgent(project, "r2", { status: "working", pid: other.pid!, pidStart: real });
    await markAgent(project, "r3", { status: "exited", pid: 999_999, pidStart: 5 });
    const lost = await reconcileAgents(project, (who) => isSameProcess(who, table));
    expect(lost).toEqual(["r1"]);
    const agents = (await project.readState()).agents;
    expect(agents.map((a) => [a.name, a.status, a.pid ?? null])).toEqual([
      ["r1", "lost", null],
      ["r2", "working", other.pid],
      ["r3", "exited", null],
    ]);
  });

  it("item 7: a hub starting up never signals a reused pid an earlier hub's agent left", async () => {
    const project = await newProject();
    await createAgent(project, { name: "h1", runtime: "shell" });
    // A process in its own group that reports the signals it gets, in order, and ignores them.
    const script = `for (const s of ["SIGHUP", "SIGTERM", "SIGUSR2"]) process.on(s, () => console.log(s)); console.log("ready"); setInterval(() => {}, 1000);`;
    const other = spawn(process.execPath, ["-e", script], {
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
    });
    children.push(other);
    let seen = "";
    other.stdout!.on("data", (chunk: Buffer) => (seen += chunk.toString()));
    await waitFor(() => seen.includes("ready"), { what: "the bystander to start" });
    const start = processStartTime(other.pid!)!;
    await markAgent(project, "h1", { status: "working", pid: other.pid!, pidStart: start - 3 });
    const hub = await createHub(project);
    try {
      const agent = (await project.readState()).agents[0];
      expect([agent?.status, agent?.pid]).toEqual(["lost", undefined]);
      // A marker signal sent now arrives after any signal the hub sent: none came before it.
      process.kill(other.pid!, "SIGUSR2");
      await waitFor(() => seen.includes("SIGUSR2"), { what: "the marker signal" });
      expect(seen.trim().split("\n")).toEqual(["ready", "SIGUSR2"]);
    } finally {
      await hub.shutdown(2000);
    }
  });

  it("item 7: a recorded pid carries the process's start time from /proc field 22", async () => {
    const project = await newProject();
    await createAgent(project, { name: "p1", runtime: "shell" });
    const child = await bystander();
    const record = await markAgent(project, "p1", { status: "working", pid: child.pid! });
    expect(record.pidStart).toBe(processStartTime(child.pid!));
    expect(isSameProcess(record)).toBe(true);
  });
});
