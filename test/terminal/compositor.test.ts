import { describe, expect, test } from "vitest";
import stripAnsi from "strip-ansi";
import {
  BOLD,
  CellGrid,
  DIM,
  INVERSE,
  ITALIC,
  STRIKETHROUGH,
  UNDERLINE,
  rgbColor,
} from "../../src/terminal/cell-grid.js";
import {
  Compositor,
  enterScreen,
  leaveScreen,
  sgrTransition,
} from "../../src/terminal/compositor.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { XtermSink, firstDifference, putText, seededRandom, writeAsync } from "./helpers.js";

const HIDDEN = { x: 0, y: 0, visible: false };

function textGrid(cols: number, rows: number, seed: number): CellGrid {
  const g = new CellGrid(cols, rows);
  const rnd = seededRandom(seed);
  for (let y = 0; y < rows; y++) {
    let line = "";
    for (let x = 0; x < cols; x++) line += String.fromCharCode(97 + Math.floor(rnd() * 26));
    putText(g, 0, y, line);
  }
  return g;
}

function copyGrid(src: CellGrid): CellGrid {
  const g = new CellGrid(src.cols, src.rows);
  g.blit(src, 0, 0, src.cols, src.rows, 0, 0);
  return g;
}

describe("Compositor", () => {
  test("the first frame draws everything, and the terminal shows exactly that frame", async () => {
    const sink = new XtermSink(30, 5);
    const comp = new Compositor(sink, 30, 5);
    const frame = new CellGrid(30, 5);
    putText(frame, 2, 1, "hello", 1, -1, BOLD);
    putText(frame, 0, 4, "status", -1, 4);
    const bytes = comp.render(frame, { x: 3, y: 2, visible: true });
    expect(bytes).toBeGreaterThan(0);
    expect(sink.writes).toHaveLength(1);
    expect(sink.writes[0]?.startsWith("\x1b[?2026h")).toBe(true);
    expect(sink.writes[0]?.endsWith("\x1b[?2026l")).toBe(true);
    expect(firstDifference(await sink.grid(), frame)).toBeNull();
    expect(sink.screen.cursor).toEqual({ x: 3, y: 2, visible: true });
  });

  test("an unchanged frame writes nothing, cursor included", () => {
    const sink = new XtermSink(20, 4);
    const comp = new Compositor(sink, 20, 4);
    const frame = textGrid(20, 4, 1);
    comp.render(frame, { x: 5, y: 1, visible: true });
    expect(comp.render(copyGrid(frame), { x: 5, y: 1, visible: true })).toBe(0);
    expect(sink.writes).toHaveLength(1);
    comp.render(frame, HIDDEN);
    expect(comp.render(frame, { x: 9, y: 3, visible: false })).toBe(0);
    expect(sink.writes).toHaveLength(2);
  });

  test("changing one cell writes only that cell", async () => {
    const sink = new XtermSink(40, 10);
    const comp = new Compositor(sink, 40, 10);
    const frame = textGrid(40, 10, 2);
    comp.render(frame, HIDDEN);
    const next = copyGrid(frame);
    next.setRaw(17, 6, "Z", 1, 2, -1, 0);
    const bytes = comp.render(next, HIDDEN);
    const written = sink.writes[1] ?? "";
    expect(stripAnsi(written)).toBe("Z");
    expect(bytes).toBeLessThan(40);
    expect(firstDifference(await sink.grid(), next)).toBeNull();
  });

  test("typing one character into an unchanged 120x40 screen costs under 64 bytes", async () => {
    const sink = new XtermSink(120, 40);
    const comp = new Compositor(sink, 120, 40);
    const frame = textGrid(120, 40, 3);
    frame.fillRect(10, 20, 60, 1);
    comp.render(frame, { x: 10, y: 20, visible: true });
    const sizes: number[] = [];
    let next = frame;
    for (const [k, ch] of [..."hello world"].entries()) {
      next = copyGrid(next);
      next.setRaw(10 + k, 20, ch, 1, -1, -1, 0);
      sizes.push(comp.render(next, { x: 11 + k, y: 20, visible: true }));
    }
    expect(Math.max(...sizes)).toBeLessThan(64);
    expect(firstDifference(await sink.grid(), next)).toBeNull();
    expect(sink.screen.cursor).toEqual({ x: 21, y: 20, visible: true });
  });

  test("colours and attributes round-trip through a real terminal", async () => {
    const cols = 48;
    const rows = 12;
    const sink = new XtermSink(cols, rows);
    const comp = new Compositor(sink, cols, rows);
    const rnd = seededRandom(7);
    const colors = () => {
      const r = rnd();
      if (r < 0.3) return -1;
      if (r < 0.6) return Math.floor(rnd() * 16);
      if (r < 0.8) return Math.floor(rnd() * 256);
      return rgbColor(Math.floor(rnd() * 256), Math.floor(rnd() * 256), Math.floor(rnd() * 256));
    };
    const allFlags = [BOLD, DIM, ITALIC, UNDERLINE, INVERSE, STRIKETHROUGH];
    for (let frameNo = 0; frameNo < 4; frameNo++) {
      const frame = new CellGrid(cols, rows);
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < cols; x++) {
          let flags = 0;
          for (const f of allFlags) if (rnd() < 0.2) flags |= f;
          frame.setRaw(
            x,
            y,
            String.fromCharCode(33 + Math.floor(rnd() * 90)),
            1,
            colors(),
            colors(),
            flags,
          );
        }
      }
      comp.render(frame, HIDDEN);
      expect(firstDifference(await sink.grid(), frame)).toBeNull();
    }
  });

  test("wide characters and emoji: never half a wide char, in any overwrite order", async () => {
    const cols = 24;
    const rows = 6;
    const sink = new XtermSink(cols, rows);
    const comp = new Compositor(sink, cols, rows);
    const pieces = ["中", "文", "😀", "a", "b", " ", "ｘ", "🚀", "é"];
    const rnd = seededRandom(11);
    for (let frameNo = 0; frameNo < 40; frameNo++) {
      const frame = new CellGrid(cols, rows);
      for (let y = 0; y < rows; y++) {
        let text = "";
        while (text.length < cols) text += pieces[Math.floor(rnd() * pieces.length)];
        putText(frame, Math.floor(rnd() * 2), y, text, rnd() < 0.5 ? -1 : 3);
      }
      comp.render(frame, HIDDEN);
      const diff = firstDifference(await sink.grid(), frame);
      expect(diff, `frame ${frameNo}`).toBeNull();
    }
  });

  test("overwriting the first half of a wide char also redraws its second half", async () => {
    const sink = new XtermSink(10, 1);
    const comp = new Compositor(sink, 10, 1);
    const a = new CellGrid(10, 1);
    putText(a, 0, 0, "中文字");
    comp.render(a, HIDDEN);
    const b = copyGrid(a);
    b.setRaw(2, 0, "x", 1, -1, -1, 0);
    b.setRaw(3, 0, "y", 1, -1, -1, 0);
    comp.render(b, HIDDEN);
    expect(firstDifference(await sink.grid(), b)).toBeNull();
    expect(sink.screen.text()).toBe("中xy字");
  });

  test("a wide char in the last column, or an orphan placeholder, is drawn as a blank", async () => {
    const sink = new XtermSink(6, 1);
    const comp = new Compositor(sink, 6, 1);
    const frame = new CellGrid(6, 1);
    frame.setRaw(5, 0, "中", 2, -1, -1, 0);
    frame.setRaw(1, 0, "", 0, -1, -1, 0);
    comp.render(frame, HIDDEN);
    expect(sink.screen.text()).toBe("");
    expect(firstDifference(await sink.grid(), new CellGrid(6, 1))).toBeNull();
  });

  test("resize and invalidate force a full redraw that clears the screen", async () => {
    const sink = new XtermSink(20, 5);
    const comp = new Compositor(sink, 20, 5);
    comp.render(textGrid(20, 5, 5), HIDDEN);
    sink.screen.resize(30, 8);
    comp.resize(30, 8);
    const big = new CellGrid(30, 8);
    putText(big, 25, 7, "end");
    const bytes = comp.render(big, HIDDEN);
    expect(sink.writes[1]).toContain("\x1b[2J");
    expect(bytes).toBeLessThan(60);
    expect(firstDifference(await sink.grid(), big)).toBeNull();

    sink.screen.write("garbage from elsewhere");
    comp.invalidate();
    comp.render(big, HIDDEN);
    expect(firstDifference(await sink.grid(), big)).toBeNull();
    expect(() => comp.render(new CellGrid(20, 5), HIDDEN)).toThrow(RangeError);
  });

  test("showing, moving and hiding the cursor", async () => {
    const sink = new XtermSink(10, 3);
    const comp = new Compositor(sink, 10, 3);
    const frame = new CellGrid(10, 3);
    comp.render(frame, HIDDEN);
    await sink.screen.flush();
    expect(sink.screen.cursor.visible).toBe(false);
    comp.render(frame, { x: 4, y: 2, visible: true });
    await sink.screen.flush();
    expect(sink.screen.cursor).toEqual({ x: 4, y: 2, visible: true });
    comp.render(frame, { x: 4, y: 2, visible: false });
    await sink.screen.flush();
    expect(sink.screen.cursor.visible).toBe(false);
    comp.render(frame, { x: 40, y: -3, visible: true });
    await sink.screen.flush();
    expect(sink.screen.cursor).toEqual({ x: 9, y: 0, visible: true });
    expect(comp.render(frame, { x: 9, y: 0, visible: true })).toBe(0);
  });
});

