import { describe, expect, it } from "vitest";
import {
  placeView,
  computeLayout,
  MIN_INNER_COLS,
  MIN_INNER_ROWS,
  neighbour,
  paneAt,
  type Layout,
  type LayoutInput,
  type Rect,
} from "../../src/core/layout.js";

const NAMES = Array.from({ length: 32 }, (_, i) => `agent${i}`);
const LETTERS = "abcdefghijklmnopqrstuvwxyz".split("");

/**
 * Draws a layout as text: each frame's border as `+ - |`, its inner area filled with the
 * pane's (one-letter) name, the status bar as `=`. A cell drawn twice or never is an error,
 * so every picture also checks the tiling.
 */
function draw(input: LayoutInput): string {
  const layout = computeLayout(input);
  if (layout.tooSmall) return layout.message;
  const grid: string[][] = Array.from({ length: input.rows }, () =>
    Array.from({ length: input.cols }, () => "?"),
  );
  const paint = (x: number, y: number, char: string): void => {
    const row = grid[y];
    if (row?.[x] !== "?") throw new Error(`cell ${x},${y} drawn twice or out of bounds`);
    row[x] = char;
  };
  for (const pane of layout.panes) {
    const f = pane.frame;
    for (let y = f.y; y < f.y + f.height; y++) {
      for (let x = f.x; x < f.x + f.width; x++) {
        const edgeX = x === f.x || x === f.x + f.width - 1;
        const edgeY = y === f.y || y === f.y + f.height - 1;
        paint(x, y, edgeX && edgeY ? "+" : edgeY ? "-" : edgeX ? "|" : pane.name);
      }
    }
  }
  const bar = layout.statusBar;
  for (let y = bar.y; y < bar.y + bar.height; y++)
    for (let x = bar.x; x < bar.x + bar.width; x++) paint(x, y, "=");
  const text = grid.map((row) => row.join("")).join("\n");
  if (text.includes("?")) throw new Error(`cells left undrawn:\n${text}`);
  return text;
}

const picture = (...lines: string[]): string => lines.join("\n");

