import type { HubCommand, HubEvent } from "./protocol.js";

/**
 * What a transport needs from a hub: commands in, events out. The in-process `Hub`
 * implements it; the socket server wraps it for remote clients.
 */
export interface HubBackend {
  /** Handle a command from client `clientId`; events for that client only go through `reply`. */
  handle(command: HubCommand, clientId: string, reply: (event: HubEvent) => void): void;
  /** Subscribe to broadcast events; returns unsubscribe. */
  subscribe(listener: (event: HubEvent) => void): () => void;
  /** Called when a client connects, with its terminal size from hello (pty size follows the most recently active client). */
  clientAttached?(clientId: string, size: { cols: number; rows: number }): void;
  clientDetached?(clientId: string): void;
}
