/**
 * What one key is, for everything that reads the user's keyboard: the pane input machine
 * (`core/keymap.ts`), every cockpit view and the text-field reducer (`core/text-field.ts`),
 * and input re-encoding (`terminal/input.ts`). Pure; no I/O.
 *
 * A key is a string holding one raw sequence exactly as the terminal sends it after UTF-8
 * decoding: a character (a whole code point, so a surrogate pair is one key), or an escape
 * sequence (`ESC [ … final`, `ESC O x`, `ESC x` for Alt-x). A bracketed paste is read by
 * {@link splitKeys} as one text key (see there).
 */

export const ESC = "\x1b";
/** Bracketed-paste markers as the real terminal sends them (the cockpit keeps paste on). */
export const PASTE_START = "\x1b[200~";
export const PASTE_END = "\x1b[201~";

/** Arrow keys in both cursor-key modes: normal (`ESC [ A`) and application (`ESC O A`). */
export const UP = ["\x1b[A", "\x1bOA"] as const;
export const DOWN = ["\x1b[B", "\x1bOB"] as const;
export const RIGHT = ["\x1b[C", "\x1bOC"] as const;
export const LEFT = ["\x1b[D", "\x1bOD"] as const;
/** Enter: CR from a terminal in raw mode, LF from some. */
export const ENTER = ["\r", "\n"] as const;
export const TAB = "\t";
export const SHIFT_TAB = "\x1b[Z";
/** DEL (what Backspace sends) and BS (Ctrl-H). */
export const BACKSPACE = ["\x7f", "\b"] as const;
export const CTRL_U = "\x15";
export const PAGE_UP = "\x1b[5~";
export const PAGE_DOWN = "\x1b[6~";
export const HOME = ["\x1b[H", "\x1bOH", "\x1b[1~"] as const;
export const END = ["\x1b[F", "\x1bOF", "\x1b[4~"] as const;

/** Longest escape sequence read as one key; anything longer is garbage, not a key. */
export const MAX_SEQUENCE = 32;

/**
 * Whether `sequence` (starting with ESC) is a whole key, needs more input, or ended before
 * its last character. ECMA-48: `ESC [` parameters and intermediates (0x20–0x3f) then a final
 * byte (0x40–0x7e); `ESC O` one character; `ESC` plus any other printable character is that
 * character with Alt. A control character ends a sequence early.
 */
export function escapeVerdict(sequence: string): "complete" | "partial" | "broken" {
  if (sequence.length > MAX_SEQUENCE) return "broken";
  const last = sequence.charCodeAt(sequence.length - 1);
  const control = last < 0x20 || last === 0x7f;
  if (sequence.length === 1) return "partial";
  if (sequence.length === 2) {
    if (control) return "broken";
    return sequence[1] === "[" || sequence[1] === "O" ? "partial" : "complete";
  }
  if (sequence[1] === "[") {
    if (last >= 0x20 && last <= 0x3f) return "partial";
    return last >= 0x40 && last <= 0x7e ? "complete" : "broken";
  }
  return last > 0x20 && last <= 0x7e ? "complete" : "broken";
}

export function isHighSurrogate(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 0xd800 && code <= 0xdbff;
}

export function isLowSurrogate(c: string): boolean {
  const code = c.charCodeAt(0);
  return code >= 0xdc00 && code <= 0xdfff;
}

/** True for a key that is one control character or an escape sequence (not text). */
export function isControlKey(key: string): boolean {
  return key.startsWith(ESC) || /^[\x00-\x1f\x7f]$/.test(key);
}

/**
 * The keys of one whole stdin chunk, in order, for views and forms (which read whole keys,
 * never forward bytes):
 * - escape sequences by {@link escapeVerdict}; one cut off at the end of the chunk is taken
 *   as it stands (a lone Escape at the end is Escape);
 * - a bracketed paste is one text key with its line breaks made spaces (an empty paste
 *   gives nothing);
 * - string sequences (OSC, DCS, SOS, PM, APC) are skipped up to BEL or ST: never a key;
 * - anything else one code point at a time.
 */
export function splitKeys(chunk: string): string[] {
  const keys: string[] = [];
  let i = 0;
  while (i < chunk.length) {
    if (chunk.startsWith(PASTE_START, i)) {
      const end = chunk.indexOf(PASTE_END, i + PASTE_START.length);
      const stop = end < 0 ? chunk.length : end;
      const text = chunk.slice(i + PASTE_START.length, stop).replace(/\r\n|\r|\n/g, " ");
      if (text) keys.push(text);
      i = end < 0 ? chunk.length : end + PASTE_END.length;
      continue;
    }
    if (chunk[i] === ESC) {
      const next = chunk[i + 1];
      if (next !== undefined && "]P_^X".includes(next)) {
        let j = i + 2;
        while (j < chunk.length && chunk[j] !== "\x07" && !chunk.startsWith("\x1b\\", j)) j++;
        i = j >= chunk.length ? j : chunk[j] === "\x07" ? j + 1 : j + 2;
        continue;
      }
      let j = i + 1;
      while (j < chunk.length && escapeVerdict(chunk.slice(i, j + 1)) === "partial") j++;
      const verdict = j < chunk.length ? escapeVerdict(chunk.slice(i, j + 1)) : "partial";
      // "broken": the sequence ended before chunk[j], which starts the next key.
      const stop = verdict === "complete" ? j + 1 : j;
      keys.push(chunk.slice(i, stop));
      i = stop;
      continue;
    }
    const char = String.fromCodePoint(chunk.codePointAt(i) ?? 0);
    keys.push(char);
    i += char.length;
  }
  return keys;
}
