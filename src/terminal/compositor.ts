/**
 * The only writer to the real terminal. It remembers what the terminal shows (a "front"
 * CellGrid) and turns each new frame into the shortest update it can find: changed cells
 * only, minimal SGR transitions, short cursor motions, one write wrapped in synchronized
 * output (`ESC[?2026h` … `ESC[?2026l`) so the terminal never shows a half-drawn frame.
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
  TRUECOLOR,
  UNDERLINE,
  extrasOf,
  internExtras,
} from "./cell-grid.js";

/** Where the compositor writes: the real terminal's stream in the cockpit, a fake in tests. */
export interface TerminalSink {
  write(data: string): void;
}

/** Where the terminal's cursor should end up after a frame (0-based cells). */
export interface CursorState {
  x: number;
  y: number;
  visible: boolean;
  /** DECSCUSR shape for the terminal's cursor (0 = its default, as `PaneScreen.cursorShape`). */
  shape?: number;
}

const SYNC_BEGIN = "\x1b[?2026h";
const SYNC_END = "\x1b[?2026l";

// Code points that make a terminal draw a cell's grapheme wider or narrower than wcwidth, or
// join it with the next cell: emoji/text presentation selectors and the zero-width joiner.
function isPresentation(code: number): boolean {
  return code === 0x200d || code === 0xfe0e || code === 0xfe0f;
}

function hasPresentation(grapheme: string): boolean {
  for (let k = 0; k < grapheme.length; k++) if (isPresentation(grapheme.charCodeAt(k))) return true;
  return false;
}

/**
 * A cell's grapheme as written to the outer terminal: without VS15, VS16 and ZWJ. The cell's
 * width is wcwidth's (`❤️` is one column, each part of a ZWJ family its own cell), and many
 * terminals would draw `❤️` two columns wide or join the family into one glyph, which would
 * overlap the next cell; the bare `❤` takes one column everywhere.
 */
export function forOuterTerminal(grapheme: string): string {
  let out = "";
  for (let k = 0; k < grapheme.length; k++) {
    if (!isPresentation(grapheme.charCodeAt(k))) out += grapheme[k];
  }
  return out;
}

// Kept in their own module: the thin client (src/client/) needs them and nothing else here.
export { enterScreen, leaveScreen } from "./screen-modes.js";

/**
 * Diffs frames against the terminal's content and writes the difference to `sink`.
 * The first frame, and the first after `resize()` or `invalidate()`, clears the screen and
 * draws everything.
 */
export class Compositor {
  private readonly sink: TerminalSink;
  private front: CellGrid;
  private fullRedraw = true;
  private out = "";
  // Current SGR state of the terminal.
  private penFg = DEFAULT_COLOR;
  private penBg = DEFAULT_COLOR;
  private penFlags = 0;
  // Interned CellExtras of the pen (underline style/colour, open link); 0 = none.
  private penExt = 0;
  // DECSCUSR shape last sent (the terminal starts in its default, 0).
  private cursorShape = 0;
  // A window title waiting to go out with the next frame.
  private pendingTitle: string | undefined;
  // Terminal cursor position, -1 when unknown (after a wide emoji or the last column).
  private curX = -1;
  private curY = -1;
  private cursorShown: boolean | null = null;

  /** `cols` × `rows` is the terminal's size in cells. */
  constructor(sink: TerminalSink, cols: number, rows: number) {
    this.sink = sink;
    this.front = new CellGrid(cols, rows);
  }

  get cols(): number {
    return this.front.cols;
  }

  get rows(): number {
    return this.front.rows;
  }

  /** Adopts a new terminal size; the next frame is a full redraw. */
  resize(cols: number, rows: number): void {
    this.front = new CellGrid(cols, rows);
    this.invalidate();
  }

  /**
   * Sets the outer terminal's window title (OSC 2) with the next frame. `title` must be
   * sanitized (`sanitizeTitle`); `enterScreen`/`leaveScreen` save and restore the old one.
   */
  setTitle(title: string): void {
    this.pendingTitle = title;
  }

