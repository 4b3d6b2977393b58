import { isProcessAlive, isSameProcess, processStartTime } from "./processes.js";
import { assertNoSymlink, ensurePrivateDir } from "../store/safe-path.js";
import { packageRoot } from "../runtimes/package-files.js";
import { spawn } from "node:child_process";
import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readFileSync,
  unlinkSync,
} from "node:fs";
import path from "node:path";
import * as z from "../core/zod.js";
import { FlotillaError, describeError, isFlotillaError } from "../core/errors.js";
import { JsonDocument } from "../store/json-store.js";
import { withFileLock } from "../store/lock.js";
import type { Project } from "../store/project.js";
import { connectHub } from "./client.js";
import { isSocketAnswering } from "./server.js";
import { resolveSocketPath } from "./socket-path.js";

/**
 * The hub as a daemon: one detached process per project, found through `.flotilla/hub.json`
 * and its Unix socket. `ensureHub` starts it when needed, `hubStatus` reports on it and
 * `stopHub` stops it.
 */

/** `.flotilla/hub.json`, written by the hub once it listens and removed when it stops. */
export const HubRecord = z.object({
  pid: z.number().check(z.int(), z.positive()),
  /**
   * The hub process's start time (`/proc/<pid>/stat` field 22, clock ticks after boot): with
   * `pid` it names that one process, so a reused pid is never taken for the hub (see
   * `isSameProcess`). Records of older versions lack it.
   */
  pidStart: z.optional(z.number().check(z.int(), z.nonnegative())),
  socket: z.string().check(z.minLength(1)),
  protocol: z.number().check(z.int()),
  /** ISO-8601. */
  startedAt: z.string(),
  /** Random per hub start, also in its `welcome`: a client refuses a hub that says another. */
  hubId: z.optional(z.string()),
});
export type HubRecord = z.infer<typeof HubRecord>;

/** Where the hub record of `project` lives. */
export function hubRecordPath(project: Project): string {
  return project.paths.hubRecord;
}

/** `hub.json` as a document: `null` when missing, private to the user (0600). */
function hubRecordDoc(project: Project): JsonDocument<z.ZodMiniNullable<typeof HubRecord>> {
  return new JsonDocument(project.paths.hubRecord, z.nullable(HubRecord), {
    missing: null,
    mode: 0o600,
  });
}

/**
 * The hub record, or `null` when there is none.
 * @throws FlotillaError INVALID_STATE_FILE when the file is not a valid record.
 */
export async function readHubRecord(project: Project): Promise<HubRecord | null> {
  try {
    return await hubRecordDoc(project).read();
  } catch (error) {
    if (!isFlotillaError(error, "INVALID_STATE_FILE")) throw error;
    throw new FlotillaError(
      "INVALID_STATE_FILE",
      `${hubRecordPath(project)} is not a valid hub record: if no hub is running, remove it`,
      { cause: error },
    );
  }
}

/** Writes the hub record atomically (temp file + rename, through the document layer). */
export async function writeHubRecord(project: Project, record: HubRecord): Promise<void> {
  await hubRecordDoc(project).write(record);
}

/** Removes the hub record if it still names `pid` (any record when `pid` is omitted). */
export async function removeHubRecord(project: Project, pid?: number): Promise<void> {
  try {
    if (pid !== undefined && (await readHubRecord(project))?.pid !== pid) return;
    unlinkSync(hubRecordPath(project));
  } catch {
    // Gone already, or not ours to remove.
  }
}

/**
 * What `hubStatus` found:
 * - `running`: the hub answers hello on `socket`.
 * - `stopped`: no record and nothing answers.
 * - `stale`: a record whose hub is gone (pid dead or reused; socket missing or refusing),
 *   e.g. after SIGKILL or a reboot. `ensureHub`/`stopHub` clean it up.
 * - `unresponsive`: the recorded hub process lives but does not answer.
 * - `incompatible`: a hub answers but speaks another protocol version (`reason` says so).
 */
export type HubStatus =
  | { state: "running"; pid: number; socket: string; record: HubRecord | null }
  | { state: "stopped"; socket: string }
  | {
      state: "stale";
      record: HubRecord;
      socket: string;
      reason: string;
      /** The record names a live hub of another project: its socket is not ours to remove. */
      foreign?: boolean;
    }
  | { state: "unresponsive"; record: HubRecord; socket: string; reason: string }
  | { state: "incompatible"; record: HubRecord | null; socket: string; reason: string };

/** Options shared by the daemon functions. */
export interface DaemonOptions {
  /** Environment used to find the socket directory and given to a started hub. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the hub to answer, start or stop, in ms. Default 15 000. */
  timeoutMs?: number;
}