describe("computeLayout pictures", () => {
  it("gives one pane the whole screen above the status bar", () => {
    expect(draw({ cols: 14, rows: 7, panes: ["a"] })).toBe(
      picture(
        "+------------+",
        "|aaaaaaaaaaaa|",
        "|aaaaaaaaaaaa|",
        "|aaaaaaaaaaaa|",
        "|aaaaaaaaaaaa|",
        "+------------+",
        "==============",
      ),
    );
  });

  it("puts two panes side by side, the odd column going to the left one", () => {
    expect(draw({ cols: 27, rows: 7, panes: ["a", "b"] })).toBe(
      picture(
        "+------------++-----------+",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "+------------++-----------+",
        "===========================",
      ),
    );
  });

  it("puts three panes as two on top and one full width below", () => {
    expect(draw({ cols: 27, rows: 12, panes: ["a", "b", "c"] })).toBe(
      picture(
        "+------------++-----------+",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb|",
        "+------------++-----------+",
        "+-------------------------+",
        "|ccccccccccccccccccccccccc|",
        "|ccccccccccccccccccccccccc|",
        "|ccccccccccccccccccccccccc|",
        "+-------------------------+",
        "===========================",
      ),
    );
  });

  it("puts four panes in a 2x2 grid, each exactly the minimum size", () => {
    expect(draw({ cols: 26, rows: 11, panes: ["a", "b", "c", "d"] })).toBe(
      picture(
        "+-----------++-----------+",
        "|aaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaa||bbbbbbbbbbb|",
        "|aaaaaaaaaaa||bbbbbbbbbbb|",
        "+-----------++-----------+",
        "+-----------++-----------+",
        "|ccccccccccc||ddddddddddd|",
        "|ccccccccccc||ddddddddddd|",
        "|ccccccccccc||ddddddddddd|",
        "+-----------++-----------+",
        "==========================",
      ),
    );
  });

  it("makes the focused pane of six larger without moving any pane", () => {
    const panes = LETTERS.slice(0, 6);
    expect(draw({ cols: 48, rows: 17, panes, focused: "e" })).toBe(
      picture(
        "+--------------++--------------++--------------+",
        "|aaaaaaaaaaaaaa||bbbbbbbbbbbbbb||cccccccccccccc|",
        "|aaaaaaaaaaaaaa||bbbbbbbbbbbbbb||cccccccccccccc|",
        "|aaaaaaaaaaaaaa||bbbbbbbbbbbbbb||cccccccccccccc|",
        "|aaaaaaaaaaaaaa||bbbbbbbbbbbbbb||cccccccccccccc|",
        "|aaaaaaaaaaaaaa||bbbbbbbbbbbbbb||cccccccccccccc|",
        "+--------------++--------------++--------------+",
        "+-------------++----------------++-------------+",
        "|ddddddddddddd||eeeeeeeeeeeeeeee||fffffffffffff|",
        "|ddddddddddddd||eeeeeeeeeeeeeeee||fffffffffffff|",
        "|ddddddddddddd||eeeeeeeeeeeeeeee||fffffffffffff|",
        "|ddddddddddddd||eeeeeeeeeeeeeeee||fffffffffffff|",
        "|ddddddddddddd||eeeeeeeeeeeeeeee||fffffffffffff|",
        "|ddddddddddddd||eeeeeeeeeeeeeeee||fffffffffffff|",
        "|ddddddddddddd||eeeeeeeeeeeeeeee||fffffffffffff|",
        "+-------------++----------------++-------------+",
        "================================================",
      ),
    );
    expect(draw({ cols: 48, rows: 17, panes, focused: "a", statusRows: 2 })).toBe(
      picture(
        "+----------------++-------------++-------------+",
        "|aaaaaaaaaaaaaaaa||bbbbbbbbbbbbb||ccccccccccccc|",
        "|aaaaaaaaaaaaaaaa||bbbbbbbbbbbbb||ccccccccccccc|",
        "|aaaaaaaaaaaaaaaa||bbbbbbbbbbbbb||ccccccccccccc|",
        "|aaaaaaaaaaaaaaaa||bbbbbbbbbbbbb||ccccccccccccc|",
        "|aaaaaaaaaaaaaaaa||bbbbbbbbbbbbb||ccccccccccccc|",
        "|aaaaaaaaaaaaaaaa||bbbbbbbbbbbbb||ccccccccccccc|",
        "|aaaaaaaaaaaaaaaa||bbbbbbbbbbbbb||ccccccccccccc|",
        "+----------------++-------------++-------------+",
        "+--------------++--------------++--------------+",
        "|dddddddddddddd||eeeeeeeeeeeeee||ffffffffffffff|",
        "|dddddddddddddd||eeeeeeeeeeeeee||ffffffffffffff|",
        "|dddddddddddddd||eeeeeeeeeeeeee||ffffffffffffff|",
        "|dddddddddddddd||eeeeeeeeeeeeee||ffffffffffffff|",
        "+--------------++--------------++--------------+",
        "================================================",
        "================================================",
      ),
    );
  });

  it("shows only the focused pane, full size, when zoomed", () => {
    expect(draw({ cols: 16, rows: 7, panes: ["a", "b", "c"], focused: "b", zoomed: true })).toBe(
      picture(
        "+--------------+",
        "|bbbbbbbbbbbbbb|",
        "|bbbbbbbbbbbbbb|",
        "|bbbbbbbbbbbbbb|",
        "|bbbbbbbbbbbbbb|",
        "+--------------+",
        "================",
      ),
    );
  });

  it("says how big the terminal must be, and suggests zooming, when panes do not fit", () => {
    expect(draw({ cols: 20, rows: 8, panes: ["a", "b", "c", "d"] })).toBe(
      "Terminal too small: 20x8, need at least 24x11 for 4 panes (or zoom with prefix z)",
    );
    expect(draw({ cols: 20, rows: 8, panes: ["a", "b"], zoomKey: "Ctrl-a z" })).toBe(
      "Terminal too small: 20x8, need at least 24x6 for 2 panes (or zoom with Ctrl-a z)",
    );
    expect(draw({ cols: 11, rows: 5, panes: ["a", "b"], zoomed: true })).toBe(
      "Terminal too small: 11x5, need at least 12x6 for a zoomed pane",
    );
    expect(draw({ cols: 11, rows: 30, panes: ["a"] })).toBe(
      "Terminal too small: 11x30, need at least 12x6",
    );
  });
});

