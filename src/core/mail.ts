import * as z from "./zod.js";
import { FlotillaError, firstZodIssue } from "./errors.js";
import { MAIL_PRIORITIES, MAIL_TYPES } from "./mail-kinds.js";
import { checkAgentName } from "./names.js";
import type { AgentRecord, AgentStatus } from "./schema.js";
import { sanitizeLine } from "./sanitize.js";

/**
 * Mail between agents and the human: the message shape, addressing (who an address such as
 * `@builders` reaches), threading, limits, and the delivery policy that decides when an idle
 * agent is told it has mail. Pure: storage lives in `src/store/mail-store.ts`.
 */

/** What a message is about; `worker_done` … `merge_failed` drive the merge queue. */
export const MailType = z.enum(MAIL_TYPES);
export type MailType = z.infer<typeof MailType>;

/** How urgent a message is; shown in the inbox, `urgent` sorts first. */
export const MailPriority = z.enum(MAIL_PRIORITIES);
export type MailPriority = z.infer<typeof MailPriority>;

/** The mailbox name of the human at the cockpit. */
export const COCKPIT = "cockpit";

/** Largest body accepted, in bytes of UTF-8 (256 KiB). */
export const MAX_BODY_BYTES = 256 * 1024;
/** Largest subject accepted, in characters. */
export const MAX_SUBJECT_CHARS = 300;
/** Largest payload accepted, in bytes of its JSON text (64 KiB). */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

/** Shape of ids made by {@link formatMailId}; anything else is refused as a path part. */
export const MAIL_ID_PATTERN = /^[0-9a-z]{11}-[0-9a-z]{4,32}$/;

const MailId = z.string().check(z.regex(MAIL_ID_PATTERN, "not a message id"));
const Mailbox = z.string().check(
  z.superRefine((name, ctx) => {
    const problem = checkMailboxName(name);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
  }),
);

/** Payload of a `worker_done` message: what finished, on which branch, touching which files. */
export const WorkerDonePayload = z.object({
  task: z.optional(z.string()),
  branch: z.string().check(z.minLength(1)),
  /** The branch's head commit when the worker's gates passed (`flotilla done`). */
  head: z.optional(z.string()),
  files: z._default(z.array(z.string()), []),
  /** Who sent it: `flotilla done` enqueues (or waits for review) itself, so the queue skips it. */
  via: z.optional(z.string()),
});
export type WorkerDonePayload = z.infer<typeof WorkerDonePayload>;

/**
 * One message as stored in `.flotilla/mail/`. `to` is the address as the sender wrote it
 * (`bob`, `@builders`, `a,b`); `recipients` the mailboxes it reached. `thread` is the id of
 * the message that started the conversation (its own id for a new one); `replyTo` the id
 * it answers. Times are ISO-8601. `readAt` is `null` while unread in the reader's mailbox
 * (read state is per mailbox and kept by the store, not inside this document).
 */
export const MailMessage = z.object({
  version: z._default(z.literal(1), 1),
  id: z.string().check(z.minLength(1)),
  from: z.string().check(z.minLength(1)),
  to: z.string().check(z.minLength(1)),
  recipients: z.array(z.string()).check(z.minLength(1)),
  subject: z.string().check(z.minLength(1)),
  body: z.string(),
  type: MailType,
  priority: z._default(MailPriority, "normal"),
  thread: z.string().check(z.minLength(1)),
  replyTo: z.optional(z.string()),
  payload: z.optional(z.unknown()),
  createdAt: z.string(),
  readAt: z._default(z.nullable(z.string()), null),
});
export type MailMessage = z.infer<typeof MailMessage>;

/**
 * A message file as read back from `.flotilla/mail/`: {@link MailMessage} with every field
 * that names something checked, since anyone can drop a file there. Ids, thread and reply
 * ids are message ids, sender and recipients mailbox names, `createdAt` an ISO-8601 time; a
 * file that fails is reported (and never shown), not trusted.
 */
export const MailFile = z.extend(MailMessage, {
  id: MailId,
  from: Mailbox,
  recipients: z.array(Mailbox).check(z.minLength(1)),
  thread: MailId,
  replyTo: z.optional(MailId),
  createdAt: z.iso.datetime(),
});

/** Statuses of an agent that can still receive mail. */
const LIVE: ReadonlySet<AgentStatus> = new Set(["starting", "working", "waiting", "idle"]);

/** True when an agent with this status is running (not `exited` or `lost`). */
export function isLive(status: AgentStatus): boolean {
  return LIVE.has(status);
}

/**
 * Why `name` cannot be a mailbox, or `undefined`. A mailbox is a directory, so it must be
 * `cockpit` or a valid agent name (see `checkAgentName`).
 */
