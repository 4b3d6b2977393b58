import * as z from "../core/zod.js";
import { ERROR_CODES, firstZodIssue } from "../core/errors.js";
import { AgentRecord, AgentStatus, EffortLevel } from "../core/schema.js";
import { MAIL_PRIORITIES, MAIL_TYPES } from "../core/mail-kinds.js";

/**
 * Messages on the hub's socket, one per frame (framing.ts). A connection opens with
 * `hello` (client → hub), answered by `welcome` or by `error` and a close. Then the client
 * sends `command` (a HubCommand) and `shutdown`; the hub sends `event` (a HubEvent) and,
 * just before it closes a connection for a protocol violation, `error`.
 * A hello with `terminal` attaches a cockpit instead (tmux's model: the hub draws, the
 * client relays): the client then sends its keystrokes as binary frames and `size` on a
 * resize; the hub sends the cockpit's drawing as binary frames and `bye` when it leaves.
 * Every JSON message is validated with zod on receive (by the hub; the thin client, which
 * carries no zod, reads its three messages by hand: src/client/).
 *
 * These schemas are the protocol's only definition: the TypeScript types in protocol.ts
 * are inferred from them.
 */

export { PROTOCOL_VERSION } from "./protocol-version.js";

/**
 * Largest pane or terminal accepted, in cells: what a terminal can be (an 8K screen at a
 * tiny font), not what memory allows. A 10000×10000 resize once cost the hub 400 MB.
 */
export const MAX_COLS = 2000;
export const MAX_ROWS = 1000;

const Cols = z.number().check(z.int(), z.gte(1), z.lte(MAX_COLS));
const Rows = z.number().check(z.int(), z.gte(1), z.lte(MAX_ROWS));
const Id = z.optional(z.number().check(z.int()));

/** Commands a client sends to the hub. `id` correlates a `result` event. */
export const HubCommandSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("spawn"),
    id: Id,
    name: z.string(),
    runtime: z.string(),
    prompt: z.optional(z.string()),
    base: z.optional(z.string()),
    role: z.optional(z.string()),
    /** Model, passed through the runtime's own flag (as `spawn --model`). */
    model: z.optional(z.string()),
    /** Reasoning effort, through the runtime's `effortArgs` (as `spawn --effort`). */
    effort: z.optional(EffortLevel),
  }),
  z.object({
    type: z.literal("kill"),
    id: Id,
    name: z.string(),
    clean: z.optional(z.boolean()),
    force: z.optional(z.boolean()),
  }),
  z.object({ type: z.literal("respawn"), id: Id, name: z.string() }),
  /** Raw input bytes for an agent's pty (UTF-8 string, exactly as typed). */
  z.object({ type: z.literal("input"), name: z.string(), data: z.string() }),
  /** Resize an agent's pty to its pane's inner size, in cells. */
  z.object({ type: z.literal("resize"), name: z.string(), cols: Cols, rows: Rows }),
  z.object({ type: z.literal("list"), id: Id }),
]);

/** What a client knows about one agent: its record plus live fields. */
export const AgentViewSchema = z.extend(AgentRecord, {
  /** Unread mail addressed to this agent (filled in by the mail runner). */
  unread: z.optional(z.number().check(z.int())),
  /** Human-readable problem, e.g. "command not found: claude". */
  problem: z.optional(z.string()),
  /** The state of the agent's newest merge-queue entry for its title (the merge-queue runner). */
  merge: z.optional(z.string()),
  /** Files changed in its worktree or branch outside its task's scope (the scope watcher). */
  outOfScope: z.optional(z.number().check(z.int(), z.gte(1))),
  /** Dollars it has spent so far, from its CLI's own logs (the costs runner). */
  dollars: z.optional(z.number()),
});

/**
 * Something the cockpit does because of a message from an agent: `done` for `worker_done`
 * (mark the agent done; later, enqueue its branch), `alert` for `error` and `escalation`
 * (highlight the pane). Reported once per message id; `id` is the message that caused it.
 */
export const MailReactionSchema = z.object({
  /** The sender. */
  agent: z.string(),
  kind: z.enum(["done", "alert"]),
  id: z.string(),
  type: z.enum(MAIL_TYPES),
});

/** The newest new message for the cockpit, with its text already made one safe line. */
export const MailHeadlineSchema = z.object({
  id: z.string(),
  from: z.string(),
  subject: z.string(),
  type: z.enum(MAIL_TYPES),
  priority: z.enum(MAIL_PRIORITIES),
});

/**
 * What mail delivery reports (the `mail` event): a full picture of unread counts plus what
 * is new since the last report.
 */
export const MailSummarySchema = z.object({
  /** Unread messages per agent mailbox (every agent the hub runs is present, 0 included). */
  unread: z.record(z.string(), z.number().check(z.int())),
  /** Unread messages in the cockpit's mailbox (the human's). */
  cockpitUnread: z.number().check(z.int()),
  /**
   * Set when mail for the cockpit arrived since the last report: the newest urgent one if
   * any, else the newest. Ring the bell / notify when `priority === "urgent"`.
   */
  latest: z.optional(MailHeadlineSchema),
  /** Reactions to messages that arrived since the last report, oldest first. */
  reactions: z.array(MailReactionSchema),
});

/** Why a command failed: the `FlotillaError` code (`UNEXPECTED` for any other error) and its one line. */
export const WireErrorSchema = z.object({ code: z.enum(ERROR_CODES), message: z.string() });

