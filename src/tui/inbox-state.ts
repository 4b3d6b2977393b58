import {
  COCKPIT,
  compareByTime,
  filterMessages,
  threadOf,
  type MailMessage,
  type MailPriority,
  type MailType,
} from "../core/mail.js";
import type { InboxFilter } from "./Inbox.js";

/** The inbox's state and what a key yields: the listing, the selection, filters, read marks. */

/** A message as the inbox needs it: any listing entry (a `StoredMail` fits). */
export type InboxMessage = MailMessage & { folder?: string };

/** Which field of a form. */
export type FormFieldName = "to" | "subject" | "body";

/** One text field of a reply or compose form. */
export interface FormField {
  name: FormFieldName;
  label: string;
  value: string;
}

/** The inline form open over the list or a thread. */
export interface InboxForm {
  kind: "reply" | "compose";
  fields: readonly FormField[];
  /** Index in `fields` of the field being typed into. */
  focus: number;
  /** Why the last Enter did not send, shown under the form. */
  error?: string;
  /** For a reply: the message answered. */
  replyTo?: string;
}

/** Everything the overlay shows; treat as read-only and make it with {@link createInbox}. */
export interface InboxState {
  /** Messages newest first; `readAt === null` only for unread mail in `me`'s mailbox. */
  readonly messages: readonly MailMessage[];
  /** Clock for ages, ms since the epoch. */
  readonly now: number;
  /** Whose inbox this is (`cockpit`): replies come from it, its unread mail is marked read. */
  readonly me: string;
  readonly view: "list" | "thread";
  readonly selectedId?: string;
  /** The list's selection when a thread was opened, restored on going back. */
  readonly listSelectedId?: string;
  readonly filter: InboxFilter;
  readonly form?: InboxForm;
}

/** What a send effect carries: a draft from `me` (the caller adds `from`). */
export interface InboxDraft {
  to: string;
  subject: string;
  body: string;
  type: MailType;
  priority: MailPriority;
  /** For replies: the message answered and its thread. */
  replyTo?: string;
  thread?: string;
}

/**
 * What the cockpit must do after a key: `close` the overlay; `mark-read` these ids in `me`'s
 * mailbox (`MailStore.markRead`); `send` the draft (e.g. `sendMail(project, { from: me,
 * ...draft })`, showing a FlotillaError's message when it fails); `reload` the listing and
 * pass it to {@link updateInbox}; `accept-draft`: record the `memory_draft` message's draft
 * memory (its payload, a `MemoryDraft`) as the human, then mark it read and reload.
 */
export type InboxEffect =
  | { type: "close" }
  | { type: "mark-read"; ids: string[] }
  | { type: "send"; draft: InboxDraft }
  | { type: "reload" }
  | { type: "accept-draft"; message: MailMessage };

/** Result of a key. */
export interface InboxResult {
  state: InboxState;
  effects: InboxEffect[];
}

/**
 * A fresh inbox over `messages` (any order; shown newest first) at time `now` (ms), list
 * view, first message selected, no filter. `me` (default `cockpit`) is the mailbox shown:
 * messages not addressed to it (its own sent copies) are shown as read.
 */
export function createInbox(
  messages: readonly InboxMessage[],
  now: number,
  options: { me?: string } = {},
): InboxState {
  const me = options.me ?? COCKPIT;
  const normalized = normalize(messages, me);
  return { messages: normalized, now, me, view: "list", selectedId: normalized[0]?.id, filter: {} };
}

/**
 * `state` over a fresh listing (after a `reload` or when mail arrives): view, filter, form
 * and selection are kept; a selection that is gone moves to the first message shown.
 */
export function updateInbox(
  state: InboxState,
  messages: readonly InboxMessage[],
  now: number,
): InboxState {
  const next = { ...state, messages: normalize(messages, state.me), now };
  const pool = next.view === "thread" ? threadAround(next) : shownMessages(next);
  if (pool.some((m) => m.id === next.selectedId)) return next;
  if (next.view === "thread")
    return { ...next, view: "list", selectedId: shownMessages(next)[0]?.id };
  return { ...next, selectedId: pool[0]?.id };
}

/** Messages the list shows under the current filter, newest first. */
export function shownMessages(state: InboxState): MailMessage[] {
  return filterMessages(state.messages, state.filter);
}

/** The message the selection is on, if any (in the list: among those shown). */
export function selectedMessage(state: InboxState): MailMessage | undefined {
  const pool = state.view === "thread" ? threadAround(state) : shownMessages(state);
  return pool.find((m) => m.id === state.selectedId) ?? pool[0];
}

/** The selection moved `delta` messages (clamped) among those shown, or in the thread. */
export function move(state: InboxState, delta: number): InboxState {
  const pool = state.view === "thread" ? threadAround(state) : shownMessages(state);
  if (pool.length === 0) return state;
  const index = Math.max(
    0,
    pool.findIndex((m) => m.id === state.selectedId),
  );
  const next = pool[Math.min(pool.length - 1, Math.max(0, index + delta))];
  return { ...state, selectedId: next?.id };
}

/** The selected message's thread opened, its unread messages marked read. */
export function openThread(state: InboxState): InboxResult {
  const selected = selectedMessage(state);
  if (!selected) return { state, effects: [] };
  const opened: InboxState = {
    ...state,
    view: "thread",
    selectedId: selected.id,
    listSelectedId: selected.id,
  };
  return markRead(opened, threadOf(state.messages, selected.thread));
}

/** Marks the unread ones of `messages` read here and asks the cockpit to do it in the store. */
export function markRead(state: InboxState, messages: readonly MailMessage[]): InboxResult {
  const ids = messages.filter((m) => m.readAt === null).map((m) => m.id);
  if (ids.length === 0) return { state, effects: [] };
  const readAt = new Date(state.now).toISOString();
  const marked = new Set(ids);
  return {
    state: {
      ...state,
      messages: state.messages.map((m) => (marked.has(m.id) ? { ...m, readAt } : m)),
    },
    effects: [{ type: "mark-read", ids }],
  };
}

/** `state` with the filter changed (`undefined` clears a part); the selection kept if shown. */
export function withFilter(state: InboxState, change: Partial<InboxFilter>): InboxState {
  const filter: InboxFilter = { ...state.filter, ...change };
  if (filter.agent === undefined) delete filter.agent;
  if (filter.type === undefined) delete filter.type;
  const next = { ...state, filter };
  const shown = shownMessages(next);
  return shown.some((m) => m.id === state.selectedId)
    ? next
    : { ...next, selectedId: shown[0]?.id };
}

/** The item after `current` in `items`, then `undefined` (no filter), then the first again. */
export function cycle<T>(items: readonly T[], current: T | undefined): T | undefined {
  if (current === undefined) return items[0];
  const index = items.indexOf(current);
  return index < 0 ? items[0] : items[index + 1];
}

/** The open thread's messages, oldest first as the thread view shows them (j moves down). */
export function threadAround(state: InboxState): MailMessage[] {
  const selected = state.messages.find((m) => m.id === state.selectedId);
  if (!selected) return [];
  return threadOf(state.messages, selected.thread);
}

function normalize(messages: readonly InboxMessage[], me: string): MailMessage[] {
  const seen = new Set<string>();
  return [...messages]
    .sort((a, b) => compareByTime(b, a))
    .filter((m) => !seen.has(m.id) && seen.add(m.id))
    .map(({ folder, ...m }) =>
      m.readAt === null && (folder === "sent" || !m.recipients.includes(me))
        ? { ...m, readAt: m.createdAt }
        : m,
    );
}
