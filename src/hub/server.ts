import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { withFileLock } from "../store/lock.js";
import { FlotillaError, describeError } from "../core/errors.js";
import type { HubBackend } from "./backend.js";
import { FrameDecoder, MAX_FRAME_BYTES, encodeFrame } from "./framing.js";
import { toWireError, type HubCommand, type HubEvent } from "./protocol.js";
import { ensurePrivateDir } from "./socket-path.js";
import {
  PROTOCOL_VERSION,
  helloProtocol,
  parseClientMessage,
  protocolMismatchMessage,
  type ClientMessage,
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
  /** Above this, a client stops getting `output` and later gets snapshots. Default 1 MiB. */
  slowClientBytes?: number;
  /** Above this, even non-output events cannot be queued and the client is dropped. Default 64 MiB. */
  maxClientBytes?: number;
  /** Largest frame accepted from or sent to a client. Default 16 MiB. */
  maxFrameBytes?: number;
}

/** A listening hub socket. */
export interface HubServer {
  readonly socketPath: string;
  /** Clients that completed the hello/welcome handshake. */
  clientCount(): number;
  /** Stops listening, disconnects every client and removes the socket file. */
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
 * Slow clients never block the hub: once a client has more than `slowClientBytes` queued,
 * its `output` events are dropped, and when its queue drains it gets a fresh `snapshot` of
 * each pane it missed output for (and no output for that pane until then).
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
  /** True while more than `slowClientBytes` are queued; `output` is being dropped. */
  congested: boolean;
  /** Panes whose output this client missed, by name: waiting for drain, or for a snapshot. */
  stale: Map<string, StalePane>;
  /** Snapshot requests the server made for this client: request id → pane name. */
  recoveries: Map<number, string>;
}

interface StalePane {
  state: "missed" | "awaiting";
  /** Highest output `seq` dropped for this pane. */
  lastDropped: number;
}

class SocketHub implements HubServer {
  readonly socketPath: string;
  private readonly clients = new Set<Client>();
  private readonly unsubscribe: () => void;
  private readonly slowClientBytes: number;
  private readonly maxClientBytes: number;
  private readonly maxFrameBytes: number;
  private nextClient = 1;
  /** Server-made request ids are negative so they never collide with a client's own. */
  private nextRecoveryId = -1;
  private closed = false;

  constructor(
    private readonly server: net.Server,
    private readonly options: HubServerOptions,
    private readonly log: (line: string) => void,
  ) {
    this.socketPath = options.socketPath;
    this.slowClientBytes = options.slowClientBytes ?? 1024 * 1024;
    this.maxClientBytes = options.maxClientBytes ?? 64 * 1024 * 1024;
    this.maxFrameBytes = options.maxFrameBytes ?? MAX_FRAME_BYTES;
    server.on("connection", (socket) => this.accept(socket));
    server.on("error", (error) => this.log(`server error: ${describeError(error)}`));
    this.unsubscribe = options.backend.subscribe((event) => {
      for (const client of this.clients) if (client.welcomed) this.deliver(client, event);
    });
  }

  clientCount(): number {
    let count = 0;
    for (const client of this.clients) if (client.welcomed && !client.closing) count++;
    return count;
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
    for (const client of this.clients) client.socket.destroy();
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
      decoder: new FrameDecoder({ maxBytes: this.maxFrameBytes }),
      welcomed: false,
      closing: false,
      congested: false,
      stale: new Map(),
      recoveries: new Map(),
    };
    this.clients.add(client);
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
    for (const value of values) {
      if (client.closing) return;
      this.dispatch(client, value);
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
        client.welcomed = true;
        this.log(`${client.id} connected: ${message.client} (${message.cols}x${message.rows})`);
        this.send(client, { type: "welcome", protocol: PROTOCOL_VERSION, hubPid: process.pid });
        this.options.backend.clientAttached?.(client.id, {
          cols: message.cols,
          rows: message.rows,
        });
        return;
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

  /** An event for this client only; answers to the server's own snapshot requests end stale panes. */
  private reply(client: Client, event: HubEvent): void {
    const id = "id" in event ? event.id : undefined;
    const pane = id === undefined ? undefined : client.recoveries.get(id);
    if (id === undefined || pane === undefined) {
      this.deliver(client, event);
      return;
    }
    client.recoveries.delete(id);
    const stale = client.stale.get(pane);
    if (event.type !== "snapshot") {
      // The pane is gone (the backend answered with an error): nothing left to recover.
      client.stale.delete(pane);
      return;
    }
    if (stale && stale.lastDropped > event.seq) {
      // Output newer than this snapshot was dropped while it was on its way: ask again.
      this.recover(client, pane, stale);
      return;
    }
    client.stale.delete(pane);
    const { id: _internal, ...snapshot } = event;
    this.deliver(client, snapshot);
  }

  private deliver(client: Client, event: HubEvent): void {
    if (client.closing || client.socket.destroyed) return;
    if (event.type === "output") {
      const stale = client.stale.get(event.name);
      if (client.congested || stale) {
        if (stale) stale.lastDropped = Math.max(stale.lastDropped, event.seq);
        else client.stale.set(event.name, { state: "missed", lastDropped: event.seq });
        return;
      }
    } else if (event.type === "removed") {
      client.stale.delete(event.name);
    }
    const writable = this.send(client, { type: "event", event });
    const queued = client.socket.writableLength;
    if (queued > this.maxClientBytes) {
      this.log(`${client.id}: ${queued} bytes queued and not reading; disconnecting it`);
      client.closing = true;
      client.socket.destroy();
    } else if (!writable && !client.congested && queued > this.slowClientBytes) {
      client.congested = true;
      this.log(`${client.id}: slow (${queued} bytes queued); pausing its output`);
      client.socket.once("drain", () => this.drained(client));
    }
  }

  private drained(client: Client): void {
    client.congested = false;
    this.log(`${client.id}: caught up; sending snapshots of ${client.stale.size} pane(s)`);
    for (const [pane, stale] of client.stale) {
      if (stale.state === "missed") this.recover(client, pane, stale);
    }
  }

  private recover(client: Client, pane: string, stale: StalePane): void {
    stale.state = "awaiting";
    const id = this.nextRecoveryId--;
    client.recoveries.set(id, pane);
    this.runCommand(client, { type: "snapshot", id, name: pane });
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
