import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import { describeKey, parseKeyName } from "../../src/core/key-names.js";

describe("parseKeyName", () => {
  it.each([
    ["C-b", "\x02"],
    ["C-a", "\x01"],
    ["C-z", "\x1a"],
    ["C-B", "\x02"],
    ["Ctrl-b", "\x02"],
    ["ctrl+a", "\x01"],
    ["^b", "\x02"],
    ["C-space", "\x00"],
    ["C-Space", "\x00"],
    ["C-@", "\x00"],
    ["C-\\", "\x1c"],
    ["C-]", "\x1d"],
    ["C-^", "\x1e"],
    ["C-_", "\x1f"],
    ["`", "`"],
    ["^", "^"],
    ["~", "~"],
    ["x", "x"],
  ])("reads %j as %j", (name, bytes) => {
    expect(parseKeyName(name)).toBe(bytes);
  });

  it.each([
    ["", /invalid key name ""/],
    ["C-", /invalid key name "C-"/],
    ["C-bb", /invalid key name "C-bb".*C-a … C-z/],
    ["M-b", /invalid key name/],
    ["ab", /invalid key name/],
    [" ", /invalid key name/],
    ["é", /invalid key name/],
    ["C-1", /invalid key name/],
    ["C-[", /Escape byte/],
    ["C-i", /Tab byte/],
    ["C-m", /Enter byte/],
  ])("refuses %j with a message saying what works", (name, message) => {
    let caught: unknown;
    try {
      parseKeyName(name);
    } catch (error) {
      caught = error;
    }
    expect(isFlotillaError(caught, "INVALID_INPUT")).toBe(true);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).toContain("use C-a");
  });

  it("gives the byte for every Ctrl letter, and describeKey names it back", () => {
    for (const letter of "abcdefghjklnopqrstuvwxyz") {
      const bytes = parseKeyName(`C-${letter}`);
      expect(bytes).toHaveLength(1);
      expect(describeKey(bytes)).toBe(`Ctrl-${letter}`);
      expect(parseKeyName(describeKey(bytes))).toBe(bytes);
    }
  });
});

describe("describeKey", () => {
  it.each([
    ["\x02", "Ctrl-b"],
    ["\x00", "Ctrl-Space"],
    ["\x1c", "Ctrl-\\"],
    ["\x1d", "Ctrl-]"],
    ["\t", "Tab"],
    ["\r", "Enter"],
    ["\x1b", "Esc"],
    ["\x7f", "Backspace"],
    [" ", "Space"],
    ["?", "?"],
    ["[", "["],
    ["é", "é"],
    ["😀", "😀"],
    ["\x1b[A", "↑"],
    ["\x1bOA", "↑"],
    ["\x1b[B", "↓"],
    ["\x1b[C", "→"],
    ["\x1b[D", "←"],
    ["\x1bOD", "←"],
    ["\x1b[5~", "PgUp"],
    ["\x1b[6~", "PgDn"],
    ["\x1b[H", "Home"],
    ["\x1bOF", "End"],
    ["\x1b[1~", "Home"],
    ["\x1b[3~", "Delete"],
    ["\x1b[15~", "F5"],
    ["\x1bOP", "F1"],
    ["\x1b[Z", "Shift-Tab"],
    ["\x1b[1;5C", "Ctrl-→"],
    ["\x1b[1;2A", "Shift-↑"],
    ["\x1b[5;3~", "Alt-PgUp"],
    ["\x1bx", "Alt-x"],
    ["\x1b\x02", "Alt-Ctrl-b"],
    ["\x1b[99y", "\\x1b[99y"],
    ["\x1b[2A", "\\x1b[2A"],
    ["ab", "ab"],
  ])("names %j as %j", (key, label) => {
    expect(describeKey(key)).toBe(label);
  });
});
