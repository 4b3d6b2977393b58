import { describe, expect, it } from "vitest";
import type { PaneScreens } from "../../src/hub/link.js";
import type { AgentView } from "../../src/hub/protocol.js";
import { createElement } from "react";
import { Text } from "ink";
import { composeMessage, type MailMessage } from "../../src/core/mail.js";
import type { CockpitMail, CockpitOptions } from "../../src/tui/cockpit.js";
import { VIEWS } from "../../src/tui/views/registry.js";
import { defineView } from "../../src/tui/views/view.js";
import { agentView as agent, PREFIX, startCockpit as startRig } from "./cockpit-rig.js";

const COLS = 80;
const ROWS = 24;

function mail(id: string, from: string, subject: string): MailMessage {
  const m = composeMessage(
    { from, to: "cockpit", subject, body: "b" },
    ["cockpit"],
    id,
    new Date(),
  );
  return { ...m, readAt: null } as MailMessage;
}

/** A mailbox in memory: what `list` returns can change, and sends are recorded. */
function fakeMail(messages: MailMessage[]): CockpitMail & { sent: unknown[] } {
  const sent: unknown[] = [];
  return {
    sent,
    list: () => Promise.resolve([...messages]),
    markRead: () => Promise.resolve(),
    send: (draft) => {
      sent.push(draft);
      return Promise.resolve();
    },
  };
}

/** The shared rig at 80×24 unless told, with `extra` cockpit options. */
const startCockpit = (
  names: string[],
  extra: Partial<CockpitOptions> = {},
  size: { cols?: number; rows?: number } = {},
) => startRig(names, { ...size, options: extra });

