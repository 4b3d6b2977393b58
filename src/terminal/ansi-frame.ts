/**
 * Turns the chrome layer (Ink's `renderToString` output: lines separated by "\n" with SGR
 * sequences) into a CellGrid. Ink laid the text out with string-width, so each grapheme takes
 * the columns string-width gives it; the cells in them are the ones a wcwidth terminal makes
 * (the width function the panes and the compositor use, see unicode-width.ts).
 */
import {
  BLINK,
  BOLD,
  CellGrid,
  DEFAULT_COLOR,
  DIM,
  INVERSE,
  INVISIBLE,
  ITALIC,
  STRIKETHROUGH,
  UNDERLINE,
  rgbColor,
} from "./cell-grid.js";
import { inkCodepointWidth, inkGraphemeWidth } from "./ink-width.js";
import { splitCells, wcwidth } from "./unicode-width.js";

interface Pen {
  fg: number;
  bg: number;
  flags: number;
}

const segmenter = new Intl.Segmenter();
// CSI (parameters, intermediates, final), OSC (to BEL or ST), or any other 2-byte escape.
const escapeRegex = /\x1b(?:\[([0-?]*)[ -/]*([@-~])|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])/y;

/**
 * Parses `text` into a `cols` × `rows` grid. Lines beyond `rows` and text beyond `cols` are
 * dropped (a wide character that would straddle the edge becomes a blank), missing cells are
 * blanks. Understands SGR 0-9, 21-29, 30-49 (incl. `38;5;n` / `38;2;r;g;b`, also with ":"),
 * 90-107; other escape sequences (cursor moves, OSC 8 links) are skipped, tabs advance to the
 * next multiple of 8, other control characters are ignored. Attributes carry across lines.
 */
export function parseAnsiFrame(text: string, cols: number, rows: number): CellGrid {
  const grid = new CellGrid(cols, rows);
  const pen: Pen = { fg: DEFAULT_COLOR, bg: DEFAULT_COLOR, flags: 0 };
  const lines = text.split("\n");
  const count = Math.min(rows, lines.length);
  for (let y = 0; y < count; y++) parseLine(lines[y] ?? "", grid, y, pen);
  return grid;
}

function parseLine(line: string, grid: CellGrid, y: number, pen: Pen): void {
  let x = 0;
  let i = 0;
  const n = line.length;
  while (i < n) {
    if (line.charCodeAt(i) === 0x1b) {
      escapeRegex.lastIndex = i;
      const m = escapeRegex.exec(line);
      if (m === null) {
        i++;
        continue;
      }
      if (m[2] === "m") applySgr(m[1] ?? "", pen);
      i += m[0].length;
      continue;
    }
    let j = line.indexOf("\x1b", i);
    if (j === -1) j = n;
    x = putText(line.slice(i, j), grid, x, y, pen);
    i = j;
  }
}

const printableAscii = /^[\x20-\x7e]*$/;

function isSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdfff;
}

// Places a run of text without escapes at (x, y); returns the column after it.
function putText(run: string, grid: CellGrid, x: number, y: number, pen: Pen): number {
  const cols = grid.cols;
  if (printableAscii.test(run)) {
    const visible = Math.min(run.length, cols - x);
    for (let k = 0; k < visible; k++) {
      grid.setRaw(x + k, y, run[k] ?? " ", 1, pen.fg, pen.bg, pen.flags);
    }
    return x + run.length;
  }
  const n = run.length;
  let i = 0;
  while (i < n) {
    const c = run.charCodeAt(i);
    if (c === 9) {
      const stop = (Math.floor(x / 8) + 1) * 8;
      while (x < stop) grid.setRaw(x++, y, " ", 1, pen.fg, pen.bg, pen.flags);
      i++;
      continue;
    }
    const next = i + 1 < n ? run.charCodeAt(i + 1) : 32;
    if (!isSurrogate(c) && !isSurrogate(next) && (next < 0x300 || wcwidth(next) !== 0)) {
      // A BMP character not followed by anything that could join it is a grapheme on its
      // own; cached tables answer its widths (Intl.Segmenter costs ~1 µs per character).
      const advance = c >= 32 && c < 127 ? 1 : inkCodepointWidth(c);
      if (advance !== 0) {
        const w = wcwidth(c);
        if (w === advance) {
          if (x < cols)
            grid.putChar(x, y, run[i] ?? " ", w === 2 ? 2 : 1, pen.fg, pen.bg, pen.flags);
        } else {
          placeCells(run[i] ?? " ", advance, grid, x, y, pen);
        }
        x += advance;
      }
      i++;
      continue;
    }
    const segment =
      segmenter.segment(run.slice(i, i + 64)).containing(0)?.segment ?? run.slice(i, i + 1);
    const advance = inkGraphemeWidth(segment);
    i += segment.length;
    if (advance === 0) continue;
    placeCells(segment, advance, grid, x, y, pen);
    x += advance;
  }
  return x;
}

