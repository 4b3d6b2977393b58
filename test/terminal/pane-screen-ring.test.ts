import { describe, expect, it } from "vitest";
import { copyKey, copyPosition, enterCopyMode, selectionText } from "../../src/core/copy-mode.js";
import type { CopyState } from "../../src/core/copy-mode.js";
import { CellGrid, extrasOf } from "../../src/terminal/cell-grid.js";
import { copyBuffer } from "../../src/tui/pane-scroll.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { seededRandom, writeAsync } from "./helpers.js";

/**
 * The scrollback ring: a pane whose old lines live in the packed ring must look, cell for
 * cell, like the same pane with everything in xterm's own scrollback (the model before the
 * ring), at every scroll offset, across the ring/xterm boundary, after resizes, ESC[3J, RIS.
 */

const COLS = 60;
const ROWS = 8;

// A reference (all scrollback in xterm) and a ringed screen keeping only `keep` lines in xterm.
function pair(scrollback: number, keep = 5, cols = COLS, rows = ROWS): [PaneScreen, PaneScreen] {
  return [
    new PaneScreen({ cols, rows, scrollback, xtermScrollback: scrollback }),
    new PaneScreen({ cols, rows, scrollback, xtermScrollback: keep }),
  ];
}

// Mixed content: truecolor, 256 colours, styles, curly/coloured underlines, OSC 8 links,
// CJK, emoji (with ZWJ and skin tone), combining marks, erased backgrounds, wraps.
// `coloredNulls` false: no background colour is ever set, so no row holds nulls (erased or
// never-printed cells) with a colour: after a re-wrap, xterm keeps such nulls past a line's
// end or not depending on which of its recycled rows the end lands in, and the ring does not.
function content(lines: number, seed: number, coloredNulls = true): string {
  const rand = seededRandom(seed);
  const pick = <T>(a: readonly T[]): T => {
    const v = a[Math.floor(rand() * a.length)]!;
    return !coloredNulls && typeof v === "string" && /\x1b\[(48|4\d;|\d+;4\d)/.test(v) ? a[0]! : v;
  };
  const words = [
    "plain",
    "日本語テキスト",
    "e\u0301te\u0301",
    "👍🏽",
    "👨‍👩‍👧",
    "λx.x",
    "ascii",
    "漢字",
    "tab\there",
  ];
  const pens = [
    "\x1b[0m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[2;1m",
    "\x1b[3m",
    "\x1b[4m",
    "\x1b[4:3m\x1b[58:2::255:0:0m",
    "\x1b[21m",
    "\x1b[7m",
    "\x1b[9m",
    "\x1b[38;2;12;200;99m",
    "\x1b[48;2;40;0;80m",
    "\x1b[38;5;208m",
    "\x1b[31;44m",
    "\x1b[0m",
  ];
  let out = "";
  for (let i = 0; i < lines; i++) {
    let line = `${pick(pens)}${String(i).padStart(4, "0")} `;
    const n = Math.floor(rand() * 14);
    for (let k = 0; k < n; k++) {
      const r = rand();
      if (r < 0.08)
        line += `\x1b]8;id=l${k};https://example.com/${i}/${k}\x1b\\link${k}\x1b]8;;\x1b\\ `;
      else if (r < 0.14 && coloredNulls) line += `\x1b[41m\x1b[K`;
      else if (r < 0.18) line += `\x1b[5C`;
      else line += `${pick(pens)}${pick(words)} `;
    }
    out += `${line}\x1b[0m\r\n`;
  }
  return out;
}

function grid(screen: PaneScreen, offset: number): CellGrid {
  const g = new CellGrid(screen.cols, screen.rows);
  screen.copyInto(g, 0, 0, g.cols, g.rows, offset);
  return g;
}

function sameGrid(a: CellGrid, b: CellGrid): string | null {
  for (let i = 0; i < a.cols * a.rows; i++) {
    if (
      a.chars[i] !== b.chars[i] ||
      a.widths[i] !== b.widths[i] ||
      a.fgs[i] !== b.fgs[i] ||
      a.bgs[i] !== b.bgs[i] ||
      a.flagsArr[i] !== b.flagsArr[i] ||
      a.exts[i] !== b.exts[i]
    ) {
      const x = i % a.cols;
      const y = Math.floor(i / a.cols);
      return `(${x},${y}): ${JSON.stringify(a.get(x, y))} != ${JSON.stringify(b.get(x, y))}`;
    }
  }
  return null;
}

// Every offset, every line, the counts: the ringed screen must equal the reference.
function expectSame(ref: PaneScreen, ringed: PaneScreen): void {
  expect(ringed.scrollbackLength).toBe(ref.scrollbackLength);
  expect(ringed.droppedLines).toBe(ref.droppedLines);
  for (let offset = 0; offset <= ref.scrollbackLength + 2; offset++) {
    const diff = sameGrid(grid(ringed, offset), grid(ref, offset));
    if (diff) expect.fail(`offset ${offset} of ${ref.scrollbackLength}: ${diff}`);
  }
  for (let i = 0; i < ref.scrollbackLength + ref.rows + 1; i++) {
    expect(ringed.readLine(i), `line ${i}`).toEqual(ref.readLine(i));
  }
}

async function writeBoth(screens: PaneScreen[], data: string): Promise<void> {
  await Promise.all(screens.map((s) => writeAsync(s, data)));
}

describe("PaneScreen scrollback ring", () => {
  it("shows every scroll offset cell for cell as a plain xterm scrollback would", async () => {
    const [ref, ringed] = pair(400);
    await writeBoth([ref, ringed], content(300, 1));
    expect(ringed.scrollbackLength).toBeGreaterThan(250);
    expectSame(ref, ringed);
    // Text was kept too: colours, a link, wide and combining characters from deep in the ring.
    const text = Array.from({ length: 50 }, (_, i) => ringed.readLine(i)?.text ?? "").join("\n");
    expect(text).toMatch(/日本語|漢字/);
    expect(text).toMatch(/e\u0301/);
    // Deep in the ring (offset 380 shows lines 15-22): a link and a curly red underline.
    const deep = grid(ringed, ringed.scrollbackLength);
    const extras = [...deep.exts].filter((e) => e !== 0).map((e) => extrasOf(e));
    expect(extras.some((e) => e.linkUri.startsWith("https://example.com/"))).toBe(true);
    expect(extras.some((e) => e.underlineStyle === 3 && e.underlineColor !== -1)).toBe(true);
    // Clipped rectangles: a wide character cut by either edge becomes a blank, as from xterm.
    for (const offset of [0, 150, ringed.scrollbackLength]) {
      for (const [x, w] of [
        [3, COLS - 7],
        [-5, COLS],
        [10, COLS + 4],
      ] as const) {
        const a = new CellGrid(COLS, ROWS + 2);
        const b = new CellGrid(COLS, ROWS + 2);
        ringed.copyInto(a, x, 1, w, ROWS + 2, offset);
        ref.copyInto(b, x, 1, w, ROWS + 2, offset);
        const diff = sameGrid(a, b);
        if (diff) expect.fail(`offset ${offset}, x ${x}, w ${w}: ${diff}`);
      }
    }
    ref.dispose();
    ringed.dispose();
  });

  it("keeps the configured length, dropping the oldest lines and counting them", async () => {
    const [ref, ringed] = pair(120);
    await writeBoth([ref, ringed], content(500, 2));
    expect(ringed.scrollbackLength).toBe(120);
    expect(ringed.droppedLines).toBeGreaterThan(300);
    expectSame(ref, ringed);
    ref.dispose();
    ringed.dispose();
  });

  it("loses no line of a flood written in one piece", async () => {
    const lines = 60_000;
    const screen = new PaneScreen({ cols: 40, rows: 10, scrollback: lines, xtermScrollback: 20 });
    let data = "";
    for (let i = 0; i < lines; i++) data += `line ${i}\n\r`;
    await writeAsync(screen, data);
    expect(screen.scrollbackLength + screen.rows).toBeGreaterThanOrEqual(lines);
    for (let i = 0; i < lines; i++) {
      if (screen.readLine(i)?.text !== `line ${i}`)
        expect.fail(`line ${i}: ${screen.readLine(i)?.text}`);
    }
    screen.dispose();
  });

  it("archives the lines a top scroll region pushes out (xterm's splice path)", async () => {
    const [ref, ringed] = pair(200, 3);
    // Region rows 1-5 of 8: LFs at its bottom move its top line into the scrollback.
    let data = "\x1b[1;5r\x1b[5;1H";
    for (let i = 0; i < 150; i++) data += `\x1b[3${i % 8}mregion ${i}\x1b[0m\n\r`;
    data += "\x1b[r";
    await writeBoth([ref, ringed], data);
    expect(ringed.scrollbackLength).toBeGreaterThan(100);
    expectSame(ref, ringed);
    ref.dispose();
    ringed.dispose();
  });

  it("clears the ring with ESC[3J and counts the cleared lines as dropped", async () => {
    const [ref, ringed] = pair(400);
    await writeBoth([ref, ringed], content(200, 3));
    await writeBoth([ref, ringed], "\x1b[3J");
    expect(ringed.scrollbackLength).toBe(0);
    expectSame(ref, ringed);
    await writeBoth([ref, ringed], content(50, 4));
    expectSame(ref, ringed);
    ref.dispose();
    ringed.dispose();
  });

  it("keeps archiving after a full reset (RIS), which forgets the old scrollback", async () => {
    const [ref, ringed] = pair(400);
    await writeBoth([ref, ringed], content(100, 5));
    await writeBoth([ref, ringed], "\x1bc");
    await writeBoth([ref, ringed], content(100, 6));
    expect(ringed.scrollbackLength).toBe(ref.scrollbackLength);
    for (let offset = 0; offset <= ref.scrollbackLength; offset++) {
      const diff = sameGrid(grid(ringed, offset), grid(ref, offset));
      if (diff) expect.fail(`offset ${offset}: ${diff}`);
    }
    ref.dispose();
    ringed.dispose();
  });

  it("reads the alternate screen without the ring, and the ring again after it", async () => {
    const [ref, ringed] = pair(400);
    await writeBoth([ref, ringed], content(100, 7));
    await writeBoth([ref, ringed], "\x1b[?1049h\x1b[Hfull screen app");
    expect(ringed.scrollbackLength).toBe(0);
    expect(sameGrid(grid(ringed, 5), grid(ref, 5))).toBeNull();
    await writeBoth([ref, ringed], "\x1b[?1049l");
    expectSame(ref, ringed);
    ref.dispose();
    ringed.dispose();
  });

  it("re-wraps the ring's lines on a column change as xterm re-wraps its own", async () => {
    const [ref, ringed] = pair(600, 5);
    // Lines that do not wrap at 60 columns, so no logical line straddles the boundary.
    let data = "";
    const rand = seededRandom(8);
    const words = [
      "alpha",
      "日本語",
      "\x1b[1mbold\x1b[22m",
      "\x1b[38;2;1;2;3mrgb\x1b[39m",
      "👍",
      "e\u0301",
    ];
    for (let i = 0; i < 150; i++) {
      let line = `${i} `;
      const n = Math.floor(rand() * 8);
      for (let k = 0; k < n; k++) line += `${words[Math.floor(rand() * words.length)]} `;
      data += `\x1b[3${i % 8}m${line.slice(0, 50)}\x1b[0m\r\n`;
    }
    await writeBoth([ref, ringed], data);
    for (const [cols, rows] of [
      [23, 8],
      [17, 12],
      [61, 6],
      [100, 8],
    ] as const) {
      ref.resize(cols, rows);
      ringed.resize(cols, rows);
      await Promise.all([ref.flush(), ringed.flush()]);
      expectSame(ref, ringed);
    }
    ref.dispose();
    ringed.dispose();
  });

  it("re-wraps lines that cross the ring/xterm boundary as xterm would, cell for cell", async () => {
    // xterm keeps 30 lines: a wider screen joins soft-wrapped rows and pulls lines back from
    // the scrollback onto the screen, which only xterm's own lines can do (the default, 200,
    // covers any real resize).
    const [ref, ringed] = pair(900, 30);
    // Lines up to ~90 columns, links, wide characters: soft wraps straddle the boundary.
    await writeBoth([ref, ringed], content(160, 9, false));
    for (const [cols, rows] of [
      [33, 8],
      [71, 10],
      [20, 5],
      [120, 9],
    ] as const) {
      ref.resize(cols, rows);
      ringed.resize(cols, rows);
      await Promise.all([ref.flush(), ringed.flush()]);
      expectSame(ref, ringed);
      await writeBoth([ref, ringed], content(15, cols, false));
      expectSame(ref, ringed);
    }
    ref.dispose();
    ringed.dispose();
  });

  it("keeps every logical line's text through resizes with coloured erased cells", async () => {
    const [ref, ringed] = pair(900, 30);
    await writeBoth([ref, ringed], content(160, 10));
    const logical = (screen: PaneScreen): string[] => {
      const out: string[] = [];
      for (let i = 0; i < screen.scrollbackLength + screen.rows; i++) {
        const line = screen.readLine(i)!;
        if (line.wrapped && out.length > 0) out[out.length - 1] += line.text;
        else out.push(line.text);
      }
      return out;
    };
    for (const [cols, rows] of [
      [33, 8],
      [90, 12],
    ] as const) {
      ref.resize(cols, rows);
      ringed.resize(cols, rows);
      await Promise.all([ref.flush(), ringed.flush()]);
      expect(ringed.scrollbackLength).toBe(ref.scrollbackLength);
      expect(logical(ringed)).toEqual(logical(ref));
    }
    ref.dispose();
    ringed.dispose();
  });

  it("copy mode searches, scrolls and copies into the ring as into xterm's scrollback", async () => {
    const [ref, ringed] = pair(400);
    await writeBoth([ref, ringed], content(300, 11));
    const run = (screen: PaneScreen) => {
      const buf = copyBuffer(screen);
      let state: CopyState = enterCopyMode(buf, 3);
      const seen: string[] = [];
      // Search back for line 0042 (deep in the ring), select to line 0045 and copy.
      for (const key of ["?", ..."0042", "\r", "v", "j", "j", "j", "$"]) {
        state = copyKey(state, key, buf).state;
        seen.push(JSON.stringify(copyPosition(state, buf)));
      }
      return { seen, text: selectionText(state, buf), cursor: state.cursor };
    };
    const got = run(ringed);
    expect(got).toEqual(run(ref));
    expect(got.text).toMatch(/^0042/);
    expect(JSON.parse(got.seen[5]!).offset).toBeGreaterThan(200);
    ref.dispose();
    ringed.dispose();
  });
});
