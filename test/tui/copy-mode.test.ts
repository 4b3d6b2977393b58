import { describe, expect, it } from "vitest";
import type { PaneScreen } from "../../src/terminal/pane-screen.js";
import type { Cockpit } from "../../src/tui/cockpit.js";
import type { XtermSink } from "../terminal/helpers.js";
import { PREFIX, startCockpit, type FakeHub } from "./cockpit-rig.js";

// Wide enough for the status bar to show a whole notice beside the hints.
const COLS = 160;
const ROWS = 24;

interface Rig {
  cockpit: Cockpit;
  hub: FakeHub;
  screen: PaneScreen;
  sink: XtermSink;
  /** Prints `text` in the pane as its pty would, and lets the cockpit draw it. */
  print(text: string): Promise<void>;
  /** The outer terminal's rows once everything is drawn. */
  rows(): Promise<string[]>;
  /** The pane's interior rows (inside its frame). */
  pane(): Promise<string[]>;
}

/** One pane, `alice`, filling the outer terminal, with `scrollback` lines of scrollback. */
async function start(scrollback = 1000): Promise<Rig> {
  const rig = await startCockpit(["alice"], {
    cols: COLS,
    rows: ROWS,
    screenSize: { cols: COLS - 2, rows: ROWS - 3, scrollback },
  });
  const screen = rig.screens.get("alice")!;
  const rows = async (): Promise<string[]> => (await rig.text()).split("\n");
  return {
    cockpit: rig.cockpit,
    hub: rig.hub,
    screen,
    sink: rig.sink,
    print: async (text) => {
      await rig.output("alice", text);
      await screen.flush();
    },
    rows,
    // The single pane fills the terminal: its interior is one cell in from the frame.
    pane: async () =>
      (await rows()).slice(1, ROWS - 2).map((row) => [...row].slice(1, COLS - 1).join("")),
  };
}

const lines = (from: number, to: number, word = "tick") =>
  Array.from({ length: to - from + 1 }, (_, i) => `${word} ${from + i}\r\n`).join("");

/** The texts of every OSC 52 clipboard write the cockpit sent to the outer terminal. */
function clipboard(sink: XtermSink): string[] {
  return [...sink.writes.join("").matchAll(/\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/g)].map((m) =>
    Buffer.from(m[1] ?? "", "base64").toString("utf8"),
  );
}

/** SGR mouse report at 0-based cell (x, y): `b` button code, `M` press/move, `m` release. */
const mouse = (b: number, x: number, y: number, final = "M") =>
  `\x1b[<${b};${x + 1};${y + 1}${final}`;