describe("computeLayout details", () => {
  it("gives each pane an inner area one cell inside its frame", () => {
    const layout = computeLayout({ cols: 80, rows: 24, panes: ["a", "b"] });
    expect(layout).toMatchObject({
      tooSmall: false,
      panes: [
        {
          name: "a",
          frame: { x: 0, y: 0, width: 40, height: 23 },
          inner: { x: 1, y: 1, width: 38, height: 21 },
        },
        {
          name: "b",
          frame: { x: 40, y: 0, width: 40, height: 23 },
          inner: { x: 41, y: 1, width: 38, height: 21 },
        },
      ],
      area: { x: 0, y: 0, width: 80, height: 23 },
      statusBar: { x: 0, y: 23, width: 80, height: 1 },
    });
  });

  it("returns no panes but the free area when there are no agents", () => {
    expect(computeLayout({ cols: 80, rows: 24, panes: [] })).toEqual({
      tooSmall: false,
      panes: [],
      area: { x: 0, y: 0, width: 80, height: 23 },
      statusBar: { x: 0, y: 23, width: 80, height: 1 },
    });
  });

  it("falls back to the first pane when the focused name is unknown", () => {
    const layout = computeLayout({
      cols: 80,
      rows: 24,
      panes: ["a", "b"],
      focused: "zz",
      zoomed: true,
    });
    expect(!layout.tooSmall && layout.panes.map((p) => p.name)).toEqual(["a"]);
  });

  it("gives the focused pane of many about half the width and height", () => {
    const layout = computeLayout({
      cols: 200,
      rows: 51,
      panes: NAMES.slice(0, 6),
      focused: "agent1",
    });
    if (layout.tooSmall) throw new Error(layout.message);
    const frames = layout.panes.map((p) => p.frame);
    expect(frames[1]).toEqual({ x: 53, y: 0, width: 94, height: 32 });
    expect(frames[0]).toMatchObject({ width: 53, height: 32 });
    expect(frames[4]).toMatchObject({ width: 67, height: 18 });
  });
});

/**
 * Checks the promises every fitting layout makes (frames tile the screen with the status bar
 * exactly once per cell, inner areas are the frames less the border and at least the minimum,
 * the right panes are shown). Throws on the first broken one; plain checks because this runs
 * for thousands of layouts.
 */
