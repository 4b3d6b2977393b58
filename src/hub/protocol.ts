import type { z } from "../core/zod.js";
import { FlotillaError, describeError, isFlotillaError } from "../core/errors.js";
import type {
  AgentViewSchema,
  HubCommandSchema,
  HubEventSchema,
  MailHeadlineSchema,
  MailReactionSchema,
  MailSummarySchema,
  WireErrorSchema,
} from "./wire.js";

/**
 * The hub's whole interface: serializable commands in, events out, in process or over the
 * Unix socket, so nothing here may hold a function, a class instance or a Buffer (pty bytes
 * travel as UTF-8 strings). The types are inferred from the zod schemas in wire.ts, their
 * only definition (see the schemas for each message's fields); this module imports zod's
 * types only, so loading it costs nothing.
 */

/** What a client knows about one agent: its record plus live fields (`unread`, `problem`). */
export type AgentView = z.infer<typeof AgentViewSchema>;
/** Commands a client sends to the hub. `id` correlates a `result` event. */
export type HubCommand = z.infer<typeof HubCommandSchema>;
/** Events the hub emits to clients. */
export type HubEvent = z.infer<typeof HubEventSchema>;
/** Narrowing helper for event handlers. */
export type HubEventOf<T extends HubEvent["type"]> = Extract<HubEvent, { type: T }>;
/** Unread counts and what is new in the mail: the `mail` event's summary. */
export type MailSummary = z.infer<typeof MailSummarySchema>;
/** A cockpit reaction to an agent's message (`worker_done`, `error`, `escalation`). */
export type MailReaction = z.infer<typeof MailReactionSchema>;
/** The newest new message for the cockpit, as one safe line. */
export type MailHeadline = z.infer<typeof MailHeadlineSchema>;
/** A failed command's error as it crosses the wire. */
export type WireError = z.infer<typeof WireErrorSchema>;

/** `error` as a `result` carries it: a `FlotillaError` keeps its code, anything else is `UNEXPECTED`. */
export function toWireError(error: unknown): WireError {
  return {
    code: isFlotillaError(error) ? error.code : "UNEXPECTED",
    message: describeError(error),
  };
}

/**
 * The `FlotillaError` a link rethrows for a failed `result` (the hub's code and message);
 * `fallback` is the message when the hub sent none.
 */
export function fromWireError(error: WireError | undefined, fallback: string): FlotillaError {
  return new FlotillaError(error?.code ?? "UNEXPECTED", error?.message ?? fallback);
}
