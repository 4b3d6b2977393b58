import { render } from "ink-testing-library";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInk } from "../../src/tui/ink.js";
import { composeMessage, type MailMessage } from "../../src/core/mail.js";
import { Inbox } from "../../src/tui/Inbox.js";

const NOW = Date.parse("2025-06-01T12:00:00.000Z");

function msg(
  id: string,
  from: string,
  subject: string,
  minutesAgo: number,
  extra: Partial<MailMessage> & { thread?: string } = {},
): MailMessage {
  const m = composeMessage(
    {
      from,
      to: "cockpit",
      subject,
      body: extra.body ?? `body of ${subject}`,
      type: extra.type ?? "status",
      priority: extra.priority ?? "normal",
      ...(extra.thread ? { thread: extra.thread, replyTo: extra.thread } : {}),
    },
    extra.recipients ?? ["cockpit"],
    id,
    new Date(NOW - minutesAgo * 60_000),
  );
  return { ...m, readAt: extra.readAt ?? null };
}

const MESSAGES: MailMessage[] = [
  msg("m4", "bob", "Re: which port?", 1, { thread: "m1", type: "result" }),
  msg("m3", "rev", "review done", 30, {
    type: "merge_ready",
    priority: "high",
    readAt: "2025-06-01T11:40:00.000Z",
  }),
  msg("m2", "bob", "tests red", 120, { type: "error", priority: "urgent" }),
  msg("m1", "cockpit", "which port?", 26 * 60, {
    type: "question",
    recipients: ["bob"],
    readAt: "2025-05-31T10:00:00.000Z",
  }),
];

describe("Inbox", () => {
  // The cockpit loads Ink after its first frame (src/tui/ink.ts); these render with it.
  beforeAll(async () => {
    await loadInk();
  });

  it("lists messages with unread markers, sender, type, priority and age", () => {
    const { lastFrame } = render(<Inbox messages={MESSAGES} now={NOW} />);
    expect(lastFrame()).toBe(
      [
        "Inbox · 4 messages · 2 unread",
        "› ● bob          result       normal   1m Re: which port?",
        "    rev          merge_ready  high    30m review done",
        "  ● bob          error        urgent   2h tests red",
        "    cockpit      question     normal   1d which port?",
      ].join("\n"),
    );
  });

  it("moves the selection marker to the selected row", () => {
    const { lastFrame } = render(<Inbox messages={MESSAGES} selectedId="m2" now={NOW} />);
    const lines = lastFrame()!.split("\n");
    expect(lines.filter((l) => l.startsWith("›"))).toEqual([
      "› ● bob          error        urgent   2h tests red",
    ]);
  });

  it("filters by agent and by type", () => {
    const byAgent = render(
      <Inbox messages={MESSAGES} filter={{ agent: "rev" }} now={NOW} />,
    ).lastFrame()!;
    expect(byAgent.split("\n")).toEqual([
      "Inbox · 1 message · 0 unread · filter: agent=rev",
      "›   rev          merge_ready  high    30m review done",
    ]);
    const byType = render(
      <Inbox messages={MESSAGES} filter={{ type: "escalation" }} now={NOW} />,
    ).lastFrame();
    expect(byType).toBe(
      "Inbox · 0 messages · 0 unread · filter: type=escalation\nno messages match the filter",
    );
  });

  it("shows the selected message's thread, oldest first", () => {
    const { lastFrame } = render(
      <Inbox messages={MESSAGES} selectedId="m4" view="thread" now={NOW} />,
    );
    expect(lastFrame()).toBe(
      [
        "Thread · which port? · 2 messages",
        "",
        "  cockpit → cockpit · question · normal · 1d",
        "body of which port?",
        "",
        "● bob → cockpit · result · normal · 1m",
        "body of Re: which port?",
      ].join("\n"),
    );
  });

  it("never lets escape sequences from a message reach the screen", () => {
    const hostile = msg("m9", "bob", "\x1b]0;owned\x07sub\x1b[2Jject", 0, {
      body: "\x1b[31mred\x1b[0m \x1b]52;c;eA==\x07ok",
    });
    const list = render(<Inbox messages={[hostile]} now={NOW} />).lastFrame()!;
    expect(list).toContain("subject");
    const thread = render(
      <Inbox messages={[hostile]} selectedId="m9" view="thread" now={NOW} />,
    ).lastFrame()!;
    expect(thread).toContain("red ok");
    expect(list + thread).not.toMatch(/\]0;|\]52;|\[2J|\[31m/);
  });

  it("keeps the selected row in view when the list is longer than maxRows", () => {
    const many = Array.from({ length: 30 }, (_, i) =>
      msg(`x${String(i).padStart(2, "0")}`, "bob", `n${i}`, i),
    );
    const frame = render(
      <Inbox messages={many} selectedId="x25" maxRows={5} now={NOW} />,
    ).lastFrame()!;
    expect(frame).toContain("› ● bob");
    expect(frame).toContain("n25");
    expect(frame).not.toContain("n10");
    expect(frame.split("\n").at(-1)).toBe("24–28 of 30");
  });

  it("shows the part of a long thread around the selected message within maxLines", () => {
    const thread = Array.from({ length: 6 }, (_, i) =>
      msg(`t${i}`, "bob", `part ${i}`, 60 - i, i ? { thread: "t0" } : {}),
    );
    const frame = render(
      <Inbox messages={thread} selectedId="t2" view="thread" maxLines={9} now={NOW} />,
    ).lastFrame()!;
    expect(frame.split("\n")).toEqual([
      "Thread · part 0 · 6 messages",
      "messages 2–3 of 6",
      "",
      "● bob → cockpit · status · normal · 59m",
      "body of part 1",
      "",
      "● bob → cockpit · status · normal · 58m",
      "body of part 2",
    ]);
  });
});
