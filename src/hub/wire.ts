import { z } from "zod";
import { AgentRecord, AgentStatus } from "../core/schema.js";
import { MAIL_PRIORITIES, MAIL_TYPES } from "../core/mail-kinds.js";
import type { HubCommand, HubEvent } from "./protocol.js";

/**
 * Messages on the hub's socket, one per frame (framing.ts). A connection opens with
 * `hello` (client → hub), answered by `welcome` or by `error` and a close. Then the client
 * sends `command` (a HubCommand) and `shutdown`; the hub sends `event` (a HubEvent) and,
 * just before it closes a connection for a protocol violation, `error`.
 * Every message is validated with zod on receive.
 */

/** Version of this wire protocol; bump on any incompatible change to the messages. */
export const PROTOCOL_VERSION = 1;

const Size = z.number().int().min(1).max(10_000);
const Id = z.number().int().optional();

export const HubCommandSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("spawn"),
    id: Id,
    name: z.string(),
    runtime: z.string(),
    prompt: z.string().optional(),
    base: z.string().optional(),
    role: z.string().optional(),
  }),
  z.object({
    type: z.literal("kill"),
    id: Id,
    name: z.string(),
    clean: z.boolean().optional(),
    force: z.boolean().optional(),
  }),
  z.object({ type: z.literal("respawn"), id: Id, name: z.string() }),
  z.object({ type: z.literal("input"), name: z.string(), data: z.string() }),
  z.object({ type: z.literal("resize"), name: z.string(), cols: Size, rows: Size }),
  z.object({
    type: z.literal("snapshot"),
    id: Id,
    name: z.string(),
    scrollback: z.number().int().min(0).optional(),
  }),
  z.object({ type: z.literal("list"), id: Id }),
]);

const AgentViewSchema = AgentRecord.extend({
  unread: z.number().int().optional(),
  problem: z.string().optional(),
});

export const HubEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("agents"), agents: z.array(AgentViewSchema) }),
  z.object({ type: z.literal("agent"), agent: AgentViewSchema }),
  z.object({ type: z.literal("removed"), name: z.string() }),
  z.object({
    type: z.literal("status"),
    name: z.string(),
    status: AgentStatus,
    exitCode: z.number().int().nullable().optional(),
  }),
  z.object({
    type: z.literal("output"),
    name: z.string(),
    seq: z.number().int(),
    data: z.string(),
  }),
  z.object({
    type: z.literal("snapshot"),
    id: Id,
    name: z.string(),
    seq: z.number().int(),
    cols: z.number().int(),
    rows: z.number().int(),
    data: z.string(),
  }),
  z.object({
    type: z.literal("result"),
    id: z.number().int(),
    ok: z.boolean(),
    error: z.string().optional(),
    value: z.unknown().optional(),
  }),
  z.object({ type: z.literal("notice"), level: z.enum(["info", "error"]), text: z.string() }),
  z.object({ type: z.literal("resized"), name: z.string(), cols: Size, rows: Size }),
  z.object({
    type: z.literal("mail"),
    summary: z.object({
      unread: z.record(z.string(), z.number().int()),
      cockpitUnread: z.number().int(),
      latest: z
        .object({
          id: z.string(),
          from: z.string(),
          subject: z.string(),
          type: z.enum(MAIL_TYPES),
          priority: z.enum(MAIL_PRIORITIES),
        })
        .optional(),
      reactions: z.array(
        z.object({
          agent: z.string(),
          kind: z.enum(["done", "alert"]),
          id: z.string(),
          type: z.enum(MAIL_TYPES),
        }),
      ),
    }),
  }),
]);

// Compile-time guard: these schemas must describe exactly protocol.ts's types. If the
// protocol gains a command or event, one of these lines stops compiling until wire.ts
// learns it too.
type Same<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const _commandsMatch: Same<z.output<typeof HubCommandSchema>, HubCommand> = true;
const _eventsMatch: Same<z.output<typeof HubEventSchema>, HubEvent> = true;

/** Client → hub: first message on every connection. `cols`/`rows`: the client's terminal, in cells. */
export const HelloSchema = z.object({
  type: z.literal("hello"),
  protocol: z.number().int(),
  cols: Size,
  rows: Size,
  /** Free text naming the client for the hub's log, e.g. "flotilla up (pid 123)". */
  client: z.string().max(200),
});
export type Hello = z.infer<typeof HelloSchema>;

export const ClientMessageSchema = z.discriminatedUnion("type", [
  HelloSchema,
  z.object({ type: z.literal("command"), command: HubCommandSchema }),
  /** Asks the hub process to stop its agents and exit (`flotilla hub stop`). */
  z.object({ type: z.literal("shutdown") }),
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export const ServerMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("welcome"), protocol: z.number().int(), hubPid: z.number().int() }),
  z.object({ type: z.literal("error"), message: z.string() }),
  z.object({ type: z.literal("event"), event: HubEventSchema }),
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

function toParsed<T>(result: z.ZodSafeParseResult<T>): Parsed<T> {
  if (result.success) return { ok: true, message: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  return { ok: false, error: `invalid message${where}: ${issue?.message ?? "wrong shape"}` };
}