function checkTiling(input: LayoutInput): Layout {
  const layout = computeLayout(input);
  if (layout.tooSmall) return layout;
  const where = JSON.stringify({ ...input, panes: input.panes.length });
  const fail = (why: string): never => {
    throw new Error(`${why} for ${where}`);
  };
  const statusRows = input.statusRows ?? 1;
  const covered = new Uint8Array(input.cols * input.rows);
  const cover = (r: Rect): void => {
    if (r.x < 0 || r.y < 0 || r.x + r.width > input.cols || r.y + r.height > input.rows)
      fail(`rect ${JSON.stringify(r)} is off screen`);
    for (let y = r.y; y < r.y + r.height; y++)
      for (let x = r.x; x < r.x + r.width; x++) covered[y * input.cols + x]! += 1;
  };
  for (const { frame, inner } of layout.panes) {
    cover(frame);
    const expected = {
      x: frame.x + 1,
      y: frame.y + 1,
      width: frame.width - 2,
      height: frame.height - 2,
    };
    if (JSON.stringify(inner) !== JSON.stringify(expected))
      fail("inner is not the frame less its border");
    if (inner.width < MIN_INNER_COLS || inner.height < MIN_INNER_ROWS)
      fail("a pane is below the minimum");
  }
  const bar = layout.statusBar;
  if (
    bar.x !== 0 ||
    bar.y !== input.rows - statusRows ||
    bar.width !== input.cols ||
    bar.height !== statusRows
  )
    fail("the status bar is not the last rows");
  cover(bar);
  if (layout.panes.length > 0 && covered.some((n) => n !== 1))
    fail("frames do not tile the screen");
  const shown =
    input.zoomed && input.panes.length > 0 ? [input.focused ?? input.panes[0]] : input.panes;
  if (layout.panes.map((p) => p.name).join() !== shown.join()) fail("wrong panes shown");
  return layout;
}

describe("computeLayout tiling", () => {
  it("tiles the screen exactly for 0..32 panes at many sizes, and fits exactly from its stated minimum", () => {
    let fitted = 0;
    for (let count = 0; count <= 32; count++) {
      const panes = NAMES.slice(0, count);
      for (const zoomed of [false, true]) {
        for (const focusAt of [0, Math.floor(count / 2), count - 1]) {
          const focused = panes[focusAt];
          const tooSmall = computeLayout({ cols: 1, rows: 1, panes, focused, zoomed });
          if (!tooSmall.tooSmall) throw new Error("a 1x1 terminal fits nothing");
          const { minCols, minRows } = tooSmall;
          expect(
            computeLayout({ cols: minCols, rows: minRows, panes, focused, zoomed }).tooSmall,
          ).toBe(false);
          expect(
            computeLayout({ cols: minCols - 1, rows: minRows, panes, focused, zoomed }).tooSmall,
          ).toBe(true);
          expect(
            computeLayout({ cols: minCols, rows: minRows - 1, panes, focused, zoomed }).tooSmall,
          ).toBe(true);
          for (const cols of [minCols, minCols + 1, minCols + 7, 80, 133, 301]) {
            for (const rows of [minRows, minRows + 1, minRows + 5, 24, 73]) {
              for (const statusRows of [0, 1, 2]) {
                const layout = checkTiling({ cols, rows, panes, focused, zoomed, statusRows });
                if (!layout.tooSmall) fitted += 1;
              }
            }
          }
        }
      }
    }
    expect(fitted).toBeGreaterThan(5000);
  });

  it("needs 72x31 for 32 panes: six rows of at most six", () => {
    expect(computeLayout({ cols: 1, rows: 1, panes: NAMES })).toMatchObject({
      minCols: 72,
      minRows: 31,
    });
  });
});

describe("paneAt", () => {
  const layout = computeLayout({ cols: 27, rows: 12, panes: ["a", "b", "c"] });

  it("finds the pane under a cell, borders included", () => {
    expect(paneAt(layout, 0, 0)).toBe("a");
    expect(paneAt(layout, 13, 5)).toBe("a");
    expect(paneAt(layout, 14, 0)).toBe("b");
    expect(paneAt(layout, 26, 3)).toBe("b");
    expect(paneAt(layout, 20, 6)).toBe("c");
  });

  it("finds nothing on the status bar, off screen, or when the layout is too small", () => {
    expect(paneAt(layout, 5, 11)).toBeUndefined();
    expect(paneAt(layout, 27, 0)).toBeUndefined();
    expect(paneAt(layout, -1, 0)).toBeUndefined();
    expect(paneAt(computeLayout({ cols: 5, rows: 5, panes: ["a"] }), 0, 0)).toBeUndefined();
  });
});

