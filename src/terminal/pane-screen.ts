/**
 * The screen model of one pane: an `@xterm/headless` terminal fed with the pty's raw bytes,
 * plus what xterm does not expose (cursor visibility, SGR mouse encoding), read back as cells
 * for the compositor, as text for status patterns, or serialized for a client that attaches.
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
} from "./cell-grid.js";
import { createUnicodeProvider, UNICODE_VERSION, wcwidth } from "./unicode-width.js";
import type { ChildInputModes } from "./input.js";

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
    this.trackPrivateModes();
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
      return false;
    };
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
        readCell(cell, grid, i);
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
function readCell(cell: IBufferCell, grid: CellGrid, i: number): void {
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
    return;
  }
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
