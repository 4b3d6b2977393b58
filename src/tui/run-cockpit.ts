import { cockpitMemory } from "./cockpit-memory.js";
import { cockpitTasks } from "./cockpit-tasks.js";
import path from "node:path";
import { COCKPIT } from "../core/mail.js";
import { FlotillaError } from "../core/errors.js";
import { parseKeyName } from "../core/key-names.js";
import type { Config } from "../core/schema.js";
import { connectHub } from "../hub/client.js";
import { ensureHub, hubStatus, stopHub } from "../hub/daemon.js";
import { linkLocalHub } from "../hub/local-link.js";
import { RemoteHub } from "../hub/remote-link.js";
import { startHubService } from "../hub/service.js";
import { runtimeNames } from "../runtimes/profiles.js";
import { MergeQueueStore } from "../merge/queue.js";
import { readLog, readSnapshot } from "../merge/snapshot.js";
import { MailStore, sendMail } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import type { HubLink, PaneScreens } from "../hub/link.js";
import { Cockpit, type CockpitMail } from "./cockpit.js";
import { TerminalSession } from "./terminal-session.js";
import type { MergeQueueSource } from "./views/merge-queue.js";

/*
 * Everything a cockpit process runs, in one module so the build can bundle it (with Ink and
 * React) into a single file: `flotilla up`, `attach` and `up --in-process` load only that.
 */

function requireTerminal(command: string): void {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new FlotillaError(
      "TERMINAL",
      `flotilla ${command} needs a terminal: run it in an interactive shell`,
    );
  }
}

/** The cockpit's mailbox (`cockpit`, the human's) on the project's mail store. */
function cockpitMail(project: Project): CockpitMail {
  const store = new MailStore(project.paths.mail);
  return {
    list: async () => (await store.list(COCKPIT, { includeSent: true, limit: 500 })).messages,
    markRead: async (ids) => {
      for (const id of ids) await store.markRead(COCKPIT, id);
    },
    send: async (draft) => {
      await sendMail(project, { from: COCKPIT, ...draft });
    },
  };
}

/** The project's merge queue for the merge queue view: read it, read a log, act on an entry. */
function mergeQueueSource(project: Project): MergeQueueSource {
  const store = new MergeQueueStore(project);
  return {
    read: () => readSnapshot(store),
    log: (id) => readLog(store, id),
    act: async (id, action) => {
      if (action === "up" || action === "down") {
        await store.move(id, action === "up" ? -1 : 1);
        return `moved ${id} ${action}`;
      }
      const entry = await store[action](id);
      const done = { retry: "retried", drop: "dropped", approve: "approved" }[action];
      return `${done} ${id}: now ${entry.state}`;
    },
  };
}

/** The real terminal as the cockpit sees it. */
function stdoutTerminal(): { write(data: string): void; size(): { cols: number; rows: number } } {
  return {
    write: (data) => process.stdout.write(data),
    size: () => ({ cols: process.stdout.columns, rows: process.stdout.rows }),
  };
}

/**
 * Attaches a cockpit in this terminal to `project`'s hub daemon, starting the hub first
 * when `start` is set. Resolves never: the process exits on detach or quit.
 * @throws FlotillaError TERMINAL without a terminal; HUB_UNAVAILABLE when no hub runs and
 *   `start` is false.
 */