/** Events the hub emits to every client (or, for answers, to the one that asked). */
export const HubEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("agents"), agents: z.array(AgentViewSchema) }),
  z.object({ type: z.literal("agent"), agent: AgentViewSchema }),
  z.object({ type: z.literal("removed"), name: z.string() }),
  z.object({
    type: z.literal("status"),
    name: z.string(),
    status: AgentStatus,
    exitCode: z.optional(z.nullable(z.number().check(z.int()))),
  }),
  /** Raw pty output after the given sequence point (`seq` counts output events per agent). */
  z.object({
    type: z.literal("output"),
    name: z.string(),
    seq: z.number().check(z.int()),
    data: z.string(),
  }),
  /** The answer to a command with an `id`: `value` when `ok`, else `error`. */
  z.object({
    type: z.literal("result"),
    id: z.number().check(z.int()),
    ok: z.boolean(),
    error: z.optional(WireErrorSchema),
    value: z.optional(z.unknown()),
  }),
  z.object({ type: z.literal("notice"), level: z.enum(["info", "error"]), text: z.string() }),
  /**
   * A pane's pty and screen changed size, at this point in its output stream (mirrors resize
   * before applying later output). Sizes follow the most recently active client.
   */
  z.object({ type: z.literal("resized"), name: z.string(), cols: Cols, rows: Rows }),
  /** Unread counts and what is new in the mail (see `MailDelivery`). */
  z.object({ type: z.literal("mail"), summary: MailSummarySchema }),
  /** The merge queue changed (each second while a gate runs): views re-read it. */
  z.object({ type: z.literal("merge"), revision: z.number().check(z.int()) }),
]);

/** Client → hub: first message on every connection. `cols`/`rows`: the client's terminal, in cells. */
export const HelloSchema = z.object({
  type: z.literal("hello"),
  protocol: z.number().check(z.int()),
  cols: Cols,
  rows: Rows,
  /** Free text naming the client for the hub's log, e.g. "flotilla up (pid 123)". */
  client: z.string().check(z.maxLength(200)),
  /** The client's process id: a client in the hub's own process (`up --in-process`) cannot detach. */
  pid: z.optional(z.number().check(z.int())),
  /**
   * Set by a terminal client (`up`, `attach`): the hub runs a cockpit for it. The user's
   * `TERM`, `TERM_PROGRAM` and `COLORTERM` choose how urgent mail notifies and the colours.
   */
  terminal: z.optional(
    z.object({
      term: z.optional(z.string().check(z.maxLength(200))),
      termProgram: z.optional(z.string().check(z.maxLength(200))),
      colorterm: z.optional(z.string().check(z.maxLength(200))),
    }),
  ),
});
export type Hello = z.infer<typeof HelloSchema>;

export const ClientMessageSchema = z.discriminatedUnion("type", [
  HelloSchema,
  z.object({ type: z.literal("command"), command: HubCommandSchema }),
  /** Asks the hub process to stop its agents and exit (`flotilla hub stop`). */
  z.object({ type: z.literal("shutdown") }),
  /** A terminal client's new size, in cells (on SIGWINCH). */
  z.object({ type: z.literal("size"), cols: Cols, rows: Rows }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const ServerMessageSchema = z.discriminatedUnion("type", [
  /**
   * `root`: the real path of the project the hub serves; `hubId`: random per hub start, also
   * in hub.json. A client refuses a hub of another project (a copied project's hub.json).
   */
  z.object({
    type: z.literal("welcome"),
    protocol: z.number().check(z.int()),
    hubPid: z.number().check(z.int()),
    root: z.string(),
    hubId: z.string(),
  }),
  z.object({ type: z.literal("error"), message: z.string() }),
  z.object({ type: z.literal("event"), event: HubEventSchema }),
  /**
   * The cockpit of a terminal client is leaving: `detach` (prefix d), `stopped` (the hub
   * and its agents stopped, e.g. quit). The client restores its terminal and exits 0.
   */
  z.object({ type: z.literal("bye"), reason: z.enum(["detach", "stopped"]) }),
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;

/** Result of validating a received message: the message, or a one-line reason. */
export type Parsed<T> = { ok: true; message: T } | { ok: false; error: string };

/** Validates a decoded frame from a client. */
export function parseClientMessage(value: unknown): Parsed<ClientMessage> {
  return toParsed(ClientMessageSchema.safeParse(value));
}

/** Validates a decoded frame from the hub. */
export function parseServerMessage(value: unknown): Parsed<ServerMessage> {
  return toParsed(ServerMessageSchema.safeParse(value));
}

/**
 * The protocol number a `hello` claims, read loosely so a client of another version (whose
 * hello may have other fields) still gets the version-mismatch message rather than a
 * schema error. `undefined` when `value` is not a hello at all.
 */
export function helloProtocol(value: unknown): number | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { type, protocol } = value as { type?: unknown; protocol?: unknown };
  return type === "hello" && typeof protocol === "number" ? protocol : undefined;
}

/** The message a client of another protocol version gets before the hub closes it. */
export function protocolMismatchMessage(hubProtocol: number, clientProtocol: number): string {
  return (
    `hub speaks protocol ${hubProtocol}, client ${clientProtocol}: restart the hub with ` +
    "`flotilla hub stop` (its agents stop; worktrees and branches stay) and run flotilla again"
  );
}

function toParsed<T>(result: z.util.SafeParseResult<T>): Parsed<T> {
  if (result.success) return { ok: true, message: result.data };
  const { where, message } = firstZodIssue(result.error);
  return { ok: false, error: `invalid message${where}: ${message}` };
}
