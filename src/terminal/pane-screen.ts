/**
 * The screen model of one pane: an `@xterm/headless` terminal fed with the pty's raw bytes,
 * plus what xterm does not expose (cursor visibility and shape, SGR mouse encoding, underline
 * styles and colours, OSC 8 links), read back as cells for the compositor, as text for status
 * patterns, or serialized for a client that attaches; titles (OSC 0/2) and bells are events.
 */
import xtermHeadless from "@xterm/headless";
import type { IBufferCell, IBufferLine, Terminal as XTerminal } from "@xterm/headless";
import { SerializeAddon } from "@xterm/addon-serialize";
import {
  BOLD,
  BLINK,
  CellGrid,
  DEFAULT_COLOR,
  DIM,
  INVERSE,
  INVISIBLE,
  ITALIC,
  STRIKETHROUGH,
  TRUECOLOR,
  UNDERLINE,
  internExtras,
} from "./cell-grid.js";
import { createUnicodeProvider, UNICODE_VERSION, wcwidth } from "./unicode-width.js";
import type { ChildInputModes } from "./input.js";
import { sanitizeLine } from "../core/sanitize.js";
import { extendedTransition } from "./compositor.js";

const { Terminal } = xtermHeadless;

/** Options of a PaneScreen; sizes in cells, scrollback in lines (default 5000). */
export interface PaneScreenOptions {
  cols: number;
  rows: number;
  scrollback?: number;
}

/** The modes a child program set that matter to input encoding and to the cockpit. */
export interface PaneModes extends ChildInputModes {
  applicationKeypadMode: boolean;
  insertMode: boolean;
  originMode: boolean;
  wraparoundMode: boolean;
  synchronizedOutputMode: boolean;
  /** DECTCEM (`CSI ?25 h/l`). */
  cursorVisible: boolean;
}

/** Cursor position in cells (0-based, inside the screen) and visibility. */
export interface PaneCursor {
  x: number;
  y: number;
  visible: boolean;
}

/** Options of `PaneScreen.serialize`. */
export interface SerializeOptions {
  /** Lines of scrollback to include (default: all). */
  scrollback?: number;
}

// xterm's IBufferCell colour modes: 0 default, 0x1000000 / 0x2000000 palette, 0x3000000 RGB.
const CELL_MODE_RGB = 0x3000000;
const CELL_MODE_MASK = 0x3000000;
// xterm's internal cell bits (common/buffer/Constants.ts): FgFlags.UNDERLINE, BgFlags.HAS_EXTENDED.
const FG_UNDERLINE = 0x10000000;
const BG_HAS_EXTENDED = 0x10000000;
// ExtendedAttrs.underlineColor after SGR 59 (-1 masked to 26 bits): the text colour.
const UNDERLINE_COLOR_UNSET = 0x3ffffff;

/** Longest title kept, in code points (a pane title is a line of chrome, not a document). */
export const MAX_TITLE_LENGTH = 120;
/** Longest OSC 8 URI passed on, in UTF-16 units (longer links stay plain text). */
const MAX_LINK_LENGTH = 2048;

/**
 * The parts of xterm's internal cell (`CellData`) this module reads for what the public
 * IBufferCell lacks: underline style and colour, and the OSC 8 link id.
 */
interface XtermCell {
  fg: number;
  bg: number;
  extended?: { _ext?: number; underlineStyle: number; underlineColor: number; urlId: number };
}

/** xterm's internal OSC 8 registry (`OscLinkService`). */
interface XtermLinks {
  getLinkData(urlId: number): { id?: string; uri: string } | undefined;
}

/**
 * A window title (OSC 0/2) made safe to show: escape sequences and control characters removed
 * (`sanitizeLine`, the one sanitizer for untrusted text), bidi overrides too, runs of
 * whitespace made one space, trimmed, cut to MAX_TITLE_LENGTH code points ("…" marks a cut).
 */
export function sanitizeTitle(raw: string): string {
  const clean = sanitizeLine(raw.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, " "))
    .replace(/\s+/g, " ")
    .trim();
  const points = [...clean];
  return points.length <= MAX_TITLE_LENGTH
    ? clean
    : `${points.slice(0, MAX_TITLE_LENGTH - 1).join("")}…`;
}

