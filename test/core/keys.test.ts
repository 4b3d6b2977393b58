import { describe, expect, it } from "vitest";
import { escapeVerdict, splitKeys } from "../../src/core/keys.js";

describe("splitKeys", () => {
  it("reads characters, arrows in both cursor modes, Enter and a final lone Escape", () => {
    expect(splitKeys("jk\x1b[B\x1bOA\r\x1b")).toEqual(["j", "k", "\x1b[B", "\x1bOA", "\r", "\x1b"]);
  });

  it("reads a paste as one text key with its line breaks made spaces", () => {
    expect(splitKeys("\x1b[200~a\r\nb\x1b[201~x")).toEqual(["a b", "x"]);
    expect(splitKeys("\x1b[200~\x1b[201~")).toEqual([]);
  });

  it("keeps whole code points, Alt-keys and Escape Escape apart, and skips OSC strings", () => {
    expect(splitKeys("é😀")).toEqual(["é", "😀"]);
    expect(splitKeys("\x1bx\x1b\x1b")).toEqual(["\x1bx", "\x1b", "\x1b"]);
    expect(splitKeys("\x1b]0;title\x07a")).toEqual(["a"]);
    expect(splitKeys("\x1b[5~\x1b[Z")).toEqual(["\x1b[5~", "\x1b[Z"]);
  });
});

describe("escapeVerdict", () => {
  it("tells a whole key from one needing more input and one cut short", () => {
    expect(escapeVerdict("\x1b[")).toBe("partial");
    expect(escapeVerdict("\x1b[1;5")).toBe("partial");
    expect(escapeVerdict("\x1b[1;5C")).toBe("complete");
    expect(escapeVerdict("\x1b\r")).toBe("broken");
    expect(escapeVerdict("\x1b[" + "1".repeat(40))).toBe("broken");
  });
});
