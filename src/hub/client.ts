import net from "node:net";
import { FlotillaError, describeError } from "../core/errors.js";
import { foreignHub } from "./foreign-hub.js";
import { FrameDecoder, encodeFrame } from "./framing.js";
import type { HubCommand, HubEvent, HubEventOf } from "./protocol.js";
import { PROTOCOL_VERSION, parseServerMessage, type ClientMessage } from "./wire.js";

/** What answers a `request`: the `result` event with the request's id. */
export type HubReply = HubEventOf<"result">;

/** An open, welcomed connection to a hub. */
export interface HubConnection {
  /** The hub process's pid, from `welcome`. */
  readonly hubPid: number;
  /** Sends a command without waiting for anything. Ignored once closed. */
  send(command: HubCommand): void;
  /**
   * Sends a command with a fresh `id` (any id on `command` is replaced) and resolves with
   * the `result` event that carries it back.
   * @throws FlotillaError HUB_UNAVAILABLE when no answer comes within `timeoutMs`
   * (default 10 000 ms) or the connection closes first.
   */
  request(command: HubCommand, options?: { timeoutMs?: number }): Promise<HubReply>;
  /** Calls `listener` for every event from the hub (replies included). Returns unsubscribe. */
  onEvent(listener: (event: HubEvent) => void): () => void;
  /**
   * Calls `listener` once when the connection ends; `error` says why when the hub closed
   * it for a reason (an error frame) or the stream broke. Returns unsubscribe.
   */
  onClose(listener: (error?: FlotillaError) => void): () => void;
  /** Asks the hub process to stop its agents and exit. */
  shutdownHub(): void;
  /** Closes the connection; pending requests fail. */
  close(): void;
}

/** Options for `connectHub`. `cols`/`rows` are the client's terminal size in cells. */
export interface ConnectOptions {
  cols: number;
  rows: number;
  /** Names this client in the hub's log. Default `flotilla (pid N)`. */
  client?: string;
  /** Give up on the handshake after this many ms. Default 5 000. */
  timeoutMs?: number;
  /** Protocol number to claim in hello (tests use it to play an older client). */
  protocol?: number;
  /**
   * The project root this client works on: a hub whose welcome names another project is
   * refused (HUB_UNAVAILABLE) before anything is sent to it.
   */
  root?: string;
  /** The hub id hub.json recorded: a hub of another start is refused too. */
  hubId?: string;
}

/**
 * Connects to the hub listening on `socketPath` and completes the hello/welcome handshake.
 * @throws FlotillaError HUB_UNAVAILABLE when nothing listens there or the hub does not
 * answer in time; PROTOCOL when the hub refuses the client (its error text, e.g. a protocol
 * version mismatch) or answers with something that is not a valid message.
 */
export function connectHub(socketPath: string, options: ConnectOptions): Promise<HubConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const decoder = new FrameDecoder();
    const timeoutMs = options.timeoutMs ?? 5_000;
    const timer = setTimeout(() => {
      fail(
        new FlotillaError(
          "HUB_UNAVAILABLE",
          `the hub on ${socketPath} did not answer within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    let settled = false;
    const fail = (error: FlotillaError): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };

    socket.once("connect", () => {
      const hello: ClientMessage = {
        type: "hello",
        protocol: options.protocol ?? PROTOCOL_VERSION,
        cols: options.cols,
        rows: options.rows,
        client: options.client ?? `flotilla (pid ${process.pid})`,
      };
      socket.write(encodeFrame(hello));
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") {
        fail(
          new FlotillaError(
            "HUB_UNAVAILABLE",
            `no hub is listening on ${socketPath}: start one with \`flotilla up\``,
            { cause: error },
          ),
        );
      } else {
        fail(
          new FlotillaError(
            "HUB_UNAVAILABLE",
            `cannot reach the hub on ${socketPath}: ${error.message}`,
            {
              cause: error,
            },
          ),
        );
      }
    });
    socket.on("close", () => {
      fail(new FlotillaError("HUB_UNAVAILABLE", `the hub on ${socketPath} closed the connection`));
    });
    const onHandshake = (chunk: Buffer): void => {
      let values: unknown[];
      try {
        values = decoder.push(chunk);
      } catch (error) {
        fail(new FlotillaError("PROTOCOL", `bad frame from the hub: ${describeError(error)}`));
        return;
      }
      const [first, ...rest] = values;
      if (first === undefined) return;
      const parsed = parseServerMessage(first);
      if (!parsed.ok) {
        fail(new FlotillaError("PROTOCOL", `the hub sent an ${parsed.error}`));
        return;
      }
      if (parsed.message.type === "error") {
        fail(new FlotillaError("PROTOCOL", parsed.message.message));
        return;
      }
      if (parsed.message.type !== "welcome") {
        fail(new FlotillaError("PROTOCOL", "the hub did not answer hello with welcome"));
        return;
      }
      const foreign = foreignHub(parsed.message, options, socketPath);
      if (foreign !== undefined) {
        fail(new FlotillaError("HUB_UNAVAILABLE", foreign));
        return;
      }
      settled = true;
      clearTimeout(timer);
      socket.off("data", onHandshake);
      socket.removeAllListeners("error");
      socket.removeAllListeners("close");
      const connection = new SocketConnection(socket, decoder, parsed.message.hubPid);
      resolve(connection);
      // Frames that arrived with the welcome are events for the new connection.
      connection.receiveValues(rest);
    };
    socket.on("data", onHandshake);
  });
}

