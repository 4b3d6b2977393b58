import { afterEach, describe, expect, test } from "vitest";
import { BOLD, CellGrid, ITALIC, UNDERLINE, rgbColor } from "../../src/terminal/cell-grid.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { wcswidth } from "../../src/terminal/unicode-width.js";
import { seededRandom, writeAsync } from "./helpers.js";

const screens: PaneScreen[] = [];
function makeScreen(cols: number, rows: number, scrollback = 100): PaneScreen {
  const s = new PaneScreen({ cols, rows, scrollback });
  screens.push(s);
  return s;
}
afterEach(() => {
  for (const s of screens.splice(0)) s.dispose();
});

function gridOf(screen: PaneScreen, w = screen.cols, h = screen.rows, offset = 0): CellGrid {
  const g = new CellGrid(w, h);
  screen.copyInto(g, 0, 0, w, h, offset);
  return g;
}

describe("PaneScreen.copyInto", () => {
  test("copies characters with their colours and attributes", async () => {
    const s = makeScreen(20, 3);
    await writeAsync(
      s,
      "a\x1b[1;31mb\x1b[0m\x1b[38;5;200;44mc\x1b[0m\x1b[3;4;38;2;10;20;30;48;2;1;2;3md\x1b[0m",
    );
    const g = gridOf(s);
    expect(g.get(0, 0)).toEqual({ ch: "a", width: 1, fg: -1, bg: -1, flags: 0 });
    expect(g.get(1, 0)).toEqual({ ch: "b", width: 1, fg: 1, bg: -1, flags: BOLD });
    expect(g.get(2, 0)).toEqual({ ch: "c", width: 1, fg: 200, bg: 4, flags: 0 });
    expect(g.get(3, 0)).toEqual({
      ch: "d",
      width: 1,
      fg: rgbColor(10, 20, 30),
      bg: rgbColor(1, 2, 3),
      flags: ITALIC | UNDERLINE,
    });
    expect(g.get(4, 0)).toEqual({ ch: " ", width: 1, fg: -1, bg: -1, flags: 0 });
  });

  test("cells as a wcwidth terminal fills them: wide CJK and emoji, joined zero-width parts", async () => {
    const s = makeScreen(30, 2);
    await writeAsync(s, "中x😀y❤️z👨‍👩‍👧w🇫🇷v");
    const g = gridOf(s);
    const cells = [];
    for (let x = 0; x < 17; x++) cells.push([g.get(x, 0).ch, g.get(x, 0).width]);
    expect(cells).toEqual([
      ["中", 2],
      ["", 0],
      ["x", 1],
      ["😀", 2],
      ["", 0],
      ["y", 1],
      ["❤️", 1],
      ["z", 1],
      ["👨\u200d", 2],
      ["", 0],
      ["👩\u200d", 2],
      ["", 0],
      ["👧", 2],
      ["", 0],
      ["w", 1],
      ["🇫", 1],
      ["🇷", 1],
    ]);
    expect(s.cursor).toMatchObject({ x: 18, y: 0 });
  });

  test("places text where wcswidth says (as bash, readline and vim measure it)", async () => {
    const pool = [
      "a",
      " ",
      "─",
      "中",
      "ｱ",
      "é",
      "e\u0301",
      "😀",
      "👍🏽",
      "❤️",
      "🇯🇵",
      "1️⃣",
      "👨‍👩‍👧",
      "한",
      "\u1100\u1161",
      "✓",
      "…",
      "⌚",
      "ä",
      "\u200b",
    ];
    const rnd = seededRandom(5);
    const s = makeScreen(80, 2);
    for (let k = 0; k < 100; k++) {
      let line = "";
      const len = 1 + Math.floor(rnd() * 12);
      for (let j = 0; j < len; j++) line += pool[Math.floor(rnd() * pool.length)];
      await writeAsync(s, `\x1b[2J\x1b[H${line}|`);
      expect(gridOf(s).get(wcswidth(line), 0).ch, JSON.stringify(line)).toBe("|");
      expect(s.cursor.x, JSON.stringify(line)).toBe(wcswidth(line) + 1);
    }
  });

  test("a zero-width space at the start of a line takes no column; a combining mark joins", async () => {
    const s = makeScreen(20, 3);
    await writeAsync(s, "\u200bab\r\n\u0301x\r\ne\u0301\x1b[5G\u0308y");
    expect(s.text().split("\n")).toEqual(["ab", "x", "e\u0301  \u0308y"]);
    expect(gridOf(s).get(0, 0).ch).toBe("a");
    expect(gridOf(s).get(0, 1).ch).toBe("x");
    expect(s.cursor).toMatchObject({ x: 5, y: 2 });
  });

  test("clips to a smaller rectangle (never half a wide char) and pads a larger one", async () => {
    const s = makeScreen(6, 2);
    await writeAsync(s, "ab中de\r\n123456");
    const small = gridOf(s, 3, 1);
    expect(small.toText()).toBe("ab");
    expect(small.get(2, 0)).toEqual({ ch: " ", width: 1, fg: -1, bg: -1, flags: 0 });
    const big = new CellGrid(10, 4);
    big.fillRect(0, 0, 10, 4, { ch: "#", width: 1, fg: 1, bg: 1, flags: 0 });
    s.copyInto(big, 1, 1, 8, 3);
    expect(big.toText()).toBe(["##########", "#ab中de  #", "#123456  #", "#        #"].join("\n"));
    expect(big.get(1, 3).fg).toBe(-1);
  });

  test("scrollOffset shows lines further back in scrollback, clamped to what exists", async () => {
    const s = makeScreen(10, 3);
    await writeAsync(s, Array.from({ length: 10 }, (_, i) => `line${i}`).join("\r\n"));
    expect(s.scrollbackLength).toBe(7);
    expect(gridOf(s).toText()).toBe("line7\nline8\nline9");
    expect(gridOf(s, 10, 3, 2).toText()).toBe("line5\nline6\nline7");
    expect(gridOf(s, 10, 3, 100).toText()).toBe("line0\nline1\nline2");
  });

  test("the alternate screen hides the normal one and has no scrollback", async () => {
    const s = makeScreen(10, 3);
    await writeAsync(s, "a\r\nb\r\nc\r\nd\r\ne");
    await writeAsync(s, "\x1b[?1049h\x1b[Hfull-screen");
    expect(s.isAlternateBuffer).toBe(true);
    expect(s.scrollbackLength).toBe(0);
    expect(s.text()).toBe("full-scree\nn\n");
    await writeAsync(s, "\x1b[?1049l");
    expect(s.isAlternateBuffer).toBe(false);
    expect(s.text()).toBe("c\nd\ne");
  });
});