describe("sgrTransition", () => {
  test("changes only what differs, and resets when that is shorter", () => {
    expect(sgrTransition(-1, -1, 0, 1, -1, 0)).toBe("\x1b[31m");
    expect(sgrTransition(1, -1, BOLD, 1, -1, DIM)).toBe("\x1b[22;2m");
    expect(sgrTransition(1, 4, BOLD | UNDERLINE, -1, -1, 0)).toBe("\x1b[0m");
    expect(sgrTransition(-1, -1, 0, 200, rgbColor(1, 2, 3), ITALIC)).toBe(
      "\x1b[3;38;5;200;48;2;1;2;3m",
    );
    expect(sgrTransition(-1, -1, 0, 9, 12, 0)).toBe("\x1b[91;104m");
  });
});

describe("enterScreen / leaveScreen", () => {
  test("leaving restores every mode entering changed", async () => {
    const screen = new PaneScreen({ cols: 20, rows: 4 });
    const before = screen.modes;
    await writeAsync(screen, enterScreen());
    expect(screen.isAlternateBuffer).toBe(true);
    expect(screen.modes).toMatchObject({
      mouseTrackingMode: "drag",
      mouseEncoding: "sgr",
      bracketedPasteMode: true,
      cursorVisible: false,
    });
    await writeAsync(screen, leaveScreen());
    expect(screen.isAlternateBuffer).toBe(false);
    expect(screen.modes).toEqual(before);
  });
});

describe("Compositor on a terminal with other character widths", () => {
  test("text after an emoji lands in the right column even if the terminal thinks it narrow", async () => {
    // xterm's default Unicode 6 tables give emoji one column; many real terminals differ
    // from the frame's widths in similar ways.
    const { default: xterm } = await import("@xterm/headless");
    const term = new xterm.Terminal({ cols: 12, rows: 2, allowProposedApi: true });
    const comp = new Compositor({ write: (d) => term.write(d) }, 12, 2);
    const frame = new CellGrid(12, 2);
    putText(frame, 0, 0, "😀abc");
    comp.render(frame, HIDDEN);
    await new Promise<void>((resolve) => term.write("", resolve));
    const line = term.buffer.active.getLine(0)?.translateToString(true);
    expect(line?.indexOf("abc")).toBe(3);
  });
});