/** Reports on `project`'s hub without changing anything. */
export async function hubStatus(project: Project, options: DaemonOptions = {}): Promise<HubStatus> {
  // A corrupt hub.json must not keep a running hub from being found (and stopped): the
  // project's own socket is probed instead.
  const record = await readHubRecord(project).catch((error: unknown) => {
    if (isFlotillaError(error, "INVALID_STATE_FILE")) return null;
    throw error;
  });
  const socket = record?.socket ?? resolveSocketPath(project.root, options.env);
  const probe = await probeHub(socket, project.root, record?.hubId);
  if (probe.ok) return { state: "running", pid: probe.hubPid, socket, record };
  if (probe.incompatible) return { state: "incompatible", record, socket, reason: probe.reason };
  if (!record) return { state: "stopped", socket };
  // hub.json copied from another project: its hub is not ours to report, stop or signal.
  if (probe.foreign) return { state: "stale", record, socket, reason: probe.reason, foreign: true };
  if (!isProcessAlive(record.pid)) {
    return {
      state: "stale",
      record,
      socket,
      reason: `hub pid ${record.pid} is gone (${probe.reason})`,
    };
  }
  if (!isSameProcess(record)) {
    return {
      state: "stale",
      record,
      socket,
      reason: `pid ${record.pid} now belongs to another process (it started at another time than the hub)`,
    };
  }
  return {
    state: "unresponsive",
    record,
    socket,
    reason: `hub pid ${record.pid} is running but does not answer on ${socket} (${probe.reason})`,
  };
}

/** A running hub: its pid, socket and whether this call started it. */
export interface HubHandle {
  pid: number;
  socket: string;
  started: boolean;
}

/**
 * Returns the running hub of `project`, starting one when there is none. A stale record
 * and socket (hub killed, machine rebooted) are removed first. The hub is started as
 * `node <entry> <root> <socket>`, detached into its own session with stdin closed and
 * stdout/stderr appended to `.flotilla/hub.log`, and not waited for on exit. Concurrent
 * callers are serialized by a lock on the hub record, so only one hub starts.
 * @param options.entry the daemon script; default dist/daemon.bundle.js (or daemon.js).
 * @throws FlotillaError HUB_UNAVAILABLE when the hub exits early or does not answer within
 * `timeoutMs` (the message points at hub.log), or when a recorded hub is unresponsive;
 * PROTOCOL when a hub of another protocol version runs.
 */
export async function ensureHub(
  project: Project,
  options: DaemonOptions & { entry?: string } = {},
): Promise<HubHandle> {
  return withRecordLock(project, async () => {
    const status = await hubStatus(project, options);
    switch (status.state) {
      case "running":
        return { pid: status.pid, socket: status.socket, started: false };
      case "incompatible":
        throw new FlotillaError("PROTOCOL", status.reason);
      case "unresponsive":
        throw new FlotillaError(
          "HUB_UNAVAILABLE",
          `${status.reason}: see ${project.paths.hubLog}, then stop it with \`flotilla hub stop\``,
        );
      case "stale":
        await cleanUpStale(project, status.foreign ? undefined : status.socket);
        break;
      case "stopped":
        break;
    }
    return startHub(project, options);
  });
}

/** What `stopHub` did: `how` is `"asked"` (clean shutdown), `"signal"` (SIGTERM) or `"none"` (nothing ran). */
export interface StopResult {
  how: "asked" | "signal" | "none";
  pid?: number;
}

/**
 * Stops `project`'s hub: asks it over the socket to stop its agents and exit, sends SIGTERM
 * if it does not exit within `timeoutMs`, and removes what it left (record, socket). A
 * stale record is just cleaned up.
 * @throws FlotillaError HUB_UNAVAILABLE when the process survives SIGTERM too.
 */
export async function stopHub(project: Project, options: DaemonOptions = {}): Promise<StopResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return withRecordLock(project, async () => {
    const status = await hubStatus(project, options);
    if (status.state === "stopped") return { how: "none" };
    if (status.state === "stale") {
      await cleanUpStale(project, status.foreign ? undefined : status.socket);
      return { how: "none" };
    }
    const socket = status.socket;
    const pid = status.state === "running" ? status.pid : status.record?.pid;
    // The hub as one process (pid and start time): once it exits its pid may be reused at
    // once, and that process must be neither waited for nor signalled.
    const hub = {
      pid,
      pidStart:
        status.record?.pid === pid && status.record?.pidStart !== undefined
          ? status.record.pidStart
          : pid !== undefined
            ? processStartTime(pid)
            : undefined,
    };
    const gone = (): boolean => !isSameProcess(hub);
    if (pid === undefined) {
      throw new FlotillaError(
        "HUB_UNAVAILABLE",
        `a hub answers on ${socket} but no ${hubRecordPath(project)} names its pid: stop it by hand`,
      );
    }
    let how: StopResult["how"] = "signal";
    if (status.state === "running") {
      try {
        const connection = await connectHub(socket, {
          cols: 80,
          rows: 24,
          client: "flotilla hub stop",
          root: project.root,
          ...(status.record?.hubId !== undefined ? { hubId: status.record.hubId } : {}),
        });
        connection.shutdownHub();
        how = "asked";
        if (!(await waitFor(gone, timeoutMs))) how = "signal";
        connection.close();
      } catch {
        // It stopped answering in between: fall through to the signal.
      }
    }
    if (how === "signal" && !gone()) {
      signal(pid, "SIGTERM");
      if (!(await waitFor(gone, timeoutMs))) {
        throw new FlotillaError(
          "HUB_UNAVAILABLE",
          `hub pid ${pid} did not exit after SIGTERM: kill it with \`kill -9 ${pid}\``,
        );
      }
    }
    await cleanUpStale(project, socket);
    return { how, pid };
  });
}

