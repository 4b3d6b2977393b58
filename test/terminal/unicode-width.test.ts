import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import xtermHeadless from "@xterm/headless";
import { AgentSession } from "../../src/hub/session.js";
import { CellGrid } from "../../src/terminal/cell-grid.js";
import { Compositor } from "../../src/terminal/compositor.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { truncateToWidth } from "../../src/terminal/ink-width.js";
import { splitCells, wcswidth, wcwidth } from "../../src/terminal/unicode-width.js";
import { WCWIDTH_SOURCE } from "../../src/terminal/wcwidth-table.js";
import { XtermSink, writeAsync } from "./helpers.js";

// Ground truth: glibc's wcswidth() of each string, written by scripts/gen-wcwidth.py.
const fixture = JSON.parse(
  readFileSync(new URL("./wcswidth-cases.json", import.meta.url), "utf8"),
) as { source: string; cases: Array<{ text: string; wcswidth: number }> };
const cases = fixture.cases;

describe("wcwidth", () => {
  test("the table and the cases come from the same C library", () => {
    expect(fixture.source).toContain(WCWIDTH_SOURCE);
    expect(cases.length).toBeGreaterThan(30);
  });

  test("wcswidth agrees with glibc for VS15/VS16, ZWJ, skin tones, flags, CJK, marks", () => {
    for (const { text, wcswidth: expected } of cases) {
      expect(wcswidth(text), JSON.stringify(text)).toBe(expected);
    }
  });

  test("single code points: the classes the issue names", () => {
    expect([0x2764, 0xfe0f, 0xfe0e, 0x200d, 0x200b, 0x301].map(wcwidth)).toEqual([
      1, 0, 0, 0, 0, 0,
    ]);
    expect([0x1f600, 0x1f3fd, 0x4e2d, 0xff01, 0x231a].map(wcwidth)).toEqual([2, 2, 2, 2, 2]);
    expect([0x1f1e9, 0x41, 0xad, 0xe000, 0x378].map(wcwidth)).toEqual([1, 1, 1, 1, 1]);
  });

  test("splitCells cuts a ZWJ family into its glibc cells", () => {
    expect(splitCells("👨‍👩‍👧")).toEqual([
      ["👨\u200d", 2],
      ["👩\u200d", 2],
      ["👧", 2],
    ]);
    expect(splitCells("\u200bx❤️")).toEqual([
      ["x", 1],
      ["❤️", 1],
    ]);
  });
});

// The child prints each case at the start of a cleared line, asks the terminal where the
// cursor is (ESC[6n), and reports the answers; the pane's screen model answers, as a terminal.
const CHILD = `
const cases = JSON.parse(process.argv[1]);
process.stdin.setRawMode(true);
let buf = "";
const cols = [];
function next() {
  if (cols.length === cases.length) {
    process.stdout.write("\\r\\nRESULT " + JSON.stringify(cols) + "\\r\\n");
    process.exit(0);
  }
  process.stdout.write("\\r\\x1b[2K" + cases[cols.length] + "\\x1b[6n");
}
process.stdin.on("data", (d) => {
  buf += d.toString("latin1");
  const m = /\\x1b\\[(\\d+);(\\d+)R/.exec(buf);
  if (!m) return;
  buf = buf.slice(m.index + m[0].length);
  cols.push(Number(m[2]) - 1);
  next();
});
next();
`;

