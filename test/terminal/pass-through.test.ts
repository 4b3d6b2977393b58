/**
 * What a program in a pane prints reaches the real terminal: each sequence goes through a
 * pane's screen model, the cell grid and the compositor into an outer terminal model (a real
 * @xterm/headless, read back through a PaneScreen), and the outer cell is checked.
 */
import { afterEach, describe, expect, test } from "vitest";
import {
  CellGrid,
  UNDERLINE,
  UNDERLINE_CURLY,
  UNDERLINE_DASHED,
  UNDERLINE_DOTTED,
  UNDERLINE_DOUBLE,
  extrasOf,
  rgbColor,
  type Cell,
  type CellExtras,
} from "../../src/terminal/cell-grid.js";
import { AgentSession } from "../../src/hub/session.js";
import { Compositor, leaveScreen, type CursorState } from "../../src/terminal/compositor.js";
import { MAX_TITLE_LENGTH, PaneScreen, sanitizeTitle } from "../../src/terminal/pane-screen.js";
import { XtermSink, writeAsync } from "./helpers.js";

const COLS = 40;
const ROWS = 3;
const HIDDEN: CursorState = { x: 0, y: 0, visible: false };

const disposables: Array<{ dispose(): void }> = [];
afterEach(() => {
  for (const d of disposables.splice(0)) d.dispose();
});

/** A pane, a compositor, and the outer terminal it writes to. */
function rig() {
  const pane = new PaneScreen({ cols: COLS, rows: ROWS, scrollback: 0 });
  const outer = new XtermSink(COLS, ROWS);
  disposables.push(pane, outer.screen);
  const compositor = new Compositor(outer, COLS, ROWS);
  const frame = new CellGrid(COLS, ROWS);
  return {
    pane,
    outer,
    compositor,
    /** Feeds `data` to the pane, draws a frame, and returns the outer terminal's cells. */
    async show(data: string, cursor: CursorState = HIDDEN): Promise<CellGrid> {
      await writeAsync(pane, data);
      pane.copyInto(frame, 0, 0, COLS, ROWS);
      compositor.render(frame, cursor);
      return outer.grid();
    },
  };
}

function extras(cell: Cell): CellExtras {
  return extrasOf(cell.ext ?? 0);
}

describe("extended underlines pass through", () => {
  test("curly, double (21 and 4:2), dotted and dashed reach the outer cell", async () => {
    const { show } = rig();
    const g = await show(
      "\x1b[4:3mc\x1b[0m \x1b[21md\x1b[0m \x1b[4:2mD\x1b[0m \x1b[4:4mo\x1b[0m \x1b[4:5ma\x1b[0m \x1b[4mp\x1b[0m",
    );
    const at = (x: number) => [g.get(x, 0).ch, g.get(x, 0).flags & UNDERLINE, extras(g.get(x, 0))];
    expect(at(0)).toEqual([
      "c",
      UNDERLINE,
      expect.objectContaining({ underlineStyle: UNDERLINE_CURLY }),
    ]);
    expect(at(2)).toEqual([
      "d",
      UNDERLINE,
      expect.objectContaining({ underlineStyle: UNDERLINE_DOUBLE }),
    ]);
    expect(at(4)).toEqual([
      "D",
      UNDERLINE,
      expect.objectContaining({ underlineStyle: UNDERLINE_DOUBLE }),
    ]);
    expect(at(6)).toEqual([
      "o",
      UNDERLINE,
      expect.objectContaining({ underlineStyle: UNDERLINE_DOTTED }),
    ]);
    expect(at(8)).toEqual([
      "a",
      UNDERLINE,
      expect.objectContaining({ underlineStyle: UNDERLINE_DASHED }),
    ]);
    // A plain underline stays the common cell: no extras at all.
    expect(g.get(10, 0)).toMatchObject({ ch: "p", flags: UNDERLINE });
    expect(g.get(10, 0).ext).toBeUndefined();
    expect(g.get(1, 0).ext).toBeUndefined();
  });

  test("underline colour (58 in 256 and truecolour, both syntaxes) and its reset (59)", async () => {
    const { show } = rig();
    const g = await show(
      "\x1b[4;58;5;196ma\x1b[58:2::10:20:30mb\x1b[4:3;58;2;1;2;3mc\x1b[59md\x1b[0me",
    );
    expect(extras(g.get(0, 0)).underlineColor).toBe(196);
    expect(extras(g.get(1, 0)).underlineColor).toBe(rgbColor(10, 20, 30));
    expect(extras(g.get(2, 0))).toMatchObject({
      underlineStyle: UNDERLINE_CURLY,
      underlineColor: rgbColor(1, 2, 3),
    });
    expect(extras(g.get(3, 0))).toMatchObject({
      underlineStyle: UNDERLINE_CURLY,
      underlineColor: -1,
    });
    expect(g.get(4, 0)).toMatchObject({ ch: "e", flags: 0 });
    expect(g.get(4, 0).ext).toBeUndefined();
  });

  test("changing only the underline style of a cell redraws it", async () => {
    const { show, outer } = rig();
    await show("\x1b[4:3mx\x1b[0m");
    const before = outer.writes.length;
    const g = await show("\x1b[H\x1b[4:5mx\x1b[0m");
    expect(outer.writes.length).toBe(before + 1);
    expect(extras(g.get(0, 0)).underlineStyle).toBe(UNDERLINE_DASHED);
  });
});