describe("copy mode", () => {
  it("stays on the same lines while the pane keeps printing, with a correct indicator", async () => {
    const rig = await start();
    await rig.print(lines(1, 100));
    rig.cockpit.input(PREFIX + "[");
    rig.cockpit.input("\x1b[5~"); // a page (20 lines) up
    const before = await rig.pane();
    expect(before[0]).toMatch(/^tick 61 *$/);
    expect((await rig.rows()).join("\n")).toContain("[copy 20/80]");
    // The pane goes on printing: 50 more lines, in several bursts.
    for (let i = 0; i < 5; i++) await rig.print(lines(101 + i * 10, 110 + i * 10));
    expect(await rig.pane()).toEqual(before);
    expect((await rig.rows()).join("\n")).toContain("[copy 70/130]");
    // Leaving follows the output again.
    rig.cockpit.input("q");
    const live = (await rig.pane()).join("\n");
    expect(live).toContain("tick 150");
    expect((await rig.rows()).join("\n")).not.toContain("[copy");
    expect(rig.hub.typed("alice")).toBe("");
  });

  it("stays on the same lines when a full scrollback drops its oldest lines", async () => {
    const rig = await start(100);
    await rig.print(lines(1, 300));
    rig.cockpit.input(PREFIX + "[");
    rig.cockpit.input("\x1b[5~");
    const before = await rig.pane();
    expect(rig.screen.scrollbackLength).toBe(100);
    await rig.print(lines(301, 340)); // 40 lines fall off the top of the scrollback
    expect(rig.screen.droppedLines).toBeGreaterThan(0);
    expect(await rig.pane()).toEqual(before);
    expect((await rig.rows()).join("\n")).toContain("[copy 60/100]");
  });

  it("searches back with ? and forward with /, n and N, highlighting the matches", async () => {
    const rig = await start();
    const text = Array.from({ length: 120 }, (_, i) =>
      i === 10 || i === 50 || i === 90 ? `line ${i} has a Needle in it\r\n` : `line ${i}\r\n`,
    ).join("");
    await rig.print(text);
    rig.cockpit.input(PREFIX + "[");
    rig.cockpit.input("?needle");
    expect((await rig.rows()).at(-1)).toContain("search ?needle");
    rig.cockpit.input("\r");
    let pane = (await rig.pane()).join("\n");
    expect(pane).toContain("line 90 has a Needle");
    expect(pane).not.toContain("line 50 has");
    // The match is highlighted (black on yellow) where it is on the outer terminal.
    const grid = await rig.sink.grid();
    const rows = await rig.rows();
    const y = rows.findIndex((r) => r.includes("line 90 has"));
    const x = rows[y]!.indexOf("Needle");
    expect(grid.get(x, y).bg).toBe(3);
    expect(grid.get(x + 5, y).bg).toBe(3);
    expect(grid.get(x + 6, y).bg).not.toBe(3);
    // n goes on in the search's direction (back), N the other way.
    rig.cockpit.input("n");
    expect((await rig.pane()).join("\n")).toContain("line 50 has a Needle");
    rig.cockpit.input("n");
    expect((await rig.pane()).join("\n")).toContain("line 10 has a Needle");
    rig.cockpit.input("N");
    pane = (await rig.pane()).join("\n");
    expect(pane).toContain("line 50 has a Needle");
    // / searches forward from the cursor.
    rig.cockpit.input("g/line 11\r");
    expect((await rig.pane()).join("\n")).toMatch(/^line 11 *$/m);
    rig.cockpit.input("n");
    expect((await rig.pane()).join("\n")).toContain("line 110");
    rig.cockpit.input("/nowhere\r");
    expect((await rig.rows()).join("\n")).toContain("not found: nowhere");
    expect(rig.hub.typed("alice")).toBe("");
  });

  it("copies the selection to the outer terminal's clipboard with OSC 52, and says so", async () => {
    const rig = await start();
    await rig.print(lines(1, 60, "row"));
    rig.cockpit.input(PREFIX + "[");
    rig.cockpit.input("?row 42\r"); // the cursor on `row 42`
    rig.cockpit.input("v");
    rig.cockpit.input("j$"); // down to the end of `row 43`
    rig.cockpit.input("y");
    expect(clipboard(rig.sink)).toEqual(["row 42\nrow 43"]);
    const rows = (await rig.rows()).join("\n");
    expect(rows).toContain("copied 13 characters to the clipboard (OSC 52)");
    expect(rows).not.toContain("[copy"); // y leaves copy mode
    // With nothing selected, y says how to select.
    rig.cockpit.input(PREFIX + "[y");
    expect((await rig.rows()).join("\n")).toContain("nothing selected");
    expect(clipboard(rig.sink)).toHaveLength(1);
  });

  it("copies what a mouse drag over the pane selects", async () => {
    const rig = await start();
    await rig.print("first line here\r\nsecond line there\r\n$ ");
    const rows = await rig.rows();
    const y = rows.findIndex((r) => r.includes("first line"));
    const x = rows[y]!.indexOf("first");
    // Press on `line` of the first row, drag to `second`'s end on the next, release.
    rig.cockpit.input(mouse(0, x + 6, y));
    rig.cockpit.input(mouse(32, x + 3, y + 1));
    rig.cockpit.input(mouse(32, x + 5, y + 1));
    rig.cockpit.input(mouse(0, x + 5, y + 1, "m"));
    expect(clipboard(rig.sink)).toEqual(["line here\nsecond"]);
    expect((await rig.rows()).join("\n")).toContain("copied 16 characters");
    // A click without a drag copies nothing and leaves no copy mode behind.
    rig.cockpit.input(mouse(0, x, y) + mouse(0, x, y, "m"));
    expect(clipboard(rig.sink)).toHaveLength(1);
    expect((await rig.rows()).join("\n")).not.toContain("[copy");
    expect(rig.hub.typed("alice")).toBe("");
  });

  it("sends the wheel as arrow keys to a program on the alternate screen without mouse mode", async () => {
    const rig = await start();
    await rig.print(lines(1, 50));
    // The wheel on the normal screen scrolls the scrollback (copy mode).
    rig.cockpit.input(mouse(64, 10, 10));
    expect((await rig.rows()).join("\n")).toContain("[copy 3/");
    rig.cockpit.input(mouse(65, 10, 10)); // back down to the bottom: copy mode ends
    expect((await rig.rows()).join("\n")).not.toContain("[copy");
    // A pager's alternate screen, no mouse mode: the wheel is arrows (cursor-key mode honoured).
    await rig.print("\x1b[?1049h\x1b[?1hpager");
    rig.cockpit.input(mouse(65, 10, 10));
    rig.cockpit.input(mouse(64, 10, 10));
    expect(rig.hub.typed("alice")).toBe("\x1bOB\x1bOB\x1bOB\x1bOA\x1bOA\x1bOA");
    expect((await rig.rows()).join("\n")).not.toContain("[copy");
    // Once it asks for the mouse, it gets the wheel as mouse reports instead.
    await rig.print("\x1b[?1000h\x1b[?1006h");
    rig.cockpit.input(mouse(64, 10, 10));
    expect(rig.hub.typed("alice")).toMatch(/\x1b\[<64;\d+;\d+M$/);
  });

  it("is listed in help, which scrolls to it on a terminal shorter than the help", async () => {
    const rig = await start();
    rig.cockpit.input(PREFIX + "?");
    const text = (await rig.rows()).join("\n");
    expect(text).toMatch(/Keys \(1–\d+ of \d+\)/);
    expect(text).not.toContain("leave copy mode");
    rig.cockpit.input("\x1b[6~\x1b[6~");
    expect((await rig.rows()).join("\n")).toContain("In copy mode:");
    rig.cockpit.input("\x1b[6~");
    expect((await rig.rows()).join("\n")).toMatch(/\/ Ctrl-s +search forward/);
    rig.cockpit.input("x"); // any other key closes it
    expect((await rig.rows()).join("\n")).not.toContain("Keys (");
    expect(rig.hub.typed("alice")).toBe("");
  });
});
