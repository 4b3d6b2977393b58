import { describe, expect, test } from "vitest";
import {
  BOLD,
  DIM,
  INVERSE,
  ITALIC,
  STRIKETHROUGH,
  UNDERLINE,
  rgbColor,
} from "../../src/terminal/cell-grid.js";
import { parseAnsiFrame } from "../../src/terminal/ansi-frame.js";
import stringWidth from "string-width";
import { seededRandom } from "./helpers.js";

const CYAN = 6;
const RED = 1;

describe("parseAnsiFrame", () => {
  test("Ink's rendering of a bordered box with coloured text parses to the right cells", async () => {
    // chalk decides its colour level when first imported; without a TTY it would be 0.
    const saved = process.env.FORCE_COLOR;
    process.env.FORCE_COLOR = "1";
    const { renderToString, Box, Text } = await import("ink");
    if (saved === undefined) delete process.env.FORCE_COLOR;
    else process.env.FORCE_COLOR = saved;
    const text = renderToString(
      <Box borderStyle="round" borderColor="cyan" width={20}>
        <Text color="red" bold>
          hi 中文 😀
        </Text>
        <Text inverse>x</Text>
      </Box>,
      { columns: 30 },
    );
    const grid = parseAnsiFrame(text, 30, 4);
    expect(grid.toText()).toBe(
      "╭──────────────────╮\n│hi 中文 😀x       │\n╰──────────────────╯\n",
    );
    expect(grid.get(0, 0)).toEqual({ ch: "╭", width: 1, fg: CYAN, bg: -1, flags: 0 });
    expect(grid.get(19, 1)).toEqual({ ch: "│", width: 1, fg: CYAN, bg: -1, flags: 0 });
    expect(grid.get(1, 1)).toEqual({ ch: "h", width: 1, fg: RED, bg: -1, flags: BOLD });
    expect(grid.get(4, 1)).toMatchObject({ ch: "中", width: 2, fg: RED, flags: BOLD });
    expect(grid.get(5, 1)).toMatchObject({ ch: "", width: 0 });
    expect(grid.get(9, 1)).toMatchObject({ ch: "😀", width: 2 });
    expect(grid.get(11, 1)).toEqual({ ch: "x", width: 1, fg: -1, bg: -1, flags: INVERSE });
    expect(grid.get(12, 1)).toEqual({ ch: " ", width: 1, fg: -1, bg: -1, flags: 0 });
    expect(grid.get(25, 1)).toEqual({ ch: " ", width: 1, fg: -1, bg: -1, flags: 0 });
  });

  test("SGR: 16, 256 and truecolor, attributes on and off, resets", () => {
    const grid = parseAnsiFrame(
      "\x1b[91;104ma\x1b[38;5;208;48;2;1;2;3mb\x1b[38:2::9:8:7mc\x1b[0m" +
        "\x1b[1;2;3;4;9md\x1b[22;23me\x1b[24;29mf\x1b[7mg\x1b[27;39;49mh\x1b[mi",
      12,
      1,
    );
    const cells = Array.from({ length: 9 }, (_, x) => grid.get(x, 0));
    expect(cells.map((c) => c.ch).join("")).toBe("abcdefghi");
    expect(cells[0]).toMatchObject({ fg: 9, bg: 12, flags: 0 });
    expect(cells[1]).toMatchObject({ fg: 208, bg: rgbColor(1, 2, 3) });
    expect(cells[2]).toMatchObject({ fg: rgbColor(9, 8, 7), bg: rgbColor(1, 2, 3) });
    expect(cells[3]).toMatchObject({
      fg: -1,
      bg: -1,
      flags: BOLD | DIM | ITALIC | UNDERLINE | STRIKETHROUGH,
    });
    expect(cells[4]).toMatchObject({ flags: UNDERLINE | STRIKETHROUGH });
    expect(cells[5]).toMatchObject({ flags: 0 });
    expect(cells[6]).toMatchObject({ flags: INVERSE });
    expect(cells[7]).toMatchObject({ fg: -1, bg: -1, flags: 0 });
    expect(cells[8]).toMatchObject({ fg: -1, bg: -1, flags: 0 });
  });

  test("clips lines and columns, never keeping half a wide char; skips other escapes", () => {
    const grid = parseAnsiFrame(
      "abc中\n\x1b]8;;https://x.test\x07link\x1b]8;;\x07\x1b[2K\tz\nthird\nfourth",
      4,
      3,
    );
    expect(grid.toText()).toBe("abc\nlink\nthir");
    expect(grid.get(3, 0)).toMatchObject({ ch: " ", width: 1 });
    const tabbed = parseAnsiFrame("ab\tc", 12, 1);
    expect(tabbed.get(8, 0).ch).toBe("c");
  });

  test("each grapheme keeps the columns Ink gave it, filled with the cells wcwidth makes", () => {
    const grid = parseAnsiFrame("1️⃣|👍🏽|🇯🇵|e\u0301|❤️|", 20, 1);
    expect([2, 5, 8, 10, 13].map((x) => grid.get(x, 0).ch)).toEqual(["|", "|", "|", "|", "|"]);
    // ❤️ is one cell under wcwidth: the heart, then a blank in the second column Ink gave it.
    expect(grid.get(11, 0)).toMatchObject({ ch: "❤️", width: 1 });
    expect(grid.get(12, 0)).toMatchObject({ ch: " ", width: 1 });
    // A skin-toned thumb is 2 + 2 under wcwidth; Ink gave it 2: the thumb alone fits.
    expect(grid.get(3, 0)).toMatchObject({ ch: "👍", width: 2 });
    // Regional indicators are one column each.
    expect(grid.get(6, 0)).toMatchObject({ ch: "🇯", width: 1 });
    expect(grid.get(7, 0)).toMatchObject({ ch: "🇵", width: 1 });
    expect(grid.get(0, 0)).toMatchObject({ ch: "1️⃣", width: 1 });
  });

  test("places text where string-width (Ink's measure) says, for mixed scripts and emoji", () => {
    const pool = [
      "a",
      " ",
      "─",
      "│",
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
      "→",
      "\u200b",
      "ä",
    ];
    const rnd = seededRandom(3);
    for (let k = 0; k < 200; k++) {
      let line = "";
      const len = 1 + Math.floor(rnd() * 12);
      for (let j = 0; j < len; j++) line += pool[Math.floor(rnd() * pool.length)];
      const grid = parseAnsiFrame(`${line}|`, 80, 1);
      expect(grid.get(stringWidth(line), 0).ch, JSON.stringify(line)).toBe("|");
    }
  });
});
