import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectHub } from "../../src/hub/client.js";
import {
  ensureHub,
  hubStatus,
  isProcessAlive,
  readHubRecord,
  stopHub,
  writeHubRecord,
} from "../../src/hub/daemon.js";
import { Project } from "../../src/store/project.js";
import { waitUntil } from "./fake-backend.js";
import { waitFor } from "../wait-for.js";
import { PROTOCOL_VERSION } from "../../src/hub/wire.js";
import { processStartTime } from "../../src/hub/processes.js";
import { makeTempDir } from "../git/temp-repo.js";

// The daemon runs as a real detached process from the build (`npm test` builds first).
const entry = path.resolve("dist/hub/main.js");
const env = { ...process.env };
delete env.XDG_RUNTIME_DIR; // keep each test's socket under its own temp project

let project: Project;
const started = new Set<number>();

beforeEach(() => {
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  project = new Project(makeTempDir("flotilla-daemon-"));
});

afterEach(() => rmSync(project.root, { recursive: true, force: true }));

afterAll(() => {
  for (const pid of started) if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
});

async function start(): Promise<{ pid: number; socket: string; started: boolean }> {
  const hub = await ensureHub(project, { entry, env });
  started.add(hub.pid);
  return hub;
}

function sessionId(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
}

describe("hub daemon", () => {
  it("starts a detached hub once, reuses it, and stops it cleanly", async () => {
    expect((await hubStatus(project, { env })).state).toBe("stopped");
    const hub = await start();
    expect(hub.started).toBe(true);
    expect(hub.pid).not.toBe(process.pid);
    expect(sessionId(hub.pid)).toBe(hub.pid); // its own session: a closed terminal cannot reach it
    expect(await readHubRecord(project)).toMatchObject({
      pid: hub.pid,
      pidStart: processStartTime(hub.pid),
      socket: hub.socket,
      protocol: PROTOCOL_VERSION,
    });
    expect(statSync(hub.socket).mode & 0o777).toBe(0o600);

    process.kill(hub.pid, "SIGHUP");
    await waitUntil(
      () => readFileSync(project.paths.hubLog, "utf8").includes("SIGHUP ignored"),
      "SIGHUP",
    );
    const again = await start();
    expect(again).toEqual({ pid: hub.pid, socket: hub.socket, started: false });

    const connection = await connectHub(hub.socket, { cols: 80, rows: 24 });
    expect(await connection.request({ type: "list" })).toMatchObject({ ok: true, value: [] });
    connection.close();

    expect(await stopHub(project, { env })).toEqual({ how: "asked", pid: hub.pid });
    expect(isProcessAlive(hub.pid)).toBe(false);
    expect(await readHubRecord(project)).toBeNull();
    expect(existsSync(hub.socket)).toBe(false);
    expect(readFileSync(project.paths.hubLog, "utf8")).toMatch(
      /SIGHUP ignored[\s\S]*stopping: a client asked/,
    );
    expect(await stopHub(project, { env })).toEqual({ how: "none" });
  });

  it("starts only one hub when two callers ask at once", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.pid).toBe(b.pid);
    expect([a.started, b.started].sort()).toEqual([false, true]);
    await stopHub(project, { env });
  });

  it("cleans up after a hub killed with SIGKILL and starts a fresh one", async () => {
    const old = await start();
    process.kill(old.pid, "SIGKILL");
    await waitUntil(() => !isProcessAlive(old.pid), "the killed hub to be gone");
    expect(existsSync(old.socket)).toBe(true); // left behind, as after a crash or reboot
    expect(await hubStatus(project, { env })).toMatchObject({
      state: "stale",
      reason: expect.stringContaining(`hub pid ${old.pid} is gone`),
    });

    const fresh = await start();
    expect(fresh.started).toBe(true);
    expect(fresh.pid).not.toBe(old.pid);
    expect((await readHubRecord(project))?.pid).toBe(fresh.pid);
    await stopHub(project, { env });
  });

  it("writes hub.json through the document layer, private to the user, and reads it back", async () => {
    expect(await readHubRecord(project)).toBeNull();
    const record = {
      pid: 4242,
      socket: path.join(project.paths.run, "x.sock"),
      protocol: PROTOCOL_VERSION,
      startedAt: "2020-01-01T00:00:00Z",
    };
    await writeHubRecord(project, record);
    expect(statSync(project.paths.hubRecord).mode & 0o777).toBe(0o600);
    expect(await readHubRecord(project)).toEqual(record);
    writeFileSync(project.paths.hubRecord, "{not json");
    await expect(readHubRecord(project)).rejects.toThrow(/is not a valid hub record/);
  });

  it("treats a record naming a dead pid with no socket as stale and removes it", async () => {
    const socket = path.join(project.paths.dir, "run", "gone.sock");
    await writeHubRecord(project, {
      pid: 2 ** 22 + 1,
      socket,
      protocol: PROTOCOL_VERSION,
      startedAt: "2020-01-01T00:00:00Z",
    });
    expect((await hubStatus(project, { env })).state).toBe("stale");
    expect(await stopHub(project, { env })).toEqual({ how: "none" });
    expect(await readHubRecord(project)).toBeNull();
  });

  it("item 7: a record whose pid now belongs to another process (even one that looks like a hub) is stale: never signalled", async () => {
    // The pid of a hub that died, reused by a process whose command line names a hub (as
    // another project's hub would): only its start time tells it from the recorded hub.
    const impostor = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)", "hub/main.js"], {
      stdio: "ignore",
    });
    const pid = impostor.pid!;
    try {
      const start = await waitFor(() => processStartTime(pid), { what: "the impostor to start" });
      await writeHubRecord(project, {
        pid,
        pidStart: start + 1,
        socket: path.join(project.paths.dir, "run", "gone.sock"),
        protocol: PROTOCOL_VERSION,
        startedAt: new Date().toISOString(),
      });
      expect(await hubStatus(project, { env })).toMatchObject({
        state: "stale",
        reason: expect.stringContaining(`pid ${pid} now belongs to another process`),
      });
      expect(await stopHub(project, { env, timeoutMs: 2_000 })).toEqual({ how: "none" });
      expect(await readHubRecord(project)).toBeNull();
      expect(processStartTime(pid)).toBe(start); // not signalled: still running
    } finally {
      impostor.kill("SIGKILL");
    }
  });

  it("stops on SIGTERM, removing its record and socket", async () => {
    const hub = await start();
    process.kill(hub.pid, "SIGTERM");
    await waitUntil(() => !isProcessAlive(hub.pid), "the hub to exit");
    expect(await readHubRecord(project)).toBeNull();
    expect(existsSync(hub.socket)).toBe(false);
  });

  it("points at hub.log when the hub cannot start", async () => {
    const broken = path.join(project.root, "broken.mjs");
    writeFileSync(broken, "console.error('boom: no backend'); process.exit(3);\n");
    await expect(ensureHub(project, { entry: broken, env })).rejects.toThrow(
      `the hub exited (code 3) before it answered: see ${project.paths.hubLog}: boom: no backend`,
    );
  });
});
