import { describe, expect, it } from "vitest";
import {
  composeMessage,
  DEFAULT_MAIL_NOTICE,
  draftReply,
  formatMailId,
  mailIdTime,
  MAX_BODY_BYTES,
  parseDuration,
  planNotices,
  resolveRecipients,
  threadOf,
  utf8Length,
  type NoticeAgent,
} from "../../src/core/mail.js";
import { TEAM } from "../store/mail-fixture.js";

const NOW = new Date("2025-03-01T12:00:00.000Z");
const draft = { from: "alice", to: "cockpit", subject: "done", body: "all green" };

describe("resolveRecipients", () => {
  it("sends to cockpit and to live agents by name", () => {
    expect(resolveRecipients("cockpit", "alice", TEAM)).toEqual(["cockpit"]);
    expect(resolveRecipients("bob", "alice", TEAM)).toEqual(["bob"]);
    expect(resolveRecipients("bob, rev,bob", "alice", TEAM)).toEqual(["bob", "rev"]);
  });

  it("@all reaches every live agent but the sender", () => {
    expect(resolveRecipients("@all", "alice", TEAM)).toEqual(["bob", "rev"]);
    expect(resolveRecipients("@all", "cockpit", TEAM)).toEqual(["alice", "bob", "rev"]);
  });

  it("@<role>s reaches live agents with that role but the sender", () => {
    expect(resolveRecipients("@builders", "cockpit", TEAM)).toEqual(["alice", "bob"]);
    expect(resolveRecipients("@builders", "alice", TEAM)).toEqual(["bob"]);
    expect(resolveRecipients("@reviewers", "alice", TEAM)).toEqual(["rev"]);
  });

  it.each([
    ["nobody", /unknown recipient "nobody".*alice, bob, rev/],
    ["gone", /agent "gone" is exited/],
    ["@testers", /@testers reaches nobody.*role "tester".*@builders/],
    ["", /no recipient/],
  ])("refuses %j with a clear error", (address, message) => {
    expect(() => resolveRecipients(address, "alice", TEAM)).toThrow(message);
  });

  it("refuses @all when nobody else runs", () => {
    expect(() => resolveRecipients("@all", "alice", [TEAM[0]!])).toThrow(/@all reaches nobody/);
  });
});

describe("composeMessage", () => {
  it("fills in id, thread, type, priority and times", () => {
    const m = composeMessage(draft, ["cockpit"], "00000000000-id01", NOW);
    expect(m).toMatchObject({
      id: "00000000000-id01",
      thread: "00000000000-id01",
      type: "status",
      priority: "normal",
      recipients: ["cockpit"],
      createdAt: "2025-03-01T12:00:00.000Z",
      readAt: null,
    });
  });

  it("refuses an empty or blank subject", () => {
    expect(() =>
      composeMessage({ ...draft, subject: "  " }, ["cockpit"], "00000000000-iiii", NOW),
    ).toThrow(/subject is empty/);
  });

  it("refuses a 1 MiB body, naming the limit", () => {
    const body = "x".repeat(1024 * 1024);
    expect(() => composeMessage({ ...draft, body }, ["cockpit"], "00000000000-iiii", NOW)).toThrow(
      "the body is 1 MiB, over the limit of 256 KiB: send a summary and point to a file instead",
    );
    expect(() =>
      composeMessage(
        { ...draft, body: "x".repeat(MAX_BODY_BYTES) },
        ["cockpit"],
        "00000000000-iiii",
        NOW,
      ),
    ).not.toThrow();
  });

  it("counts the body limit in UTF-8 bytes", () => {
    const body = "é".repeat(MAX_BODY_BYTES / 2 + 1);
    expect(() => composeMessage({ ...draft, body }, ["cockpit"], "00000000000-iiii", NOW)).toThrow(
      /over the limit/,
    );
  });

  it("checks a worker_done payload", () => {
    const ok = composeMessage(
      {
        ...draft,
        type: "worker_done",
        payload: { task: "t1", branch: "flotilla/alice", files: ["a.ts"] },
      },
      ["cockpit"],
      "00000000000-iiii",
      NOW,
    );
    expect(ok.payload).toEqual({ task: "t1", branch: "flotilla/alice", files: ["a.ts"] });
    expect(() =>
      composeMessage(
        { ...draft, type: "worker_done", payload: { files: [] } },
        ["cockpit"],
        "00000000000-iiii",
        NOW,
      ),
    ).toThrow(/worker_done payload needs.*branch/);
  });

  it("refuses an invalid sender name", () => {
    expect(() =>
      composeMessage({ ...draft, from: "../x" }, ["cockpit"], "00000000000-iiii", NOW),
    ).toThrow(/invalid sender/);
  });
});

