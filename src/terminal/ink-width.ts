/**
 * Widths as Ink measures them (string-width), for the chrome Ink lays out: the cockpit's
 * side of the terminal layer. Pane screens measure with `wcwidth` (unicode-width.ts); this
 * module is kept apart so that a hub loads string-width only with its first cockpit.
 */
import stringWidth from "string-width";

// Ink's width of each BMP code point, + 1 (0 = not computed yet).
const inkBmp = new Uint8Array(0x10000);

/** Columns one code point on its own takes as Ink measures it (string-width), 0..2; cached. */
export function inkCodepointWidth(cp: number): 0 | 1 | 2 {
  if (cp >= 32 && cp < 127) return 1;
  if (cp >= 0x10000) return inkGraphemeWidth(String.fromCodePoint(cp));
  let info = inkBmp[cp] ?? 0;
  if (info === 0) {
    info = inkGraphemeWidth(String.fromCharCode(cp)) + 1;
    inkBmp[cp] = info;
  }
  return (info - 1) as 0 | 1 | 2;
}

/**
 * Columns one grapheme cluster takes as Ink measures it (string-width), clamped to 0..2: how
 * Ink laid out the chrome. Printable ASCII is answered without calling string-width.
 */
export function inkGraphemeWidth(grapheme: string): 0 | 1 | 2 {
  if (grapheme.length === 1) {
    const c = grapheme.charCodeAt(0);
    if (c >= 32 && c < 127) return 1;
  }
  const w = stringWidth(grapheme);
  return w <= 0 ? 0 : w >= 2 ? 2 : 1;
}

// Made on first use: the first Intl.Segmenter of a process loads ICU data (~25 ms).
let graphemes: Intl.Segmenter | undefined;

/** Columns `text` takes as Ink measures it (string-width): for laying out chrome. */
export function inkWidth(text: string): number {
  return stringWidth(text);
}

/**
 * The longest start of `text`, in whole grapheme clusters, that takes at most `cols` columns
 * as Ink measures them; `text` itself when it fits.
 */
export function truncateToWidth(text: string, cols: number): string {
  if (cols <= 0) return "";
  if (text.length <= cols && /^[\x20-\x7e]*$/.test(text)) return text;
  let used = 0;
  let end = 0;
  for (const { segment, index } of (graphemes ??= new Intl.Segmenter()).segment(text)) {
    const w = inkGraphemeWidth(segment);
    if (used + w > cols) return text.slice(0, index);
    used += w;
    end = index + segment.length;
  }
  return text.slice(0, end);
}