describe("OSC 8 hyperlinks pass through", () => {
  test("the link's cells carry its URI and id on the outer terminal; the rest do not", async () => {
    const { show, outer } = rig();
    const g = await show(
      "see \x1b]8;id=doc1;https://example.com/a?b=1\x1b\\the docs\x1b]8;;\x1b\\ and \x1b]8;;file:///tmp/x\x07x\x1b]8;;\x07.",
    );
    for (let x = 4; x < 12; x++) {
      expect(extras(g.get(x, 0)), `col ${x}`).toMatchObject({
        linkUri: "https://example.com/a?b=1",
        linkId: "doc1",
      });
    }
    expect(g.get(3, 0).ext).toBeUndefined();
    expect(g.get(12, 0).ext).toBeUndefined();
    expect(extras(g.get(17, 0))).toMatchObject({ linkUri: "file:///tmp/x", linkId: "" });
    expect(g.get(18, 0).ext).toBeUndefined();
    // Every frame closes the link it opened, so nothing written later joins it.
    expect(outer.writes.join("")).toMatch(/\x1b\]8;;\x1b\\[^]*$/);
  });

  test("a link keeps working when only part of it is redrawn, and an underlined link keeps its style", async () => {
    const { show } = rig();
    await show("\x1b]8;;https://a.example/\x1b\\abcdef\x1b]8;;\x1b\\");
    const g = await show(
      "\x1b[1;3H\x1b]8;;https://a.example/\x1b\\\x1b[4:3mZ\x1b[0m\x1b]8;;\x1b\\",
    );
    expect(g.toText().split("\n")[0]).toBe("abZdef");
    for (let x = 0; x < 6; x++)
      expect(extras(g.get(x, 0)).linkUri, `col ${x}`).toBe("https://a.example/");
    expect(extras(g.get(2, 0)).underlineStyle).toBe(UNDERLINE_CURLY);
  });
});

