import type { AgentRecord, AgentStatus } from "../core/schema.js";
import type { MailSummary } from "./mail-delivery.js";

/**
 * The hub's whole interface: serializable commands in, events out. In-process today; the
 * daemon issue moves the same messages over a Unix socket, so nothing here may hold a
 * function, a class instance or a Buffer (pty bytes travel as UTF-8 strings or base64).
 */

/** What a client knows about one agent: its record plus live fields. */
export interface AgentView extends AgentRecord {
  /** Unread mail addressed to this agent (filled in by the mail issue; 0 until then). */
  unread?: number;
  /** Human-readable problem, e.g. "command not found: claude". */
  problem?: string;
}

/** Commands a client sends to the hub. `id` correlates a `result` event. */
export type HubCommand =
  | {
      type: "spawn";
      id?: number;
      name: string;
      runtime: string;
      prompt?: string;
      base?: string;
      role?: string;
    }
  | { type: "kill"; id?: number; name: string; clean?: boolean; force?: boolean }
  | { type: "respawn"; id?: number; name: string }
  /** Raw input bytes for an agent's pty (UTF-8 string, exactly as typed). */
  | { type: "input"; name: string; data: string }
  /** Resize an agent's pty to its pane's inner size, in cells. */
  | { type: "resize"; name: string; cols: number; rows: number }
  /** Ask for a serialized snapshot of one pane (answered by a `snapshot` event). */
  | { type: "snapshot"; id?: number; name: string; scrollback?: number }
  | { type: "list"; id?: number };

/** Events the hub emits to every client. */
export type HubEvent =
  | { type: "agents"; agents: AgentView[] }
  | { type: "agent"; agent: AgentView }
  | { type: "removed"; name: string }
  | { type: "status"; name: string; status: AgentStatus; exitCode?: number | null }
  /** Raw pty output after the given sequence point (`seq` counts output events per agent). */
  | { type: "output"; name: string; seq: number; data: string }
  /**
   * A pane's screen serialized by @xterm/addon-serialize (escape sequences that redraw it,
   * including modes), taken just after output event `seq`.
   */
  | {
      type: "snapshot";
      id?: number;
      name: string;
      seq: number;
      cols: number;
      rows: number;
      data: string;
    }
  /**
   * A pane's pty and screen changed size, at this point in its output stream (mirrors resize
   * before applying later output). Sizes follow the most recently active client.
   */
  | { type: "resized"; name: string; cols: number; rows: number }
  /** Unread counts and what is new in the mail (see `MailDelivery`). */
  | { type: "mail"; summary: MailSummary }
  | { type: "result"; id: number; ok: boolean; error?: string; value?: unknown }
  | { type: "notice"; level: "info" | "error"; text: string };

/** Narrowing helper for event handlers. */
export type HubEventOf<T extends HubEvent["type"]> = Extract<HubEvent, { type: T }>;
