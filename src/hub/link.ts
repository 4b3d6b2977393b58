import type { PaneScreen } from "../terminal/pane-screen.js";
import type { HubCommand, HubEvent } from "./protocol.js";

/**
 * How a cockpit talks to the hub. Cockpits run inside the hub (one per attached client), so
 * the one real link is `local-link.ts`; the cockpit is written against this alone, so tests
 * hand it a fake.
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
 * The screens the cockpit draws from: the hub's own screen models (each byte parsed once).
 */
export interface PaneScreens {
  get(name: string): PaneScreen | undefined;
  /** Calls `done` once output received so far for `name` has been parsed. */
  whenParsed(name: string, done: () => void): void;
  /**
   * Fetches `name`'s scrollback when it is not held locally. The hub's screens hold it, so
   * no link sets this today; scroll mode still waits on it when one does.
   */
  loadScrollback?(name: string): Promise<void>;
}
