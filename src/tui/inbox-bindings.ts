import {
  defineBindings,
  findBinding,
  hintLine,
  type Binding,
  type BindingSpec,
} from "../core/keymap.js";
import { DOWN, ENTER, ESC, UP } from "../core/keys.js";
import type { InboxState } from "./inbox-state.js";

/** The inbox's keys as data, and the hint line made from them. */

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
  | "mark-all-read"
  | "accept-draft";

/** Where a binding applies: the message list or an open thread. */
export type InboxContext = "list" | "thread";

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
    keys: ["y"],
    command: "accept-draft",
    context: "list",
    description: "accept the selected memory draft: record it in memory, mark it read",
    hint: "accept",
  },
  {
    keys: [ESC, "q"],
    command: "back",
    context: "list",
    description: "close the inbox (in a thread: back to the list)",
    hint: "back",
  },
];

const THREAD_COMMANDS: readonly InboxCommand[] = [
  "down",
  "up",
  "reply",
  "compose",
  "accept-draft",
  "back",
];

/** The inbox's keys, as data: {@link inboxKey} matches against it, hints are made from it. */
export const INBOX_BINDINGS: readonly InboxBinding[] = defineBindings([
  ...LIST_AND_THREAD,
  ...LIST_AND_THREAD.filter((b) => THREAD_COMMANDS.includes(b.command)).map((b) => ({
    ...b,
    context: "thread" as const,
  })),
]);

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
