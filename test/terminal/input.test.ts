import { describe, expect, test } from "vitest";
import {
  encodeFocusForChild,
  encodeMouseForChild,
  parseMouseEvents,
  translateInput,
  type MouseEvent,
} from "../../src/terminal/input.js";

const NORMAL = { applicationCursorKeysMode: false, bracketedPasteMode: false };
const APP = { applicationCursorKeysMode: true, bracketedPasteMode: false };
const PASTE = { applicationCursorKeysMode: false, bracketedPasteMode: true };

describe("translateInput", () => {
  test("leaves input alone for a child in normal cursor-key mode", () => {
    for (const key of ["a", "\r", "\x1b", "\x1b[A", "\x1b[D", "\x1b[1;5C", "\x1b[3~", "\x7f"]) {
      expect(translateInput(key, NORMAL)).toBe(key);
    }
  });

  test("turns unmodified cursor, Home and End keys into SS3 form for application cursor keys", () => {
    const table: Array<[string, string]> = [
      ["\x1b[A", "\x1bOA"],
      ["\x1b[B", "\x1bOB"],
      ["\x1b[C", "\x1bOC"],
      ["\x1b[D", "\x1bOD"],
      ["\x1b[H", "\x1bOH"],
      ["\x1b[F", "\x1bOF"],
      ["\x1b[1;5A", "\x1b[1;5A"],
      ["\x1b[5~", "\x1b[5~"],
      ["k\x1b[Aj\x1b[B", "k\x1bOAj\x1bOB"],
    ];
    for (const [input, output] of table) expect(translateInput(input, APP)).toBe(output);
  });

  test("keeps paste markers only for a child that enabled bracketed paste", () => {
    const paste = "\x1b[200~line1\nline2\x1b[201~";
    expect(translateInput(paste, PASTE)).toBe(paste);
    expect(translateInput(paste, NORMAL)).toBe("line1\nline2");
    expect(translateInput(`x${paste}y`, NORMAL)).toBe("xline1\nline2y");
  });

  test("does not translate cursor sequences inside a paste", () => {
    const paste = "\x1b[200~a\x1b[Ab\x1b[201~\x1b[A";
    expect(
      translateInput(paste, { applicationCursorKeysMode: true, bracketedPasteMode: true }),
    ).toBe("\x1b[200~a\x1b[Ab\x1b[201~\x1bOA");
  });
});

describe("parseMouseEvents", () => {
  test("splits SGR mouse reports out of mixed input, with 0-based coordinates", () => {
    const { events, rest, partial } = parseMouseEvents(
      "ab\x1b[<0;10;5Mc\x1b[<0;10;5m\x1b[A\x1b[<64;1;1M\x1b[<65;2;3M\x1b[<34;7;8M\x1b[<35;3;4Md",
    );
    expect(rest).toBe("abc\x1b[Ad");
    expect(partial).toBe("");
    expect(events).toEqual([
      { kind: "press", button: 0, x: 9, y: 4, shift: false, alt: false, ctrl: false },
      { kind: "release", button: 0, x: 9, y: 4, shift: false, alt: false, ctrl: false },
      { kind: "wheel-up", button: 0, x: 0, y: 0, shift: false, alt: false, ctrl: false },
      { kind: "wheel-down", button: 0, x: 1, y: 2, shift: false, alt: false, ctrl: false },
      { kind: "move", button: 2, x: 6, y: 7, shift: false, alt: false, ctrl: false },
      { kind: "move", button: 3, x: 2, y: 3, shift: false, alt: false, ctrl: false },
    ]);
  });

  test("decodes modifiers and drops horizontal wheel", () => {
    const { events } = parseMouseEvents("\x1b[<30;4;4M\x1b[<66;1;1M\x1b[<67;1;1M");
    expect(events).toEqual([
      { kind: "press", button: 2, x: 3, y: 3, shift: true, alt: true, ctrl: true },
    ]);
  });

  test("returns a report cut off at the end of the chunk as partial", () => {
    const first = parseMouseEvents("x\x1b[<0;12");
    expect(first).toEqual({ events: [], rest: "x", partial: "\x1b[<0;12" });
    const second = parseMouseEvents(first.partial + ";3M");
    expect(second.events).toHaveLength(1);
    expect(second.rest).toBe("");
    // A lone ESC at the end is the Escape key, not a partial report.
    expect(parseMouseEvents("\x1b").rest).toBe("\x1b");
  });
});

describe("encodeMouseForChild", () => {
  const press: MouseEvent = {
    kind: "press",
    button: 0,
    x: 15,
    y: 8,
    shift: false,
    alt: false,
    ctrl: false,
  };
  const sgr = (mode: "x10" | "vt200" | "drag" | "any" | "none") => ({
    mouseTrackingMode: mode,
    mouseEncoding: "sgr" as const,
  });

  test("returns null when the child did not ask for mouse reporting", () => {
    expect(encodeMouseForChild(press, 10, 5, sgr("none"))).toBeNull();
  });

  test("translates to pane coordinates in SGR encoding", () => {
    expect(encodeMouseForChild(press, 10, 5, sgr("vt200"))).toBe("\x1b[<0;6;4M");
    expect(encodeMouseForChild({ ...press, kind: "release" }, 10, 5, sgr("vt200"))).toBe(
      "\x1b[<0;6;4m",
    );
    expect(
      encodeMouseForChild({ ...press, kind: "wheel-down", ctrl: true }, 10, 5, sgr("vt200")),
    ).toBe("\x1b[<81;6;4M");
    expect(encodeMouseForChild(press, 20, 5, sgr("vt200"))).toBeNull();
  });

  test("reports motion only in the modes that ask for it", () => {
    const drag: MouseEvent = { ...press, kind: "move", button: 0 };
    const hover: MouseEvent = { ...press, kind: "move", button: 3 };
    expect(encodeMouseForChild(drag, 0, 0, sgr("vt200"))).toBeNull();
    expect(encodeMouseForChild(drag, 0, 0, sgr("drag"))).toBe("\x1b[<32;16;9M");
    expect(encodeMouseForChild(hover, 0, 0, sgr("drag"))).toBeNull();
    expect(encodeMouseForChild(hover, 0, 0, sgr("any"))).toBe("\x1b[<35;16;9M");
    expect(encodeMouseForChild({ ...press, kind: "release" }, 0, 0, sgr("x10"))).toBeNull();
  });

  test("uses the X10 byte encoding when the child did not enable SGR", () => {
    const modes = { mouseTrackingMode: "vt200" as const, mouseEncoding: "default" as const };
    expect(encodeMouseForChild(press, 0, 0, modes)).toBe(
      "\x1b[M" + String.fromCharCode(32, 48, 41),
    );
    expect(encodeMouseForChild({ ...press, kind: "release", button: 2 }, 0, 0, modes)).toBe(
      "\x1b[M" + String.fromCharCode(35, 48, 41),
    );
    expect(encodeMouseForChild({ ...press, x: 300 }, 0, 0, modes)).toBeNull();
  });

  test("focus reports go only to a child that asked for them", () => {
    expect(encodeFocusForChild(true, { sendFocusMode: true })).toBe("\x1b[I");
    expect(encodeFocusForChild(false, { sendFocusMode: true })).toBe("\x1b[O");
    expect(encodeFocusForChild(true, { sendFocusMode: false })).toBe("");
  });
});