// A link's URI and id as they may be written back into an OSC 8 sequence: printable ASCII
// and non-control Unicode only (a URI with controls is dropped, an id loses what OSC 8's
// parameter syntax cannot carry).
function safeLink(data: { id?: string; uri: string } | undefined): { uri: string; id: string } {
  if (!data || data.uri.length > MAX_LINK_LENGTH || /[\u0000-\u001f\u007f-\u009f]/.test(data.uri)) {
    return { uri: "", id: "" };
  }
  const id = (data.id ?? "").replace(/[^\x21-\x7e]|[:;]/g, "").slice(0, 64);
  return { uri: data.uri, id };
}

/**
 * A pane's screen. All writes are asynchronous in xterm: `write`'s callback (or `flush()`)
 * tells when the bytes are parsed; reads see everything parsed so far.
 */
export class PaneScreen {
  private readonly term: XTerminal;
  private readonly serializer: SerializeAddon;
  private readonly scratch: IBufferCell;
  private cursorHidden = false;
  /** Writes handed to xterm and not parsed yet. */
  private unparsed = 0;
  private sgrMouse = false;
  private shape = 0;
  private currentTitle = "";
  private bells = 0;
  private dropped = 0;
  private readonly links: XtermLinks | undefined;
  // (underline style, colour, xterm link id) -> interned extras id, for this screen's links.
  private readonly extrasCache = new Map<number, number>();
  private readonly extrasOfCell = (cell: IBufferCell): number => this.readExtras(cell);

  /** Creates a blank screen of `cols` × `rows` cells. */
  constructor(options: PaneScreenOptions) {
    this.term = new Terminal({
      cols: options.cols,
      rows: options.rows,
      scrollback: options.scrollback ?? 5000,
      allowProposedApi: true,
    });
    this.term.unicode.register(createUnicodeProvider());
    this.term.unicode.activeVersion = UNICODE_VERSION;
    dropZeroWidthAtLineStart(this.term);
    this.serializer = new SerializeAddon();
    this.term.loadAddon(this.serializer);
    this.scratch = this.term.buffer.active.getNullCell();
    this.links = (this.term as unknown as { _core?: { _oscLinkService?: XtermLinks } })._core
      ?._oscLinkService;
    this.trackPrivateModes();
    this.term.onTitleChange((title) => (this.currentTitle = sanitizeTitle(title)));
    this.term.onBell(() => this.bells++);
    this.countDroppedLines();
  }

  // Copy mode anchors its view on absolute line numbers (dropped + buffer index), so it must
  // know how many lines fell off the top of a full scrollback. xterm tells only internally
  // (CircularList.onTrim); without it the count stays 0 and a full scrollback drifts.
  private countDroppedLines(): void {
    const lines = (
      this.term as unknown as {
        _core?: {
          buffers?: { normal?: { lines?: { onTrim?: (f: (n: number) => void) => void } } };
        };
      }
    )._core?.buffers?.normal?.lines;
    lines?.onTrim?.((amount) => (this.dropped += amount));
  }

  /**
   * Lines dropped from the top of the normal buffer's full scrollback since this screen was
   * made (monotonic): line `i` of the buffer is line `droppedLines + i` of the pane's history.
   */
  get droppedLines(): number {
    return this.dropped;
  }

  /**
   * Buffer line `index` (0 = oldest scrollback line kept; `scrollbackLength + y` = screen row
   * y) as text with trailing blanks trimmed, the column of each UTF-16 unit of the text
   * (`columns[k]`; absent when every unit is one column), and whether it continues the line
   * before it (a soft wrap). Undefined beyond the buffer.
   */
  readLine(index: number): { text: string; wrapped: boolean; columns?: number[] } | undefined {
    const line = this.term.buffer.active.getLine(index);
    if (!line) return undefined;
    const cell = this.scratch;
    let text = "";
    let columns: number[] | undefined;
    let end = 0;
    for (let c = 0; c < line.length; c++) {
      if (!line.getCell(c, cell)) break;
      const width = cell.getWidth();
      if (width === 0) continue;
      const chars = cell.getChars() || " ";
      if (columns === undefined && (chars.length !== 1 || width !== 1 || text.length !== c))
        columns = Array.from({ length: text.length }, (_, k) => k);
      if (columns) for (let k = 0; k < chars.length; k++) columns.push(c);
      text += chars;
      if (chars !== " ") end = text.length;
    }
    text = text.slice(0, end);
    if (columns) columns.length = end;
    return columns ? { text, wrapped: line.isWrapped, columns } : { text, wrapped: line.isWrapped };
  }

