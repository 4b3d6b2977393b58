import net from "node:net";
import type { HubBackend } from "../../src/hub/backend.js";
import { FrameDecoder, encodeFrame } from "../../src/hub/framing.js";
import type { HubCommand, HubEvent } from "../../src/hub/protocol.js";
import { PROTOCOL_VERSION } from "../../src/hub/wire.js";

/**
 * A hub backend for transport tests: records what clients send, broadcasts what the test
 * tells it to, and numbers each pane's output like the real hub (`seq` from 1).
 */
export class FakeBackend implements HubBackend {
  readonly commands: { command: HubCommand; clientId: string }[] = [];
  readonly attached = new Map<string, { cols: number; rows: number }>();
  readonly detached: string[] = [];
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private readonly seqs = new Map<string, number>();

  handle(command: HubCommand, clientId: string, reply: (event: HubEvent) => void): void {
    this.commands.push({ command, clientId });
    switch (command.type) {
      case "list":
        if (command.id !== undefined)
          reply({ type: "result", id: command.id, ok: true, value: [] });
        return;
      default:
        if ("id" in command && command.id !== undefined) {
          reply({ type: "result", id: command.id, ok: true });
        }
    }
  }

  subscribe(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clientAttached(clientId: string, size: { cols: number; rows: number }): void {
    this.attached.set(clientId, size);
  }

  clientDetached(clientId: string): void {
    this.detached.push(clientId);
  }

  /** Broadcasts one event to every client. */
  emit(event: HubEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Broadcasts the next output of pane `name`; returns its seq. */
  output(name: string, data: string): number {
    const seq = (this.seqs.get(name) ?? 0) + 1;
    this.seqs.set(name, seq);
    this.emit({ type: "output", name, seq, data });
    return seq;
  }
}

/** A bare socket speaking frames by hand, for sending what a well-behaved client never would. */
export class RawClient {
  readonly received: unknown[] = [];
  readonly socket: net.Socket;
  closed = false;
  private readonly decoder = new FrameDecoder();

  constructor(socketPath: string) {
    this.socket = net.connect(socketPath);
    this.socket.on("data", (chunk: Buffer) => {
      for (const value of this.decoder.push(chunk)) {
        this.received.push(value);
        if (Buffer.isBuffer(value)) this.lastFrame = value.toString("utf8");
      }
    });
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => (this.closed = true));
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once("connect", resolve);
      this.socket.once("error", reject);
    });
  }

  sendFrame(value: unknown): void {
    this.socket.write(encodeFrame(value));
  }

  sendHello(protocol = PROTOCOL_VERSION, extra: Record<string, unknown> = {}): void {
    this.sendFrame({
      type: "hello",
      protocol,
      cols: 100,
      rows: 30,
      client: "raw test client",
      ...extra,
    });
  }

  /** The last binary frame received, as text. */
  lastFrame = "";

  /** Binary frames received so far, as text (a terminal client's drawing). */
  drawn(): string {
    return this.received
      .filter((m): m is Buffer => Buffer.isBuffer(m))
      .map((m) => m.toString("utf8"))
      .join("");
  }

  /** Messages received so far of the given type. */
  messages<T = Record<string, unknown>>(type: string): T[] {
    return this.received.filter((m) => (m as { type?: string }).type === type) as T[];
  }

  /** Events received so far (unwrapped from `event` messages). */
  events(): HubEvent[] {
    return this.messages<{ event: HubEvent }>("event").map((m) => m.event);
  }
}

/** Polls `condition` until true; fails with `what` after `timeoutMs`. Never assumes a speed. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
