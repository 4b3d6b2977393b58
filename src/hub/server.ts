import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { withFileLock } from "../store/lock.js";
import { FlotillaError, describeError } from "../core/errors.js";
import type { HubBackend } from "./backend.js";
import type { CockpitFactory, HubCockpit, TerminalClient } from "./cockpits.js";
import { FrameDecoder, MAX_FRAME_BYTES, encodeBinaryFrame, encodeFrame } from "./framing.js";
import { toWireError, type HubCommand, type HubEvent } from "./protocol.js";
import { ensurePrivateDir } from "./socket-path.js";
import {
  PROTOCOL_VERSION,
  helloProtocol,
  parseClientMessage,
  protocolMismatchMessage,
  type ClientMessage,
  type Hello,
  type ServerMessage,
} from "./wire.js";

/** Options for `startHubServer`. Byte figures are bytes queued in Node for one client. */
export interface HubServerOptions {
  /** Absolute socket path, e.g. from `resolveSocketPath`; its directory is made 0700. */
  socketPath: string;
  backend: HubBackend;
  /** One line per notable event (connects, protocol errors, slow clients). */
  log?: (line: string) => void;
  /** A client sent `shutdown`. Without it, `shutdown` is refused with an error frame. */
  onShutdown?: (clientId: string) => void;
  /**
   * Makes the cockpit a terminal client (a hello with `terminal`) gets; without it such a
   * client is refused. Handed in by the daemon's entry point: the hub never imports tui.
   */
  cockpits?: CockpitFactory;
  /** Above this, a terminal client's frames are skipped until it drains, then it gets one full redraw. Default 256 KiB. */
  slowClientBytes?: number;
  /** Above this, even non-output events cannot be queued and the client is dropped. Default 64 MiB. */
  maxClientBytes?: number;
  /** Largest frame accepted from or sent to a client. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Largest frame accepted before `hello` (a hello is tiny). Default 64 KiB. */
  maxHelloBytes?: number;
  /** Received bytes not yet decoded, summed over all connections; above it the connection adding more is dropped. Default 64 MiB. */
  maxTotalPendingBytes?: number;
  /** A connection that has not said hello after this many ms is closed. Default 5 000. */
  helloTimeoutMs?: number;
  /** The project this hub serves, named in `welcome`: its root (real path) and a per-start id. */
  project?: { root: string; hubId: string };
}

/** A listening hub socket. */
export interface HubServer {
  readonly socketPath: string;
  /** Clients that completed the hello/welcome handshake. */
  clientCount(): number;
  /** Stops every terminal client's cockpit (they keep their last frame until `close`). */
  closeCockpits(): void;
  /**
   * Stops listening, sends terminal clients `bye` ("stopped") and waits for them to hang up
   * (2 s at most), disconnects every other client and removes the socket file.
   */
  close(): Promise<void>;
}

/**
 * Serves `backend` on a Unix socket: each connection says `hello`, gets `welcome`, then
 * sends commands and receives the backend's broadcast events plus replies to its own
 * commands. A connection that breaks the protocol (malformed or oversized frame, invalid
 * message, other protocol version) gets an `error` frame and is closed; nothing else is
 * affected. The socket file is mode 0600 inside a 0700 directory owned by the user; that is
 * the access control (Node has no SO_PEERCRED, and /proc/net/unix does not name a peer).
 *
 * A terminal client (hello with `terminal`) gets a cockpit of its own, made by
 * `cockpits`: its keystrokes and size go to that cockpit, and the cockpit's drawing comes
 * back as binary frames. Pane output is parsed once, by the hub's screens. A slow terminal
 * client never blocks the hub or the others: past `slowClientBytes` queued, its frames are
 * skipped, and once its socket drains its cockpit draws one full frame. Other clients (the
 * CLI) get the hub's events except pane output, and answers to their commands.
 *
 * @throws FlotillaError HUB_UNAVAILABLE when a hub already answers on `socketPath`, or the
 * path holds something that is not a socket. A socket file nobody listens on is removed.
 */
export async function startHubServer(options: HubServerOptions): Promise<HubServer> {
  const { socketPath } = options;
  const log = options.log ?? (() => undefined);
  ensurePrivateDir(path.dirname(socketPath));
  const server = net.createServer();
  // Handle connections from the moment the socket listens: one accepted before a handler
  // was attached would hang its client and keep `close()` waiting for ever.
  const hub = new SocketHub(server, options, log);
  // Serialize "is the socket stale? remove it, listen" between hubs starting at once.
  const lockRetries = { retries: 100, factor: 1.2, minTimeout: 10, maxTimeout: 200 };
  await withFileLock(
    socketPath,
    async () => {
      try {
        await removeStaleSocket(socketPath, log);
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(socketPath, () => {
            server.off("error", reject);
            resolve();
          });
        });
        chmodSync(socketPath, 0o600);
      } catch (error) {
        hub.abandon();
        throw error;
      }
    },
    lockRetries,
  );
  log(`listening on ${socketPath}`);
  return hub;
}

