import { describe, expect, it } from "vitest";
import { composeMessage, type MailMessage } from "../../src/core/mail.js";
import {
  createInbox,
  inboxHints,
  inboxInput,
  inboxKey,
  selectedMessage,
  shownMessages,
  splitKeys,
  updateInbox,
  type InboxMessage,
  type InboxState,
} from "../../src/tui/inbox-controller.js";

const NOW = Date.parse("2025-06-01T12:00:00.000Z");
const ENTER = "\r";
const ESC = "\x1b";
const DOWN = "\x1b[B";
const UP = "\x1bOA";

function msg(
  id: string,
  from: string,
  subject: string,
  minutesAgo: number,
  extra: Partial<InboxMessage> = {},
): InboxMessage {
  const m = composeMessage(
    {
      from,
      to: extra.to ?? "cockpit",
      subject,
      body: `body of ${subject}`,
      type: extra.type ?? "status",
      priority: extra.priority ?? "normal",
      ...(extra.thread ? { thread: extra.thread, replyTo: extra.thread } : {}),
    },
    extra.recipients ?? ["cockpit"],
    id,
    new Date(NOW - minutesAgo * 60_000),
  );
  return {
    ...m,
    readAt: extra.readAt ?? null,
    ...(extra.folder ? { folder: extra.folder } : {}),
  };
}

// As the cockpit's listing returns them (includeSent): m1 is the human's own question.
const MESSAGES: InboxMessage[] = [
  msg("m5", "rev", "lgtm", 0, { type: "merge_ready" }),
  msg("m4", "bob", "Re: which port?", 1, { thread: "m1", type: "result" }),
  msg("m3", "rev", "review done", 30, { readAt: "2025-06-01T11:40:00.000Z" }),
  msg("m2", "bob", "tests red", 120, { type: "error", priority: "urgent" }),
  msg("m1", "cockpit", "which port?", 26 * 60, {
    to: "bob",
    type: "question",
    recipients: ["bob"],
    folder: "sent",
  }),
];

function press(state: InboxState, ...keys: string[]) {
  const effects = [];
  for (const key of keys) {
    const result = inboxKey(state, key);
    state = result.state;
    effects.push(...result.effects);
  }
  return { state, effects };
}

const unreadIds = (s: InboxState) => s.messages.filter((m) => m.readAt === null).map((m) => m.id);

