import { FlotillaError } from "../core/errors.js";
import { ensureHub, hubStatus } from "../hub/daemon.js";
import type { Project } from "../store/project.js";
import type { AttachOptions } from "../client/attach.js";
import { lazyCockpits } from "./load-cockpits.js";

/*
 * `flotilla up`, `attach` and `up --in-process`: find (or start) the project's hub, then
 * run the thin client on it. The hub runs the cockpit and draws; this process only relays,
 * so it loads no Ink, React or xterm (the client is bundled on its own: src/client/).
 */

function requireTerminal(command: string): void {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new FlotillaError(
      "TERMINAL",
      `flotilla ${command} needs a terminal: run it in an interactive shell`,
    );
  }
}

type ClientModule = typeof import("../client/attach.js");

/** The thin client: the build's one-file bundle, or the modules. */
async function runClient(options: AttachOptions): Promise<never> {
  const bundle = "../client/attach.bundle.js";
  const modules = "../client/attach.js";
  const client = await (import(bundle) as Promise<ClientModule>).catch(
    () => import(modules) as Promise<ClientModule>,
  );
  return client.runAttachClient(options);
}

/**
 * Attaches this terminal to `project`'s hub daemon, starting the hub first when `start` is
 * set (then `afterStart`, when this call started it). Resolves never: the process exits on
 * detach, quit, or when the hub goes away.
 * @throws FlotillaError TERMINAL without a terminal; HUB_UNAVAILABLE when no hub runs and
 *   `start` is false; PROTOCOL when a hub of another protocol version runs.
 */
export async function attachCockpit(
  project: Project,
  options: {
    start: boolean;
    env: NodeJS.ProcessEnv;
    /** Run once a hub this call started is up, before attaching (e.g. `up`'s resume question). */
    afterStart?: () => Promise<void>;
  },
): Promise<void> {
  requireTerminal(options.start ? "up" : "attach");
  const { env } = options;
  let socket: string;
  if (options.start) {
    const hub = await ensureHub(project, { env });
    socket = hub.socket;
    if (hub.started) await options.afterStart?.();
  } else {
    const status = await hubStatus(project, { env });
    if (status.state !== "running") {
      throw new FlotillaError(
        "HUB_UNAVAILABLE",
        `no hub is running for ${project.root}: start one (and its agents) with "flotilla up"`,
      );
    }
    socket = status.socket;
  }
  project.log(options.start ? "cockpit.up" : "cockpit.attach");
  // The root is checked against the hub's welcome: never drive another project's hub.
  await runClient({ socket, root: project.root });
}

/**
 * `up --in-process` (and tests that want one process): the same hub and the same client,
 * with the hub in this process, so the agents stop when the cockpit quits. The hub still
 * serves its socket, so `flotilla attach`, `ls` and `send` reach it, and no daemon can
 * start beside it and take its agents.
 * @throws FlotillaError TERMINAL when stdin/stdout are not a terminal; HUB_UNAVAILABLE when
 *   a hub already runs for the project.
 */
export async function runCockpit(
  project: Project,
  options: { afterStart?: () => Promise<void> } = {},
): Promise<void> {
  requireTerminal("up");
  // By a path in a variable: the bundle of this file, which `attach` loads, stays small.
  const hubService = "../hub/service.js";
  const { startHubService } = (await import(hubService)) as typeof import("../hub/service.js");
  const service = await startHubService(project, {
    cockpits: lazyCockpits,
    onShutdown: () => void service.stop(),
  });
  await options.afterStart?.();
  project.log("cockpit.up");
  await runClient({
    socket: service.server.socketPath,
    root: project.root,
    cleanup: () => service.hub.dispose(),
  });
}