describe("Cockpit", () => {
  it("types into the first pane, and into the pane on the right after prefix →", async () => {
    const { cockpit, hub } = await startCockpit(["alice", "bob"]);
    cockpit.input("ls\r");
    expect(hub.typed("alice")).toBe("ls\r");
    cockpit.input(PREFIX + "\x1b[C");
    cockpit.input("pwd\r");
    expect(hub.typed("bob")).toBe("pwd\r");
    expect(hub.typed("alice")).toBe("ls\r");
  });

  it("zooms the focused pane to the whole terminal and back", async () => {
    const { cockpit, hub, text } = await startCockpit(["alice", "bob"]);
    const half = hub.lastSize("alice");
    cockpit.input(PREFIX + "z");
    expect(await text()).toContain("[zoom]");
    expect(await text()).not.toContain(" bob ");
    expect(hub.lastSize("alice")).toEqual({ cols: COLS - 2, rows: ROWS - 3 });
    cockpit.input(PREFIX + "z");
    const after = await text();
    expect(after).not.toContain("[zoom]");
    expect(after).toContain(" bob ");
    expect(hub.lastSize("alice")).toEqual(half);
  });

  it("opens the help view on prefix ?, keeps keys from the pane while open, closes on a key", async () => {
    const { cockpit, hub, text } = await startCockpit(["alice"]);
    cockpit.input(PREFIX + "?");
    const open = await text();
    expect(open).toContain("Keys");
    expect(open).toContain("zoom the focused pane");
    cockpit.input("x");
    expect(hub.typed("alice")).toBe("");
    expect(await text()).not.toContain("zoom the focused pane");
    cockpit.input("y");
    expect(hub.typed("alice")).toBe("y");
  });

  it("asks before killing an agent; y sends the kill, other keys cancel", async () => {
    const { cockpit, hub, text } = await startCockpit(["alice"]);
    cockpit.input(PREFIX + "x");
    expect(await text()).toContain("Kill agent alice?");
    cockpit.input("n");
    expect(await text()).not.toContain("Kill agent alice?");
    expect(hub.requests.some((c) => c.type === "kill")).toBe(false);
    cockpit.input(PREFIX + "x");
    cockpit.input("y");
    expect(hub.requests).toContainEqual({ type: "kill", name: "alice" });
    expect(hub.typed("alice")).toBe("");
  });

  it("types into the spawn form, not the pane, and spawns with what was typed", async () => {
    const { cockpit, hub, text } = await startCockpit(["alice"]);
    cockpit.input(PREFIX + "n");
    expect(await text()).toContain("Spawn an agent");
    cockpit.input("carol\r");
    expect(hub.requests).toContainEqual({ type: "spawn", name: "carol", runtime: "shell" });
    expect(hub.typed("alice")).toBe("");
    expect(await text()).not.toContain("Spawn an agent");
  });

  it("offers every runtime as a list in the spawn form, and passes the model through", async () => {
    const runtimes = ["shell", "claude", "codex"];
    const { cockpit, hub, text } = await startCockpit(["alice"], { runtimes });
    cockpit.input(PREFIX + "n");
    const form = await text();
    expect(form).toMatch(/Runtime\s+shell\s+claude\s+codex/);
    // Tab to the runtime row, → to claude; typing there chooses, never edits.
    cockpit.input("carol\t\x1b[C\x7f");
    // The effort row is a choice too: → from "default" to "low", then h picks "high".
    cockpit.input("\topus\t\x1b[Ch\tfix the tests\r");
    expect(hub.requests).toContainEqual({
      type: "spawn",
      name: "carol",
      runtime: "claude",
      model: "opus",
      effort: "high",
      prompt: "fix the tests",
    });
    cockpit.input(PREFIX + "n");
    cockpit.input("dave\tc\r");
    expect(hub.requests.at(-1)).toMatchObject({ name: "dave", runtime: "claude" });
    expect(hub.requests.at(-1)).not.toHaveProperty("model");
    expect(hub.requests.at(-1)).not.toHaveProperty("effort");
  });

  it("takes a mouse report split across two reads as one click, typing nothing into the pane", async () => {
    const { cockpit, hub } = await startCockpit(["alice", "bob"]);
    // bob's pane is the right half: column 60, row 5 (1-based in the report).
    cockpit.input("\x1b[<0;60");
    cockpit.input(";5M");
    cockpit.input("\x1b[<0;60;5m");
    expect(hub.typed("alice")).toBe("");
    expect(hub.typed("bob")).toBe("");
    cockpit.input("q");
    expect(hub.typed("bob")).toBe("q");
  });

  it("opens the inbox on prefix m with mail loaded asynchronously, and reloads it when mail arrives", async () => {
    const messages = [mail("m1", "bob", "first report")];
    const rig = await startCockpit(["alice"], { mail: fakeMail(messages) });
    rig.cockpit.input(PREFIX + "m");
    await rig.until((t) => t.includes("first report"));
    messages.unshift(mail("m2", "carol", "second report"));
    rig.hub.emit({
      type: "mail",
      summary: { unread: {}, cockpitUnread: 2, reactions: [] },
    });
    await rig.until((t) => t.includes("second report") && t.includes("first report"));
    rig.cockpit.input("j");
    expect(rig.hub.typed("alice")).toBe("");
    rig.cockpit.input("q");
    await rig.until((t) => !t.includes("second report"));
    rig.cockpit.input("j");
    expect(rig.hub.typed("alice")).toBe("j");
  });

  it("opens a view registered with its own prefix key, lists the key in help, and refreshes it on hub events", async () => {
    let loads = 0;
    const boardView = defineView<{ title: string }, { type: "reload" }>({
      id: "board",
      title: "On the board:",
      bindings: [
        {
          keys: ["x"],
          keyLabels: ["x"],
          command: "close",
          context: "board",
          description: "close the board",
        },
      ],
      opener: { key: "B", description: "open the test board", hint: "board" },
      open: async () => ({ state: { title: `board v${++loads}` } }),
      key: (state, key) => ({ state, effects: key === "x" ? [{ type: "close" }] : [] }),
      onEvent: (state, event) =>
        event.type === "agent" ? { state, effects: [{ type: "reload" }] } : undefined,
      perform: async () => {
        const title = `board v${++loads}`;
        return { update: (state) => ({ ...state, title }) };
      },
      size: () => ({ width: 30, height: 3 }),
      cacheKey: (state) => state.title,
      element: (state) => createElement(Text, null, state.title),
    });
    const views = [...VIEWS, boardView as unknown as (typeof VIEWS)[number]];
    // Tall enough for the whole help (a shorter terminal cuts it off).
    const rig = await startCockpit(["alice"], { views }, { cols: 100, rows: 110 });
    rig.cockpit.input(PREFIX + "?");
    const help = await rig.text();
    expect(help).toContain("open the test board");
    expect(help).toContain("close the board");
    rig.cockpit.input(" ");
    rig.cockpit.input(PREFIX + "B");
    await rig.until((t) => t.includes("board v1"));
    rig.hub.emit({ type: "agent", agent: agent("bob") });
    await rig.until((t) => t.includes("board v2"));
    rig.cockpit.input("x");
    await rig.until((t) => !t.includes("board v"));
    expect(rig.hub.typed("alice")).toBe("");
  });

  it("counts PgUps pressed while a remote hub is still sending the scrollback", async () => {
    const rig = await startCockpit(["alice"]);
    const screen = rig.screens.get("alice")!;
    let arrive!: () => void;
    // As a remote mirror: the scrollback arrives some time after prefix [ asks for it.
    (rig.screens as PaneScreens).loadScrollback = () =>
      new Promise<void>((resolve) => {
        arrive = () => {
          screen.write(Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\r\n"));
          void screen.flush().then(resolve);
        };
      });
    rig.cockpit.input(PREFIX + "[");
    rig.cockpit.input("\x1b[5~");
    rig.cockpit.input("\x1b[5~");
    arrive();
    await rig.until((t) => /\[copy 40\/\d+\]/.test(t));
    expect(rig.hub.typed("alice")).toBe("");
  });

  it("scrolls the focused pane back a page at a time in copy mode, and leaves on q", async () => {
    const rig = await startCockpit(["alice"]);
    const screen = rig.screens.get("alice")!;
    screen.write(Array.from({ length: 100 }, (_, i) => `line ${i + 1}`).join("\r\n"));
    await screen.flush();
    rig.cockpit.input(PREFIX + "[");
    expect(await rig.text()).toContain("[copy 0/");
    rig.cockpit.input("\x1b[5~");
    rig.cockpit.input("\x1b[5~");
    expect(await rig.text()).toMatch(/\[copy 40\/\d+\]/);
    rig.cockpit.input("q");
    expect(await rig.text()).not.toContain("[copy");
    expect(rig.hub.typed("alice")).toBe("");
  });
});

describe("needs-you routing", () => {
  it("prefix w jumps to the agent that has waited longest, and the status bar counts the waiting", async () => {
    const { cockpit, hub, text, until } = await startCockpit(
      ["alice", "bob", "carol"],
      {},
      { cols: 120 },
    );
    const waiting = (name: string, since: string): AgentView => ({
      ...agent(name),
      status: "waiting",
      waitingSince: since,
    });
    hub.emit({ type: "agent", agent: waiting("carol", "2026-01-01T00:05:00.000Z") });
    hub.emit({ type: "agent", agent: waiting("bob", "2026-01-01T00:01:00.000Z") });
    await until((t) => t.includes("2 waiting"));
    cockpit.input(PREFIX + "w");
    cockpit.input("y");
    expect(hub.typed("bob")).toBe("y");
    // bob answered: carol is the one left waiting.
    hub.emit({ type: "status", name: "bob", status: "working" });
    cockpit.input(PREFIX + "w");
    cockpit.input("n");
    expect(hub.typed("carol")).toBe("n");
    expect(await text()).toContain("1 waiting");
  });
});

describe("Cockpit costs", () => {
  it("shows each agent's spending in its pane title and the total in the status bar", async () => {
    const { hub, until } = await startCockpit(["alice", "bob"], {}, { cols: 120 });
    hub.emit({ type: "agent", agent: agent("alice", { dollars: 0.4249 }) });
    const text = await until((t) => t.includes("$0.42"));
    expect(text.split("\n")[0]).toMatch(/ alice · shell · flotilla\/alice · idle · \$0\.42 /);
    // bob has spent nothing (a shell): no cost in his title; the total is alice's.
    expect(text.split("\n")[0]).toMatch(/ bob · shell · flotilla\/bob · idle ─/);
    expect(text.split("\n").at(-1)).toContain("2 agents · 0 working · $0.42");
    hub.emit({ type: "agent", agent: agent("bob", { dollars: 12.3 }) });
    const both = await until((t) => t.includes("$12.72"));
    expect(both.split("\n")[0]).toContain("idle · $12.30");
  });
});

describe("Cockpit pass-through", () => {
  it("shows the title a program sets (OSC 2) in its pane's frame, sanitized", async () => {
    const rig = await startCockpit(["alice", "bob"], {}, { cols: 160, rows: 24 });
    await rig.output("alice", "\x1b]2;fixing\t the \u202etests\x07");
    const text = await rig.until((t) => t.includes("· fixing the tests"));
    expect(text.split("\n")[0]).toContain(" alice ");
  });

  it("cuts a long title with wide characters to the frame", async () => {
    const rig = await startCockpit(["alice", "bob"], {}, { cols: 160, rows: 24 });
    await rig.output("alice", `\x1b]2;${"中".repeat(60)}\x07`);
    await rig.until((t) => t.includes("中"));
    const grid = await rig.sink.grid();
    // The corners of alice's frame (80 columns) and bob's are where they belong.
    expect([grid.get(79, 0).ch, grid.get(80, 0).ch]).toEqual(["┓", "╭"]);
  });

  it("marks a pane whose program rang the bell until it gets focus", async () => {
    const rig = await startCockpit(["alice", "bob"]);
    await rig.output("bob", "done\x07");
    await rig.until((t) => t.includes(" bob ! "));
    // A bell in the focused pane is no news.
    await rig.output("alice", "\x07");
    expect(await rig.text()).not.toContain(" alice ! ");
    rig.cockpit.input(PREFIX + "\x1b[C");
    await rig.until((t) => !t.includes(" bob ! "));
  });

  it("gives the terminal the focused pane's cursor shape, and its default when focus moves", async () => {
    const rig = await startCockpit(["alice", "bob"]);
    await rig.output("alice", "\x1b[6 q$ ");
    await rig.text();
    expect(rig.sink.screen.cursorShape).toBe(6);
    rig.cockpit.input(PREFIX + "\x1b[C");
    await rig.text();
    expect(rig.sink.screen.cursorShape).toBe(0);
  });

  it("sets the terminal's window title to the focused pane's when asked to", async () => {
    const rig = await startCockpit(["alice", "bob"], { forwardTitle: true });
    await rig.output("alice", "\x1b]0;vim main.ts\x07");
    await rig.until(() => rig.sink.screen.title === "vim main.ts");
    rig.cockpit.input(PREFIX + "\x1b[C");
    await rig.until(() => rig.sink.screen.title === "bob");
    const quiet = await startCockpit(["carol"]);
    await quiet.output("carol", "\x1b]0;secret\x07");
    await quiet.until((t) => t.includes("secret"));
    expect(quiet.sink.screen.title).toBe("");
  });
});

describe("Cockpit layouts", () => {
  it("prefix Space cycles the named layouts, resizing every pty", async () => {
    const rig = await startCockpit(["alice", "bob", "carol"], {}, { cols: 120, rows: 24 });
    expect(rig.hub.lastSize("carol")).toEqual({ cols: 118, rows: 9 });
    rig.cockpit.input(PREFIX + " ");
    await rig.until((t) => t.includes("layout: even-horizontal"));
    expect(["alice", "bob", "carol"].map((n) => rig.hub.lastSize(n)?.cols)).toEqual([38, 38, 38]);
    rig.cockpit.input(PREFIX + " ");
    await rig.until((t) => t.includes("layout: even-vertical"));
    expect(rig.hub.lastSize("alice")?.cols).toBe(118);
  });

  it("starts with the configured layout", async () => {
    const rig = await startCockpit(["alice", "bob", "carol"], { layout: "main-vertical" });
    const [a, b, c] = ["alice", "bob", "carol"].map((n) => rig.hub.lastSize(n));
    expect(a!.cols).toBeGreaterThan(b!.cols);
    expect(b!.cols).toBe(c!.cols);
    expect(a!.rows).toBeGreaterThan(b!.rows);
  });

  it("prefix } and { swap the focused pane with the next and the previous one", async () => {
    const rig = await startCockpit(["alice", "bob", "carol"], { layout: "even-horizontal" });
    const order = async (): Promise<string[]> => {
      const top = (await rig.text()).split("\n")[0] ?? "";
      return ["alice", "bob", "carol"].sort(
        (x, y) => top.indexOf(` ${x} `) - top.indexOf(` ${y} `),
      );
    };
    expect(await order()).toEqual(["alice", "bob", "carol"]);
    rig.cockpit.input(PREFIX + "}");
    expect(await order()).toEqual(["bob", "alice", "carol"]);
    rig.cockpit.input(PREFIX + "}");
    expect(await order()).toEqual(["bob", "carol", "alice"]);
    rig.cockpit.input(PREFIX + "{");
    rig.cockpit.input(PREFIX + "{");
    expect(await order()).toEqual(["alice", "bob", "carol"]);
    // Focus stayed on alice, who moved: typing still goes to her.
    rig.cockpit.input("x");
    expect(rig.hub.typed("alice")).toBe("x");
  });
});

describe("Cockpit: the scope watcher's flag", () => {
  it("shows ⚠ N out of scope in the pane's title while the hub reports it, and drops it when cleared", async () => {
    const { hub, until } = await startCockpit(["alice"]);
    await until((t) => t.includes("alice"), "alice's pane");
    hub.emit({ type: "agent", agent: agent("alice", { status: "working", outOfScope: 2 }) });
    await until((t) => t.includes("⚠ 2 out of scope"), "the flag");
    hub.emit({ type: "agent", agent: agent("alice", { status: "working" }) });
    const cleared = await until((t) => !t.includes("out of scope"), "the flag cleared");
    expect(cleared).toContain("alice");
  });
});
