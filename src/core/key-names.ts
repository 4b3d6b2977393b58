import { FlotillaError } from "./errors.js";

/**
 * Key names as users write them in `.flotilla/config.json` (`keys.prefix`), tmux style, and
 * human labels for the raw sequences a terminal sends. Keys are JS strings holding the bytes
 * the terminal sends (after UTF-8 decoding), e.g. `"\x02"` for Ctrl-b, `"\x1b[A"` for Up.
 */

const ESC = "\x1b";

/** Ctrl-<punctuation> keys and the byte each sends. */
const CTRL_PUNCTUATION: Record<string, string> = {
  space: "\x00",
  "@": "\x00",
  "\\": "\x1c",
  "]": "\x1d",
  "^": "\x1e",
  _: "\x1f",
};

/** Ctrl keys refused as a prefix: they are the same byte as a key every program needs. */
const CTRL_REFUSED: Record<string, string> = {
  "[": "Ctrl-[ is the Escape byte, which starts every arrow and function key",
  i: "Ctrl-i is the Tab byte",
  m: "Ctrl-m is the Enter byte",
};

const USAGE = "use C-a … C-z, C-space, C-\\, C-], C-^, C-_ or one printable ASCII character";

/**
 * The byte a key name stands for, for use as the cockpit prefix: `C-b` → `"\x02"`.
 * Accepts `C-<letter>` (case-insensitive; `Ctrl-`, `Ctrl+` and `^` work too), `C-space` /
 * `C-@` (`"\x00"`), `C-\`, `C-]`, `C-^`, `C-_`, and one printable ASCII character other
 * than space (e.g. `` ` ``). The result is always exactly one character.
 * @throws FlotillaError INVALID_INPUT for anything else, including C-[ (Escape), C-i (Tab)
 *   and C-m (Enter), with a message saying which names work.
 */
export function parseKeyName(name: string): string {
  const ctrl = /^(?:C-|Ctrl[-+]|\^)(.+)$/i.exec(name);
  if (ctrl) {
    const key = ctrl[1] ?? "";
    const lower = key.toLowerCase();
    const refused = CTRL_REFUSED[lower];
    if (refused !== undefined)
      throw new FlotillaError(
        "INVALID_INPUT",
        `key "${name}" cannot be used: ${refused}; ${USAGE}`,
      );
    if (/^[a-z]$/.test(lower)) return String.fromCharCode(lower.charCodeAt(0) - 96);
    const punctuation = CTRL_PUNCTUATION[lower];
    if (punctuation !== undefined) return punctuation;
  } else if (/^[\x21-\x7e]$/.test(name)) {
    return name;
  }
  throw new FlotillaError("INVALID_INPUT", `invalid key name "${name}": ${USAGE}`);
}

const NAMED: Record<string, string> = {
  "\x00": "Ctrl-Space",
  "\t": "Tab",
  "\r": "Enter",
  "\x1b": "Esc",
  "\x1c": "Ctrl-\\",
  "\x1d": "Ctrl-]",
  "\x1e": "Ctrl-^",
  "\x1f": "Ctrl-_",
  " ": "Space",
  "\x7f": "Backspace",
};

/** Final byte of CSI / SS3 sequences without a number, e.g. `ESC [ A`, `ESC O A`. */
const CURSOR_FINALS: Record<string, string> = {
  A: "↑",
  B: "↓",
  C: "→",
  D: "←",
  H: "Home",
  F: "End",
  Z: "Shift-Tab",
  P: "F1",
  Q: "F2",
  R: "F3",
  S: "F4",
};

/** Number of `ESC [ <n> ~` sequences. */
const TILDE_KEYS: Record<string, string> = {
  "1": "Home",
  "2": "Insert",
  "3": "Delete",
  "4": "End",
  "5": "PgUp",
  "6": "PgDn",
  "7": "Home",
  "8": "End",
  "11": "F1",
  "12": "F2",
  "13": "F3",
  "14": "F4",
  "15": "F5",
  "17": "F6",
  "18": "F7",
  "19": "F8",
  "20": "F9",
  "21": "F10",
  "23": "F11",
  "24": "F12",
};

/**
 * A short human label for one key's raw sequence, as shown in help and the status bar:
 * `"\x02"` → `"Ctrl-b"`, `"\x00"` → `"Ctrl-Space"`, `"\x1b[A"` and `"\x1bOA"` → `"↑"`,
 * `"\x1b[5~"` → `"PgUp"`, `"\x1b[1;5C"` → `"Ctrl-→"`, `"\x1bx"` → `"Alt-x"`, `"?"` → `"?"`.
 * Anything unrecognised is shown with control bytes escaped (`"\x1b[99y"` → `"\\x1b[99y"`).
 * Never throws.
 */
export function describeKey(key: string): string {
  const named = NAMED[key];
  if (named !== undefined) return named;
  if (key.length === 1) {
    const code = key.charCodeAt(0);
    if (code >= 1 && code <= 26) return `Ctrl-${String.fromCharCode(code + 96)}`;
  }
  if (key.startsWith(ESC)) {
    const sequence = describeSequence(key);
    if (sequence !== undefined) return sequence;
  }
  if ([...key].length === 1 && !/[\x00-\x1f\x7f]/.test(key)) return key;
  return escapeControls(key);
}

function describeSequence(key: string): string | undefined {
  const ss3 = /^\x1bO([A-DFHPQRS])$/.exec(key);
  if (ss3) return CURSOR_FINALS[ss3[1] ?? ""];
  const csi = /^\x1b\[(?:(\d+)(?:;(\d+))?)?([A-DFHZ~])$/.exec(key);
  if (csi) {
    const [, number, modifier, final] = csi;
    const base = final === "~" ? TILDE_KEYS[number ?? ""] : CURSOR_FINALS[final ?? ""];
    if (base === undefined) return undefined;
    if (final !== "~" && number !== undefined && number !== "1") return undefined;
    return modifierLabel(modifier) + base;
  }
  // ESC followed by one key is that key with Alt (Meta) held.
  const rest = key.slice(1);
  if (rest.length > 0 && !rest.startsWith(ESC) && [...rest].length === 1)
    return `Alt-${describeKey(rest)}`;
  return undefined;
}

/** xterm modifier parameter (1 + Shift 1 + Alt 2 + Ctrl 4) as a label prefix. */
function modifierLabel(parameter: string | undefined): string {
  const bits = parameter === undefined ? 0 : Number(parameter) - 1;
  if (!(bits > 0)) return "";
  return (bits & 4 ? "Ctrl-" : "") + (bits & 2 ? "Alt-" : "") + (bits & 1 ? "Shift-" : "");
}

function escapeControls(key: string): string {
  return key.replace(
    /[\x00-\x1f\x7f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}
