import path from "node:path";
import { describeError } from "../core/errors.js";
import type { CockpitFactoryMaker } from "./cockpits.js";
import { Project } from "../store/project.js";
import { HUB_RUNNERS } from "./runners.js";
import { startHubService, type HubService } from "./service.js";

/**
 * The hub daemon: `node dist/daemon.js <root> [socket]` (its entry point, which hands it the
 * cockpits), started by `ensureHub` detached
 * (its own session) with stdout/stderr appended to `.flotilla/hub.log`. Serves the hub on
 * the project's socket, writes `.flotilla/hub.json`, ignores SIGHUP (the terminal going
 * away must not stop the agents) and exits cleanly on SIGTERM, SIGINT or a client's
 * `shutdown`, removing its socket and record. Run as `node dist/hub/main.js` it serves
 * the CLI only (no cockpits: `attach` is refused), which tests of the hub alone use.
 */

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} hub[${process.pid}] ${line}\n`);
}

/** Runs the daemon on `argv` (`<root> [socket]`); `cockpits` serves `up` and `attach`. */
export async function runHubDaemon(argv: string[], cockpits?: CockpitFactoryMaker): Promise<void> {
  process.on("SIGHUP", () => log("SIGHUP ignored: the hub outlives its terminal"));
  const [root, socketArg] = argv;
  if (!root) {
    log("usage: main.js <project root> [socket path]");
    process.exit(2);
  }
  const project = new Project(root);
  let service: HubService | undefined;
  let stopping = false;
  const stop = async (reason: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`stopping: ${reason}`);
    await service?.stop();
    process.exit(code);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("uncaughtException", (error) => {
    log(`uncaught: ${error.stack ?? describeError(error)}`);
    void stop("uncaught exception", 70);
  });
  try {
    service = await startHubService(project, {
      ...(socketArg ? { socketPath: socketArg } : {}),
      log,
      runners: HUB_RUNNERS,
      onShutdown: () => void stop("a client asked"),
      ...(cockpits ? { cockpits } : {}),
    });
  } catch (error) {
    log(describeError(error));
    process.exit(1);
  }
  log(`serving ${project.root}`);
}

/** Logs why the daemon could not start and exits 1. */
export function failedToStart(error: unknown): never {
  log(
    `failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
  );
  process.exit(1);
}

// Run directly (not imported by dist/daemon.js or a bundle): a hub without cockpits.
if (process.argv[1]?.endsWith(`hub${path.sep}main.js`)) {
  runHubDaemon(process.argv.slice(2)).catch(failedToStart);
}
