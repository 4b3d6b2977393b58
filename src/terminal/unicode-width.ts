/**
 * The one width function of the terminal layer: how many columns a character takes, as the C
 * library's `wcwidth()` answers (glibc, whose table `scripts/gen-wcwidth.py` copies into
 * `wcwidth-table.ts`). bash, readline and vim place the cursor with wcwidth/wcswidth, so the
 * pane's screen model (`createUnicodeProvider()`, registered on each PaneScreen), the chrome
 * parser and the compositor all measure with it, and a pane shows text where the program in
 * it thinks the text is.
 *
 * glibc measures code point by code point: a string's width is the sum of its code points'.
 * So `❤️` (U+2764 U+FE0F) is 1 (VS16 adds 0), a ZWJ family `👨‍👩‍👧` is 2+0+2+0+2 = 6, `👍🏽` is
 * 2+2 = 4 and a flag is two regional indicators of 1 each. Only code points of width 0
 * (combining marks, ZWJ, variation selectors, format characters) join the cell before them.
 */
import { WIDE_RANGES, ZERO_WIDTH_RANGES } from "./wcwidth-table.js";

/** The provider interface of `@xterm/headless` (`Terminal.unicode.register`). */
export interface UnicodeProvider {
  readonly version: string;
  wcwidth(codepoint: number): 0 | 1 | 2;
  charProperties(codepoint: number, preceding: number): number;
}

/** The version name under which `createUnicodeProvider()` registers. */
export const UNICODE_VERSION = "flotilla-glibc-wcwidth";

// Widths of the Basic Multilingual Plane, one byte each (64 KiB), filled from the table once;
// astral code points (emoji, rare CJK) are looked up by binary search in sorted ranges.
const bmp = new Uint8Array(0x10000).fill(1);
const astralStarts: number[] = [];
const astralEnds: number[] = [];
const astralWidths: number[] = [];

function loadRanges(table: string, width: number, astral: Array<[number, number, number]>): void {
  for (const item of table.split(",")) {
    if (item === "") continue;
    const dash = item.indexOf("-");
    const start = parseInt(dash === -1 ? item : item.slice(0, dash), 16);
    const end = dash === -1 ? start : parseInt(item.slice(dash + 1), 16);
    if (start < 0x10000) bmp.fill(width, start, Math.min(end, 0xffff) + 1);
    if (end >= 0x10000) astral.push([Math.max(start, 0x10000), end, width]);
  }
}

{
  const astral: Array<[number, number, number]> = [];
  loadRanges(ZERO_WIDTH_RANGES, 0, astral);
  loadRanges(WIDE_RANGES, 2, astral);
  // C0 and C1 controls (glibc: -1) never reach a cell; they take no column.
  bmp.fill(0, 0, 0x20);
  bmp.fill(0, 0x7f, 0xa0);
  astral.sort((a, b) => a[0] - b[0]);
  for (const [start, end, width] of astral) {
    astralStarts.push(start);
    astralEnds.push(end);
    astralWidths.push(width);
  }
}

/**
 * Columns one code point takes, as glibc's `wcwidth()` says: 0, 1 or 2. Where glibc answers
 * -1, controls give 0 and unassigned or private-use code points 1 (as terminals draw them).
 */
export function wcwidth(cp: number): 0 | 1 | 2 {
  if (cp < 0x10000) return (bmp[cp] ?? 1) as 0 | 1 | 2;
  let lo = 0;
  let hi = astralStarts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (cp < (astralStarts[mid] ?? 0)) hi = mid - 1;
    else if (cp > (astralEnds[mid] ?? 0)) lo = mid + 1;
    else return (astralWidths[mid] ?? 1) as 0 | 1 | 2;
  }
  return 1;
}

/** Columns `text` takes: the sum of its code points' `wcwidth` (glibc's `wcswidth()`). */
export function wcswidth(text: string): number {
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 32 && c < 127) {
      total += 1;
      continue;
    }
    const cp = text.codePointAt(i) ?? c;
    if (cp > 0xffff) i++;
    total += wcwidth(cp);
  }
  return total;
}

function property(width: number, join: boolean): number {
  // Same packing as xterm's UnicodeService.createPropertyValue (join state left 0).
  return ((width & 3) << 1) | (join ? 1 : 0);
}

/**
 * `wcwidth` as an xterm.js unicode provider: a code point of width 0 joins the cell before it
 * (keeping that cell's width), every other code point starts a new cell of its own width.
 * Register it on a Terminal created with `allowProposedApi: true`:
 * `term.unicode.register(createUnicodeProvider()); term.unicode.activeVersion = UNICODE_VERSION`.
 */
export function createUnicodeProvider(): UnicodeProvider {
  return {
    version: UNICODE_VERSION,
    wcwidth,
    charProperties(cp: number, preceding: number): number {
      if (cp >= 32 && cp < 127) return 2;
      const width = wcwidth(cp);
      if (width === 0) return property((preceding >> 1) & 3, true);
      return property(width, false);
    },
  };
}

/**
 * Splits `text` into terminal cells the way a wcwidth terminal fills them: each code point of
 * width 1 or 2 starts a cell, each of width 0 joins the cell before it (or is dropped at the
 * start, as nothing precedes it). Returns `[cell, width]` pairs.
 */
export function splitCells(text: string): Array<[string, 1 | 2]> {
  const cells: Array<[string, 1 | 2]> = [];
  for (const ch of text) {
    const w = wcwidth(ch.codePointAt(0) ?? 0);
    const last = cells[cells.length - 1];
    if (w === 0) {
      if (last) last[0] += ch;
    } else {
      cells.push([ch, w]);
    }
  }
  return cells;
}
