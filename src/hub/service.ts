import { describeError, FlotillaError } from "../core/errors.js";
import type { Project } from "../store/project.js";
import { removeHubRecord, writeHubRecord } from "./daemon.js";
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
  } = {},
): Promise<HubService> {
  const socketPath = options.socketPath ?? resolveSocketPath(project.root);
  if (await isSocketAnswering(socketPath)) {
    throw new FlotillaError(
      "HUB_UNAVAILABLE",
      `a hub is already running for ${project.root}: attach to it with "flotilla attach"`,
    );
  }
  const hub = await createHub(project, options.runners ?? HUB_RUNNERS);
  let server: HubServer;
  try {
    server = await startHubServer({
      socketPath,
      backend: hub,
      ...(options.log ? { log: options.log } : {}),
      ...(options.onShutdown ? { onShutdown: options.onShutdown } : {}),
    });
  } catch (error) {
    await hub.shutdown();
    throw error;
  }
  await writeHubRecord(project, {
    pid: process.pid,
    socket: socketPath,
    protocol: PROTOCOL_VERSION,
    startedAt: new Date().toISOString(),
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      try {
        await server.close();
        await hub.shutdown();
      } catch (error) {
        options.log?.(`while stopping: ${describeError(error)}`);
      } finally {
        await removeHubRecord(project, process.pid);
      }
    })());
  return { hub, server, stop };
}
