import path from "node:path";
import { describeError, FlotillaError } from "../core/errors.js";
import { randomBytes } from "node:crypto";
import { readFileSync, realpathSync } from "node:fs";
import { breakFileLock, tryHoldFileLock } from "../store/lock.js";
import { writePrivateFile } from "../store/safe-path.js";
import { isSameProcess, processStartTime, type ProcessIdentity } from "./processes.js";
import type { Project } from "../store/project.js";
import { removeHubRecord, writeHubRecord } from "./daemon.js";
import type { CockpitFactoryMaker } from "./cockpits.js";
import { createHub, type Hub } from "./hub.js";
import type { HubRunnerFactory } from "./runner.js";
import { HUB_RUNNERS } from "./runners.js";
import { isSocketAnswering, startHubServer, type HubServer } from "./server.js";
import { resolveSocketPath } from "./socket-path.js";
import { PROTOCOL_VERSION } from "./wire.js";

/** A hub serving its socket, as run by the daemon or by `up --in-process`. */
export interface HubService {
  hub: Hub;
  server: HubServer;
  /** Stops serving, hangs up the agents (recorded `exited`), removes socket and record. */
  stop(): Promise<void>;
}

/**
 * Takes the project's hub lock for this process's life, or resolves `undefined` when a live
 * hub holds it. The holder's pid and start time sit beside the lock (`hub.owner`), so a lock
 * left by a hub killed with SIGKILL is broken at once instead of after it goes stale.
 */
async function holdHubLock(
  project: Project,
  log?: (line: string) => void,
): Promise<(() => Promise<void>) | undefined> {
  const file = hubLockPath(project);
  const owner = `${file}.owner`;
  const onLost = (error: Error): void => log?.(`hub lock lost: ${describeError(error)}`);
  let release = await tryHoldFileLock(file, onLost);
  if (release === undefined) {
    let holder: ProcessIdentity = {};
    try {
      holder = JSON.parse(readFileSync(owner, "utf8")) as ProcessIdentity;
    } catch {
      // No owner written yet: a hub is starting right now, or one died before writing it.
    }
    if (holder.pid === undefined || isSameProcess(holder)) return undefined;
    breakFileLock(file);
    release = await tryHoldFileLock(file, onLost);
    if (release === undefined) return undefined;
  }
  writePrivateFile(
    owner,
    JSON.stringify({ pid: process.pid, pidStart: processStartTime(process.pid) }) + "\n",
  );
  return release;
}

/** The file whose lock the running hub of `project` holds (`.flotilla/hub.lock/` is the lock). */
export function hubLockPath(project: Project): string {
  return path.join(project.paths.dir, "hub");
}

/**
 * Starts `project`'s hub and serves it on its socket, recording `.flotilla/hub.json`.
 * The socket is checked before the hub starts, because a starting hub adopts (and hangs up)
 * agents an earlier hub left behind: a second hub must never touch a live hub's agents.
 * @throws FlotillaError HUB_UNAVAILABLE when a hub already answers for this project.
 */
export async function startHubService(
  project: Project,
  options: {
    socketPath?: string;
    log?: (line: string) => void;
    onShutdown?: () => void;
    /** The hub's runners (default `HUB_RUNNERS`). */
    runners?: readonly HubRunnerFactory[];
    /** Cockpits for terminal clients (`up`, `attach`); without it only the CLI can connect. */
    cockpits?: CockpitFactoryMaker;
  } = {},
): Promise<HubService> {
  const socketPath = options.socketPath ?? resolveSocketPath(project.root);
  // One hub per project, decided under a lock held for the hub's life, before anything is
  // launched: two `up --in-process` at once must not both start the agents.
  const releaseHubLock = await holdHubLock(project, options.log);
  const alreadyRunning = new FlotillaError(
    "HUB_UNAVAILABLE",
    `a hub is already running for ${project.root}: attach to it with "flotilla attach"`,
  );
  if (releaseHubLock === undefined) throw alreadyRunning;
  if (await isSocketAnswering(socketPath)) {
    await releaseHubLock().catch(() => undefined);
    throw alreadyRunning;
  }
  const hubId = randomBytes(8).toString("hex");
  let hub: Hub;
  try {
    hub = await createHub(project, options.runners ?? HUB_RUNNERS);
  } catch (error) {
    await releaseHubLock().catch(() => undefined);
    throw error;
  }
  let server: HubServer;
  const cockpits = options.cockpits?.(hub);
  try {
    server = await startHubServer({
      socketPath,
      backend: hub,
      project: { root: realRoot(project.root), hubId },
      ...(options.log ? { log: options.log } : {}),
      ...(options.onShutdown ? { onShutdown: options.onShutdown } : {}),
      ...(cockpits ? { cockpits } : {}),
    });
  } catch (error) {
    await hub.shutdown();
    await releaseHubLock().catch(() => undefined);
    throw error;
  }
  // The start time makes the recorded pid name this process only (never a later one).
  const pidStart = processStartTime(process.pid);
  await writeHubRecord(project, {
    pid: process.pid,
    ...(pidStart !== undefined ? { pidStart } : {}),
    socket: socketPath,
    protocol: PROTOCOL_VERSION,
    startedAt: new Date().toISOString(),
    hubId,
  });
  // After the record: a client waits for it, and loading the cockpits blocks for a while.
  cockpits?.preload?.();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // Attached terminals are told "stopped" only once it is true (agents down, record
      // gone): the cockpits stop drawing first, and the sockets close last.
      try {
        server.closeCockpits();
        await hub.shutdown();
      } catch (error) {
        options.log?.(`while stopping: ${describeError(error)}`);
      } finally {
        await removeHubRecord(project, process.pid);
        await server.close().catch(() => undefined);
        await releaseHubLock().catch(() => undefined);
      }
    })());
  return { hub, server, stop };
}

function realRoot(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return root;
  }
}