type Probe =
  | { ok: true; hubPid: number }
  | { ok: false; incompatible: boolean; foreign?: boolean; reason: string };

/**
 * Connects and says hello; tells "answers", "speaks another protocol", "serves another
 * project" (`foreign`) and "nothing there" apart.
 */
async function probeHub(socket: string, root: string, hubId?: string): Promise<Probe> {
  try {
    const connection = await connectHub(socket, {
      cols: 80,
      rows: 24,
      client: "flotilla probe",
      timeoutMs: 3_000,
      root,
      ...(hubId !== undefined ? { hubId } : {}),
    });
    connection.close();
    return { ok: true, hubPid: connection.hubPid };
  } catch (error) {
    return {
      ok: false,
      incompatible: isFlotillaError(error, "PROTOCOL"),
      foreign: /nothing was sent to it/.test(describeError(error)),
      reason: describeError(error),
    };
  }
}

async function cleanUpStale(project: Project, socket: string | undefined): Promise<void> {
  await removeHubRecord(project);
  if (socket === undefined) return;
  try {
    if (lstatSync(socket).isSocket()) unlinkSync(socket);
  } catch {
    // Already gone.
  }
}

async function startHub(
  project: Project,
  options: DaemonOptions & { entry?: string },
): Promise<HubHandle> {
  const env = options.env ?? process.env;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const entry = options.entry ?? defaultEntry();
  const socket = resolveSocketPath(project.root, env);
  if (await isSocketAnswering(socket)) {
    // Something listens but did not say welcome above: do not start a second hub on it.
    throw new FlotillaError(
      "HUB_UNAVAILABLE",
      `${socket} is in use but does not answer as a hub: see ${project.paths.hubLog}`,
    );
  }
  ensurePrivateDir(project.paths.dir);
  assertNoSymlink(project.paths.hubLog); // O_NOFOLLOW below too: never append through a link
  const logFd = openSync(
    project.paths.hubLog,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  let exit: string | undefined;
  try {
    const child = spawn(process.execPath, [entry, project.root, socket], {
      cwd: project.root,
      env,
      detached: true,
      stdio: ["ignore", logFd, logFd],
    });
    child.once("error", (error) => (exit = describeError(error)));
    child.once("exit", (code, signalName) => (exit = signalName ?? `code ${code}`));
    child.unref();
  } finally {
    closeSync(logFd);
  }
  let last = "no answer yet";
  let answer: number | undefined;
  // Polled every 10 ms: a refused connect costs microseconds, and `up` waits on this.
  const answered = await waitFor(
    async () => {
      if (exit !== undefined) return true;
      const probe = await probeHub(socket, project.root);
      if (!probe.ok) {
        last = probe.reason;
        return false;
      }
      // The hub answers a moment before its record is on disk; started means both.
      const record = await readHubRecord(project).catch(() => null);
      if (record?.pid === probe.hubPid) {
        answer = probe.hubPid;
        return true;
      }
      last = `answers, but ${hubRecordPath(project)} does not name pid ${probe.hubPid} yet`;
      return false;
    },
    timeoutMs,
    10,
  );
  if (exit !== undefined) {
    throw new FlotillaError(
      "HUB_UNAVAILABLE",
      `the hub exited (${exit}) before it answered: see ${project.paths.hubLog}${lastLine(project.paths.hubLog)}`,
    );
  }
  if (!answered || answer === undefined) {
    throw new FlotillaError(
      "HUB_UNAVAILABLE",
      `the hub did not answer on ${socket} within ${timeoutMs} ms (${last}): see ${project.paths.hubLog}`,
    );
  }
  return { pid: answer, socket, started: true };
}

/** `: <last line of file>` for error messages, or "" when there is none. */
function lastLine(file: string): string {
  try {
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    const line = lines[lines.length - 1]?.trim();
    return line ? `: ${line.slice(0, 200)}` : "";
  } catch {
    return "";
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Exited in between.
  }
}

/** Polls `condition` every `everyMs` until true or `timeoutMs` passed; resolves whether it became true. */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  everyMs = 50,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function withRecordLock<T>(project: Project, fn: () => Promise<T>): Promise<T> {
  // Long waits: a hub starting holds it until its socket answers.
  return withFileLock(hubRecordPath(project), fn, {
    retries: 300,
    factor: 1.2,
    minTimeout: 20,
    maxTimeout: 200,
  });
}

export { isProcessAlive };

/**
 * The daemon's entry point (src/daemon.ts, which hands the hub its cockpits): the build's
 * single-file bundle (faster to start) or plain `daemon.js`.
 */
function defaultEntry(): string {
  // From the package root, not this module's URL: this module may run from a bundle.
  const dist = path.join(packageRoot(), "dist");
  const bundled = path.join(dist, "daemon.bundle.js");
  return existsSync(bundled) ? bundled : path.join(dist, "daemon.js");
}
