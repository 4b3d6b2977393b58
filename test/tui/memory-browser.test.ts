import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Config } from "../../src/core/schema.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { cockpitMemory } from "../../src/tui/cockpit-memory.js";
import { createBrowser, browserKey, visibleRecords } from "../../src/tui/memory-browser.js";
import { PREFIX, startCockpit as startRig } from "./cockpit-rig.js";

const COLS = 130;
const ROWS = 40;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function seededStore(): Promise<{ root: string; store: MemoryStore }> {
  const root = mkdtempSync(path.join(os.tmpdir(), "flotilla-browser-"));
  dirs.push(root);
  const config = Config.parse({});
  const store = MemoryStore.forProject(root, config);
  const add = (domain: string, text: string, type: "convention" | "pattern" = "convention") =>
    store.record({ domain, type, text }, { author: "alice" });
  await add("api", "Errors from the API are wrapped in ApiError");
  await add("forms", "Validation errors use the FieldError class");
  await add("forms", "Inputs debounce by 200 ms", "pattern");
  await add("git", "Rebase before pushing", "pattern");
  return { root, store };
}

/** The shared rig at 130×40 over alice, with the memory service on `root`. */
async function startCockpit(root: string) {
  const rig = await startRig(["alice"], {
    cols: COLS,
    rows: ROWS,
    screenSize: { cols: 60, rows: 30, scrollback: 10 },
    options: { services: { memory: cockpitMemory(root, Config.parse({}), { USER: "dev" }) } },
  });
  const waitFor = (test: (screen: string) => boolean, what: string) => rig.until(test, what);
  return { ...rig, waitFor };
}

describe("memory browser (prefix K) in the cockpit", () => {
  it("navigates domains, searches as you type, opens a record, adds, edits and archives one", async () => {
    const { root, store } = await seededStore();
    const { cockpit, hub, waitFor } = await startCockpit(root);

    cockpit.input(PREFIX + "K");
    let screen = await waitFor(
      (s) => s.includes("Memory ·") && s.includes("Errors from the API"),
      "the browser",
    );
    expect(screen).toMatch(/▶ api +1/);
    expect(screen).toMatch(/ forms +2/);

    // Down to forms: its records, by score (the convention before the pattern).
    cockpit.input("j");
    screen = await waitFor((s) => s.includes("Validation errors use"), "forms' records");
    expect(screen.indexOf("Validation errors use")).toBeLessThan(screen.indexOf("Inputs debounce"));
    expect(screen).not.toContain("Errors from the API");

    // Search as you type, across all domains.
    cockpit.input("/rebas");
    screen = await waitFor(
      (s) => s.includes("/rebas") && s.includes("git · Rebase before pushing"),
      "hits",
    );
    expect(screen).not.toContain("Validation errors use");
    expect(hub.typed("alice")).toBe("");

    // Open the hit in full.
    cockpit.input("\r\r");
    screen = await waitFor((s) => s.includes("record m-"), "the record in full");
    expect(screen).toContain("pattern · tactical · git · active");
    expect(screen).toContain("author alice");
    cockpit.input("\x1b");
    await waitFor((s) => s.includes("sort: score"), "back to the list");

    // Clear the search, add a record to forms.
    cockpit.input("\x1b");
    await waitFor((s) => s.includes("/ to search"), "the search cleared");
    cockpit.input("a");
    await waitFor((s) => s.includes("add a record"), "the add form");
    cockpit.input("Submit buttons are disabled while saving\r");
    screen = await waitFor(
      (s) => s.includes("Submit buttons are disabled while saving") && s.includes("sort:"),
      "the new record",
    );
    const added = (await store.load(["forms"])).records.find((r) =>
      r.text.startsWith("Submit buttons"),
    );
    expect(added).toMatchObject({ domain: "forms", type: "convention", author: "human:dev" });

    // Archive the selected record (the first one of forms, by score).
    cockpit.input("\t");
    // Edit the selected record's text.
    cockpit.input("e");
    await waitFor((s) => s.includes("Memory · edit m-"), "the edit form");
    cockpit.input("\x15Forms validate on blur\r");
    await waitFor(
      (s) => s.includes("Forms validate on blur") && s.includes("sort:"),
      "the edited record",
    );
    expect((await store.load(["forms"])).records.map((r) => r.text)).toContain(
      "Forms validate on blur",
    );

    cockpit.input("x");
    await waitFor((s) => s.includes("archived m-"), "the archive notice");
    const archived = (await store.load(["forms"])).records.filter((r) => r.state === "archived");
    expect(archived).toHaveLength(1);

    // The prime preview for the domain.
    cockpit.input("p");
    screen = await waitFor(
      (s) => s.includes("prime forms at 1000 tokens ·") && s.includes("# Team memory"),
      "the preview",
    );
    expect(screen).toMatch(/\d+ record\(s\), \d+ chars/);
    cockpit.input("q");
    cockpit.input("q");
    await waitFor((s) => !s.includes("Memory ·"), "the browser closed");
    cockpit.input("y");
    expect(hub.typed("alice")).toBe("y");
  });
});

describe("memory browser controller", () => {
  it("sorts by score, age and type; the add form refuses a bad type", () => {
    const rec = (id: string, type: "convention" | "pattern" | "reference", updated: string) => ({
      id,
      domain: "d",
      type,
      classification: "foundational" as const,
      text: id,
      tags: [],
      evidence: { files: [] },
      author: "a",
      created: updated,
      updated,
      confirmations: [],
      state: "active" as const,
    });
    let state = createBrowser({
      domains: [{ domain: "d", active: 3, archived: 0, expired: 0 }],
      records: [
        rec("m-00000001", "reference", "2026-05-03T00:00:00.000Z"),
        rec("m-00000002", "pattern", "2026-05-01T00:00:00.000Z"),
        rec("m-00000003", "convention", "2026-05-02T00:00:00.000Z"),
      ],
      problems: [],
    });
    const ids = () => visibleRecords(state).map((r) => r.id);
    expect(ids()).toEqual(["m-00000003", "m-00000001", "m-00000002"]);
    state = browserKey(state, "s").state;
    expect(ids()).toEqual(["m-00000001", "m-00000003", "m-00000002"]);
    state = browserKey(state, "s").state;
    expect(ids()).toEqual(["m-00000003", "m-00000002", "m-00000001"]);
    state = browserKey(state, "a").state;
    state = browserKey(state, "\x1b[Z").state; // to the Type field
    for (const key of [...Array(10).fill("\x7f"), "rumour"]) state = browserKey(state, key).state;
    state = browserKey(state, "\t").state;
    state = browserKey(state, "x").state;
    const step = browserKey(state, "\r");
    expect(step.effects ?? []).toEqual([]);
    expect(step.state.mode).toMatchObject({
      kind: "add",
      error: expect.stringContaining("type is one of"),
    });
  });
});
