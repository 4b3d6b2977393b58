import { draftReply } from "../core/mail.js";
import { editTextForm } from "../core/text-field.js";
import type {
  FormFieldName,
  InboxDraft,
  InboxForm,
  InboxResult,
  InboxState,
} from "./inbox-state.js";

/** The inbox's reply and compose forms: opening one, typing into it, sending it. */

/** A reply form to message `replyTo`, over `state`. */
export function openReplyForm(state: InboxState, replyTo: string): InboxState {
  return {
    ...state,
    form: {
      kind: "reply",
      fields: [{ name: "body", label: "Reply", value: "" }],
      focus: 0,
      replyTo,
    },
  };
}

/** A compose form over `state`, addressed to the agent filtered on (if any). */
export function openComposeForm(state: InboxState): InboxState {
  const to = state.filter.agent ?? "";
  return {
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
  };
}

/**
 * One key typed into the open form: text into the focused field, Tab/Enter move, Enter on
 * the last field sends (`send` then `reload`), Esc cancels; an empty field is refused.
 */
export function formKey(state: InboxState, form: InboxForm, key: string): InboxResult {
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
