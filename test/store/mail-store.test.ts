import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MailStore, newMailId, sendMail } from "../../src/store/mail-store.js";
import { openProject } from "../../src/store/project.js";
import { makeProject, walk } from "./mail-fixture.js";
import { makeTempDir } from "../git/temp-repo.js";

function tempStore(now?: () => Date): { dir: string; store: MailStore } {
  const dir = path.join(makeTempDir("flotilla-mailstore-"), "mail");
  return { dir, store: new MailStore(dir, now ? { now } : {}) };
}

const base = { subject: "hello", body: "body" };

describe("MailStore", () => {
  it("delivers one atomic file per recipient plus a sent copy, nothing left in .tmp", async () => {
    const { dir, store } = tempStore();
    const m = await store.send({ ...base, from: "cockpit", to: "@builders" }, ["alice", "bob"]);
    expect(readdirSync(path.join(dir, "alice", "new"))).toEqual([`${m.id}.json`]);
    expect(readdirSync(path.join(dir, "bob", "new"))).toEqual([`${m.id}.json`]);
    expect(walk(path.join(dir, "cockpit", "sent")).map((f) => path.basename(f))).toEqual([
      `${m.id}.json`,
    ]);
    expect(readdirSync(path.join(dir, ".tmp"))).toEqual([]);
    const stored = JSON.parse(readFileSync(path.join(dir, "alice", "new", `${m.id}.json`), "utf8"));
    expect(stored).toMatchObject({
      id: m.id,
      from: "cockpit",
      to: "@builders",
      recipients: ["alice", "bob"],
    });
  });

  it("lists newest first with unread state, and check claims each message once", async () => {
    const { store } = tempStore();
    const a = await store.send({ ...base, from: "bob", to: "alice", subject: "first" }, ["alice"]);
    const b = await store.send(
      { ...base, from: "rev", to: "alice", subject: "second", type: "question" },
      ["alice"],
    );
    let listing = await store.list("alice");
    expect(listing.messages.map((m) => [m.id, m.readAt])).toEqual([
      [b.id, null],
      [a.id, null],
    ]);
    const [first, second] = await Promise.all([store.check("alice"), store.check("alice")]);
    const claimed = [...first.messages, ...second.messages].map((m) => m.id).sort();
    expect(claimed).toEqual([a.id, b.id].sort());
    expect((await store.check("alice")).messages).toEqual([]);
    listing = await store.list("alice");
    expect(listing.messages.map((m) => m.id)).toEqual([b.id, a.id]);
    expect(listing.messages.every((m) => m.readAt !== null)).toBe(true);
    expect(
      (await store.list("alice", { filter: { type: "question" } })).messages.map((m) => m.id),
    ).toEqual([b.id]);
    expect(
      (await store.list("alice", { filter: { from: "bob" } })).messages.map((m) => m.id),
    ).toEqual([a.id]);
    expect((await store.list("alice", { filter: { unread: true } })).messages).toEqual([]);
  });

  it("finds a message by id in new, cur and sent, and records when it was read", async () => {
    let clock = new Date("2025-05-01T10:00:00.000Z");
    const { store } = tempStore(() => clock);
    const m = await store.send({ ...base, from: "bob", to: "alice" }, ["alice"]);
    expect((await store.find("alice", m.id))?.folder).toBe("new");
    expect((await store.find("bob", m.id))?.folder).toBe("sent");
    expect(await store.find("rev", m.id)).toBeUndefined();
    expect(await store.find("alice", "../../etc/passwd")).toBeUndefined();
    clock = new Date("2025-05-01T10:05:00.000Z");
    expect(await store.markRead("alice", m.id)).toEqual(clock);
    expect(await store.markRead("alice", m.id)).toBeUndefined();
    const read = await store.find("alice", m.id);
    expect(read).toMatchObject({ folder: "cur", readAt: "2025-05-01T10:05:00.000Z" });
  });

  it("keeps a body full of escape sequences byte for byte", async () => {
    const { store } = tempStore();
    const body = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\x9b6n\x00\r\n";
    const m = await store.send({ ...base, from: "bob", to: "alice", body }, ["alice"]);
    expect((await store.find("alice", m.id))?.body).toBe(body);
  });

  it("reports an invalid file with its path and leaves it alone", async () => {
    const { dir, store } = tempStore();
    const good = await store.send({ ...base, from: "bob", to: "alice" }, ["alice"]);
    const bad = path.join(dir, "alice", "new", `${newMailId()}.json`);
    writeFileSync(bad, '{"id": "half');
    const listing = await store.list("alice");
    expect(listing.messages.map((m) => m.id)).toEqual([good.id]);
    expect(listing.problems).toEqual([expect.stringContaining(`${bad} is not valid JSON`)]);
    expect(readFileSync(bad, "utf8")).toBe('{"id": "half');
  });

  it("lists the newest read mail without reading old hour buckets", async () => {
    let clock = new Date("2025-01-01T00:00:00.000Z");
    const { dir, store } = tempStore(() => clock);
    for (let h = 0; h < 5; h++) {
      clock = new Date(Date.UTC(2025, 0, 1, h));
      await store.send({ ...base, from: "bob", to: "alice", subject: `hour ${h}` }, ["alice"]);
    }
    await store.check("alice");
    // Poison an old bucket: a listing that stops at the limit never trips over it.
    writeFileSync(
      path.join(
        dir,
        "alice",
        "cur",
        "2025-01-01T00",
        `${newMailId(new Date(Date.UTC(2025, 0, 1)))}.json`,
      ),
      "junk",
    );
    const latest = await store.list("alice", { limit: 2 });
    expect(latest.messages.map((m) => m.subject)).toEqual(["hour 4", "hour 3"]);
    expect(latest.problems).toEqual([]);
    expect((await store.list("alice")).problems).toHaveLength(1);
  });

  it("summarises unread mail for the delivery policy", async () => {
    const { store } = tempStore();
    expect(await store.unreadSummary("alice")).toBeUndefined();
    await store.send({ ...base, from: "bob", to: "alice" }, ["alice"]);
    const last = await store.send({ ...base, from: "rev", to: "alice" }, ["alice"]);
    await store.send({ ...base, from: "bob", to: "alice,rev" }, ["rev"]);
    const summary = await store.unreadSummary("alice");
    expect(summary).toEqual({ count: 2, newestId: last.id, senders: ["rev", "bob"] });
  });

  it("purges read and sent mail older than the cutoff, keeps unread and recent mail", async () => {
    let clock = new Date("2025-01-01T00:00:00.000Z");
    const { dir, store } = tempStore(() => clock);
    const old = await store.send({ ...base, from: "bob", to: "alice", subject: "old" }, ["alice"]);
    const oldUnread = await store.send({ ...base, from: "bob", to: "rev", subject: "old unread" }, [
      "rev",
    ]);
    await store.markRead("alice", old.id);
    clock = new Date("2025-02-15T00:00:00.000Z");
    const recent = await store.send({ ...base, from: "bob", to: "alice", subject: "recent" }, [
      "alice",
    ]);
    await store.markRead("alice", recent.id);
    mkdirSync(path.join(dir, ".tmp"), { recursive: true });
    const orphan = path.join(dir, ".tmp", "orphan.json.1.abcd");
    writeFileSync(orphan, "{");
    utimesSync(orphan, new Date("2025-02-14T00:00:00Z"), new Date("2025-02-14T00:00:00Z"));

    expect(await store.purge(30 * 86_400_000)).toBe(3); // alice's old read copy, bob's two old sent copies
    expect(readdirSync(path.join(dir, ".tmp"))).toEqual([]);
    expect((await store.list("alice")).messages.map((m) => m.subject)).toEqual(["recent"]);
    expect((await store.list("rev")).messages.map((m) => m.id)).toEqual([oldUnread.id]);
    expect(await store.purge(30 * 86_400_000, { includeUnread: true })).toBe(1);
    expect((await store.list("rev")).messages).toEqual([]);
  });
});

describe("sendMail", () => {
  it("resolves recipients from state.json and logs an event", async () => {
    const root = makeProject();
    const project = openProject(root);
    const m = await sendMail(project, {
      from: "cockpit",
      to: "@all",
      subject: "standup",
      body: "status?",
    });
    expect(m.recipients).toEqual(["alice", "bob", "rev"]);
    expect(readFileSync(project.paths.events, "utf8")).toContain('"mail.sent"');
    await expect(
      sendMail(project, { from: "alice", to: "gone", subject: "x", body: "y" }),
    ).rejects.toThrow(/"gone" is exited/);
  });
});