  /** Forgets what the terminal shows (e.g. after another program wrote to it). */
  invalidate(): void {
    this.fullRedraw = true;
    this.curX = -1;
    this.curY = -1;
    this.cursorShown = null;
  }

  /**
   * Brings the terminal to `next` and the cursor to `cursor` with one write.
   * Returns the bytes written (UTF-8); 0, without writing, when nothing changed.
   * Throws RangeError when `next` is not the compositor's size.
   */
  render(next: CellGrid, cursor: CursorState): number {
    const front = this.front;
    if (next.cols !== front.cols || next.rows !== front.rows) {
      throw new RangeError(
        `frame is ${next.cols}x${next.rows}, terminal is ${front.cols}x${front.rows}`,
      );
    }
    this.out = "";
    if (this.fullRedraw) {
      this.out += "\x1b[0m\x1b[H\x1b[2J";
      this.penFg = DEFAULT_COLOR;
      this.penBg = DEFAULT_COLOR;
      this.penFlags = 0;
      this.penExt = 0;
      this.curX = 0;
      this.curY = 0;
      front.clear();
      this.fullRedraw = false;
    }
    const cols = front.cols;
    const fChars = front.chars;
    const fWidths = front.widths;
    const fFg = front.fgs;
    const fBg = front.bgs;
    const fFlags = front.flagsArr;
    const nChars = next.chars;
    const nWidths = next.widths;
    const nFg = next.fgs;
    const nBg = next.bgs;
    const nFlags = next.flagsArr;
    const fExt = front.exts;
    const nExt = next.exts;
    if (this.pendingTitle !== undefined) {
      this.out += `\x1b]2;${this.pendingTitle}\x07`;
      this.pendingTitle = undefined;
    }
    for (let y = 0; y < front.rows; y++) {
      const base = y * cols;
      let x = 0;
      while (x < cols) {
        const i = base + x;
        let w = nWidths[i] ?? 1;
        let ch = nChars[i] ?? " ";
        // A placeholder not covered by a wide char, or a wide char at the right edge, would
        // draw half a character: show a blank instead.
        if (w === 0 || (w === 2 && x === cols - 1)) {
          ch = " ";
          w = 1;
        } else if (w !== 2) {
          w = 1;
        }
        if (ch === "") ch = " ";
        const fg = nFg[i] ?? DEFAULT_COLOR;
        const bg = nBg[i] ?? DEFAULT_COLOR;
        const flags = nFlags[i] ?? 0;
        if (
          fWidths[i] === w &&
          fChars[i] === ch &&
          fFg[i] === fg &&
          fBg[i] === bg &&
          fFlags[i] === flags &&
          fExt[i] === nExt[i]
        ) {
          x += w;
          continue;
        }
        const ext = nExt[i] ?? 0;
        this.moveTo(x, y);
        if (
          fg !== this.penFg ||
          bg !== this.penBg ||
          flags !== this.penFlags ||
          ext !== this.penExt
        ) {
          this.out +=
            ext === 0 && this.penExt === 0
              ? sgrTransition(this.penFg, this.penBg, this.penFlags, fg, bg, flags)
              : extendedTransition(
                  this.penFg,
                  this.penBg,
                  this.penFlags,
                  this.penExt,
                  fg,
                  bg,
                  flags,
                  ext,
                );
          this.penFg = fg;
          this.penBg = bg;
          this.penFlags = flags;
          this.penExt = ext;
        }
        this.out += ch.length > 1 && hasPresentation(ch) ? forOuterTerminal(ch) : ch;
        fChars[i] = ch;
        fWidths[i] = w;
        fFg[i] = fg;
        fBg[i] = bg;
        fFlags[i] = flags;
        fExt[i] = ext;
        if (w === 2) {
          fChars[i + 1] = "";
          fWidths[i + 1] = 0;
          fFg[i + 1] = fg;
          fBg[i + 1] = bg;
          fFlags[i + 1] = flags;
          fExt[i + 1] = ext;
        }
        // Overwriting half of a wide char on the terminal needs no extra care: the front's
        // placeholder (width 0) never equals a frame cell here, so the other half is redrawn.
        const end = x + w;
        // After the last column the cursor waits to wrap; after an emoji or a cluster,
        // terminals disagree about widths: in both cases position explicitly next time.
        // Emoji in U+2300..U+2BFF (⌚ ✅ ⭐) became wide in Unicode 9; older tables say 1.
        this.curX =
          end >= cols || ch.length > 1 || (w === 2 && ch >= "\u2300" && ch < "\u2c00") ? -1 : end;
        x = end;
      }
    }
    if (this.penExt !== 0 && extrasOf(this.penExt).linkUri !== "") {
      // Close the link so nothing written later (by anyone) joins it.
      this.out += "\x1b]8;;\x1b\\";
      const e = extrasOf(this.penExt);
      this.penExt = internExtras({ ...e, linkUri: "", linkId: "" });
    }
    const shape = cursor.shape ?? 0;
    if (shape !== this.cursorShape) {
      this.out += `\x1b[${shape} q`;
      this.cursorShape = shape;
    }
    if (cursor.visible) {
      // Clamped, as the terminal would, so the tracked position stays true.
      this.moveTo(
        Math.max(0, Math.min(cursor.x, cols - 1)),
        Math.max(0, Math.min(cursor.y, front.rows - 1)),
      );
      if (this.cursorShown !== true) this.out += "\x1b[?25h";
      this.cursorShown = true;
    } else {
      if (this.cursorShown !== false) this.out += "\x1b[?25l";
      this.cursorShown = false;
    }
    if (this.out === "") return 0;
    const data = SYNC_BEGIN + this.out + SYNC_END;
    this.out = "";
    this.sink.write(data);
    return Buffer.byteLength(data, "utf8");
  }

