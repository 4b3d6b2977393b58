import { MAIL_TYPES } from "../core/mail-kinds.js";
import { splitKeys } from "../core/keys.js";
import { matchInboxKey } from "./inbox-bindings.js";
import { formKey, openComposeForm, openReplyForm } from "./inbox-form.js";
import {
  cycle,
  markRead,
  move,
  openThread,
  selectedMessage,
  shownMessages,
  withFilter,
  type InboxEffect,
  type InboxResult,
  type InboxState,
} from "./inbox-state.js";

/**
 * The inbox overlay's behaviour as a pure state machine (no I/O, no React): keys in, a new
 * state and effects out. The cockpit performs the effects (mark read in the store, send,
 * reload the listing, close the overlay) and feeds fresh listings back with
 * {@link updateInbox}. Keys are raw terminal sequences, one key per call (see
 * `src/core/key-names.ts`); {@link inboxInput} splits a whole stdin chunk.
 *
 * The pieces: `inbox-state.ts` (state, listing, selection, read marks), `inbox-bindings.ts`
 * (the key table and hints), `inbox-form.ts` (the reply and compose forms).
 */

export {
  createInbox,
  selectedMessage,
  shownMessages,
  updateInbox,
  type FormField,
  type FormFieldName,
  type InboxDraft,
  type InboxEffect,
  type InboxForm,
  type InboxMessage,
  type InboxResult,
  type InboxState,
} from "./inbox-state.js";
export {
  INBOX_BINDINGS,
  inboxHints,
  matchInboxKey,
  type InboxBinding,
  type InboxCommand,
  type InboxContext,
} from "./inbox-bindings.js";

/** The chunk splitter the inbox reads with (it lives in `core/keys.ts`). */
export { splitKeys };

/**
 * The inbox's answer to one key (a raw sequence such as `"j"`, `"\r"`, `"\x1b[B"`, or, in
 * a form, any printable text including a paste).
 * - List: j/k or ↓/↑ move; Enter opens the selected message's thread and marks its unread
 *   messages read; `f` cycles the agent filter through the senders present (then off), `t`
 *   the type filter through the types present; `a` marks every shown message read; `r`
 *   replies to the selected message; `c` composes; `y` accepts a selected `memory_draft`
 *   (an `accept-draft` effect; on other mail it does nothing); Esc or `q` closes.
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
    case "accept-draft": {
      const selected = selectedMessage(state);
      if (selected?.type !== "memory_draft") return { state, effects: [] };
      return { state, effects: [{ type: "accept-draft", message: selected }] };
    }
    case "reply": {
      const selected = selectedMessage(state);
      if (!selected) return { state, effects: [] };
      return { state: openReplyForm(state, selected.id), effects: [] };
    }
    case "compose":
      return { state: openComposeForm(state), effects: [] };
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
