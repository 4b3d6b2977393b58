/** A fix to xterm's printing of zero-width code points, by wcwidth (see below). */
import type { Terminal as XTerminal } from "@xterm/headless";
import { wcwidth } from "./unicode-width.js";

/** What `dropZeroWidthAtLineStart` needs of xterm's internal input handler. */
interface XtermInputHandler {
  print(data: Uint32Array, start: number, end: number): void;
  _activeBuffer?: { x: number };
}

/**
 * A code point of width 0 with nothing before it on the row (a zero-width space at the start
 * of a line) takes no column under wcwidth, but xterm gives it a cell of its own and moves
 * the cursor: drop it there instead. This wraps xterm's internal `print` (the public API has
 * no print hook); if a future xterm lacks it, screens keep xterm's own behaviour.
 */
export function dropZeroWidthAtLineStart(term: XTerminal): void {
  const core = (term as unknown as { _core?: { _inputHandler?: XtermInputHandler } })._core;
  const handler = core?._inputHandler;
  if (!handler || typeof handler.print !== "function" || !handler._activeBuffer) return;
  const print = handler.print;
  handler.print = function (data: Uint32Array, start: number, end: number): void {
    if (this._activeBuffer?.x === 0) {
      while (start < end && (data[start] ?? 0) >= 0x300 && wcwidth(data[start] ?? 0) === 0) {
        start++;
      }
      if (start === end) return;
    }
    print.call(this, data, start, end);
  };
}