export function checkMailboxName(name: string): string | undefined {
  if (name === COCKPIT) return undefined;
  return checkAgentName(name);
}

/**
 * The mailboxes an address reaches, deduplicated, in a stable order.
 * Addresses (comma-separated for several): `cockpit`; an agent name; `@all` (every live agent
 * but the sender); `@<role>s` (every live agent with that role but the sender, e.g.
 * `@builders` for role `builder`; `@<role>` is accepted too).
 * @throws FlotillaError MAIL naming the address when it is empty, unknown, an agent that has
 *   exited or been lost, or a group with no live member.
 */
export function resolveRecipients(
  address: string,
  sender: string,
  agents: readonly Pick<AgentRecord, "name" | "role" | "status">[],
): string[] {
  const parts = address
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  if (parts.length === 0)
    throw new FlotillaError("MAIL", "no recipient: pass --to <agent|cockpit|@all|@<role>s>");
  const out = new Set<string>();
  for (const part of parts) for (const name of resolveOne(part, sender, agents)) out.add(name);
  return [...out];
}

function resolveOne(
  part: string,
  sender: string,
  agents: readonly Pick<AgentRecord, "name" | "role" | "status">[],
): string[] {
  if (part === COCKPIT) return [COCKPIT];
  const live = agents.filter((agent) => isLive(agent.status));
  if (part.startsWith("@")) {
    const group = part.slice(1);
    if (group === "all") {
      const names = live.filter((a) => a.name !== sender).map((a) => a.name);
      if (names.length === 0)
        throw new FlotillaError("MAIL", `@all reaches nobody: no other agent is running`);
      return names;
    }
    const roles = new Set(live.map((a) => a.role));
    const role = roles.has(group) ? group : group.endsWith("s") ? group.slice(0, -1) : group;
    const names = live.filter((a) => a.role === role && a.name !== sender).map((a) => a.name);
    if (names.length === 0) {
      const known = [...roles].map((r) => `@${r}s`).join(", ");
      throw new FlotillaError(
        "MAIL",
        `${part} reaches nobody: no other running agent has role "${role}"${known ? ` (groups: ${known})` : ""}`,
      );
    }
    return names;
  }
  const agent = agents.find((a) => a.name === part);
  if (!agent) {
    const names = live.map((a) => a.name);
    throw new FlotillaError(
      "MAIL",
      `unknown recipient "${part}": use cockpit, @all, @<role>s or an agent name${names.length ? ` (${names.join(", ")})` : ""}`,
    );
  }
  if (!isLive(agent.status))
    throw new FlotillaError(
      "MAIL",
      `agent "${part}" is ${agent.status} and cannot receive mail: respawn it or write to someone else`,
    );
  return [agent.name];
}

/** What a sender supplies; everything else is filled in by {@link composeMessage}. */
export interface MailDraft {
  from: string;
  to: string;
  subject: string;
  body: string;
  type?: MailType;
  priority?: MailPriority;
  payload?: unknown;
  /** Set by replies: the thread to continue and the message answered. */
  thread?: string;
  replyTo?: string;
}

/**
 * A complete, validated message from a draft, its resolved recipients, a fresh `id` and the
 * time. A new conversation's thread is its own id.
 * @throws FlotillaError MAIL when the subject is empty or longer than
 *   {@link MAX_SUBJECT_CHARS}, the body is over {@link MAX_BODY_BYTES}, the payload is not JSON
 *   or over {@link MAX_PAYLOAD_BYTES}, a `worker_done` payload lacks its fields, or the sender
 *   is not a valid mailbox name.
 */