/**
 * Connects to `socketPath` to see whether something listens. Resolves true when a
 * connection is accepted, false when nothing listens (refused or no such file).
 */
export function isSocketAnswering(socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNREFUSED" || error.code === "ENOENT") resolve(false);
      else reject(error);
    });
  });
}

async function removeStaleSocket(socketPath: string, log: (line: string) => void): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(socketPath).isSocket();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!isSocket) {
    throw new FlotillaError(
      "HUB_UNAVAILABLE",
      `${socketPath} exists and is not a socket: move it away and start the hub again`,
    );
  }
  if (await isSocketAnswering(socketPath)) {
    throw new FlotillaError(
      "HUB_UNAVAILABLE",
      `a hub is already running for this project (it answers on ${socketPath}): use it, or stop it with \`flotilla hub stop\``,
    );
  }
  log(`removing stale socket ${socketPath}`);
  unlinkSync(socketPath);
}

/** Per-connection state. */
interface Client {
  id: string;
  socket: net.Socket;
  decoder: FrameDecoder;
  welcomed: boolean;
  closing: boolean;
  /** A terminal client's cockpit state: set from its hello on. */
  terminal?: TerminalState;
}

interface TerminalState {
  size: { cols: number; rows: number };
  /** The hub's cockpit for it, once the factory has made it. */
  cockpit?: HubCockpit;
  /** Keystrokes that came before the cockpit was ready, in order. */
  early: string[];
  /** True while its socket is backed up: frames are skipped. */
  congested: boolean;
  /** A frame was skipped: a full redraw is owed once it drains. */
  skipped: boolean;
  /** Set once a `bye` went out: nothing more is drawn. */
  leaving: boolean;
}

class SocketHub implements HubServer {
  readonly socketPath: string;
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;
  private readonly slowClientBytes: number;
  private readonly maxClientBytes: number;
  private readonly maxFrameBytes: number;
  private nextClient = 1;
  private closed = false;

  constructor(
    private readonly server: net.Server,
    private readonly options: HubServerOptions,
    private readonly log: (line: string) => void,
  ) {
    this.socketPath = options.socketPath;
    this.slowClientBytes = options.slowClientBytes ?? 256 * 1024;
    this.maxClientBytes = options.maxClientBytes ?? 64 * 1024 * 1024;
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    server.on("connection", (socket) => this.accept(socket));
    server.on("error", (error) => this.log(`server error: ${describeError(error)}`));
    this.unsubscribe = options.backend.subscribe((event) => {
      // Pane output reaches terminal clients as their cockpit's drawing, and no CLI
      // command reads it: it is not sent as events at all.
      if (event.type === "output") return;
      for (const client of this.clients)
        if (client.welcomed && !client.terminal) this.deliver(client, event);
    });
  }

  clientCount(): number {
    let count = 0;
    for (const client of this.clients) if (client.welcomed && !client.closing) count++;
    return count;
  }

  closeCockpits(): void {
    for (const client of this.clients) this.closeCockpit(client);
  }

  /** Undoes the constructor when listening failed (the socket path is not ours: left alone). */
  abandon(): void {
    this.closed = true;
    this.unsubscribe();
    this.server.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const leaving: Promise<void>[] = [];
    for (const client of this.clients) {
      if (client.terminal && client.welcomed && !client.closing)
        leaving.push(this.bye(client, "stopped"));
      else client.socket.destroy();
    }
    await Promise.all(leaving);
    await stopped;
    // libuv unlinks the socket on close; this covers platforms that do not.
    try {
      unlinkSync(this.socketPath);
    } catch {
      // Already gone.
    }
  }

  private accept(socket: net.Socket): void {
    const client: Client = {
      id: `c${this.nextClient++}`,
      socket,
      decoder: new FrameDecoder({ maxBytes: this.options.maxHelloBytes ?? 64 * 1024 }),
      welcomed: false,
      closing: false,
    };
    this.clients.add(client);
    const helloTimer = setTimeout(() => {
      if (!client.welcomed && !client.closing) this.reject(client, "no hello in time");
    }, this.options.helloTimeoutMs ?? 5_000);
    helloTimer.unref();
    socket.on("close", () => clearTimeout(helloTimer));
    socket.on("data", (chunk: Buffer) => this.receive(client, chunk));
    socket.on("end", () => {
      try {
        client.decoder.end();
      } catch (error) {
        this.log(`${client.id}: ${describeError(error)}`);
      }
    });
    socket.on("error", (error) => this.log(`${client.id}: ${describeError(error)}`));
    socket.on("close", () => {
      this.clients.delete(client);
      this.closeCockpit(client);
      if (client.welcomed) {
        this.log(`${client.id} disconnected`);
        this.options.backend.clientDetached?.(client.id);
      }
    });
  }

