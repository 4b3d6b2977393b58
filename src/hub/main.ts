import { describeError } from "../core/errors.js";
import { Project } from "../store/project.js";
import { removeHubRecord, writeHubRecord } from "./daemon.js";
import { createHub } from "./hub.js";
import { isSocketAnswering, startHubServer, type HubServer } from "./server.js";
import { resolveSocketPath } from "./socket-path.js";
import { PROTOCOL_VERSION } from "./wire.js";

/**
 * The hub daemon: `node dist/hub/main.js <root> [socket]`, started by `ensureHub` detached
 * (its own session) with stdout/stderr appended to `.flotilla/hub.log`. Serves the hub on
 * the project's socket, writes `.flotilla/hub.json`, ignores SIGHUP (the terminal going
 * away must not stop the agents) and exits cleanly on SIGTERM, SIGINT or a client's
 * `shutdown`, removing its socket and record.
 */

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} hub[${process.pid}] ${line}\n`);
}

async function run(): Promise<void> {
  process.on("SIGHUP", () => log("SIGHUP ignored: the hub outlives its terminal"));
  const [root, socketArg] = process.argv.slice(2);
  if (!root) {
    log("usage: main.js <project root> [socket path]");
    process.exit(2);
  }
  const project = new Project(root);
  const socketPath = socketArg ?? resolveSocketPath(root);
  // Checked before createHub, which starts agents: a second hub must not touch them.
  if (await isSocketAnswering(socketPath)) {
    log(`another hub already answers on ${socketPath}; exiting`);
    process.exit(1);
  }
  const hub = await createHub(project);
  let server: HubServer | undefined;
  let stopping = false;
  const stop = async (reason: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${reason}`);
    try {
      await server?.close();
      hub.dispose();
      await hub.flush();
    } catch (error) {
      log(`while stopping: ${describeError(error)}`);
    }
    removeHubRecord(project, process.pid);
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("uncaughtException", (error) => {
    log(`uncaught: ${error.stack ?? describeError(error)}`);
    void stop("uncaught exception", 70);
  });
  try {
    server = await startHubServer({
      socketPath,
      backend: hub,
      log,
      onShutdown: () => void stop("a client asked"),
    });
  } catch (error) {
    log(describeError(error));
    hub.dispose();
    process.exit(1);
  }
  writeHubRecord(project, {
    pid: process.pid,
    socket: socketPath,
    protocol: PROTOCOL_VERSION,
    startedAt: new Date().toISOString(),
  });
  log(`serving ${project.root}`);
}

run().catch((error: unknown) => {
  log(
    `failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
});
