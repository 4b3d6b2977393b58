/**
 * Test helpers: a terminal sink backed by a real headless xterm (a PaneScreen), so compositor
 * output is checked by what a terminal would show, plus grid comparison.
 */
import { CellGrid } from "../../src/terminal/cell-grid.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { wcwidth } from "../../src/terminal/unicode-width.js";

/** A sink that records writes and replays them into a headless terminal of the same size. */
export class XtermSink {
  readonly screen: PaneScreen;
  readonly writes: string[] = [];

  constructor(cols: number, rows: number) {
    this.screen = new PaneScreen({ cols, rows, scrollback: 0 });
  }

  write(data: string): void {
    this.writes.push(data);
    this.screen.write(data);
  }

  /** The terminal's screen as a grid, once everything written is parsed. */
  async grid(): Promise<CellGrid> {
    await this.screen.flush();
    const g = new CellGrid(this.screen.cols, this.screen.rows);
    this.screen.copyInto(g, 0, 0, g.cols, g.rows);
    return g;
  }
}

/** Describes the first cell where two grids differ, or null when they are equal. */
export function firstDifference(actual: CellGrid, expected: CellGrid): string | null {
  if (actual.cols !== expected.cols || actual.rows !== expected.rows) {
    return `size ${actual.cols}x${actual.rows} != ${expected.cols}x${expected.rows}`;
  }
  for (let y = 0; y < actual.rows; y++) {
    for (let x = 0; x < actual.cols; x++) {
      const a = actual.get(x, y);
      const e = expected.get(x, y);
      if (
        a.ch !== e.ch ||
        a.width !== e.width ||
        a.fg !== e.fg ||
        a.bg !== e.bg ||
        a.flags !== e.flags
      ) {
        return `(${x},${y}): got ${JSON.stringify(a)}, want ${JSON.stringify(e)}`;
      }
    }
  }
  return null;
}

/** Writes `text` (one cell per code point) into row `y` from column `x`; returns the next x. */
export function putText(
  grid: CellGrid,
  x: number,
  y: number,
  text: string,
  fg = -1,
  bg = -1,
  flags = 0,
): number {
  for (const ch of text) {
    const wide = wcwidth(ch.codePointAt(0) ?? 0) === 2;
    grid.putChar(x, y, ch, wide ? 2 : 1, fg, bg, flags);
    x += wide ? 2 : 1;
  }
  return x;
}

/** Deterministic PRNG (mulberry32) so fuzz-style tests are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes to a PaneScreen and waits until it is parsed. */
export function writeAsync(screen: PaneScreen, data: string): Promise<void> {
  return new Promise((resolve) => screen.write(data, resolve));
}