describe("PaneScreen modes and cursor", () => {
  test("tracks cursor visibility (DECTCEM) and reset", async () => {
    const s = makeScreen(10, 3);
    expect(s.cursor).toEqual({ x: 0, y: 0, visible: true });
    await writeAsync(s, "ab\x1b[?25l");
    expect(s.cursor).toEqual({ x: 2, y: 0, visible: false });
    await writeAsync(s, "\x1b[?25h\x1b[3;4H");
    expect(s.cursor).toEqual({ x: 3, y: 2, visible: true });
    await writeAsync(s, "\x1b[?25l\x1bc");
    expect(s.cursor.visible).toBe(true);
  });

  test("reports the input modes a child set", async () => {
    const s = makeScreen(10, 3);
    expect(s.modes).toMatchObject({
      applicationCursorKeysMode: false,
      bracketedPasteMode: false,
      mouseTrackingMode: "none",
      mouseEncoding: "default",
      sendFocusMode: false,
    });
    await writeAsync(s, "\x1b[?1h\x1b[?2004h\x1b[?1002;1006h\x1b[?1004h");
    expect(s.modes).toMatchObject({
      applicationCursorKeysMode: true,
      bracketedPasteMode: true,
      mouseTrackingMode: "drag",
      mouseEncoding: "sgr",
      sendFocusMode: true,
    });
  });
});
