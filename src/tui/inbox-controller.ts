import {
  COCKPIT,
  compareByTime,
  draftReply,
  filterMessages,
  threadOf,
  type MailMessage,
  type MailPriority,
  type MailType,
} from "../core/mail.js";
import { MAIL_TYPES } from "../core/mail-kinds.js";
import {
  defineBindings,
  findBinding,
  hintLine,
  type Binding,
  type BindingSpec,
} from "../core/keymap.js";
import { DOWN, ENTER, ESC, UP, splitKeys } from "../core/keys.js";
import { editTextForm } from "../core/text-field.js";
import type { InboxFilter } from "./Inbox.js";

/**
 * The inbox overlay's behaviour as a pure state machine (no I/O, no React): keys in, a new
 * state and effects out. The cockpit performs the effects (mark read in the store, send,
 * reload the listing, close the overlay) and feeds fresh listings back with
 * {@link updateInbox}. Keys are raw terminal sequences, one key per call (see
 * `src/core/key-names.ts`); {@link inboxInput} splits a whole stdin chunk.
 */

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
 * pass it to {@link updateInbox}.
 */
export type InboxEffect =
  | { type: "close" }
  | { type: "mark-read"; ids: string[] }
  | { type: "send"; draft: InboxDraft }
  | { type: "reload" };

/** Result of a key. */
export interface InboxResult {
  state: InboxState;
  effects: InboxEffect[];
}

/** Something the inbox does in answer to a key. */
export type InboxCommand =
  | "down"
  | "up"
  | "open"
  | "back"
  | "filter-agent"
  | "filter-type"
  | "reply"
  | "compose"
  | "mark-all-read";

/** Where a binding applies: the message list or an open thread. */
export type InboxContext = "list" | "thread";

/** The chunk splitter the inbox reads with (it lives in `core/keys.ts`). */
export { splitKeys };

/** One inbox key binding (the shape every key table has); hints and help come from these. */
export type InboxBinding = Binding<InboxCommand, InboxContext>;

const LIST_AND_THREAD: ReadonlyArray<BindingSpec<InboxCommand, InboxContext>> = [
  {
    keys: ["j", ...DOWN],
    command: "down",
    context: "list",
    description: "move down",
    hint: "move",
    group: "move",
  },
  {
    keys: ["k", ...UP],
    command: "up",
    context: "list",
    description: "move up",
    hint: "move",
    group: "move",
  },
  {
    keys: ENTER,
    keyLabels: ["Enter"],
    command: "open",
    context: "list",
    description: "open the thread, marking it read",
    hint: "open",
  },
  {
    keys: ["r"],
    command: "reply",
    context: "list",
    description: "reply to the selected message",
    hint: "reply",
  },
  {
    keys: ["c"],
    command: "compose",
    context: "list",
    description: "write a new message",
    hint: "compose",
  },
  {
    keys: ["f"],
    command: "filter-agent",
    context: "list",
    description: "show one sender's mail, the next, then all",
    hint: "agent",
  },
  {
    keys: ["t"],
    command: "filter-type",
    context: "list",
    description: "show one type of mail, the next, then all",
    hint: "type",
  },
  {
    keys: ["a"],
    command: "mark-all-read",
    context: "list",
    description: "mark every shown message read",
    hint: "all read",
  },
  {
    keys: [ESC, "q"],
    command: "back",
    context: "list",
    description: "close the inbox (in a thread: back to the list)",
    hint: "back",
  },
];

const THREAD_COMMANDS: readonly InboxCommand[] = ["down", "up", "reply", "compose", "back"];

/** The inbox's keys, as data: {@link inboxKey} matches against it, hints are made from it. */
export const INBOX_BINDINGS: readonly InboxBinding[] = defineBindings([
  ...LIST_AND_THREAD,
  ...LIST_AND_THREAD.filter((b) => THREAD_COMMANDS.includes(b.command)).map((b) => ({
    ...b,
    context: "thread" as const,
  })),
]);

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

