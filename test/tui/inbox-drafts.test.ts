import { afterAll, describe, expect, it } from "vitest";
import { composeMessage, type MailMessage } from "../../src/core/mail.js";
import type { MemoryDraft } from "../../src/core/memory-drafts.js";
import { MemoryConfig } from "../../src/core/memory.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { cockpitMemory } from "../../src/tui/cockpit-memory.js";
import { createInbox, inboxHints, inboxKey } from "../../src/tui/inbox-controller.js";
import { inboxView } from "../../src/tui/views/inbox.js";
import type { ViewContext } from "../../src/tui/views/view.js";
import { makeTempDir, removeTempRepos } from "../git/temp-repo.js";

afterAll(removeTempRepos);

const NOW = Date.parse("2026-12-01T12:00:00.000Z");

const DRAFT: MemoryDraft = {
  kind: "memory_draft",
  key: "m1@x>m2",
  failedEntry: "m1",
  passedEntry: "m2",
  agent: "alice",
  gate: "test",
  domain: "test",
  type: "failure",
  text: "test failed: AssertionError: expected 3, got -1",
  resolution: "fix add: plus, not minus",
  evidence: { files: ["add.js"], commit: "a".repeat(40), agent: "alice" },
};

function message(id: string, type: MailMessage["type"], payload?: unknown): MailMessage {
  return composeMessage(
    { from: "memory-drafts", to: "cockpit", subject: `mail ${id}`, body: "", type, payload },
    ["cockpit"],
    id,
    new Date(NOW - 60_000),
  );
}

describe("accepting a memory draft in the inbox", () => {
  it("y on a memory_draft asks to accept it; on other mail it does nothing", () => {
    const inbox = createInbox([message("m2", "status"), message("m1", "memory_draft", DRAFT)], NOW);
    expect(inboxHints(inbox)).toContain("y accept");
    // The newest (a status mail) is selected first.
    expect(inboxKey(inbox, "y").effects).toEqual([]);
    const down = inboxKey(inbox, "j").state;
    const { effects } = inboxKey(down, "y");
    expect(effects).toEqual([
      { type: "accept-draft", message: expect.objectContaining({ id: "m1" }) },
    ]);
  });

  it("performing the accept records the failure in memory as the human and marks the mail read", async () => {
    const root = makeTempDir();
    const config = { memory: MemoryConfig.parse({}) };
    const read: string[] = [];
    const draftMail = message("m1", "memory_draft", DRAFT);
    const mail = {
      list: async () => [{ ...draftMail, readAt: read.includes("m1") ? "now" : null }],
      markRead: async (ids: readonly string[]) => void read.push(...ids),
      send: async () => undefined,
    };
    const ctx = {
      now: NOW,
      services: {
        mail,
        memory: cockpitMemory(root, config, { USER: "ann" }),
        runtimes: [],
        canDetach: false,
      },
    } as unknown as ViewContext;
    const after = await inboxView.perform?.({ type: "accept-draft", message: draftMail }, ctx);
    expect(read).toEqual(["m1"]);
    expect(after?.effects).toEqual([
      { type: "notice", level: "info", text: "recorded in memory (test)" },
    ]);
    const { records } = await MemoryStore.forProject(root, config).load();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      domain: "test",
      type: "failure",
      text: DRAFT.text,
      resolution: DRAFT.resolution,
      author: "human:ann",
      evidence: { files: ["add.js"], agent: "alice" },
    });
    // The listing shown afterwards has the draft read.
    const state = after?.update?.(createInbox([draftMail], NOW));
    expect(state?.messages[0]?.readAt).not.toBeNull();
  });
});