interface Pending {
  resolve: (event: HubReply) => void;
  reject: (error: FlotillaError) => void;
  timer: NodeJS.Timeout;
}

class SocketConnection implements HubConnection {
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private readonly closeListeners = new Set<(error?: FlotillaError) => void>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;
  private closeReason: FlotillaError | undefined;

  constructor(
    private readonly socket: net.Socket,
    private readonly decoder: FrameDecoder,
    readonly hubPid: number,
  ) {
    socket.on("data", (chunk: Buffer) => {
      try {
        this.receiveValues(decoder.push(chunk));
      } catch (error) {
        this.abort(
          new FlotillaError("PROTOCOL", `bad frame from the hub: ${describeError(error)}`),
        );
      }
    });
    socket.on("error", (error) => {
      this.closeReason ??= new FlotillaError(
        "HUB_UNAVAILABLE",
        `hub connection failed: ${error.message}`,
      );
    });
    socket.on("close", () => this.finish());
  }

  send(command: HubCommand): void {
    if (this.closed) return;
    this.socket.write(encodeFrame({ type: "command", command } satisfies ClientMessage));
  }

  request(command: HubCommand, options: { timeoutMs?: number } = {}): Promise<HubReply> {
    if (this.closed) {
      return Promise.reject(new FlotillaError("HUB_UNAVAILABLE", "the hub connection is closed"));
    }
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new FlotillaError(
            "HUB_UNAVAILABLE",
            `the hub did not answer ${command.type} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.send({ ...command, id } as HubCommand);
    });
  }

  onEvent(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: (error?: FlotillaError) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  shutdownHub(): void {
    if (this.closed) return;
    this.socket.write(encodeFrame({ type: "shutdown" } satisfies ClientMessage));
  }

  close(): void {
    this.socket.end();
    this.socket.destroySoon();
  }

  /** Dispatches decoded frames; an invalid one or an error frame ends the connection. */
  receiveValues(values: unknown[]): void {
    for (const value of values) {
      if (this.closed) return;
      const parsed = parseServerMessage(value);
      if (!parsed.ok) {
        this.abort(new FlotillaError("PROTOCOL", `the hub sent an ${parsed.error}`));
        return;
      }
      const message = parsed.message;
      if (message.type === "error") {
        this.abort(new FlotillaError("PROTOCOL", message.message));
        return;
      }
      if (message.type === "event") this.dispatch(message.event);
    }
  }

  private dispatch(event: HubEvent): void {
    if (event.type === "result") {
      const pending = this.pending.get(event.id);
      if (pending) {
        this.pending.delete(event.id);
        clearTimeout(pending.timer);
        pending.resolve(event);
      }
    }
    for (const listener of this.listeners) listener(event);
  }

  private abort(reason: FlotillaError): void {
    this.closeReason ??= reason;
    this.socket.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    const reason =
      this.closeReason ?? new FlotillaError("HUB_UNAVAILABLE", "the hub closed the connection");
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(reason);
    }
    this.pending.clear();
    for (const listener of this.closeListeners) listener(this.closeReason);
  }
}
