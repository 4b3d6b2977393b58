import type { Command } from "commander";
import { plural } from "../core/plural.js";
import { formatJson } from "../core/sanitize.js";
import { processIo, type CommandIo } from "./agents.js";

/** Registers `hub status|stop` and `send`. */
export function registerHubCommands(program: Command, io: CommandIo = processIo): void {
  const hub = program
    .command("hub")
    .description("the background hub that owns this project's agents (started by flotilla up)");

  hub
    .command("status")
    .description("is the hub running: pid, socket, clients' view of the agents")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const { openProject } = await import("../store/project.js");
      const { hubStatus } = await import("../hub/daemon.js");
      const project = openProject(io.cwd());
      const status = await hubStatus(project);
      const agents =
        status.state === "running" ? await listOverHub(status.socket, project.root) : undefined;
      if (options.json) {
        io.out(formatJson({ ...status, agents: agents ?? null }) + "\n");
        return;
      }
      if (status.state === "running") {
        const running = (agents ?? []).filter((a) => a.status !== "exited" && a.status !== "lost");
        io.out(
          [
            `hub running: pid ${status.pid}${status.record ? `, since ${status.record.startedAt}` : ""}`,
            `  socket  ${status.socket}`,
            `  log     ${project.paths.hubLog}`,
            `  agents  ${agents?.length ?? 0} (${running.length} running)`,
            "",
          ].join("\n"),
        );
      } else if (status.state === "stopped") {
        io.out(`no hub is running for ${project.root} (flotilla up starts one)\n`);
      } else {
        io.out(`hub ${status.state}: ${status.reason}\n`);
      }
    });

  hub
    .command("stop")
    .description("stop the hub and every agent it runs (asks first when agents are running)")
    .option("-y, --yes", "do not ask")
    .action(async (options: { yes?: boolean }) => {
      const { openProject } = await import("../store/project.js");
      const { hubStatus, stopHub } = await import("../hub/daemon.js");
      const { FlotillaError } = await import("../core/errors.js");
      const project = openProject(io.cwd());
      const status = await hubStatus(project);
      if (status.state === "running" && !options.yes) {
        const agents = (await listOverHub(status.socket, project.root)) ?? [];
        const running = agents.filter((a) => a.status !== "exited" && a.status !== "lost");
        if (running.length > 0) {
          const names = running.map((a) => a.name).join(", ");
          const ok = await io.confirm(
            `Stop the hub and its ${plural(running.length, "running agent")} (${names})? [y/N] `,
          );
          // Declining is an answer, not an error: nothing changes, exit 0.
          if (!ok && io.canAsk?.()) {
            io.out(`not stopped: the hub and ${names} keep running\n`);
            return;
          }
          if (!ok) {
            throw new FlotillaError(
              "INVALID_INPUT",
              `not stopped: ${plural(running.length, "agent")} running (${names}) and no terminal to ask on; pass -y to stop them`,
            );
          }
        }
      }
      const result = await stopHub(project);
      io.out(
        result.how === "none"
          ? "no hub was running\n"
          : `hub stopped (pid ${result.pid}); agents' worktrees and branches are kept\n`,
      );
    });

  program
    .command("send <agent> <text...>")
    .description("type text into an agent's terminal, then Enter (the hub must be running)")
    .option("--raw", "send the text exactly, control characters and escapes included")
    .option("--no-enter", "do not press Enter after the text")
    .action(async (agent: string, words: string[], options: { raw?: boolean; enter: boolean }) => {
      const { openProject } = await import("../store/project.js");
      const { hubStatus } = await import("../hub/daemon.js");
      const { FlotillaError } = await import("../core/errors.js");
      const project = openProject(io.cwd());
      let text = words.join(" ");
      if (options.raw) {
        text = text.replace(/\\x([0-9a-fA-F]{2})|\\r|\\n|\\e/g, (match, hex: string | undefined) =>
          hex
            ? String.fromCharCode(parseInt(hex, 16))
            : ({ "\\r": "\r", "\\n": "\n", "\\e": "\x1b" } as Record<string, string>)[match]!,
        );
      } else if (/[\x00-\x1f\x7f-\x9f]/.test(text)) {
        throw new FlotillaError(
          "INVALID_INPUT",
          "the text contains control characters: remove them, or pass --raw to send them as they are",
        );
      }
      const status = await hubStatus(project);
      if (status.state !== "running") {
        throw new FlotillaError(
          "HUB_UNAVAILABLE",
          `no hub is running for ${project.root}, so no agent is running to type into: start them with "flotilla up"`,
        );
      }
      const agents = (await listOverHub(status.socket, project.root)) ?? [];
      const target = agents.find((a) => a.name === agent);
      if (!target) {
        throw new FlotillaError(
          "UNKNOWN_AGENT",
          `no agent named "${agent}": flotilla ls lists them (${agents.map((a) => a.name).join(", ") || "none yet"})`,
        );
      }
      if (target.status === "exited" || target.status === "lost" || target.status === "starting") {
        throw new FlotillaError(
          "INVALID_INPUT",
          `agent ${agent} is ${target.status}: nothing to type into (flotilla respawn ${agent})`,
        );
      }
      const { connectHub } = await import("../hub/client.js");
      const connection = await connectHub(status.socket, {
        cols: 80,
        rows: 24,
        client: "send",
        root: project.root,
      });
      try {
        connection.send({ type: "input", name: agent, data: text + (options.enter ? "\r" : "") });
        // Commands are handled in order: once this answers, the input has been typed.
        await connection.request({ type: "list" });
      } finally {
        connection.close();
      }
      io.out(`sent ${text.length} character(s) to ${agent}\n`);
    });
}

/** The hub's live agent list over its socket, or undefined when it does not answer. */
async function listOverHub(
  socket: string,
  root: string,
): Promise<Array<{ name: string; status: string }> | undefined> {
  const { connectHub } = await import("../hub/client.js");
  try {
    const connection = await connectHub(socket, {
      cols: 80,
      rows: 24,
      client: "flotilla cli",
      root,
    });
    try {
      const reply = await connection.request({ type: "list" });
      return reply.type === "result" && reply.ok
        ? (reply.value as Array<{ name: string; status: string }>)
        : undefined;
    } finally {
      connection.close();
    }
  } catch {
    return undefined;
  }
}
