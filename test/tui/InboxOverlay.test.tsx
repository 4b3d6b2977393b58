import { render } from "ink-testing-library";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInk } from "../../src/tui/ink.js";
import { composeMessage, type MailMessage } from "../../src/core/mail.js";
import { createInbox, inboxInput, inboxKey } from "../../src/tui/inbox-controller.js";
import { inboxView } from "../../src/tui/InboxOverlay.js";

const NOW = Date.parse("2025-06-01T12:00:00.000Z");

function msg(id: string, from: string, subject: string, minutes: number, thread?: string) {
  const m = composeMessage(
    {
      from,
      to: "cockpit",
      subject,
      body: `body of ${subject}`,
      ...(thread ? { thread, replyTo: thread } : {}),
    },
    ["cockpit"],
    id,
    new Date(NOW - minutes * 60_000),
  );
  return { ...m, readAt: null } as MailMessage;
}

const MESSAGES = [
  msg("m3", "bob", "third", 1, "m1"),
  msg("m2", "rev", "second", 5),
  msg("m1", "bob", "first", 10),
];

const frame = (state: ReturnType<typeof createInbox>, width: number, height: number) =>
  render(inboxView(state, width, height)).lastFrame()!;

describe("inboxView", () => {
  // The cockpit loads Ink after its first frame (src/tui/ink.ts); these render with it.
  beforeAll(async () => {
    await loadInk();
  });

  it("draws the list and a hint line in the given height", () => {
    const lines = frame(createInbox(MESSAGES, NOW), 60, 8).split("\n");
    expect(lines).toHaveLength(8);
    expect(lines.slice(0, 4)).toEqual([
      "Inbox · 3 messages · 3 unread",
      "› ● bob          status       normal   1m third",
      "  ● rev          status       normal   5m second",
      "  ● bob          status       normal  10m first",
    ]);
    expect(lines[7]).toBe("j/k move · Enter open · r reply · c compose · f agent · t t…");
  });

  it("draws the reply form under the list", () => {
    const state = inboxInput(createInbox(MESSAGES, NOW), "rhello").state;
    expect(frame(state, 60, 8).split("\n").slice(-3)).toEqual([
      "Reply to bob · Re: third",
      "Reply: hello█",
      "Enter send · Esc cancel",
    ]);
  });

  it("shows why a compose was refused", () => {
    const state = inboxKey(inboxInput(createInbox(MESSAGES, NOW), "c").state, "\t").state;
    const refused = inboxInput(state, "\t\r").state;
    expect(frame(refused, 70, 12).split("\n").slice(-6)).toEqual([
      "New message",
      "To:      █",
      "Subject:",
      "Body:",
      "type a recipient: an agent, @all or @<role>s",
      "Tab next field · Enter on body sends · Esc cancel",
    ]);
  });

  it("keeps the selected message of a long thread in view", () => {
    const thread = Array.from({ length: 12 }, (_, i) =>
      msg(`t${String(i).padStart(2, "0")}`, "bob", `part ${i}`, 100 - i, i ? "t00" : undefined),
    );
    let state = inboxInput(createInbox(thread, NOW), "\r").state; // opens on the newest
    expect(frame(state, 60, 10).split("\n")).toEqual([
      "Thread · part 0 · 12 messages",
      "messages 11–12 of 12",
      "",
      "  bob → cockpit · status · normal · 1h",
      "body of part 10",
      "",
      "  bob → cockpit · status · normal · 1h",
      "body of part 11",
      "",
      "j/k move · r reply · c compose · y accept · Esc/q back",
    ]);
    state = inboxInput(state, "k".repeat(11)).state; // up to the first message
    expect(frame(state, 60, 10)).toContain("messages 1–2 of 12\n");
  });

  it("shows a whole thread even when the list filter would hide the selected message", () => {
    const result = (m: MailMessage): MailMessage => ({ ...m, type: "result" });
    const messages = [
      result(msg("m3", "bob", "other", 1)),
      result(msg("m2", "rev", "Re: q", 2, "m1")),
      { ...msg("m1", "cockpit", "q", 5), type: "question" as const, recipients: ["rev"] },
    ];
    let state = inboxInput(createInbox(messages, NOW), "tt").state; // type filter: result
    expect(state.filter).toEqual({ type: "result" });
    state = inboxInput(state, "j\rk").state; // open m2's thread, select the question
    const text = frame(state, 60, 12);
    expect(text).toContain("Thread · q · 2 messages");
    expect(text).not.toContain("other");
  });
});