/** The binding `key` runs in `context`, if any. */
export function matchInboxKey(key: string, context: InboxContext): InboxBinding | undefined {
  return findBinding(INBOX_BINDINGS, context, key);
}

/**
 * The hint line for the state: the bindings of its context (`j/k move · Enter open · …`),
 * or the form's keys while a form is open.
 */
export function inboxHints(state: InboxState): string {
  if (state.form)
    return state.form.kind === "compose"
      ? "Tab next field · Enter on body sends · Esc cancel"
      : "Enter send · Esc cancel";
  return hintLine(INBOX_BINDINGS, state.view, { separator: " · " });
}

/**
 * The inbox's answer to one key (a raw sequence such as `"j"`, `"\r"`, `"\x1b[B"`, or, in
 * a form, any printable text including a paste).
 * - List: j/k or ↓/↑ move; Enter opens the selected message's thread and marks its unread
 *   messages read; `f` cycles the agent filter through the senders present (then off), `t`
 *   the type filter through the types present; `a` marks every shown message read; `r`
 *   replies to the selected message; `c` composes; Esc or `q` closes.
 * - Thread: j/k move between its messages; `r` replies to the selected one; Esc/`q` back.
 * - Form: text goes into the focused field (control characters dropped), Backspace
 *   deletes, Ctrl-U clears the field, Tab / Shift-Tab move between fields, Enter moves on
 *   and on the last field sends (`send` then `reload`, back to where the form was opened),
 *   Esc cancels. An empty recipient, subject or reply is refused with an `error`.
 * Unknown keys change nothing.
 */
export function inboxKey(state: InboxState, key: string): InboxResult {
  if (state.form) return formKey(state, state.form, key);
  const binding = matchInboxKey(key, state.view);
  if (!binding) return { state, effects: [] };
  switch (binding.command) {
    case "down":
      return { state: move(state, 1), effects: [] };
    case "up":
      return { state: move(state, -1), effects: [] };
    case "open":
      return openThread(state);
    case "back":
      return state.view === "thread"
        ? {
            state: { ...state, view: "list", selectedId: state.listSelectedId ?? state.selectedId },
            effects: [],
          }
        : { state, effects: [{ type: "close" }] };
    case "filter-agent": {
      const senders = [...new Set(state.messages.map((m) => m.from))]
        .filter((from) => from !== state.me)
        .sort();
      return {
        state: withFilter(state, { agent: cycle(senders, state.filter.agent) }),
        effects: [],
      };
    }
    case "filter-type": {
      const present = new Set(state.messages.map((m) => m.type));
      const types = MAIL_TYPES.filter((t) => present.has(t));
      return { state: withFilter(state, { type: cycle(types, state.filter.type) }), effects: [] };
    }
    case "mark-all-read":
      return markRead(state, shownMessages(state));
    case "reply": {
      const selected = selectedMessage(state);
      if (!selected) return { state, effects: [] };
      return {
        state: {
          ...state,
          form: {
            kind: "reply",
            fields: [{ name: "body", label: "Reply", value: "" }],
            focus: 0,
            replyTo: selected.id,
          },
        },
        effects: [],
      };
    }
    case "compose": {
      const to = state.filter.agent ?? "";
      return {
        state: {
          ...state,
          form: {
            kind: "compose",
            fields: [
              { name: "to", label: "To", value: to },
              { name: "subject", label: "Subject", value: "" },
              { name: "body", label: "Body", value: "" },
            ],
            focus: to ? 1 : 0,
          },
        },
        effects: [],
      };
    }
  }
}

/**
 * Feeds a whole stdin chunk: splits it into keys (escape sequences whole, a bracketed paste
 * as one text key with its line breaks made spaces, other characters one by one; a lone
 * Escape at the end counts as Escape) and applies {@link inboxKey} to each, in order.
 */