  // Appends the shortest motion from the known cursor position to (x, y).
  private moveTo(x: number, y: number): void {
    const cx = this.curX;
    const cy = this.curY;
    if (cy === y && cx === x) return;
    this.curX = x;
    this.curY = y;
    if (cy === y && cx >= 0) {
      if (x > cx) {
        const gap = x - cx;
        if (gap <= 3 && this.rewriteGap(cx, x, y)) return;
        this.out += gap === 1 ? "\x1b[C" : `\x1b[${gap}C`;
        return;
      }
      this.out += `\x1b[${x + 1}G`;
      return;
    }
    this.out += x === 0 ? (y === 0 ? "\x1b[H" : `\x1b[${y + 1}H`) : `\x1b[${y + 1};${x + 1}H`;
  }

  // Re-prints unchanged cells [from, to) when that is shorter than a cursor motion: only
  // plain ASCII cells in the current pen qualify.
  private rewriteGap(from: number, to: number, y: number): boolean {
    const f = this.front;
    let text = "";
    for (let x = from; x < to; x++) {
      const i = y * f.cols + x;
      const ch = f.chars[i] ?? "";
      if (
        f.widths[i] !== 1 ||
        ch.length !== 1 ||
        ch.charCodeAt(0) >= 127 ||
        f.fgs[i] !== this.penFg ||
        f.bgs[i] !== this.penBg ||
        f.flagsArr[i] !== this.penFlags ||
        f.exts[i] !== this.penExt
      ) {
        return false;
      }
      text += ch;
    }
    this.out += text;
    return true;
  }
}

const FLAG_ON: ReadonlyArray<[number, string]> = [
  [BOLD, "1"],
  [DIM, "2"],
  [ITALIC, "3"],
  [UNDERLINE, "4"],
  [BLINK, "5"],
  [INVERSE, "7"],
  [INVISIBLE, "8"],
  [STRIKETHROUGH, "9"],
];
const FLAG_OFF: ReadonlyArray<[number, string]> = [
  [ITALIC, "23"],
  [UNDERLINE, "24"],
  [BLINK, "25"],
  [INVERSE, "27"],
  [INVISIBLE, "28"],
  [STRIKETHROUGH, "29"],
];

/**
 * The pen change when either side has CellExtras: an OSC 8 sequence when the link changes,
 * and, when the SGR part changes with an underline style or colour involved, a reset followed
 * by the whole target (`4:n` for the style, `58:5:n` / `58:2::r:g:b` for the colour). Rare
 * cells, so shortness matters less than being right.
 */