describe("neighbour", () => {
  it("moves between side-by-side panes and stops at the edges", () => {
    const layout = computeLayout({ cols: 80, rows: 24, panes: ["a", "b"] });
    expect(neighbour(layout, "a", "right")).toBe("b");
    expect(neighbour(layout, "b", "left")).toBe("a");
    expect(neighbour(layout, "a", "left")).toBeUndefined();
    expect(neighbour(layout, "b", "right")).toBeUndefined();
    expect(neighbour(layout, "a", "up")).toBeUndefined();
    expect(neighbour(layout, "a", "down")).toBeUndefined();
  });

  it("moves up from a wide pane to the one it overlaps most, down from either top pane", () => {
    const layout = computeLayout({ cols: 27, rows: 12, panes: ["a", "b", "c"] });
    expect(neighbour(layout, "c", "up")).toBe("a");
    expect(neighbour(layout, "a", "down")).toBe("c");
    expect(neighbour(layout, "b", "down")).toBe("c");
    expect(neighbour(layout, "c", "right")).toBeUndefined();
  });

  it("moves around a 2x2 grid by geometry", () => {
    const layout = computeLayout({ cols: 80, rows: 24, panes: ["a", "b", "c", "d"] });
    expect(neighbour(layout, "a", "down")).toBe("c");
    expect(neighbour(layout, "d", "up")).toBe("b");
    expect(neighbour(layout, "d", "left")).toBe("c");
    expect(neighbour(layout, "b", "left")).toBe("a");
  });

  it("lets focus go there and back in a layout that enlarges the focused pane", () => {
    const panes = LETTERS.slice(0, 6);
    const move = (from: string, direction: "left" | "right" | "up" | "down"): string | undefined =>
      neighbour(computeLayout({ cols: 200, rows: 50, panes, focused: from }), from, direction);
    expect(move("a", "right")).toBe("b");
    expect(move("b", "left")).toBe("a");
    expect(move("a", "down")).toBe("d");
    expect(move("d", "up")).toBe("a");
    expect(move("e", "up")).toBe("b");
    expect(move("b", "down")).toBe("e");
  });

  it("knows no neighbours for unknown names, zoomed layouts or tiny terminals", () => {
    expect(
      neighbour(computeLayout({ cols: 80, rows: 24, panes: ["a", "b"] }), "x", "right"),
    ).toBeUndefined();
    expect(
      neighbour(
        computeLayout({ cols: 80, rows: 24, panes: ["a", "b"], zoomed: true }),
        "a",
        "right",
      ),
    ).toBeUndefined();
    expect(
      neighbour(computeLayout({ cols: 5, rows: 5, panes: ["a", "b"] }), "a", "right"),
    ).toBeUndefined();
  });
});

describe("placeView", () => {
  it("centers the open view at its wanted size, inside a 1-cell margin", () => {
    expect(placeView(120, 40, { width: 72, height: 20 })).toEqual({
      x: 24,
      y: 10,
      width: 72,
      height: 20,
    });
    expect(placeView(60, 20, { width: 110, height: 30, minHeight: 5 })).toEqual({
      x: 1,
      y: 1,
      width: 58,
      height: 18,
    });
  });

  it("keeps a form's minimum height even in a short terminal, from the top edge", () => {
    expect(placeView(40, 6, { width: 64, height: 8, minHeight: 8 })).toEqual({
      x: 1,
      y: 0,
      width: 38,
      height: 8,
    });
  });

  it("is part of the layout when a view is open", () => {
    const layout = computeLayout({
      cols: 80,
      rows: 24,
      panes: ["a"],
      view: { width: 64, height: 7 },
    });
    expect(layout.tooSmall ? undefined : layout.view).toEqual({ x: 8, y: 8, width: 64, height: 7 });
    const closed = computeLayout({ cols: 80, rows: 24, panes: ["a"] });
    expect(closed.tooSmall ? "small" : closed.view).toBeUndefined();
  });
});
