import type { PaneScreen } from "../terminal/pane-screen.js";
import type { HubCommand, HubEvent } from "./protocol.js";

/**
 * How a cockpit talks to the hub: in-process (`local-link.ts`) or over the hub's socket
 * (`remote-link.ts`). The cockpit is written against this alone, so tests hand it a fake.
 */
export interface HubLink {
  /** Sends a command that has no answer (input, resize). */
  send(command: HubCommand): void;
  /** Sends a command with an id and resolves with its `result` value (rejects on error). */
  request(command: HubCommand): Promise<unknown>;
  /** Subscribes to hub events; returns the unsubscribe function. */
  onEvent(listener: (event: HubEvent) => void): () => void;
}

/**
 * The screens the cockpit draws from. In-process these are the hub's own screen models;
 * a remote client keeps mirrors fed from snapshots and output events.
 */
export interface PaneScreens {
  get(name: string): PaneScreen | undefined;
  /** Calls `done` once output received so far for `name` has been parsed. */
  whenParsed(name: string, done: () => void): void;
  /** Fetches `name`'s scrollback when it is not held locally (a remote hub sends it lazily). */
  loadScrollback?(name: string): Promise<void>;
}
