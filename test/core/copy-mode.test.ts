import { describe, expect, it } from "vitest";
import {
  copyHighlights,
  copyKey,
  copyPosition,
  enterCopyMode,
  osc52,
  selectionText,
  type CopyBuffer,
  type CopyLine,
  type CopyState,
} from "../../src/core/copy-mode.js";

/** A pane history in memory: `lines` (scrollback then screen), `rows` of them on screen. */
function buffer(lines: CopyLine[], rows: number, dropped = 0, cols = 20): CopyBuffer {
  return {
    dropped,
    scrollback: lines.length - rows,
    rows,
    cols,
    line: (i) => lines[i],
  };
}

const plain = (...texts: string[]): CopyLine[] => texts.map((text) => ({ text, wrapped: false }));

/** Feeds keys one at a time; returns the last state and every effect. */
function keys(state: CopyState, buf: CopyBuffer, ...sequence: string[]) {
  const effects = [];
  for (const key of sequence) {
    const step = copyKey(state, key, buf);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

describe("copy mode's state", () => {
  it("keeps its offset in step with the lines that arrive, and sits at the oldest kept line", () => {
    const lines = plain(...Array.from({ length: 30 }, (_, i) => `l${i}`));
    const state = enterCopyMode(buffer(lines, 5), 10);
    expect(copyPosition(state, buffer(lines, 5))).toEqual({ offset: 10, total: 25 });
    // Five more lines arrive: the same lines are shown, five more lines back.
    const more = [...lines, ...plain("a", "b", "c", "d", "e")];
    expect(copyPosition(state, buffer(more, 5))).toEqual({ offset: 15, total: 30 });
    // The scrollback was full: 20 lines dropped, the view's lines went too.
    expect(copyPosition(state, buffer(more.slice(20), 5, 20))).toEqual({ offset: 10, total: 10 });
  });

  it("moves by words and to the line's ends, scrolling the view to follow the cursor", () => {
    const buf = buffer(plain("one two  three", "four", "five", "six"), 2);
    let { state } = keys(enterCopyMode(buf, 0, 0, 0), buf, "k", "k", "0");
    expect(state.cursor).toEqual({ line: 0, col: 0 });
    expect(copyPosition(state, buf).offset).toBe(2);
    ({ state } = keys(state, buf, "w"));
    expect(state.cursor.col).toBe(4);
    ({ state } = keys(state, buf, "w", "w"));
    expect(state.cursor).toEqual({ line: 1, col: 0 });
    ({ state } = keys(state, buf, "b"));
    expect(state.cursor).toEqual({ line: 0, col: 9 });
    ({ state } = keys(state, buf, "$"));
    expect(state.cursor.col).toBe(13);
  });

  it("copies a selection across a soft wrap without a line break, and wide characters whole", () => {
    const lines: CopyLine[] = [
      { text: "abc 日本語", wrapped: false, columns: [0, 1, 2, 3, 4, 6, 8] },
      { text: "def", wrapped: true },
      { text: "ghi", wrapped: false },
    ];
    const buf = buffer(lines, 3, 0, 10);
    let state = enterCopyMode(buf, 0, 0, 6); // on 本
    ({ state } = keys(state, buf, "v", "j", "j", "0", "l"));
    expect(selectionText(state, buf)).toBe("本語def\ngh");
    const { effects } = keys(state, buf, "y");
    expect(effects).toEqual([{ type: "copy", text: "本語def\ngh" }, { type: "exit" }]);
    // Escape clears the selection first, then leaves.
    const cleared = keys(state, buf, "\x1b");
    expect(cleared.state.mark).toBeUndefined();
    expect(keys(cleared.state, buf, "\x1b").effects).toEqual([{ type: "exit" }]);
  });

  it("searches with smart case, wraps around, and highlights each visible match", () => {
    const buf = buffer(plain("Foo one", "bar", "foo two foo", "baz"), 4);
    let { state, effects } = keys(enterCopyMode(buf, 0, 3, 0), buf, "?", "f", "o", "o", "\r");
    expect(effects).toEqual([]);
    expect(state.cursor).toEqual({ line: 2, col: 8 });
    ({ state } = keys(state, buf, "n", "n"));
    expect(state.cursor).toEqual({ line: 0, col: 0 }); // "Foo" matches a lower-case query
    ({ state } = keys(state, buf, "n"));
    expect(state.cursor).toEqual({ line: 2, col: 8 }); // wrapped round to the bottom
    const matches = copyHighlights(state, buf).filter((h) => h.kind === "match");
    expect(matches).toEqual([
      { row: 0, from: 0, to: 3, kind: "match" },
      { row: 2, from: 0, to: 3, kind: "match" },
      { row: 2, from: 8, to: 11, kind: "match" },
    ]);
    // A capital letter makes the search exact.
    ({ state, effects } = keys(state, buf, "/", "F", "O", "O", "\r"));
    expect(effects).toEqual([{ type: "notice", level: "info", text: "not found: FOO" }]);
  });

  it("sets the clipboard with OSC 52: base64 of the UTF-8 text", () => {
    expect(osc52("héllo\n")).toBe(`\x1b]52;c;${Buffer.from("héllo\n").toString("base64")}\x07`);
  });
});