describe("a pane measures as the programs in it do", () => {
  test("the cursor a program reads back with ESC[6n is at glibc's wcswidth", async () => {
    let output = "";
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const session = new AgentSession("width", { cols: 120, rows: 10 }, 0, [], 60_000, {
      output: (data) => {
        output += data;
        if (/RESULT \[[^\]]*\]/.test(output)) done();
      },
      status: () => undefined,
      started: () => undefined,
    });
    try {
      session.start({
        file: process.execPath,
        args: ["-e", CHILD, JSON.stringify(cases.map((c) => c.text))],
        cwd: process.cwd(),
        env: { ...(process.env as Record<string, string>), LANG: "C.UTF-8" },
      });
      await finished;
      const reported = JSON.parse(/RESULT (\[[^\]]*\])/.exec(output)?.[1] ?? "[]") as number[];
      const got = cases.map((c, k) => [c.text, reported[k]]);
      expect(got).toEqual(cases.map((c) => [c.text, c.wcswidth]));
    } finally {
      session.dispose();
      await session.exited;
    }
  });

  test("the compositor draws the text after each string in the column the program expects", async () => {
    const { Terminal } = xtermHeadless;
    for (const { text, wcswidth: col } of cases) {
      const pane = new PaneScreen({ cols: 40, rows: 1, scrollback: 0 });
      await writeAsync(pane, `${text}|after`);
      const frame = new CellGrid(40, 1);
      pane.copyInto(frame, 0, 0, 40, 1);
      pane.dispose();
      expect(frame.get(col, 0).ch, JSON.stringify(text)).toBe("|");

      // A terminal that measures as glibc does shows exactly the frame.
      const same = new XtermSink(40, 1);
      new Compositor(same, 40, 1).render(frame, { x: 0, y: 0, visible: false });
      const shown = await same.grid();
      const after = [..."|after"].map((_, k) => shown.get(col + k, 0).ch).join("");
      expect(after, JSON.stringify(text)).toBe("|after");
      same.screen.dispose();

      // One that measures differently (xterm's default Unicode 6 tables) still shows the text
      // after the string in the right column: the compositor positions the cursor itself.
      const other = new Terminal({ cols: 40, rows: 1, allowProposedApi: true });
      new Compositor({ write: (d) => other.write(d) }, 40, 1).render(frame, {
        x: 0,
        y: 0,
        visible: false,
      });
      await new Promise<void>((resolve) => other.write("", resolve));
      const line = other.buffer.active.getLine(0);
      const cell = line?.getCell(col);
      expect(cell?.getChars(), JSON.stringify(text)).toBe("|");
      expect(line?.translateToString(true).endsWith("|after"), JSON.stringify(text)).toBe(true);
      other.dispose();
    }
  });
});

describe("Compositor and BMP emoji", () => {
  test("text after ⌚ ✅ ⭐ (wide since Unicode 9) lands right on a terminal with older tables", async () => {
    const { Terminal } = xtermHeadless;
    const pane = new PaneScreen({ cols: 20, rows: 1, scrollback: 0 });
    await writeAsync(pane, "⌚✅⭐中|after");
    const frame = new CellGrid(20, 1);
    pane.copyInto(frame, 0, 0, 20, 1);
    pane.dispose();
    const other = new Terminal({ cols: 20, rows: 1, allowProposedApi: true });
    new Compositor({ write: (d) => other.write(d) }, 20, 1).render(frame, {
      x: 0,
      y: 0,
      visible: false,
    });
    await new Promise<void>((resolve) => other.write("", resolve));
    expect(other.buffer.active.getLine(0)?.getCell(8)?.getChars()).toBe("|");
    other.dispose();
  });
});

describe("what the compositor writes for wcwidth cells", () => {
  test("no presentation selectors or joiners: ❤️ goes out as ❤, a family as its parts", async () => {
    const pane = new PaneScreen({ cols: 20, rows: 1, scrollback: 0 });
    await writeAsync(pane, "❤️👨‍👩‍👧x");
    const frame = new CellGrid(20, 1);
    pane.copyInto(frame, 0, 0, 20, 1);
    pane.dispose();
    let out = "";
    new Compositor({ write: (d) => (out += d) }, 20, 1).render(frame, {
      x: 0,
      y: 0,
      visible: false,
    });
    expect(out).toContain("❤");
    expect(out.includes("\u200d") || out.includes("\ufe0f")).toBe(false);
    expect([..."👨👩👧"].every((part) => out.includes(part))).toBe(true);
  });
});

describe("truncateToWidth", () => {
  test("cuts at whole graphemes by Ink's columns", () => {
    expect(truncateToWidth("abcdef", 4)).toBe("abcd");
    expect(truncateToWidth("中文字", 5)).toBe("中文");
    expect(truncateToWidth("a👨‍👩‍👧b", 3)).toBe("a👨‍👩‍👧");
    expect(truncateToWidth("a👨‍👩‍👧b", 2)).toBe("a");
    expect(truncateToWidth("short", 10)).toBe("short");
    expect(truncateToWidth("x", 0)).toBe("");
  });
});