  /** BELs the child printed so far: a reader that remembers the count sees new ones. */
  get bellCount(): number {
    return this.bells;
  }

  /** The child's window title (OSC 0/2), sanitized (see `sanitizeTitle`); "" until it sets one. */
  get title(): string {
    return this.currentTitle;
  }

  /**
   * Calls `listener` with each title the child sets (OSC 0 or 2), sanitized. Returns a
   * function that stops the calls.
   */
  onTitle(listener: (title: string) => void): () => void {
    const sub = this.term.onTitleChange((title) => listener(sanitizeTitle(title)));
    return () => sub.dispose();
  }

  /** Calls `listener` on each BEL the child prints (not the BEL ending an OSC). Returns a stop function. */
  onBell(listener: () => void): () => void {
    const sub = this.term.onBell(listener);
    return () => sub.dispose();
  }

  /**
   * The cursor shape the child asked for with DECSCUSR (`CSI Ps SP q`): 0 the terminal's
   * default, 1/2 blinking/steady block, 3/4 underline, 5/6 bar.
   */
  get cursorShape(): number {
    return this.shape;
  }

  // Underline style and colour, and the link, of a cell xterm flagged as having extended
  // attributes; these live in xterm's internal CellData (the public IBufferCell has only
  // isUnderline), so they are read from there.
  private readExtras(cell: IBufferCell): number {
    const raw = cell as unknown as XtermCell;
    const ext = raw.extended;
    if (!ext) return 0;
    let style = 0;
    let color = DEFAULT_COLOR;
    let colorKey = 0;
    if (raw.fg & FG_UNDERLINE) {
      // With a link, xterm's getter answers 5 (its own link look); the bits hold the real one.
      const s = typeof ext._ext === "number" ? (ext._ext >>> 26) & 7 : ext.underlineStyle;
      style = s >= 2 && s <= 5 ? s : 0;
      const c = ext.underlineColor;
      const mode = c & CELL_MODE_MASK;
      if (c !== UNDERLINE_COLOR_UNSET && mode !== 0) {
        color = mode === CELL_MODE_RGB ? TRUECOLOR | (c & 0xffffff) : c & 255;
        colorKey = c & 0x3ffffff;
      }
    }
    const urlId = this.links ? ext.urlId : 0;
    if (style === 0 && color === DEFAULT_COLOR && urlId === 0) return 0;
    const key = urlId * 0x20000000 + style * 0x4000000 + colorKey;
    let id = this.extrasCache.get(key);
    if (id === undefined) {
      const link = urlId === 0 ? { uri: "", id: "" } : safeLink(this.links?.getLinkData(urlId));
      id = internExtras({
        underlineStyle: style,
        underlineColor: color,
        linkUri: link.uri,
        linkId: link.id,
      });
      if (this.extrasCache.size >= 4096) this.extrasCache.clear();
      this.extrasCache.set(key, id);
    }
    return id;
  }

  // xterm tracks DECTCEM and the mouse encoding internally without exposing them: watch the
  // sequences (the hooks return false so xterm still handles them).
  private trackPrivateModes(): void {
    const onMode = (set: boolean) => (params: (number | number[])[]) => {
      for (const p of params) {
        if (p === 25) this.cursorHidden = !set;
        else if (p === 1006) this.sgrMouse = set;
      }
      return false;
    };
    this.term.parser.registerCsiHandler({ prefix: "?", final: "h" }, onMode(true));
    this.term.parser.registerCsiHandler({ prefix: "?", final: "l" }, onMode(false));
    const reset = (): boolean => {
      this.cursorHidden = false;
      this.sgrMouse = false;
      this.shape = 0;
      return false;
    };
    this.term.parser.registerCsiHandler({ intermediates: " ", final: "q" }, (params) => {
      const p = params[0];
      const shape = typeof p === "number" ? p : 0;
      if (shape >= 0 && shape <= 6) this.shape = shape;
      return false;
    });
    this.term.parser.registerEscHandler({ final: "c" }, reset);
    this.term.parser.registerCsiHandler({ intermediates: "!", final: "p" }, () => {
      this.cursorHidden = false;
      return false;
    });
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /** Feeds pty output; `cb` runs once xterm has parsed it. */
  write(data: string | Uint8Array, cb?: () => void): void {
    this.unparsed++;
    this.term.write(data, () => {
      this.unparsed--;
      cb?.();
    });
  }

  /** Calls `done` once everything written so far is parsed: at once when nothing is pending. */
  whenParsed(done: () => void): void {
    if (this.unparsed === 0) done();
    else this.term.write("", done);
  }

  /**
   * The user just typed into this pane: parse the next output at once instead of on xterm's
   * next timer tick (~1 ms later), so echo is not held back. Uses xterm's own user-input path.
   */
  expectEcho(): void {
    this.term.input("", true);
  }

  /**
   * Calls `listener` with what the terminal answers to queries in the output (cursor
   * position reports, device attributes...): bytes for the program, as a real terminal
   * would send them back.
   */
  onReply(listener: (data: string) => void): void {
    this.term.onData((data) => {
      if (data.length > 0) listener(data);
    });
  }

  /** Resolves once everything written so far is parsed. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.whenParsed(resolve));
  }

  /** Resizes the screen (cells); xterm reflows the normal buffer. */
  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
  }