  private receive(client: Client, chunk: Buffer): void {
    if (client.closing) return;
    let values: unknown[];
    try {
      values = client.decoder.push(chunk);
    } catch (error) {
      this.reject(client, describeError(error));
      return;
    }
    // Partial frames held across every connection are capped, not only per connection.
    let pending = 0;
    for (const other of this.clients) pending += other.decoder.pendingBytes;
    if (pending > (this.options.maxTotalPendingBytes ?? 64 * 1024 * 1024)) {
      this.reject(client, "too many bytes buffered across connections");
      return;
    }
    for (const value of values) {
      if (client.closing) return;
      if (Buffer.isBuffer(value)) this.keys(client, value);
      else this.dispatch(client, value);
    }
  }

  private dispatch(client: Client, value: unknown): void {
    if (!client.welcomed) {
      const protocol = helloProtocol(value);
      if (protocol === undefined) {
        this.reject(client, "expected hello as the first message");
        return;
      }
      if (protocol !== PROTOCOL_VERSION) {
        this.reject(client, protocolMismatchMessage(PROTOCOL_VERSION, protocol));
        return;
      }
    }
    const parsed = parseClientMessage(value);
    if (!parsed.ok) {
      this.reject(client, parsed.error);
      return;
    }
    this.handleMessage(client, parsed.message);
  }

  private handleMessage(client: Client, message: ClientMessage): void {
    switch (message.type) {
      case "hello":
        if (client.welcomed) {
          this.reject(client, "hello sent twice");
          return;
        }
        if (message.terminal && !this.options.cockpits) {
          this.reject(client, "this hub has no cockpit to attach to (run `flotilla up`)");
          return;
        }
        client.welcomed = true;
        client.decoder.maxBytes = this.maxFrameBytes;
        this.log(`${client.id} connected: ${message.client} (${message.cols}x${message.rows})`);
        this.send(client, {
          type: "welcome",
          protocol: PROTOCOL_VERSION,
          hubPid: process.pid,
          root: this.options.project?.root ?? "",
          hubId: this.options.project?.hubId ?? "",
        });
        this.options.backend.clientAttached?.(client.id, {
          cols: message.cols,
          rows: message.rows,
        });
        if (message.terminal) this.attach(client, message);
        return;
      case "size": {
        const terminal = client.terminal;
        if (!terminal) return this.reject(client, "size from a client with no terminal");
        terminal.size = { cols: message.cols, rows: message.rows };
        this.drive(client, (cockpit) => cockpit.resize());
        return;
      }
      case "command":
        this.runCommand(client, message.command);
        return;
      case "shutdown":
        if (!this.options.onShutdown) {
          this.reject(client, "this hub cannot be shut down over its socket");
          return;
        }
        this.log(`${client.id} asked the hub to shut down`);
        this.options.onShutdown(client.id);
        return;
    }
  }

  private runCommand(client: Client, command: HubCommand): void {
    try {
      this.options.backend.handle(command, client.id, (event) => this.reply(client, event));
    } catch (error) {
      // A throwing backend must not take the connection loop down with it.
      this.log(`${client.id}: ${command.type} failed: ${describeError(error)}`);
      if ("id" in command && command.id !== undefined) {
        this.deliver(client, {
          type: "result",
          id: command.id,
          ok: false,
          error: toWireError(error),
        });
      }
    }
  }

  /** An event for this client only (answers to its own commands). */
  private reply(client: Client, event: HubEvent): void {
    this.deliver(client, event);
  }

  private deliver(client: Client, event: HubEvent): void {
    if (client.closing || client.socket.destroyed) return;
    this.send(client, { type: "event", event });
    const queued = client.socket.writableLength;
    if (queued > this.maxClientBytes) {
      this.log(`${client.id}: ${queued} bytes queued and not reading; disconnecting it`);
      client.closing = true;
      client.socket.destroy();
    }
  }

