import { describe, expect, it } from "vitest";
import {
  computeLayout,
  LAYOUT_NAMES,
  nextLayout,
  type LayoutInput,
  type LayoutName,
} from "../../src/core/layout.js";

/** Frames as `+ - |` filled with the pane's one-letter name, the status bar as `=`. */
function draw(input: LayoutInput): string {
  const layout = computeLayout(input);
  if (layout.tooSmall) return layout.message;
  const grid = Array.from({ length: input.rows }, () =>
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
const show = (layout: LayoutName, n = 3, cols = 36, rows = 12) =>
  draw({ cols, rows, panes: ["a", "b", "c", "d", "e"].slice(0, n), layout });

describe("named layouts as pictures", () => {
  it("even-horizontal", () => {
    expect(show("even-horizontal", 3, 36, 6)).toBe(
      picture(
        "+----------++----------++----------+",
        "|aaaaaaaaaa||bbbbbbbbbb||cccccccccc|",
        "|aaaaaaaaaa||bbbbbbbbbb||cccccccccc|",
        "|aaaaaaaaaa||bbbbbbbbbb||cccccccccc|",
        "+----------++----------++----------+",
        "====================================",
      ),
    );
  });

  it("even-vertical", () => {
    expect(show("even-vertical", 3, 24, 16)).toBe(
      picture(
        "+----------------------+",
        "|aaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaa|",
        "+----------------------+",
        "+----------------------+",
        "|bbbbbbbbbbbbbbbbbbbbbb|",
        "|bbbbbbbbbbbbbbbbbbbbbb|",
        "|bbbbbbbbbbbbbbbbbbbbbb|",
        "+----------------------+",
        "+----------------------+",
        "|cccccccccccccccccccccc|",
        "|cccccccccccccccccccccc|",
        "|cccccccccccccccccccccc|",
        "+----------------------+",
        "========================",
      ),
    );
  });

  it("main-horizontal", () => {
    expect(show("main-horizontal", 3, 36, 18)).toBe(
      picture(
        "+----------------------------------+",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|",
        "+----------------------------------+",
        "+----------------++----------------+",
        "|bbbbbbbbbbbbbbbb||cccccccccccccccc|",
        "|bbbbbbbbbbbbbbbb||cccccccccccccccc|",
        "|bbbbbbbbbbbbbbbb||cccccccccccccccc|",
        "|bbbbbbbbbbbbbbbb||cccccccccccccccc|",
        "|bbbbbbbbbbbbbbbb||cccccccccccccccc|",
        "+----------------++----------------+",
        "====================================",
      ),
    );
  });

  it("main-vertical", () => {
    expect(show("main-vertical", 3, 44, 11)).toBe(
      picture(
        "+------------------------++----------------+",
        "|aaaaaaaaaaaaaaaaaaaaaaaa||bbbbbbbbbbbbbbbb|",
        "|aaaaaaaaaaaaaaaaaaaaaaaa||bbbbbbbbbbbbbbbb|",
        "|aaaaaaaaaaaaaaaaaaaaaaaa||bbbbbbbbbbbbbbbb|",
        "|aaaaaaaaaaaaaaaaaaaaaaaa|+----------------+",
        "|aaaaaaaaaaaaaaaaaaaaaaaa|+----------------+",
        "|aaaaaaaaaaaaaaaaaaaaaaaa||cccccccccccccccc|",
        "|aaaaaaaaaaaaaaaaaaaaaaaa||cccccccccccccccc|",
        "|aaaaaaaaaaaaaaaaaaaaaaaa||cccccccccccccccc|",
        "+------------------------++----------------+",
        "============================================",
      ),
    );
  });

  it("tiled", () => {
    expect(show("tiled", 5, 40, 11)).toBe(
      picture(
        "+------------++-----------++-----------+",
        "|aaaaaaaaaaaa||bbbbbbbbbbb||ccccccccccc|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb||ccccccccccc|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb||ccccccccccc|",
        "+------------++-----------++-----------+",
        "+------------------++------------------+",
        "|dddddddddddddddddd||eeeeeeeeeeeeeeeeee|",
        "|dddddddddddddddddd||eeeeeeeeeeeeeeeeee|",
        "|dddddddddddddddddd||eeeeeeeeeeeeeeeeee|",
        "+------------------++------------------+",
        "========================================",
      ),
    );
  });

  it("auto", () => {
    expect(show("auto", 5, 40, 11)).toBe(
      picture(
        "+------------++-----------++-----------+",
        "|aaaaaaaaaaaa||bbbbbbbbbbb||ccccccccccc|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb||ccccccccccc|",
        "|aaaaaaaaaaaa||bbbbbbbbbbb||ccccccccccc|",
        "+------------++-----------++-----------+",
        "+------------------++------------------+",
        "|dddddddddddddddddd||eeeeeeeeeeeeeeeeee|",
        "|dddddddddddddddddd||eeeeeeeeeeeeeeeeee|",
        "|dddddddddddddddddd||eeeeeeeeeeeeeeeeee|",
        "+------------------++------------------+",
        "========================================",
      ),
    );
  });
});

describe("named layouts", () => {
  it("main-vertical and main-horizontal give the first pane twice the others' spare room", () => {
    const v = computeLayout({
      cols: 100,
      rows: 31,
      panes: ["a", "b", "c"],
      layout: "main-vertical",
    });
    const h = computeLayout({
      cols: 100,
      rows: 31,
      panes: ["a", "b", "c"],
      layout: "main-horizontal",
    });
    if (v.tooSmall || h.tooSmall) throw new Error("too small");
    expect(v.panes.map((p) => p.frame.width)).toEqual([63, 37, 37]);
    expect(h.panes.map((p) => p.frame.height)).toEqual([19, 11, 11]);
  });

  it("every layout tiles the screen exactly for 1..8 panes, from its stated minimum up", () => {
    for (const layout of LAYOUT_NAMES) {
      for (let n = 1; n <= 8; n++) {
        const panes = ["a", "b", "c", "d", "e", "f", "g", "h"].slice(0, n);
        const small = computeLayout({ cols: 1, rows: 1, panes, layout });
        if (!small.tooSmall) throw new Error("1x1 fits");
        for (const [dc, dr] of [
          [0, 0],
          [7, 3],
          [31, 17],
        ]) {
          const cols = small.minCols + (dc ?? 0);
          const rows = small.minRows + (dr ?? 0);
          expect(
            () => draw({ cols, rows, panes, layout }),
            `${layout} ${n} ${cols}x${rows}`,
          ).not.toThrow();
          expect(draw({ cols, rows, panes, layout })).not.toContain("Terminal too small");
        }
        expect(draw({ cols: small.minCols - 1, rows: small.minRows, panes, layout })).toContain(
          "Terminal too small",
        );
      }
    }
  });

  it("zoom shows the focused pane full size whatever the layout", () => {
    for (const layout of LAYOUT_NAMES) {
      const zoomed = computeLayout({
        cols: 40,
        rows: 10,
        panes: ["a", "b"],
        focused: "b",
        zoomed: true,
        layout,
      });
      expect(zoomed.tooSmall ? [] : zoomed.panes.map((p) => [p.name, p.frame])).toEqual([
        ["b", { x: 0, y: 0, width: 40, height: 9 }],
      ]);
    }
  });

  it("prefix Space cycles through every layout and back", () => {
    const seen: LayoutName[] = [];
    let name: LayoutName = "auto";
    for (let i = 0; i < LAYOUT_NAMES.length; i++) {
      seen.push(name);
      name = nextLayout(name);
    }
    expect(name).toBe("auto");
    expect([...seen].sort()).toEqual([...LAYOUT_NAMES].sort());
  });
});
