import net from "node:net";
import { FlotillaError } from "../core/errors.js";
import { foreignHub } from "../hub/foreign-hub.js";
import { FrameDecoder, encodeBinaryFrame, encodeFrame } from "../hub/framing.js";
import { PROTOCOL_VERSION } from "../hub/protocol-version.js";
import { selfCommand, shellWord } from "./self-command.js";
import { TerminalSession } from "./terminal-session.js";

/*
 * The thin client of `flotilla up` and `attach` (tmux's model): the hub runs this client's
 * cockpit and draws it; the client is a pipe. It puts its terminal in raw mode on the
 * alternate screen, sends the hub what is typed (binary frames) and its size (on start in
 * hello and on SIGWINCH), writes what the hub draws to stdout, and restores the terminal on
 * every way out. No Ink, React, xterm or zod here: the build bundles this file on its own,
 * and a test reads that bundle's inputs.
 */

/** Where to attach and what to say when leaving. */
export interface AttachOptions {
  /** The hub's socket path (from hub.json, via `hubStatus`/`ensureHub`). */
  socket: string;
  /** The project root: a hub of another project is refused; the detach hint names it. */
  root: string;
  /** The hub id hub.json recorded: a hub of another start is refused. */
  hubId?: string;
  /** The directory the user is in (the detach hint says `--dir` when it is outside `root`). */
  cwd?: string;
  /** Runs on every way out before the terminal is restored (in-process: stop the hub's agents). */
  cleanup?: () => void;
}

/** What a hub message the client reads by hand looks like (wire.ts has the full schemas). */
interface HubMessage {
  type?: unknown;
  message?: unknown;
  reason?: unknown;
  root?: unknown;
  hubId?: unknown;
}

/**
 * The command that reattaches from `cwd`: `<program> attach` when `cwd` is inside `root`,
 * else with `--dir <root>`. `program` is how Flotilla is run here (see `selfCommand`).
 */
export function attachCommand(root: string, cwd: string, program = "flotilla"): string {
  const inside = cwd === root || cwd.startsWith(root.endsWith("/") ? root : `${root}/`);
  return inside ? `${program} attach` : `${program} attach --dir ${shellWord(root)}`;
}

/**
 * Connects to the hub on `options.socket`, says hello with this terminal's size and kind,
 * and relays until the cockpit leaves. Resolves never: the process exits (0 on detach or a
 * stopped hub, 1 when the hub goes away or refuses the client).
 * @throws FlotillaError HUB_UNAVAILABLE when nothing answers or the hub is another
 *   project's; PROTOCOL when the hub refuses the hello (e.g. another protocol version).
 *   Nothing of the terminal has been touched when it throws.
 */
export async function runAttachClient(options: AttachOptions): Promise<never> {
  const { stdin, stdout } = process;
  const socket = await connect(options.socket);
  const decoder = new FrameDecoder();
  socket.write(
    encodeFrame({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      cols: stdout.columns,
      rows: stdout.rows,
      client: `attach (pid ${process.pid})`,
      pid: process.pid,
      terminal: {
        ...(process.env.TERM ? { term: process.env.TERM } : {}),
        ...(process.env.TERM_PROGRAM ? { termProgram: process.env.TERM_PROGRAM } : {}),
        ...(process.env.COLORTERM ? { colorterm: process.env.COLORTERM } : {}),
      },
    }),
  );
  const first = await welcome(socket, decoder, options);

  let leaving = false;
  const session = new TerminalSession(stdin, stdout, () => {
    leaving = true;
    socket.destroy();
    options.cleanup?.();
  });
  const leave = (message: string, code: number): never => {
    session.restore();
    stdout.write(message);
    process.exit(code);
  };
  const hint = attachCommand(
    options.root,
    options.cwd ?? process.cwd(),
    selfCommand(process.argv[1], process.env.PATH),
  );
  const onMessage = (value: unknown): void => {
    if (Buffer.isBuffer(value)) {
      // A terminal slower than the hub: stop reading, so the hub skips frames for us.
      if (!stdout.write(value)) {
        socket.pause();
        stdout.once("drain", () => socket.resume());
      }
      return;
    }
    const message = value as HubMessage;
    if (message.type === "bye" && message.reason === "detach")
      leave(`[detached: the agents keep running; \`${hint}\` brings the cockpit back]\n`, 0);
    if (message.type === "bye")
      leave("[the hub and its agents stopped; worktrees and branches are kept]\n", 0);
    if (message.type === "error") leave(`flotilla: ${String(message.message)}\n`, 1);
  };

  session.enter();
  stdin.on("data", (data: Buffer) => socket.write(encodeBinaryFrame(data)));
  stdout.on("resize", () =>
    socket.write(encodeFrame({ type: "size", cols: stdout.columns, rows: stdout.rows })),
  );
  socket.on("data", (chunk: Buffer) => {
    let values: unknown[];
    try {
      values = decoder.push(chunk);
    } catch (error) {
      leave(`flotilla: bad frame from the hub: ${(error as Error).message}\n`, 1);
      return;
    }
    for (const value of values) onMessage(value);
  });
  socket.on("error", () => undefined);
  socket.on("close", () => {
    if (!leaving) leave("flotilla: the hub connection closed\n", 1);
  });
  for (const value of first) onMessage(value);
  return new Promise<never>(() => undefined);
}

function connect(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once("connect", () => {
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      const missing = error.code === "ENOENT" || error.code === "ECONNREFUSED";
      reject(
        new FlotillaError(
          "HUB_UNAVAILABLE",
          missing
            ? `no hub is listening on ${socketPath}: start one with \`flotilla up\``
            : `cannot reach the hub on ${socketPath}: ${error.message}`,
          { cause: error },
        ),
      );
    });
  });
}

/** Waits for `welcome`; resolves with the frames that came after it (the first frame drawn). */
function welcome(
  socket: net.Socket,
  decoder: FrameDecoder,
  options: AttachOptions,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const fail = (error: FlotillaError): void => {
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        fail(new FlotillaError("HUB_UNAVAILABLE", `the hub on ${options.socket} did not answer`)),
      5_000,
    );
    const onClose = (): void =>
      fail(
        new FlotillaError("HUB_UNAVAILABLE", `the hub on ${options.socket} closed the connection`),
      );
    const onData = (chunk: Buffer): void => {
      let values: unknown[];
      try {
        values = decoder.push(chunk);
      } catch (error) {
        fail(new FlotillaError("PROTOCOL", `bad frame from the hub: ${(error as Error).message}`));
        return;
      }
      const [first, ...rest] = values;
      if (first === undefined) return;
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      const message = first as HubMessage;
      if (message.type === "error")
        return fail(new FlotillaError("PROTOCOL", String(message.message)));
      if (message.type !== "welcome")
        return fail(new FlotillaError("PROTOCOL", "the hub did not answer hello with welcome"));
      const foreign = foreignHub(
        { root: String(message.root ?? ""), hubId: String(message.hubId ?? "") },
        options,
        options.socket,
      );
      if (foreign !== undefined) return fail(new FlotillaError("HUB_UNAVAILABLE", foreign));
      resolve(rest);
    };
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}
