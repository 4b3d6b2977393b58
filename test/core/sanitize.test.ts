import { describe, expect, it } from "vitest";
import { sanitizeForTerminal, sanitizeLine } from "../../src/core/sanitize.js";

const ESC = "\x1b";

describe("sanitizeForTerminal", () => {
  it.each([
    ["CSI colour", `${ESC}[31mred${ESC}[0m`, "red"],
    ["CSI cursor move and clear", `a${ESC}[2J${ESC}[10;20Hb`, "ab"],
    ["CSI private mode (bracketed paste off)", `${ESC}[?2004lx`, "x"],
    ["OSC title ended by BEL", `${ESC}]0;pwned\x07ok`, "ok"],
    ["OSC 52 clipboard ended by ST", `${ESC}]52;c;cm0gLXJmIC8=${ESC}\\ok`, "ok"],
    ["OSC 8 hyperlink", `${ESC}]8;;http://evil${ESC}\\link${ESC}]8;;${ESC}\\`, "link"],
    ["unterminated OSC swallows the rest", `safe${ESC}]0;title forever`, "safe"],
    ["DCS", `${ESC}Pq#0;2;0;0;0${ESC}\\after`, "after"],
    ["APC and PM", `${ESC}_apc${ESC}\\${ESC}^pm${ESC}\\x`, "x"],
    ["two-byte escapes", `${ESC}c${ESC}7${ESC}8${ESC}(Bx`, "x"],
    ["8-bit CSI and OSC", `\x9b31mred\x9d0;t\x07!`, "red!"],
    ["C0 controls", "a\x00b\x07c\x08d\x0be\x0cf\x7fg", "abcdefg"],
    ["CR LF becomes LF, lone CR dropped", "one\r\ntwo\rthree", "one\ntwothree"],
  ])("removes %s", (_name, input, expected) => {
    expect(sanitizeForTerminal(input)).toBe(expected);
  });

  it("keeps newlines, tabs and Unicode text", () => {
    const text = "héllo\twörld\n日本語 ✓ 🚀\n";
    expect(sanitizeForTerminal(text)).toBe(text);
  });

  it("leaves no ESC or control byte in hostile input and is idempotent", () => {
    let hostile = "";
    for (let i = 0; i < 0xa0; i++)
      hostile += String.fromCharCode(i) + "[1;2" + String.fromCharCode(i) + "]x";
    const clean = sanitizeForTerminal(hostile);
    expect(clean).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
    expect(sanitizeForTerminal(clean)).toBe(clean);
  });

  it("sanitizeLine folds to one line", () => {
    expect(sanitizeLine(`a\nb\t\tc${ESC}[1m`)).toBe("a b c");
  });
});