export async function attachCockpit(
  project: Project,
  options: { start: boolean; env: NodeJS.ProcessEnv },
): Promise<void> {
  requireTerminal(options.start ? "up" : "attach");
  const { env } = options;
  const config = await project.readConfig();
  let socket: string;
  if (options.start) {
    socket = (await ensureHub(project, { env })).socket;
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
  const connection = await connectHub(socket, {
    cols: process.stdout.columns,
    rows: process.stdout.rows,
    client: `cockpit ${process.pid}`,
    root: project.root, // never drive another project's hub (a copied hub.json)
  });
  // The hub may go at any moment from here, also while the cockpit is still starting
  // (`flotilla hub stop` run meanwhile): every way out restores the terminal and says why.
  let session: TerminalSession | undefined;
  let leaving = false;
  const leave = (message: string, code = 0): void => {
    session?.restore();
    process.stdout.write(message);
    process.exit(code);
  };
  connection.onClose((error) => {
    if (leaving) return;
    const why = error ? `: ${error.message}` : "";
    leave(
      session
        ? `flotilla: the hub connection closed${why}\n`
        : `flotilla: the hub connection closed while the cockpit was starting${why} (was \`flotilla hub stop\` run?): run \`flotilla up\` to start it again\n`,
      1,
    );
  });
  const remote = new RemoteHub(connection, config.scrollback);
  const agents = (await remote.link.request({ type: "list" })) as Array<{ name: string }>;
  await remote.attach(agents.map((agent) => agent.name));

  await openCockpit(project, config, {
    entered: (entered) => (session = entered),
    link: remote.link,
    screens: remote,
    env,
    cleanup: () => {
      leaving = true;
      connection.close();
    },
    onDetach: () => {
      project.log("cockpit.detach");
      leave("[detached: the agents keep running; `flotilla attach` brings the cockpit back]\n");
    },
    onQuit: () => {
      project.log("cockpit.stop-hub");
      session?.restore();
      process.stdout.write("stopping the hub and its agents...\n");
      stopHub(project).then(
        () => leave("[the hub and its agents stopped; worktrees and branches are kept]\n"),
        (error: unknown) => leave(`flotilla: ${(error as Error).message}\n`, 1),
      );
    },
    started: options.start ? "cockpit.up" : "cockpit.attach",
  });
  await new Promise<never>(() => undefined);
}

/** What differs between a cockpit on a daemon and one with the hub in-process. */
interface CockpitWiring {
  link: HubLink;
  screens: PaneScreens;
  /** The user's environment (for urgent-mail notifications). */
  env: NodeJS.ProcessEnv;
  /** Runs on every way out, before the terminal is restored. */
  cleanup(): void;
  onQuit(): void;
  onDetach?: () => void;
  /** The event logged once the cockpit is up. */
  started: string;
  /** Called once the terminal is in cockpit mode, with the session that gives it back. */
  entered?: (session: TerminalSession) => void;
}

/**
 * Takes over the terminal and runs a cockpit on `wiring`'s hub: raw mode, alternate screen,
 * input and resizes routed to the cockpit. Resolves once the first frame is drawn, with the
 * session that gives the terminal back.
 */
async function openCockpit(
  project: Project,
  config: Config,
  wiring: CockpitWiring,
): Promise<TerminalSession> {
  const { stdin, stdout } = process;
  const session = new TerminalSession(stdin, stdout, () => {
    cockpit.close();
    wiring.cleanup();
  });
  const cockpit = new Cockpit(stdoutTerminal(), wiring.link, wiring.screens, {
    prefix: parseKeyName(config.keys.prefix),
    title: `flotilla · ${path.basename(project.root)}`,
    runtimes: runtimeNames(config),
    mail: cockpitMail(project),
    services: {
      mergeQueue: mergeQueueSource(project),
      memory: cockpitMemory(project.root, config),
      tasks: cockpitTasks(project),
    },
    env: wiring.env,
    layout: config.layout,
    forwardTitle: config.terminal.forwardTitle,
    onQuit: wiring.onQuit,
    ...(wiring.onDetach ? { onDetach: wiring.onDetach } : {}),
  });
  session.enter();
  wiring.entered?.(session);
  stdin.on("data", (data: string) => cockpit.input(data));
  stdout.on("resize", () => cockpit.resize());
  project.log(wiring.started);
  try {
    await cockpit.start();
  } catch (error) {
    // A hub gone during the first frame: give the terminal back before the error is shown.
    session.restore();
    throw error;
  }
  return session;
}

/**
 * Opens the cockpit on `project` with the hub inside this process (`up --in-process`, and
 * the demo): the agents stop when the cockpit quits.
 * @throws FlotillaError TERMINAL when stdin/stdout are not a terminal.
 */
export async function runCockpit(project: Project): Promise<void> {
  requireTerminal("up");
  const config = await project.readConfig();
  // The hub lives in this process but still serves its socket, so `flotilla attach`, `ls`
  // and `send` reach it, and no daemon can start beside it and take its agents.
  const service = await startHubService(project, {
    onShutdown: () => void service.stop().finally(() => session.exit(0)),
  });
  const { link, screens } = linkLocalHub(service.hub);
  const session = await openCockpit(project, config, {
    link,
    screens,
    env: process.env,
    cleanup: () => service.hub.dispose(),
    onQuit: () => {
      project.log("cockpit.quit");
      void service.stop().finally(() => session.exit(0));
    },
    started: "cockpit.up",
  });
  await new Promise<never>(() => undefined);
}
