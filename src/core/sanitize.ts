/**
 * Making untrusted text safe to show in a terminal or to type into an agent's pty.
 *
 * Mail bodies, subjects and task titles come from other agents. Shown raw, an escape sequence
 * in them could move the cursor, rewrite the title, set a clipboard (OSC 52), reprogram keys
 * or smuggle keystrokes into another agent's terminal. So every such text goes through
 * {@link sanitizeForTerminal} before it reaches a screen; the stored text stays as it was sent.
 */

// Whole sequences first, so their parameters do not survive as visible junk:
// - string controls: OSC (ESC ] / 0x9d), DCS (ESC P / 0x90), SOS (ESC X / 0x98),
//   PM (ESC ^ / 0x9e), APC (ESC _ / 0x9f), up to BEL or ST (ESC \ / 0x9c) or the end of text
//   (an unterminated one would swallow what follows on a real terminal);
// - CSI (ESC [ / 0x9b) with parameter, intermediate and final bytes;
// - other escapes: ESC, intermediates (0x20-0x2f), one final byte (ESC c, ESC 7, ESC ( B...).
const STRING_CONTROL = /(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[\s\S]*?(?:\x07|\x1b\\|\x9c|$)/g;
const CSI = /(?:\x1b\[|\x9b)[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]?/g;
const OTHER_ESCAPE = /\x1b[\x20-\x2f]*[\x30-\x7e]?/g;
// Whatever control characters remain: C0 except \t and \n, DEL, and C1.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * `text` with every terminal escape sequence (CSI, OSC, DCS, SOS, PM, APC, two-byte escapes,
 * in 7-bit and 8-bit forms) and every C0/C1 control character removed, except `\n` and `\t`.
 * `\r\n` becomes `\n`; a lone `\r` (which would let text overwrite the line it is on) is
 * dropped. Printable text, including any Unicode, is kept unchanged. Pure and idempotent.
 */
export function sanitizeForTerminal(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .replace(STRING_CONTROL, "")
    .replace(CSI, "")
    .replace(OTHER_ESCAPE, "")
    .replace(CONTROL, "");
}

/**
 * {@link sanitizeForTerminal} on one line: newlines and tabs become single spaces, so the
 * result is fit for a list row, a pane title or a notice typed into a prompt.
 */
export function sanitizeLine(text: string): string {
  return sanitizeForTerminal(text).replace(/[\n\t]+/g, " ");
}

// What JSON.stringify leaves raw but a terminal acts on or a JavaScript parser chokes on:
// DEL, the C1 controls (U+009B is a one-byte CSI), and the line/paragraph separators.
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029]/g;

/**
 * `value` as JSON text (indented by `indent`) that is safe to print: every control character
 * is a `\uXXXX` escape (JSON.stringify already escapes C0; this adds DEL, C1, U+2028/9), so
 * the data round-trips unchanged and nothing in it reaches a terminal raw.
 */
export function formatJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * A writer for CLI output to `stream` that passes all text through
 * {@link sanitizeForTerminal} (newlines and tabs kept): the one place where text reaches a
 * terminal from a short command. `callback` as in `Writable.write`.
 */
export function sanitizingWriter(stream: {
  write(text: string, callback?: (error?: Error | null) => void): unknown;
}): { write(text: string, callback?: (error?: Error | null) => void): boolean } {
  return {
    write: (text, callback) => {
      stream.write(sanitizeForTerminal(text), callback);
      return true;
    },
  };
}
