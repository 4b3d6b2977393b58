import { createElement } from "react";
import {
  INBOX_BINDINGS,
  createInbox,
  inboxKey,
  updateInbox,
  type InboxDraft,
  type InboxEffect,
  type InboxMessage,
  type InboxState,
} from "../inbox-controller.js";
import { inboxView as inboxElement } from "../InboxOverlay.js";
import { Dialog } from "../Chrome.js";
import { defineView } from "./view.js";

/** The cockpit's own mailbox (the human's), read and written through the mail store. */
export interface CockpitMail {
  /** The cockpit's messages, newest first, sent ones included (for threads). */
  list(): Promise<InboxMessage[]>;
  markRead(ids: readonly string[]): Promise<void>;
  /** Sends a draft from the cockpit. @throws FlotillaError with a one-line reason. */
  send(draft: InboxDraft): Promise<void>;
}

/** The inbox's own effects (its `close` is the cockpit's). */
type InboxOwnEffect = Exclude<InboxEffect, { type: "close" }>;

/** A number per distinct message listing, so the cache key names the listing drawn. */
const listings = new WeakMap<object, number>();
let nextListing = 1;
function listingId(messages: object): number {
  let id = listings.get(messages);
  if (id === undefined) listings.set(messages, (id = nextListing++));
  return id;
}

/**
 * `prefix m`: the human's inbox (`inbox-controller.ts` is its controller, `InboxOverlay` its
 * element). Loads the mailbox when opened and again whenever the hub reports mail.
 */
export const inboxView = defineView<InboxState, InboxOwnEffect>({
  id: "inbox",
  title: "In the inbox:",
  bindings: INBOX_BINDINGS,
  opener: { command: "inbox" },
  open: async (ctx) => {
    const mail = ctx.services.mail;
    if (!mail) return { effects: [{ type: "notice", level: "info", text: "no inbox here" }] };
    return { state: createInbox(await mail.list(), ctx.now) };
  },
  key: (state, key) => inboxKey(state, key),
  onEvent: (state, event) =>
    event.type === "mail" ? { state, effects: [{ type: "reload" }] } : undefined,
  perform: async (effect, ctx) => {
    const mail = ctx.services.mail;
    if (!mail) return;
    switch (effect.type) {
      case "mark-read":
        await mail.markRead(effect.ids);
        return;
      case "send":
        await mail.send(effect.draft);
        return {
          effects: [{ type: "notice", level: "info", text: `mail sent to ${effect.draft.to}` }],
        };
      case "reload": {
        // A failed reload keeps what is shown; the next mail event tries again.
        const messages = await mail.list().catch(() => undefined);
        if (messages) return { update: (state) => updateInbox(state, messages, ctx.now) };
        return;
      }
    }
  },
  size: () => ({ width: 110, height: 30, minHeight: 5 }),
  cacheKey: (state) => {
    const form = state.form;
    return [
      "inbox",
      listingId(state.messages),
      state.now,
      state.view,
      state.selectedId ?? "",
      state.filter.agent ?? "",
      state.filter.type ?? "",
      form
        ? `${form.kind}:${form.replyTo ?? ""}:${form.focus}:${form.error ?? ""}:${form.fields.map((f) => f.value).join("\u0000")}`
        : "",
    ].join("\u0001");
  },
  element: (state, { width, height }) =>
    createElement(
      Dialog,
      { width, title: "", lines: [] },
      inboxElement(state, width - 4, height - 2),
    ),
});