describe("titles, bells and cursor shape", () => {
  test("OSC 0 and OSC 2 titles are events and the pane's title, sanitized", async () => {
    const pane = new PaneScreen({ cols: 20, rows: 2, scrollback: 0 });
    disposables.push(pane);
    const seen: string[] = [];
    const stop = pane.onTitle((t) => seen.push(t));
    await writeAsync(pane, "\x1b]0;claude: fixing tests\x07\x1b]2;vim  main.ts\x1b\\");
    await writeAsync(pane, "\x1b]2;evil\u202etxt \u2066name\x07");
    expect(seen).toEqual(["claude: fixing tests", "vim main.ts", "evil txt name"]);
    expect(pane.title).toBe("evil txt name");
    stop();
    await writeAsync(pane, `\x1b]2;${"x".repeat(500)}\x07`);
    expect(seen).toHaveLength(3);
    expect([...pane.title]).toHaveLength(MAX_TITLE_LENGTH);
    expect(pane.title.endsWith("…")).toBe(true);
    expect(sanitizeTitle("\x1b[31mred\x1b[0m \x1b]52;c;AAAA\x07x")).toBe("red x");
    expect(sanitizeTitle("a\u0085b\tc\x7fd\r\nf")).toBe("ab cd f");
  });

  test("the compositor sets the outer terminal's title, and leaving restores the old one", async () => {
    const { compositor, outer, show } = rig();
    const titles: string[] = [];
    outer.screen.onTitle((t) => titles.push(t));
    compositor.setTitle("alice — fixing tests");
    await show("x");
    expect(titles).toEqual(["alice — fixing tests"]);
    expect(leaveScreen()).toContain("\x1b[23;0t");
  });

  test("BEL from the program is an event and a count; the BEL ending an OSC is not", async () => {
    const pane = new PaneScreen({ cols: 20, rows: 2, scrollback: 0 });
    disposables.push(pane);
    let bells = 0;
    pane.onBell(() => bells++);
    await writeAsync(pane, "\x1b]2;title\x07done\x07");
    expect(bells).toBe(1);
    expect(pane.bellCount).toBe(1);
    await writeAsync(pane, "\x07\x07");
    expect(pane.bellCount).toBe(3);
  });

  test("DECSCUSR of the focused pane reaches the outer terminal; focus change and exit reset it", async () => {
    const { pane, outer, compositor, show } = rig();
    await show("\x1b[5 q$ ", { x: 2, y: 0, visible: true, shape: 0 });
    expect(pane.cursorShape).toBe(5);
    await show("", { x: 2, y: 0, visible: true, shape: pane.cursorShape });
    expect(outer.screen.cursorShape).toBe(5);
    // Focus moves to a pane that never asked for a shape.
    compositor.render(new CellGrid(COLS, ROWS), { x: 0, y: 0, visible: true, shape: 0 });
    await outer.screen.flush();
    expect(outer.screen.cursorShape).toBe(0);
    compositor.render(new CellGrid(COLS, ROWS), { x: 0, y: 0, visible: true, shape: 2 });
    await writeAsync(outer.screen, leaveScreen());
    expect(outer.screen.cursorShape).toBe(0);
    // A shape sent once is not sent again.
    const before = outer.writes.length;
    compositor.render(new CellGrid(COLS, ROWS), { x: 0, y: 0, visible: true, shape: 2 });
    expect(outer.writes.length).toBe(before);
  });
});

describe("the common case costs nothing extra", () => {
  test("plain coloured text writes no OSC 8 and no underline-colour sequences", async () => {
    const { show, outer } = rig();
    await show("\x1b[31mred\x1b[0m \x1b[1;4mbold\x1b[0m plain\r\n\x1b[44mbg\x1b[0m");
    const all = outer.writes.join("");
    expect(all).not.toContain("\x1b]8");
    expect(all).not.toMatch(/58[:;]/);
    expect(all).not.toMatch(/4:\d/);
  });
});

describe("an agent's title and bell reach the session's events", () => {
  test("a program in a real pty sets a title and rings the bell", async () => {
    const titles: string[] = [];
    let bells = 0;
    let rang: () => void = () => undefined;
    const rung = new Promise<void>((resolve) => (rang = resolve));
    const session = new AgentSession("t", { cols: 40, rows: 5 }, 0, [], 60_000, {
      output: () => undefined,
      status: () => undefined,
      started: () => undefined,
      title: (t) => titles.push(t),
      bell: () => {
        bells++;
        rang();
      },
    });
    try {
      session.start({
        file: process.execPath,
        args: ["-e", "process.stdout.write('\\x1b]2;agent: waiting\\x07ready\\x07')"],
        cwd: process.cwd(),
        env: process.env as Record<string, string>,
      });
      await rung;
      await session.exited;
      await session.screen.flush();
      expect(titles).toEqual(["agent: waiting"]);
      expect(bells).toBe(1);
      expect(session.screen.title).toBe("agent: waiting");
    } finally {
      session.dispose();
    }
  });
});
