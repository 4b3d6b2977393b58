/**
 * Character widths shared by the pane screens and the chrome parser, so that a pane, the
 * chrome Ink laid out, and the real terminal agree on which characters take two columns.
 *
 * Ink (and most agent CLIs) measure text with `string-width`; xterm.js ships Unicode 6 widths
 * by default, where every emoji is one column wide. `createUnicodeProvider()` gives xterm a
 * provider that follows string-width's rules for the common cases: East Asian Wide/Fullwidth
 * is 2, marks and format characters join the previous cell, emoji presentation (VS16),
 * ZWJ sequences, skin tones, flags and keycaps make a 2-column cluster.
 */
import stringWidth from "string-width";

/** The provider interface of `@xterm/headless` (`Terminal.unicode.register`). */
export interface UnicodeProvider {
  readonly version: string;
  wcwidth(codepoint: number): 0 | 1 | 2;
  charProperties(codepoint: number, preceding: number): number;
}

/** The version name under which `createUnicodeProvider()` registers. */
export const UNICODE_VERSION = "flotilla-string-width";

const ZWJ = 0x200d;
const VS16 = 0xfe0f;
const KEYCAP = 0x20e3;

// Join states carried in the property value between code points of one cluster.
const STATE_NONE = 0;
const STATE_PICTO = 1;
const STATE_ZWJ_AFTER_PICTO = 2;
const STATE_REGIONAL = 3;
const STATE_KEYCAP_BASE = 4;

const pictographicRegex = /\p{Extended_Pictographic}/u;

// Per code point: 0 = not computed, else (width + 1) | (pictographic ? 4 : 0).
const bmpInfo = new Uint8Array(0x10000);
const astralInfo = new Map<number, number>();

function computeInfo(cp: number): number {
  const s = String.fromCodePoint(cp);
  let width: number;
  if (cp < 32 || (cp >= 0x7f && cp < 0xa0)) width = 0;
  // Hangul vowel and trailing jamo join the leading jamo into one syllable.
  else if (cp >= 0x1160 && cp <= 0x11ff) width = 0;
  else width = Math.min(2, stringWidth(s));
  return (width + 1) | (pictographicRegex.test(s) ? 4 : 0);
}

function infoOf(cp: number): number {
  if (cp < 0x10000) {
    let info = bmpInfo[cp] ?? 0;
    if (info === 0) {
      info = computeInfo(cp);
      bmpInfo[cp] = info;
    }
    return info;
  }
  let info = astralInfo.get(cp);
  if (info === undefined) {
    info = computeInfo(cp);
    astralInfo.set(cp, info);
  }
  return info;
}

/** Columns a single code point takes on its own: 0, 1 or 2. */
export function codepointWidth(cp: number): 0 | 1 | 2 {
  if (cp >= 32 && cp < 127) return 1;
  return (((infoOf(cp) & 3) - 1) & 3) as 0 | 1 | 2;
}

function property(state: number, width: number, join: boolean): number {
  // Same packing as xterm's UnicodeService.createPropertyValue.
  return ((state & 0xffffff) << 3) | ((width & 3) << 1) | (join ? 1 : 0);
}

function isKeycapBase(cp: number): boolean {
  return (cp >= 0x30 && cp <= 0x39) || cp === 0x23 || cp === 0x2a;
}

/**
 * The width/joining rules above as an xterm.js unicode provider. Register it on a Terminal
 * created with `allowProposedApi: true`:
 * `term.unicode.register(createUnicodeProvider()); term.unicode.activeVersion = UNICODE_VERSION`.
 */
export function createUnicodeProvider(): UnicodeProvider {
  return {
    version: UNICODE_VERSION,
    wcwidth: codepointWidth,
    charProperties(cp: number, preceding: number): number {
      if (cp >= 32 && cp < 127) {
        return isKeycapBase(cp) ? property(STATE_KEYCAP_BASE, 1, false) : 2;
      }
      const info = infoOf(cp);
      const width = ((info & 3) - 1) & 3;
      const picto = (info & 4) !== 0;
      const precWidth = (preceding >> 1) & 3;
      const precState = preceding >>> 3;
      const canJoin = preceding !== 0 && precWidth !== 0;
      if (canJoin) {
        if (cp === ZWJ) {
          return property(
            precState === STATE_PICTO ? STATE_ZWJ_AFTER_PICTO : STATE_NONE,
            precWidth,
            true,
          );
        }
        if (precState === STATE_ZWJ_AFTER_PICTO && picto) return property(STATE_PICTO, 2, true);
        if (cp === VS16) {
          const emoji = precState === STATE_PICTO || precState === STATE_KEYCAP_BASE;
          return property(precState, emoji ? 2 : precWidth, true);
        }
        if (cp === KEYCAP && precState === STATE_KEYCAP_BASE) return property(STATE_NONE, 2, true);
        if (cp >= 0x1f1e6 && cp <= 0x1f1ff && precState === STATE_REGIONAL) {
          return property(STATE_NONE, 2, true);
        }
        if (cp >= 0x1f3fb && cp <= 0x1f3ff && precState === STATE_PICTO) {
          return property(STATE_PICTO, 2, true);
        }
        if (width === 0) return property(precState, precWidth, true);
      }
      let state = STATE_NONE;
      if (cp >= 0x1f1e6 && cp <= 0x1f1ff) state = STATE_REGIONAL;
      else if (picto) state = STATE_PICTO;
      return property(state, width, false);
    },
  };
}

/**
 * Columns one grapheme cluster takes, as Ink measures it (string-width), clamped to 0..2.
 * Printable ASCII is answered without calling string-width.
 */
export function graphemeWidth(grapheme: string): 0 | 1 | 2 {
  if (grapheme.length === 1) {
    const c = grapheme.charCodeAt(0);
    if (c >= 32 && c < 127) return 1;
  }
  const w = stringWidth(grapheme);
  return w <= 0 ? 0 : w >= 2 ? 2 : 1;
}