export function composeMessage(
  draft: MailDraft,
  recipients: readonly string[],
  id: string,
  now: Date,
): MailMessage {
  const problem = checkMailboxName(draft.from);
  if (problem) throw new FlotillaError("MAIL", `invalid sender "${draft.from}": ${problem}`);
  const subject = draft.subject.trim();
  if (subject.length === 0)
    throw new FlotillaError("MAIL", "the subject is empty: pass --subject with some text");
  if (subject.length > MAX_SUBJECT_CHARS)
    throw new FlotillaError(
      "MAIL",
      `the subject is ${subject.length} characters, over the limit of ${MAX_SUBJECT_CHARS}: shorten it and put details in the body`,
    );
  const bodyBytes = utf8Length(draft.body);
  if (bodyBytes > MAX_BODY_BYTES)
    throw new FlotillaError(
      "MAIL",
      `the body is ${formatBytes(bodyBytes)}, over the limit of ${formatBytes(MAX_BODY_BYTES)}: send a summary and point to a file instead`,
    );
  const type = draft.type ?? "status";
  let payload = draft.payload;
  if (payload !== undefined) {
    let text: string | undefined;
    try {
      text = JSON.stringify(payload);
    } catch {
      text = undefined;
    }
    if (text === undefined)
      throw new FlotillaError("MAIL", "the payload is not JSON-serializable: pass a JSON value");
    const size = utf8Length(text);
    if (size > MAX_PAYLOAD_BYTES)
      throw new FlotillaError(
        "MAIL",
        `the payload is ${formatBytes(size)}, over the limit of ${formatBytes(MAX_PAYLOAD_BYTES)}`,
      );
    if (type === "worker_done") {
      const parsed = WorkerDonePayload.safeParse(payload);
      if (!parsed.success) {
        const issue = firstZodIssue(parsed.error);
        throw new FlotillaError(
          "MAIL",
          `a worker_done payload needs {"branch": string, "task"?: string, "files": string[]}: ${issue.path.map(String).join(".") || "payload"} ${issue.message}`,
        );
      }
      payload = parsed.data;
    }
  }
  if (recipients.length === 0) throw new FlotillaError("MAIL", "the message has no recipient");
  return MailMessage.parse({
    version: 1,
    id,
    from: draft.from,
    to: draft.to,
    recipients: [...recipients],
    subject,
    body: draft.body,
    type,
    priority: draft.priority ?? "normal",
    thread: draft.thread ?? id,
    ...(draft.replyTo !== undefined ? { replyTo: draft.replyTo } : {}),
    ...(payload !== undefined ? { payload } : {}),
    createdAt: now.toISOString(),
    readAt: null,
  });
}

/**
 * The draft of a reply to `original` from `from`: addressed to the original sender (or, when
 * replying to your own message, to its first recipient), same thread, subject prefixed
 * `Re: ` once, type `result` for an answered question and the original's type otherwise.
 */
export function draftReply(
  original: MailMessage,
  from: string,
  body: string,
  overrides: { subject?: string; type?: MailType; priority?: MailPriority } = {},
): MailDraft {
  const to = original.from === from ? (original.recipients[0] ?? original.to) : original.from;
  const subject =
    overrides.subject ??
    (/^re:/i.test(original.subject) ? original.subject : `Re: ${original.subject}`);
  return {
    from,
    to,
    subject,
    body,
    type: overrides.type ?? (original.type === "question" ? "result" : original.type),
    priority: overrides.priority ?? original.priority,
    thread: original.thread,
    replyTo: original.id,
  };
}

