import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import {
  createAgent,
  isProcessAlive,
  markAgent,
  reconcileAgents,
  removeAgent,
  respawnAgent,
  stopAgent,
} from "../../src/hub/lifecycle.js";
import { initProject } from "../../src/hub/init.js";
import type { Project } from "../../src/store/project.js";
import { commitFile, git, makeRepo, removeTempRepos } from "../git/temp-repo.js";

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
    expect(await reconcileAgents(project, isProcessAlive)).toEqual(["a1"]);
    const statuses = (await project.readState()).agents.map((a) => a.status);
    expect(statuses).toEqual(["lost", "idle", "exited", "starting"]);
    expect(await reconcileAgents(project, isProcessAlive)).toEqual([]);
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
    const result = await stopAgent(project, "fay", { signal: (pid) => signalled.push(pid) });
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