export function extendedTransition(
  pfg: number,
  pbg: number,
  pflags: number,
  pext: number,
  fg: number,
  bg: number,
  flags: number,
  ext: number,
): string {
  const pe = extrasOf(pext);
  const e = extrasOf(ext);
  let out = "";
  if (pe.linkUri !== e.linkUri || pe.linkId !== e.linkId) {
    out +=
      e.linkUri === ""
        ? "\x1b]8;;\x1b\\"
        : `\x1b]8;${e.linkId === "" ? "" : `id=${e.linkId}`};${e.linkUri}\x1b\\`;
  }
  const plainUnderline = (x: typeof e) =>
    x.underlineStyle === 0 && x.underlineColor === DEFAULT_COLOR;
  if (plainUnderline(pe) && plainUnderline(e)) {
    return out + sgrTransition(pfg, pbg, pflags, fg, bg, flags);
  }
  if (
    pfg === fg &&
    pbg === bg &&
    pflags === flags &&
    pe.underlineStyle === e.underlineStyle &&
    pe.underlineColor === e.underlineColor
  ) {
    return out;
  }
  const params: string[] = ["0"];
  for (const [bit, code] of FLAG_ON) {
    if (!(flags & bit)) continue;
    params.push(bit === UNDERLINE && e.underlineStyle !== 0 ? `4:${e.underlineStyle}` : code);
  }
  if (fg !== DEFAULT_COLOR) params.push(colorParam(fg, 30));
  if (bg !== DEFAULT_COLOR) params.push(colorParam(bg, 40));
  if (flags & UNDERLINE && e.underlineColor !== DEFAULT_COLOR) {
    const c = e.underlineColor;
    params.push(
      c >= TRUECOLOR ? `58:2::${(c >> 16) & 255}:${(c >> 8) & 255}:${c & 255}` : `58:5:${c & 255}`,
    );
  }
  return `${out}\x1b[${params.join(";")}m`;
}

/** SGR parameter for a foreground (`base` 30) or background (`base` 40) colour. */
function colorParam(color: number, base: 30 | 40): string {
  if (color < 0) return String(base + 9);
  if (color >= TRUECOLOR) {
    return `${base + 8};2;${(color >> 16) & 255};${(color >> 8) & 255};${color & 255}`;
  }
  if (color < 8) return String(base + color);
  if (color < 16) return String(base + 60 + color - 8);
  return `${base + 8};5;${color}`;
}

/**
 * The shortest SGR sequence that changes the pen from (pfg, pbg, pflags) to (fg, bg, flags):
 * either incremental (turn off what goes, on what comes) or a reset followed by the target.
 */
export function sgrTransition(
  pfg: number,
  pbg: number,
  pflags: number,
  fg: number,
  bg: number,
  flags: number,
): string {
  if (pfg === fg && pbg === bg && pflags === flags) return "";
  const inc: string[] = [];
  const removed = pflags & ~flags;
  let added = flags & ~pflags;
  if (removed & (BOLD | DIM)) {
    // 22 turns off both bold and dim; re-add the one that stays.
    inc.push("22");
    added |= flags & (BOLD | DIM);
  }
  for (const [bit, code] of FLAG_OFF) if (removed & bit) inc.push(code);
  for (const [bit, code] of FLAG_ON) if (added & bit) inc.push(code);
  if (fg !== pfg) inc.push(colorParam(fg, 30));
  if (bg !== pbg) inc.push(colorParam(bg, 40));
  const reset: string[] = ["0"];
  for (const [bit, code] of FLAG_ON) if (flags & bit) reset.push(code);
  if (fg !== DEFAULT_COLOR) reset.push(colorParam(fg, 30));
  if (bg !== DEFAULT_COLOR) reset.push(colorParam(bg, 40));
  const a = `\x1b[${inc.join(";")}m`;
  const b = reset.length === 1 ? "\x1b[0m" : `\x1b[${reset.join(";")}m`;
  return b.length < a.length ? b : a;
}
