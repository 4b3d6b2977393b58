import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { HubLink, PaneScreens } from "../../src/hub/link.js";
import type { AgentView, HubCommand, HubEvent } from "../../src/hub/protocol.js";
import { Config } from "../../src/core/schema.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { Cockpit } from "../../src/tui/cockpit.js";
import { cockpitMemory } from "../../src/tui/cockpit-memory.js";
import { createBrowser, browserKey, visibleRecords } from "../../src/tui/memory-browser.js";
import { XtermSink } from "../terminal/helpers.js";

const PREFIX = "\x02";
const COLS = 130;
const ROWS = 40;
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const agent = (name: string): AgentView => ({
  name,
  runtime: "shell",
  role: "worker",
  worktree: `/tmp/${name}`,
  branch: `flotilla/${name}`,
  base: "abc123",
  status: "idle",
  createdAt: "2026-01-01T00:00:00.000Z",
});

/** A hub that answers `list` and records what was typed into panes. */
class FakeHub implements HubLink {
  readonly sent: HubCommand[] = [];
  constructor(readonly agents: AgentView[]) {}
  send(command: HubCommand): void {
    this.sent.push(command);
  }
  request(command: HubCommand): Promise<unknown> {
    return Promise.resolve(command.type === "list" ? this.agents : null);
  }
  onEvent(listener: (event: HubEvent) => void): () => void {
    void listener;
    return () => undefined;
  }
  typed(name: string): string {
    return this.sent
      .flatMap((c) => (c.type === "input" && c.name === name ? [c.data] : []))
      .join("");
  }
}

class Screens implements PaneScreens {
  readonly map = new Map<string, PaneScreen>([
    ["alice", new PaneScreen({ cols: 60, rows: 30, scrollback: 10 })],
  ]);
  get(name: string): PaneScreen | undefined {
    return this.map.get(name);
  }
  whenParsed(name: string, done: () => void): void {
    const screen = this.map.get(name);
    if (screen) screen.whenParsed(done);
    else done();
  }
  dispose(): void {
    for (const screen of this.map.values()) screen.dispose();
  }
}

let cleanups: Array<() => void> = [];
afterEach(() => {
  for (const clean of cleanups) clean();
  cleanups = [];
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

async function startCockpit(root: string) {
  const hub = new FakeHub([agent("alice")]);
  const screens = new Screens();
  const sink = new XtermSink(COLS, ROWS);
  const cockpit = new Cockpit(
    { write: (data) => sink.write(data), size: () => ({ cols: COLS, rows: ROWS }) },
    hub,
    screens,
    {
      prefix: PREFIX,
      title: "flotilla · test",
      runtimes: ["shell"],
      onQuit: () => undefined,
      services: { memory: cockpitMemory(root, Config.parse({}), { USER: "dev" }) },
    },
  );
  await cockpit.start();
  cleanups.push(() => {
    cockpit.close();
    screens.dispose();
    sink.screen.dispose();
  });
  const text = async (): Promise<string> => {
    cockpit.renderNow();
    const grid = await sink.grid();
    const lines: string[] = [];
    for (let y = 0; y < grid.rows; y++) {
      let line = "";
      for (let x = 0; x < grid.cols; x++) line += grid.get(x, y).ch || " ";
      lines.push(line);
    }
    return lines.join("\n");
  };
  /** Waits (generously) until the screen satisfies `test`; returns that screen. */
  const waitFor = async (test: (screen: string) => boolean, what: string): Promise<string> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const screen = await text();
      if (test(screen)) return screen;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { cockpit, hub, text, waitFor };
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