/** `n` bytes as `1 MiB`, `256 KiB` or `512 B` (binary units, one decimal when needed). */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${trimDecimal(n / (1024 * 1024))} MiB`;
  if (n >= 1024) return `${trimDecimal(n / 1024)} KiB`;
  return `${n} B`;
}

/** Length of `text` encoded as UTF-8, in bytes (lone surrogates count 3, as encoders write U+FFFD). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

function trimDecimal(x: number): string {
  return (Math.round(x * 10) / 10).toString();
}

// ---------------------------------------------------------------------------------------
// Ids

const TIME_WIDTH = 9; // base-36 milliseconds: good until the year 5188

/**
 * A message id: 9 base-36 digits of milliseconds since the epoch, 2 of a per-process
 * sequence (so ids from one process sort in sending order within a millisecond), `-`, and
 * `random` (lowercase base-36, from the caller so this stays pure). Ids sort by time as
 * strings, e.g. `m9x2k3f0a00-k2j4h6g8`.
 */
export function formatMailId(timeMs: number, sequence: number, random: string): string {
  const time = Math.max(0, Math.floor(timeMs)).toString(36).padStart(TIME_WIDTH, "0");
  const seq = (sequence % (36 * 36)).toString(36).padStart(2, "0");
  return `${time}${seq}-${random}`;
}

/** Milliseconds since the epoch encoded in a mail id, or `undefined` for a malformed id. */
export function mailIdTime(id: string): number | undefined {
  if (!MAIL_ID_PATTERN.test(id)) return undefined;
  return parseInt(id.slice(0, TIME_WIDTH), 36);
}

// ---------------------------------------------------------------------------------------
// Durations

/**
 * Milliseconds in a duration such as `30d`, `12h`, `90m`, `45s` or `2w`.
 * @throws FlotillaError INVALID_INPUT for anything else.
 */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhdw])$/.exec(text.trim());
  if (!match)
    throw new FlotillaError(
      "INVALID_INPUT",
      `"${text}" is not a duration: use a number and a unit, e.g. 30d, 12h, 90m, 45s, 2w`,
    );
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
    match[2] as "s" | "m" | "h" | "d" | "w"
  ];
  return Number(match[1]) * unit;
}

/** A short age such as `now`, `45s`, `12m`, `3h`, `5d` between `thenMs` and `nowMs`. */
export function formatAge(thenMs: number, nowMs: number): string {
  const s = Math.max(0, Math.floor((nowMs - thenMs) / 1000));
  if (s < 5) return "now";
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

// ---------------------------------------------------------------------------------------
// Listing helpers shared by the CLI and the inbox view

/** Filters for a mailbox listing; unset fields match everything. */
export interface MailFilter {
  unread?: boolean;
  /** Sender name; for the inbox's agent filter, a message also matches when sent to it. */
  from?: string;
  agent?: string;
  type?: MailType;
}

/** Messages matching every set field of `filter`, order kept. */
export function filterMessages<M extends MailMessage>(
  messages: readonly M[],
  filter: MailFilter,
): M[] {
  return messages.filter(
    (m) =>
      (!filter.unread || m.readAt === null) &&
      (filter.from === undefined || m.from === filter.from) &&
      (filter.agent === undefined ||
        m.from === filter.agent ||
        m.recipients.includes(filter.agent)) &&
      (filter.type === undefined || m.type === filter.type),
  );
}

/** The messages of `thread`, oldest first (ties broken by id). */
export function threadOf<M extends MailMessage>(messages: readonly M[], thread: string): M[] {
  const seen = new Set<string>();
  return messages
    .filter((m) => m.thread === thread && !seen.has(m.id) && seen.add(m.id))
    .sort((a, b) => compareByTime(a, b));
}

/** Oldest first by `createdAt`, then by id. */
export function compareByTime(a: MailMessage, b: MailMessage): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Delivery policy

/** Default line typed into an idle agent when mail arrives. */
export const DEFAULT_MAIL_NOTICE =
  "You have {count} new message(s) from {from}. Run: flotilla mail check";

/** Unread mail of one mailbox, as the store summarises it. */
export interface UnreadSummary {
  count: number;
  /** Id of the newest unread message (ids sort by time). */
  newestId: string;
  /** Distinct senders of the unread messages, newest first. */
  senders: string[];
}

/** What {@link planNotices} needs to know about one agent. */
export interface NoticeAgent {
  name: string;
  status: AgentStatus;
  runtime: string;
}

/** Input of {@link planNotices}. */
export interface NoticeInput {
  agents: readonly NoticeAgent[];
  /** Unread mail per agent name; agents absent here have none. */
  unread: Readonly<Record<string, UnreadSummary | undefined>>;
  /** Per agent, the newest message id covered by the last notice typed to it. */
  lastNoticed: Readonly<Record<string, string | undefined>>;
  /** The runtime's `mailNotice` template, when it has one. */
  templateFor?: (runtime: string) => string | undefined;
}

/** One notice to type into an agent's pty (a single line, sanitized, without a newline). */
export interface Notice {
  agent: string;
  text: string;
}

/**
 * Which agents to tell about new mail now, and the bookkeeping to keep for next time.
 * An agent gets a notice when it has unread mail, its status is `idle` or `waiting` (never
 * while it works: typing would corrupt its input), and mail arrived after the last notice
 * it got (`unread.newestId` > `lastNoticed[name]`): one notice per burst, not one per
 * poll. An agent that is busy when mail arrives is told once it goes idle. The text comes
 * from the runtime's template (or {@link DEFAULT_MAIL_NOTICE}) with `{count}` and `{from}`
 * filled in, then sanitized to one line. Returns the notices and the new `lastNoticed` map
 * (entries of agents without unread mail are dropped).
 */
export function planNotices(input: NoticeInput): {
  notices: Notice[];
  lastNoticed: Record<string, string>;
} {
  const notices: Notice[] = [];
  const lastNoticed: Record<string, string> = {};
  for (const agent of input.agents) {
    const unread = input.unread[agent.name];
    if (!unread || unread.count === 0) continue;
    const previous = input.lastNoticed[agent.name];
    const fresh = previous === undefined || unread.newestId > previous;
    if (fresh && (agent.status === "idle" || agent.status === "waiting")) {
      const template = input.templateFor?.(agent.runtime) ?? DEFAULT_MAIL_NOTICE;
      notices.push({ agent: agent.name, text: fillNotice(template, unread) });
      lastNoticed[agent.name] = unread.newestId;
    } else if (previous !== undefined) {
      lastNoticed[agent.name] = previous;
    }
  }
  return { notices, lastNoticed };
}

function fillNotice(template: string, unread: UnreadSummary): string {
  const from =
    unread.senders.length <= 3
      ? unread.senders.join(", ")
      : `${unread.senders.slice(0, 2).join(", ")} and ${unread.senders.length - 2} others`;
  return sanitizeLine(
    template.replace(/\{count\}/g, String(unread.count)).replace(/\{from\}/g, from || "someone"),
  ).trim();
}