describe("inbox controller", () => {
  it("starts on the newest message and shows the human's own sent mail as read", () => {
    const state = createInbox([...MESSAGES].reverse(), NOW);
    expect(state.messages.map((m) => m.id)).toEqual(["m5", "m4", "m3", "m2", "m1"]);
    expect(state.selectedId).toBe("m5");
    expect(unreadIds(state)).toEqual(["m5", "m4", "m2"]);
  });

  it("moves with j/k and the arrows, stopping at both ends", () => {
    const state = createInbox(MESSAGES, NOW);
    expect(press(state, "j", DOWN).state.selectedId).toBe("m3");
    expect(press(state, "j", "j", "j", "j", "j", "j").state.selectedId).toBe("m1");
    expect(press(state, "j", UP, "k", "k").state.selectedId).toBe("m5");
  });

  it("opens a thread with Enter, marks its unread messages read, and goes back with Esc", () => {
    const list = press(createInbox(MESSAGES, NOW), "j").state; // on m4, a reply in thread m1
    const opened = press(list, ENTER);
    expect(opened.effects).toEqual([{ type: "mark-read", ids: ["m4"] }]);
    expect(opened.state.view).toBe("thread");
    expect(unreadIds(opened.state)).toEqual(["m5", "m2"]);
    // In the thread, j/k move between its messages, oldest first.
    const up = press(opened.state, "k");
    expect(selectedMessage(up.state)?.id).toBe("m1");
    const back = press(up.state, ESC);
    expect(back.state.view).toBe("list");
    expect(back.state.selectedId).toBe("m4");
    expect(back.effects).toEqual([]);
    expect(press(back.state, ESC).effects).toEqual([{ type: "close" }]);
    expect(press(back.state, "q").effects).toEqual([{ type: "close" }]);
    // Opening a thread with nothing unread asks for nothing.
    expect(press(back.state, ENTER).effects).toEqual([]);
  });

  it("cycles the agent filter through the senders, then off; the selection follows", () => {
    const state = createInbox(MESSAGES, NOW);
    const bob = press(state, "f").state;
    expect(bob.filter).toEqual({ agent: "bob" });
    // bob's messages and the message sent to him.
    expect(shownMessages(bob).map((m) => m.id)).toEqual(["m4", "m2", "m1"]);
    expect(bob.selectedId).toBe("m4");
    const rev = press(bob, "f").state;
    expect(shownMessages(rev).map((m) => m.id)).toEqual(["m5", "m3"]);
    expect(press(rev, "f").state.filter).toEqual({});
  });

  it("cycles the type filter through the types present", () => {
    let state = createInbox(MESSAGES, NOW);
    const seen: Array<string | undefined> = [];
    for (let i = 0; i < 6; i++) {
      state = press(state, "t").state;
      seen.push(state.filter.type);
    }
    expect(seen).toEqual(["status", "question", "result", "error", "merge_ready", undefined]);
  });

  it("marks every shown message read with a", () => {
    const filtered = press(createInbox(MESSAGES, NOW), "f").state; // bob
    const result = press(filtered, "a");
    expect(result.effects).toEqual([{ type: "mark-read", ids: ["m4", "m2"] }]);
    expect(unreadIds(result.state)).toEqual(["m5"]);
    expect(press(result.state, "a").effects).toEqual([]);
  });

  it("replies inline: r, type, Enter sends on the same thread", () => {
    const state = press(createInbox(MESSAGES, NOW), "j").state; // m4 from bob
    const typing = inboxInput(press(state, "r").state, "pg, 5432\x7f3");
    expect(typing.state.form?.fields[0]?.value).toBe("pg, 5433");
    const sent = press(typing.state, ENTER);
    expect(sent.effects).toEqual([
      {
        type: "send",
        draft: {
          to: "bob",
          subject: "Re: which port?",
          body: "pg, 5433",
          type: "result",
          priority: "normal",
          replyTo: "m4",
          thread: "m1",
        },
      },
      { type: "reload" },
    ]);
    expect(sent.state.form).toBeUndefined();
    expect(sent.state.view).toBe("list");
  });

  it("refuses an empty reply and cancels with Esc", () => {
    const form = press(createInbox(MESSAGES, NOW), "r").state;
    const empty = press(form, ENTER);
    expect(empty.effects).toEqual([]);
    expect(empty.state.form?.error).toMatch(/type a reply/);
    // Keys that are commands elsewhere are text in a form.
    const typed = press(empty.state, "q", "j");
    expect(typed.state.form?.fields[0]?.value).toBe("qj");
    expect(typed.state.form?.error).toBeUndefined();
    const cancelled = press(typed.state, ESC);
    expect(cancelled.state.form).toBeUndefined();
    expect(cancelled.effects).toEqual([]);
  });

  it("composes with Tab between fields and sends with Enter on the last", () => {
    const form = press(createInbox(MESSAGES, NOW), "c").state;
    expect(form.form?.fields.map((f) => f.name)).toEqual(["to", "subject", "body"]);
    const noTo = press(form, "\t", "\t", ENTER);
    expect(noTo.effects).toEqual([]);
    expect(noTo.state.form?.error).toMatch(/recipient/);
    expect(noTo.state.form?.focus).toBe(0);

    let state = inboxInput(noTo.state, "@builders").state;
    state = press(state, ENTER).state; // Enter on a field before the last moves on
    state = inboxInput(state, "freeze").state;
    state = press(state, "\t").state;
    state = inboxInput(state, "\x1b[200~stop merging\r\nnow\x1b[201~").state;
    state = press(state, "\x1b[Z", "\x7f", "\x7f", "\t").state; // back to subject, fix it
    const sent = press(state, ENTER);
    expect(sent.effects).toEqual([
      {
        type: "send",
        draft: {
          to: "@builders",
          subject: "free",
          body: "stop merging now",
          type: "status",
          priority: "normal",
        },
      },
      { type: "reload" },
    ]);
  });

  it("starts a compose addressed to the agent being filtered", () => {
    const form = press(createInbox(MESSAGES, NOW), "f", "c").state.form!;
    expect(form.fields[0]?.value).toBe("bob");
    expect(form.focus).toBe(1);
  });

  it("keeps control characters and escape sequences out of form fields", () => {
    const form = press(createInbox(MESSAGES, NOW), "c").state;
    const typed = inboxInput(form, "a\x1b[31mb\x07c\x1b]0;x\x07d");
    expect(typed.state.form?.fields[0]?.value).toBe("abcd");
  });

  it("follows fresh listings, keeping the selection or moving off a vanished one", () => {
    const state = press(createInbox(MESSAGES, NOW), "j", "j").state; // m3
    const fresh = [msg("m6", "bob", "new", 0), ...MESSAGES];
    expect(updateInbox(state, fresh, NOW + 1000).selectedId).toBe("m3");
    const without = MESSAGES.filter((m) => m.id !== "m3");
    expect(updateInbox(state, without, NOW).selectedId).toBe("m5");
    // A thread whose messages all vanished (purged) goes back to the list.
    const thread = press(createInbox(MESSAGES, NOW), "j", ENTER).state;
    const gone = updateInbox(thread, [msg("m6", "bob", "new", 0)], NOW);
    expect([gone.view, gone.selectedId]).toEqual(["list", "m6"]);
  });

  it("ignores keys it does not know and handles an empty inbox", () => {
    const empty = createInbox([], NOW);
    expect(press(empty, "j", ENTER, "r", "x", "a").effects).toEqual([]);
    expect(press(empty, "j", ENTER, "r", "x").state).toEqual(empty);
  });

  it("generates its hint line from the key table", () => {
    const state = createInbox(MESSAGES, NOW);
    expect(inboxHints(state)).toBe(
      "j/k move · Enter open · r reply · c compose · f agent · t type · a all read · y accept · Esc/q back",
    );
    expect(inboxHints(press(state, ENTER).state)).toBe(
      "j/k move · r reply · c compose · y accept · Esc/q back",
    );
    expect(inboxHints(press(state, "c").state)).toMatch(/^Tab next field/);
  });

  it("splits a chunk into keys", () => {
    expect(splitKeys("jk\x1b[B\x1bOA\r\x1b")).toEqual(["j", "k", "\x1b[B", "\x1bOA", "\r", "\x1b"]);
    expect(splitKeys("\x1b[200~a\nb\x1b[201~x")).toEqual(["a b", "x"]);
    expect(splitKeys("é😀")).toEqual(["é", "😀"]);
  });
});

// Type-level check that plain MailMessage arrays are accepted too.
export const _accepts: (m: MailMessage[]) => InboxState = (m) => createInbox(m, NOW);
