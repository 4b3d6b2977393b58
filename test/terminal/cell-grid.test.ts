import { describe, expect, test } from "vitest";
import { CellGrid, internExtras } from "../../src/terminal/cell-grid.js";
import { seededRandom } from "./helpers.js";

function randomGrid(cols: number, rows: number, seed: number): CellGrid {
  const g = new CellGrid(cols, rows);
  const rnd = seededRandom(seed);
  const link = internExtras({
    underlineStyle: 3,
    underlineColor: 9,
    linkUri: "https://a/",
    linkId: "",
  });
  for (let i = 0; i < cols * rows; i++) {
    const x = i % cols;
    const y = Math.floor(i / cols);
    const r = rnd();
    // Raw writes, so wide chars and placeholders also land on the edges.
    if (r < 0.1) g.setRaw(x, y, "中", 2, 1, 2, 3, link);
    else if (r < 0.2) g.setRaw(x, y, "", 0, 4, 5, 0);
    else g.setRaw(x, y, String.fromCharCode(97 + Math.floor(rnd() * 26)), 1, 7, -1, 1);
  }
  return g;
}

describe("CellGrid.blit", () => {
  test("whole rows copy every attribute and never keep half a wide char at the edges", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const src = randomGrid(13, 6, seed);
      const dst = new CellGrid(13, 6);
      const sy = (seed % 3) - 1;
      const dy = (seed % 4) - 1;
      dst.blit(src, 0, sy, 13, 5, 0, dy);
      for (let r = 0; r < 5; r++) {
        const y = dy + r;
        const from = sy + r;
        if (y < 0 || y >= 6 || from < 0 || from >= 6) continue;
        for (let x = 0; x < 13; x++) {
          const want = src.get(x, from);
          const cut = (x === 12 && want.width === 2) || (x === 0 && want.width === 0);
          const expected = cut ? { ...want, ch: " ", width: 1 } : want;
          expect(dst.get(x, y), `seed ${seed} (${x},${y})`).toEqual(expected);
        }
      }
    }
  });

  test("rows outside the source or the destination are left alone", () => {
    const src = randomGrid(5, 2, 7);
    const dst = new CellGrid(5, 4);
    dst.blit(src, 0, 0, 5, 4, 0, 3);
    expect(dst.toText().split("\n").slice(0, 3)).toEqual(["", "", ""]);
    expect(dst.get(1, 3).ch).toBe(src.get(1, 0).ch);
  });
});
