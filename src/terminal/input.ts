/**
 * Input encoding between the real terminal and a pane's child. Pure functions, no I/O.
 *
 * The cockpit keeps the real terminal in one fixed state (normal cursor keys, bracketed
 * paste on, SGR mouse reporting on) and re-encodes what the user typed for the modes each
 * child asked for, so a child's modes never leak to the terminal or to other panes.
 */

/** Mouse tracking a child asked for (DECSET 9 / 1000 / 1002 / 1003). */
export type MouseTrackingMode = "none" | "x10" | "vt200" | "drag" | "any";

/** The child modes that change how input is encoded (xterm's `term.modes` plus encoding). */
export interface ChildInputModes {
  /** DECCKM (`CSI ?1 h`): cursor keys as `ESC O A` instead of `ESC [ A`. */
  applicationCursorKeysMode: boolean;
  /** `CSI ?2004 h`: the child wants pastes wrapped in `ESC[200~` … `ESC[201~`. */
  bracketedPasteMode: boolean;
  mouseTrackingMode: MouseTrackingMode;
  /** `sgr` after `CSI ?1006 h`, else the legacy X10 byte encoding. */
  mouseEncoding: "sgr" | "default";
  /** `CSI ?1004 h`: the child wants `ESC[I` / `ESC[O` on focus changes. */
  sendFocusMode: boolean;
}

/** One decoded mouse report, in cells of the real terminal (0-based). */
export interface MouseEvent {
  kind: "press" | "release" | "move" | "wheel-up" | "wheel-down";
  /** 0 left, 1 middle, 2 right, 3 none (a move without a button held); 0 for wheel events. */
  button: number;
  x: number;
  y: number;
  shift: boolean;
  alt: boolean;
  ctrl: boolean;
}

/** What `parseMouseEvents` found in one input chunk. */
export interface ParsedMouseInput {
  events: MouseEvent[];
  /** The chunk without the mouse reports, in order. */
  rest: string;
  /** A mouse report cut off at the end of the chunk: prepend it to the next chunk. */
  partial: string;
}

const keyRegex = /\x1b\[(20[01])~|\x1b\[([ABCDHF])/g;

/**
 * Re-encodes keys typed in the real terminal (normal cursor-key mode, bracketed paste on) for
 * a child: with application cursor keys, unmodified `ESC[A/B/C/D/H/F` become `ESC O A…`
 * (never inside a paste); paste markers are kept only if the child enabled bracketed paste,
 * else stripped so the pasted text arrives bare. Everything else passes unchanged.
 */
export function translateInput(
  data: string,
  modes: Pick<ChildInputModes, "applicationCursorKeysMode" | "bracketedPasteMode">,
): string {
  if (!data.includes("\x1b")) return data;
  let inPaste = false;
  return data.replace(keyRegex, (match, paste: string | undefined, key: string | undefined) => {
    if (paste !== undefined) {
      inPaste = paste === "200";
      return modes.bracketedPasteMode ? match : "";
    }
    if (modes.applicationCursorKeysMode && !inPaste) return `\x1bO${key}`;
    return match;
  });
}

const mouseRegex = /\x1b\[<(\d+);(\d+);(\d+)([Mm])/g;
const partialMouseRegex = /\x1b\[<[\d;]*$/;

/**
 * Splits SGR mouse reports (`ESC[<b;x;yM` press/move/wheel, `…m` release, 1-based
 * coordinates) out of a chunk of terminal input. Horizontal wheel and extra buttons are
 * dropped. A report cut off at the end of the chunk is returned in `partial`.
 */
export function parseMouseEvents(data: string): ParsedMouseInput {
  const events: MouseEvent[] = [];
  if (!data.includes("\x1b[<")) return { events, rest: data, partial: "" };
  let rest = "";
  let last = 0;
  for (const m of data.matchAll(mouseRegex)) {
    rest += data.slice(last, m.index);
    last = m.index + m[0].length;
    const event = decodeMouse(Number(m[1]), Number(m[2]) - 1, Number(m[3]) - 1, m[4] === "m");
    if (event !== null) events.push(event);
  }
  rest += data.slice(last);
  const cut = partialMouseRegex.exec(rest);
  const partial = cut === null ? "" : cut[0];
  if (cut !== null) rest = rest.slice(0, cut.index);
  return { events, rest, partial };
}

function decodeMouse(b: number, x: number, y: number, release: boolean): MouseEvent | null {
  const mods = { shift: (b & 4) !== 0, alt: (b & 8) !== 0, ctrl: (b & 16) !== 0 };
  if (b >= 128) return null;
  if (b & 64) {
    const low = b & 3;
    if (low > 1) return null;
    return { kind: low === 0 ? "wheel-up" : "wheel-down", button: 0, x, y, ...mods };
  }
  const button = b & 3;
  if (b & 32) return { kind: "move", button, x, y, ...mods };
  return { kind: release ? "release" : "press", button, x, y, ...mods };
}

/**
 * Encodes a mouse event for a child whose pane starts at (originX, originY) of the real
 * terminal, in the child's encoding (SGR after `?1006h`, else X10 bytes), or null if the
 * child's tracking mode does not report this event, the event is left/above the pane, or
 * (X10 encoding) the position is beyond column/row 223.
 */
export function encodeMouseForChild(
  event: MouseEvent,
  paneOriginX: number,
  paneOriginY: number,
  modes: Pick<ChildInputModes, "mouseTrackingMode" | "mouseEncoding">,
): string | null {
  const mode = modes.mouseTrackingMode;
  if (mode === "none") return null;
  const x = event.x - paneOriginX;
  const y = event.y - paneOriginY;
  if (x < 0 || y < 0) return null;
  const wheel = event.kind === "wheel-up" || event.kind === "wheel-down";
  if (event.kind === "release" && mode === "x10") return null;
  if (event.kind === "move") {
    if (mode !== "any" && !(mode === "drag" && event.button !== 3)) return null;
  }
  let cb = wheel ? 64 + (event.kind === "wheel-down" ? 1 : 0) : event.button & 3;
  if (event.kind === "move") cb |= 32;
  if (mode !== "x10") {
    cb |= (event.shift ? 4 : 0) | (event.alt ? 8 : 0) | (event.ctrl ? 16 : 0);
  }
  if (modes.mouseEncoding === "sgr") {
    return `\x1b[<${cb};${x + 1};${y + 1}${event.kind === "release" ? "m" : "M"}`;
  }
  if (event.kind === "release") cb = (cb & ~3) | 3;
  if (x + 1 > 223 || y + 1 > 223) return null;
  return "\x1b[M" + String.fromCharCode(32 + cb, 33 + x, 33 + y);
}

/** The focus report for a child that asked for one (`ESC[I` / `ESC[O`), else "". */
export function encodeFocusForChild(
  focused: boolean,
  modes: Pick<ChildInputModes, "sendFocusMode">,
): string {
  if (!modes.sendFocusMode) return "";
  return focused ? "\x1b[I" : "\x1b[O";
}

/**
 * The wheel as arrow keys, for a program on the alternate screen that has not asked for the
 * mouse (xterm's alternate-scroll mode, DECSET 1007, which tmux and most terminals default
 * on): `lines` presses of up (`wheel-up`) or down, in the child's cursor-key mode.
 */
export function wheelAsArrows(
  up: boolean,
  lines: number,
  modes: Pick<ChildInputModes, "applicationCursorKeysMode">,
): string {
  const key = `${modes.applicationCursorKeysMode ? "\x1bO" : "\x1b["}${up ? "A" : "B"}`;
  return key.repeat(Math.max(0, lines));
}