describe("replies and threads", () => {
  it("a reply goes to the sender, keeps the thread and prefixes Re: once", () => {
    const q = composeMessage(
      { ...draft, type: "question", subject: "which port?" },
      ["cockpit"],
      "00000000000-qqq1",
      NOW,
    );
    const r1 = draftReply(q, "cockpit", "8080");
    expect(r1).toMatchObject({
      from: "cockpit",
      to: "alice",
      subject: "Re: which port?",
      thread: "00000000000-qqq1",
      replyTo: "00000000000-qqq1",
      type: "result",
    });
    const a1 = composeMessage(r1, ["alice"], "00000000000-aaa1", new Date(NOW.getTime() + 1000));
    const r2 = draftReply(a1, "alice", "thanks");
    expect(r2).toMatchObject({
      to: "cockpit",
      subject: "Re: which port?",
      thread: "00000000000-qqq1",
      replyTo: "00000000000-aaa1",
    });
    const a2 = composeMessage(r2, ["cockpit"], "00000000000-aaa2", new Date(NOW.getTime() + 2000));
    const other = composeMessage(draft, ["cockpit"], "00000000000-ooo1", NOW);
    expect(threadOf([a2, other, a1, q], "00000000000-qqq1").map((m) => m.id)).toEqual([
      "00000000000-qqq1",
      "00000000000-aaa1",
      "00000000000-aaa2",
    ]);
  });
});

describe("ids and durations", () => {
  it("ids sort by time and carry it", () => {
    const a = formatMailId(1_700_000_000_000, 5, "abcd1234");
    const b = formatMailId(1_700_000_000_001, 0, "0000aaaa");
    const c = formatMailId(1_700_000_000_001, 1, "0000aaaa");
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(mailIdTime(a)).toBe(1_700_000_000_000);
    expect(mailIdTime("../../etc/passwd")).toBeUndefined();
  });

  it("parses durations", () => {
    expect(parseDuration("30d")).toBe(30 * 86_400_000);
    expect(parseDuration("12h")).toBe(12 * 3_600_000);
    expect(parseDuration("2w")).toBe(14 * 86_400_000);
    expect(() => parseDuration("30 days")).toThrow(/not a duration.*30d/);
  });
});

describe("planNotices", () => {
  const agents: NoticeAgent[] = [
    { name: "alice", status: "idle", runtime: "claude" },
    { name: "bob", status: "working", runtime: "claude" },
    { name: "rev", status: "waiting", runtime: "codex" },
  ];
  const unread = {
    alice: { count: 2, newestId: "m2", senders: ["bob", "cockpit"] },
    bob: { count: 1, newestId: "m1", senders: ["alice"] },
    rev: { count: 1, newestId: "m1", senders: ["alice"] },
  };

  it("tells idle and waiting agents, never working ones, with the default text", () => {
    const plan = planNotices({ agents, unread, lastNoticed: {} });
    expect(plan.notices).toEqual([
      {
        agent: "alice",
        text: "You have 2 new message(s) from bob, cockpit. Run: flotilla mail check",
      },
      { agent: "rev", text: "You have 1 new message(s) from alice. Run: flotilla mail check" },
    ]);
    expect(plan.lastNoticed).toEqual({ alice: "m2", rev: "m1" });
  });

  it("notices once per burst, again only when newer mail arrives", () => {
    const first = planNotices({ agents, unread, lastNoticed: {} });
    expect(planNotices({ agents, unread, lastNoticed: first.lastNoticed }).notices).toEqual([]);
    const more = {
      ...unread,
      alice: { count: 3, newestId: "m3", senders: ["rev", "bob", "cockpit"] },
    };
    const again = planNotices({ agents, unread: more, lastNoticed: first.lastNoticed });
    expect(again.notices.map((n) => n.agent)).toEqual(["alice"]);
  });

  it("tells a busy agent once it goes idle", () => {
    const busy = planNotices({ agents, unread, lastNoticed: {} });
    expect(busy.notices.some((n) => n.agent === "bob")).toBe(false);
    const idle = agents.map((a) => (a.name === "bob" ? { ...a, status: "idle" as const } : a));
    expect(
      planNotices({ agents: idle, unread, lastNoticed: busy.lastNoticed }).notices.map(
        (n) => n.agent,
      ),
    ).toEqual(["bob"]);
  });

  it("forgets an agent whose mail was read, so the next burst is told", () => {
    const first = planNotices({ agents, unread, lastNoticed: {} });
    const read = planNotices({ agents, unread: {}, lastNoticed: first.lastNoticed });
    expect(read.lastNoticed).toEqual({});
  });

  it("uses the runtime's template and keeps the notice one clean line", () => {
    const plan = planNotices({
      agents,
      unread: { rev: { count: 1, newestId: "m1", senders: ["alice"] } },
      lastNoticed: {},
      templateFor: (runtime) =>
        runtime === "codex" ? "\x1b[31m{count} mail\nfrom {from}" : undefined,
    });
    expect(plan.notices).toEqual([{ agent: "rev", text: "1 mail from alice" }]);
    expect(DEFAULT_MAIL_NOTICE).toContain("{count}");
  });
});

describe("utf8Length", () => {
  it.each(["", "abc", "é", "日本語", "🚀x", "\ud800x", "a\udc00"])(
    "matches Buffer.byteLength for %j",
    (text) => {
      expect(utf8Length(text)).toBe(Buffer.byteLength(text, "utf8"));
    },
  );
});
