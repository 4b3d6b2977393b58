import type { Hub } from "./hub.js";

/**
 * The hub's side of an attached terminal (tmux's model: the hub draws, the client relays).
 * The socket server makes one `TerminalClient` per terminal connection and asks the
 * `CockpitFactory` for a `HubCockpit` to drive it. The factory comes from the daemon's
 * entry point (it is the cockpit of `src/tui/`, which the hub never imports).
 */

/** One attached terminal as its cockpit sees it. */
export interface TerminalClient {
  /** The connection's id, e.g. "c3" (the hub's `clientId` for its commands). */
  id: string;
  /** The user's `TERM`, `TERM_PROGRAM` and `COLORTERM`, from the client's hello. */
  env: Record<string, string>;
  /** False for a client in the hub's own process (`up --in-process`): its agents stop with it. */
  canDetach: boolean;
  /** Where the cockpit draws: `write` sends bytes to the client; `size` is its terminal, in cells. */
  terminal: { write(data: string): void; size(): { cols: number; rows: number } };
  /** Prefix d: the client is told to restore its terminal, and hangs up. */
  detach(): void;
  /** The user chose to stop the hub and its agents. */
  quit(): void;
}

/** What the server drives: keystrokes in, and a redraw when the size changed or frames were skipped. */
export interface HubCockpit {
  /** Raw bytes the user typed (UTF-8). */
  input(keys: string): void;
  /** The client's terminal changed size (`TerminalClient.terminal.size()` has the new one). */
  resize(): void;
  /** Draws one full frame (after skipped frames of a slow client). */
  redraw(): void;
  /** Stops drawing; the hub remembers its arrangement for the next client. */
  close(): void;
}

/**
 * Makes the cockpit of one terminal client; rejects when it cannot (the client is told).
 * `preload`, when there is one, starts loading what the first cockpit needs; the hub
 * service calls it once it is reachable (listening, its record written), so the load
 * overlaps the first client's start instead of delaying the hub's first answer.
 */
export type CockpitFactory = ((client: TerminalClient) => Promise<HubCockpit>) & {
  preload?: () => void;
};

/** What the daemon's entry point hands the hub service: a factory for the running hub. */
export type CockpitFactoryMaker = (hub: Hub) => CockpitFactory;