export function inboxInput(state: InboxState, chunk: string): InboxResult {
  const effects: InboxEffect[] = [];
  let current = state;
  for (const key of splitKeys(chunk)) {
    const result = inboxKey(current, key);
    current = result.state;
    effects.push(...result.effects);
  }
  return { state: current, effects };
}

/** The message the selection is on, if any (in the list: among those shown). */
export function selectedMessage(state: InboxState): MailMessage | undefined {
  const pool = state.view === "thread" ? threadAround(state) : shownMessages(state);
  return pool.find((m) => m.id === state.selectedId) ?? pool[0];
}

// ---------------------------------------------------------------------------------------

function formKey(state: InboxState, form: InboxForm, key: string): InboxResult {
  const edited = editTextForm(form, key, { enter: "advance" });
  switch (edited.outcome) {
    case "cancel":
      return { state: { ...state, form: undefined }, effects: [] };
    case "submit":
      return submit(state, form);
    case "none":
      return { state, effects: [] };
    case "move":
      return { state: { ...state, form: { ...form, focus: edited.form.focus } }, effects: [] };
    case "edit":
      return {
        state: { ...state, form: { ...form, fields: edited.form.fields, error: undefined } },
        effects: [],
      };
  }
}

function submit(state: InboxState, form: InboxForm): InboxResult {
  const value = (name: FormFieldName) =>
    form.fields.find((f) => f.name === name)?.value.trim() ?? "";
  const refuse = (error: string, name: FormFieldName): InboxResult => ({
    state: {
      ...state,
      form: {
        ...form,
        error,
        focus: Math.max(
          0,
          form.fields.findIndex((f) => f.name === name),
        ),
      },
    },
    effects: [],
  });
  let draft: InboxDraft;
  if (form.kind === "reply") {
    const original = state.messages.find((m) => m.id === form.replyTo);
    if (!original) return refuse("the message replied to is gone: Esc to cancel", "body");
    if (!value("body")) return refuse("type a reply first (Esc cancels)", "body");
    const reply = draftReply(original, state.me, value("body"));
    draft = {
      to: reply.to,
      subject: reply.subject,
      body: reply.body,
      type: reply.type ?? "status",
      priority: reply.priority ?? "normal",
      ...(reply.replyTo !== undefined ? { replyTo: reply.replyTo } : {}),
      ...(reply.thread !== undefined ? { thread: reply.thread } : {}),
    };
  } else {
    if (!value("to")) return refuse("type a recipient: an agent, @all or @<role>s", "to");
    if (!value("subject")) return refuse("type a subject", "subject");
    draft = {
      to: value("to"),
      subject: value("subject"),
      body: value("body"),
      type: "status",
      priority: "normal",
    };
  }
  return {
    state: { ...state, form: undefined },
    effects: [{ type: "send", draft }, { type: "reload" }],
  };
}

function move(state: InboxState, delta: number): InboxState {
  const pool = state.view === "thread" ? threadAround(state) : shownMessages(state);
  if (pool.length === 0) return state;
  const index = Math.max(
    0,
    pool.findIndex((m) => m.id === state.selectedId),
  );
  const next = pool[Math.min(pool.length - 1, Math.max(0, index + delta))];
  return { ...state, selectedId: next?.id };
}

function openThread(state: InboxState): InboxResult {
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
function markRead(state: InboxState, messages: readonly MailMessage[]): InboxResult {
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

function withFilter(state: InboxState, change: Partial<InboxFilter>): InboxState {
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
function cycle<T>(items: readonly T[], current: T | undefined): T | undefined {
  if (current === undefined) return items[0];
  const index = items.indexOf(current);
  return index < 0 ? items[0] : items[index + 1];
}

/** The open thread's messages, oldest first as the thread view shows them (j moves down). */
function threadAround(state: InboxState): MailMessage[] {
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