  /** Makes the cockpit of a terminal client; keystrokes that come meanwhile wait for it. */
  private attach(client: Client, hello: Hello): void {
    const terminal: TerminalState = {
      size: { cols: hello.cols, rows: hello.rows },
      early: [],
      congested: false,
      skipped: false,
      leaving: false,
    };
    client.terminal = terminal;
    const info: TerminalClient = {
      id: client.id,
      env: {
        ...(hello.terminal?.term ? { TERM: hello.terminal.term } : {}),
        ...(hello.terminal?.termProgram ? { TERM_PROGRAM: hello.terminal.termProgram } : {}),
        ...(hello.terminal?.colorterm ? { COLORTERM: hello.terminal.colorterm } : {}),
      },
      canDetach: hello.pid !== process.pid,
      terminal: {
        write: (data) => this.draw(client, data),
        size: () => terminal.size,
      },
      detach: () => void this.bye(client, "detach"),
      quit: () => this.options.onShutdown?.(client.id),
    };
    this.options.cockpits!(info).then(
      (cockpit) => {
        if (client.closing || client.socket.destroyed) return cockpit.close();
        terminal.cockpit = cockpit;
        for (const keys of terminal.early.splice(0)) this.drive(client, (c) => c.input(keys));
      },
      (error: unknown) => this.reject(client, `cannot open the cockpit: ${describeError(error)}`),
    );
  }

  private keys(client: Client, bytes: Buffer): void {
    const terminal = client.terminal;
    if (!terminal) return this.reject(client, "binary frame from a client with no terminal");
    const keys = bytes.toString("utf8");
    if (terminal.cockpit) this.drive(client, (cockpit) => cockpit.input(keys));
    else terminal.early.push(keys);
  }

  /** Writes a terminal client's drawing, or skips it while the client is backed up. */
  private draw(client: Client, data: string): void {
    const terminal = client.terminal;
    if (!terminal || terminal.leaving || client.closing || client.socket.destroyed) return;
    if (terminal.congested) {
      terminal.skipped = true;
      return;
    }
    client.socket.write(encodeBinaryFrame(data));
    const queued = client.socket.writableLength;
    if (queued <= this.slowClientBytes) return;
    terminal.congested = true;
    this.log(`${client.id}: slow (${queued} bytes queued); skipping its frames until it drains`);
    client.socket.once("drain", () => {
      terminal.congested = false;
      if (!terminal.skipped) return;
      terminal.skipped = false;
      this.log(`${client.id}: caught up; one full redraw`);
      this.drive(client, (cockpit) => cockpit.redraw());
    });
  }

  /** Tells a terminal client its cockpit leaves (it restores its terminal), then hangs up. */
  private bye(client: Client, reason: "detach" | "stopped"): Promise<void> {
    const terminal = client.terminal;
    if (!terminal || terminal.leaving) return Promise.resolve();
    this.closeCockpit(client);
    terminal.leaving = true;
    this.send(client, { type: "bye", reason });
    client.closing = true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => client.socket.destroy(), 2_000);
      client.socket.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
      client.socket.end();
    });
  }

  /** Calls into a client's cockpit; one that throws loses that client, not the hub. */
  private drive(client: Client, call: (cockpit: HubCockpit) => void): void {
    const cockpit = client.terminal?.cockpit;
    if (!cockpit) return;
    try {
      call(cockpit);
    } catch (error) {
      this.closeCockpit(client);
      this.reject(client, `the cockpit failed: ${describeError(error)}`);
    }
  }

  private closeCockpit(client: Client): void {
    const cockpit = client.terminal?.cockpit;
    if (!cockpit || !client.terminal) return;
    client.terminal.cockpit = undefined;
    try {
      cockpit.close();
    } catch (error) {
      this.log(`${client.id}: closing its cockpit: ${describeError(error)}`);
    }
  }

  /** Writes one message; returns what `socket.write` returned (false: queued past the high-water mark). */
  private send(client: Client, message: ServerMessage): boolean {
    let frame: Buffer;
    try {
      frame = encodeFrame(message, this.maxFrameBytes);
    } catch (error) {
      this.log(`${client.id}: dropped a ${messageKind(message)}: ${describeError(error)}`);
      return true;
    }
    return client.socket.write(frame);
  }

  /** Sends an error frame (best effort) and closes this connection only. */
  private reject(client: Client, message: string): void {
    if (client.closing) return;
    this.log(`${client.id}: closing: ${message}`);
    this.send(client, { type: "error", message });
    client.closing = true;
    client.socket.end();
    // A peer that never reads would keep end() from finishing; do not hold its fd forever.
    setTimeout(() => client.socket.destroy(), 2_000).unref();
  }
}

function messageKind(message: ServerMessage): string {
  return message.type === "event" ? `${message.event.type} event` : `${message.type} frame`;
}