/**
 * Fills the `advance` columns Ink gave a grapheme with the cells a wcwidth terminal makes of
 * it (see `splitCells`): parts that do not fit are left out, columns left over are blanks.
 * So `❤️` (Ink: 2, wcwidth: 1) is the heart and a blank; Ink's layout keeps its columns.
 */
function placeCells(
  grapheme: string,
  advance: number,
  grid: CellGrid,
  x: number,
  y: number,
  pen: Pen,
): void {
  const end = x + advance;
  for (const [cell, w] of splitCells(grapheme)) {
    if (x + w > end) break;
    if (x < grid.cols) grid.putChar(x, y, cell, w, pen.fg, pen.bg, pen.flags);
    x += w;
  }
  while (x < end) grid.setRaw(x++, y, " ", 1, pen.fg, pen.bg, pen.flags);
}

/** Applies SGR parameters ("1;38;5;208", "" = reset) to the pen. */
function applySgr(params: string, pen: Pen): void {
  if (params === "" || params === "0") {
    pen.fg = DEFAULT_COLOR;
    pen.bg = DEFAULT_COLOR;
    pen.flags = 0;
    return;
  }
  // "38:2::r:g:b" (ITU form) is flattened; the empty colour-space id is dropped below.
  const colon = params.includes(":");
  const parts = params.split(/[;:]/).map((p) => (p === "" ? 0 : Number(p)));
  for (let k = 0; k < parts.length; k++) {
    const p = parts[k] ?? 0;
    if (p === 0) {
      pen.fg = DEFAULT_COLOR;
      pen.bg = DEFAULT_COLOR;
      pen.flags = 0;
    } else if (p >= 1 && p <= 9) {
      const bit = [
        0,
        BOLD,
        DIM,
        ITALIC,
        UNDERLINE,
        BLINK,
        BLINK,
        INVERSE,
        INVISIBLE,
        STRIKETHROUGH,
      ][p];
      pen.flags |= bit ?? 0;
    } else if (p === 21) pen.flags |= UNDERLINE;
    else if (p === 22) pen.flags &= ~(BOLD | DIM);
    else if (p === 23) pen.flags &= ~ITALIC;
    else if (p === 24) pen.flags &= ~UNDERLINE;
    else if (p === 25) pen.flags &= ~BLINK;
    else if (p === 27) pen.flags &= ~INVERSE;
    else if (p === 28) pen.flags &= ~INVISIBLE;
    else if (p === 29) pen.flags &= ~STRIKETHROUGH;
    else if (p >= 30 && p <= 37) pen.fg = p - 30;
    else if (p === 39) pen.fg = DEFAULT_COLOR;
    else if (p >= 40 && p <= 47) pen.bg = p - 40;
    else if (p === 49) pen.bg = DEFAULT_COLOR;
    else if (p >= 90 && p <= 97) pen.fg = p - 90 + 8;
    else if (p >= 100 && p <= 107) pen.bg = p - 100 + 8;
    else if (p === 38 || p === 48) {
      const mode = parts[k + 1];
      let color: number | undefined;
      if (mode === 5) {
        color = (parts[k + 2] ?? 0) & 255;
        k += 2;
      } else if (mode === 2) {
        // With colons there may be a colour-space id before r:g:b.
        const skip = colon && parts.length - k >= 6 ? 1 : 0;
        const r = parts[k + 2 + skip] ?? 0;
        const g = parts[k + 3 + skip] ?? 0;
        const b = parts[k + 4 + skip] ?? 0;
        color = rgbColor(r, g, b);
        k += 4 + skip;
      }
      if (color !== undefined) {
        if (p === 38) pen.fg = color;
        else pen.bg = color;
      }
    }
  }
}