  /**
   * The screen as a string that, written into a fresh PaneScreen of the same size, restores
   * its content, attributes, cursor, alternate buffer and modes (including cursor visibility
   * and SGR mouse encoding, which the serialize addon leaves out).
   */
  serialize(options: SerializeOptions = {}): string {
    let out = this.serializer.serialize(
      options.scrollback === undefined ? {} : { scrollback: options.scrollback },
    );
    if (this.sgrMouse) out += "\x1b[?1006h";
    if (this.cursorHidden) out += "\x1b[?25l";
    if (this.shape !== 0) out += `\x1b[${this.shape} q`;
    if (this.currentTitle !== "") out += `\x1b]2;${this.currentTitle}\x07`;
    const patch = this.extrasPatch();
    // DECSC/DECRC keep the cursor and pen the serialization left, around the redrawn cells.
    if (patch !== "") out += `\x1b7${patch}\x1b]8;;\x1b\\\x1b8`;
    return out;
  }

  // The serialize addon writes curly/double/dotted/dashed underlines as plain ones, drops
  // underline colours and turns links into underlined text: redraw the visible cells that
  // have such extras, with them.
  private extrasPatch(): string {
    const cols = this.term.cols;
    const rows = this.term.rows;
    const grid = new CellGrid(cols, rows);
    this.copyInto(grid, 0, 0, cols, rows);
    let out = "";
    let fg = DEFAULT_COLOR;
    let bg = DEFAULT_COLOR;
    let flags = 0;
    let ext = 0;
    let nextX = -1;
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        const i = y * cols + x;
        const e = grid.exts[i] ?? 0;
        const w = grid.widths[i] ?? 1;
        if (e === 0 || w === 0) continue;
        if (nextX !== x) out += `\x1b[${y + 1};${x + 1}H`;
        const cfg = grid.fgs[i] ?? DEFAULT_COLOR;
        const cbg = grid.bgs[i] ?? DEFAULT_COLOR;
        const cflags = grid.flagsArr[i] ?? 0;
        out += extendedTransition(fg, bg, flags, ext, cfg, cbg, cflags, e);
        fg = cfg;
        bg = cbg;
        flags = cflags;
        ext = e;
        out += grid.chars[i] || " ";
        nextX = x + w < cols ? x + w : -1;
      }
      nextX = -1;
    }
    return out;
  }

  /** The modes the child set (a fresh object). */
  get modes(): PaneModes {
    const m = this.term.modes;
    return {
      applicationCursorKeysMode: m.applicationCursorKeysMode,
      applicationKeypadMode: m.applicationKeypadMode,
      bracketedPasteMode: m.bracketedPasteMode,
      insertMode: m.insertMode,
      mouseTrackingMode: m.mouseTrackingMode,
      mouseEncoding: this.sgrMouse ? "sgr" : "default",
      originMode: m.originMode,
      sendFocusMode: m.sendFocusMode,
      synchronizedOutputMode: m.synchronizedOutputMode,
      wraparoundMode: m.wraparoundMode,
      cursorVisible: !this.cursorHidden,
    };
  }

  /** Cursor in screen cells; x is clamped to the last column while a wrap is pending. */
  get cursor(): PaneCursor {
    const b = this.term.buffer.active;
    return {
      x: Math.min(b.cursorX, this.term.cols - 1),
      y: b.cursorY,
      visible: !this.cursorHidden,
    };
  }

  /** Whether the child switched to the alternate screen (full-screen TUIs do). */
  get isAlternateBuffer(): boolean {
    return this.term.buffer.active.type === "alternate";
  }

  /** Lines of scrollback above the screen (0 on the alternate screen). */
  get scrollbackLength(): number {
    return this.term.buffer.active.baseY;
  }

  /** The visible screen as text: one line per row, trailing blanks trimmed, joined by "\n". */
  text(): string {
    const b = this.term.buffer.active;
    const lines: string[] = [];
    for (let y = 0; y < this.term.rows; y++) {
      lines.push(b.getLine(b.baseY + y)?.translateToString(true) ?? "");
    }
    return lines.join("\n");
  }

  /**
   * Copies the screen into the `w` × `h` rectangle at (x, y) of `grid`: the visible screen,
   * or with `scrollOffset` > 0 the view that many lines back into scrollback (clamped to the
   * scrollback there is). Rows and columns beyond the screen are padded with blanks, the
   * rest is clipped; a wide character cut by the right edge becomes a blank.
   */
  copyInto(grid: CellGrid, x: number, y: number, w: number, h: number, scrollOffset = 0): void {
    const b = this.term.buffer.active;
    const top = b.baseY - Math.max(0, Math.min(scrollOffset, b.baseY));
    const cols = this.term.cols;
    const rows = this.term.rows;
    const cell = this.scratch;
    for (let r = 0; r < h; r++) {
      const gy = y + r;
      if (gy < 0 || gy >= grid.rows) continue;
      const line: IBufferLine | undefined = r < rows ? b.getLine(top + r) : undefined;
      const rowBase = gy * grid.cols;
      for (let c = 0; c < w; c++) {
        const gx = x + c;
        if (gx < 0 || gx >= grid.cols) continue;
        const i = rowBase + gx;
        if (line === undefined || c >= cols || line.getCell(c, cell) === undefined) {
          grid.setRaw(gx, gy, " ", 1, DEFAULT_COLOR, DEFAULT_COLOR, 0);
          continue;
        }
        readCell(cell, grid, i, this.extrasOfCell);
        const width = grid.widths[i];
        if (width === 2 && (c === w - 1 || gx === grid.cols - 1)) {
          grid.chars[i] = " ";
          grid.widths[i] = 1;
        } else if (width === 0 && c === 0) {
          grid.chars[i] = " ";
          grid.widths[i] = 1;
        }
      }
    }
  }

  /** Frees the xterm instance. */
  dispose(): void {
    this.term.dispose();
  }
}

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
function dropZeroWidthAtLineStart(term: XTerminal): void {
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

/** Reads xterm's cell into grid index `i` (no allocation for ASCII). */
function readCell(
  cell: IBufferCell,
  grid: CellGrid,
  i: number,
  extras: (cell: IBufferCell) => number,
): void {
  const width = cell.getWidth();
  grid.widths[i] = width;
  const code = cell.getCode();
  // A cluster's code is its last code point, always >= U+0300, so below that it is one char.
  if (width === 0) grid.chars[i] = "";
  else if (code === 0) grid.chars[i] = " ";
  else if (code < 0x300) grid.chars[i] = String.fromCharCode(code);
  else grid.chars[i] = cell.getChars() || " ";
  if (cell.isAttributeDefault()) {
    grid.fgs[i] = DEFAULT_COLOR;
    grid.bgs[i] = DEFAULT_COLOR;
    grid.flagsArr[i] = 0;
    grid.exts[i] = 0;
    return;
  }
  grid.exts[i] = (cell as unknown as XtermCell).bg & BG_HAS_EXTENDED ? extras(cell) : 0;
  grid.fgs[i] = colorOf(cell.getFgColorMode(), cell.getFgColor());
  grid.bgs[i] = colorOf(cell.getBgColorMode(), cell.getBgColor());
  grid.flagsArr[i] =
    (cell.isBold() ? BOLD : 0) |
    (cell.isDim() ? DIM : 0) |
    (cell.isItalic() ? ITALIC : 0) |
    (cell.isUnderline() ? UNDERLINE : 0) |
    (cell.isBlink() ? BLINK : 0) |
    (cell.isInverse() ? INVERSE : 0) |
    (cell.isInvisible() ? INVISIBLE : 0) |
    (cell.isStrikethrough() ? STRIKETHROUGH : 0);
}

function colorOf(mode: number, color: number): number {
  if (mode === 0) return DEFAULT_COLOR;
  if (mode === CELL_MODE_RGB) return TRUECOLOR | (color & 0xffffff);
  return color & 255;
}
