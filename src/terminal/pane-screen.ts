/**
 * The screen model of one pane: an `@xterm/headless` terminal fed with the pty's raw bytes,
 * plus what xterm does not expose (cursor visibility and shape, SGR mouse encoding, underline
 * styles and colours, OSC 8 links), read back as cells for the compositor, as text for status
 * patterns, or serialized for a client that attaches; titles (OSC 0/2) and bells are events.
 */
import xtermHeadless from "@xterm/headless";
import type { IBufferCell, IBufferLine, Terminal as XTerminal } from "@xterm/headless";
import { SerializeAddon } from "@xterm/addon-serialize";
import { CellGrid, DEFAULT_COLOR } from "./cell-grid.js";
import { createUnicodeProvider, UNICODE_VERSION } from "./unicode-width.js";
import { CellExtras, readCell, type XtermLinks } from "./pane-cells.js";
import { PrivateModes, type PaneModes } from "./pane-modes.js";
import { serializeScreen, type SerializeOptions } from "./pane-serialize.js";
import { sanitizeTitle } from "./pane-title.js";
import { dropZeroWidthAtLineStart } from "./zero-width-print.js";

export { MAX_TITLE_LENGTH, sanitizeTitle } from "./pane-title.js";
export type { PaneModes } from "./pane-modes.js";
export type { SerializeOptions } from "./pane-serialize.js";

const { Terminal } = xtermHeadless;

/** Options of a PaneScreen; sizes in cells, scrollback in lines (default 5000). */
export interface PaneScreenOptions {
  cols: number;
  rows: number;
  scrollback?: number;
}

/** Cursor position in cells (0-based, inside the screen) and visibility. */
export interface PaneCursor {
  x: number;
  y: number;
  visible: boolean;
}

/**
 * A pane's screen. All writes are asynchronous in xterm: `write`'s callback (or `flush()`)
 * tells when the bytes are parsed; reads see everything parsed so far.
 */
export class PaneScreen {
  private readonly term: XTerminal;
  private readonly serializer: SerializeAddon;
  private readonly scratch: IBufferCell;
  private readonly privateModes: PrivateModes;
  /** Writes handed to xterm and not parsed yet. */
  private unparsed = 0;
  private currentTitle = "";
  private bells = 0;
  private dropped = 0;
  private readonly extras: CellExtras;

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
    this.extras = new CellExtras(
      (this.term as unknown as { _core?: { _oscLinkService?: XtermLinks } })._core?._oscLinkService,
    );
    this.privateModes = new PrivateModes(this.term);
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
    return this.privateModes.shape;
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
    const { sgrMouse, cursorHidden, shape } = this.privateModes;
    return serializeScreen(
      {
        cols: this.cols,
        rows: this.rows,
        addon: (o) =>
          this.serializer.serialize(o.scrollback === undefined ? {} : { scrollback: o.scrollback }),
        sgrMouse,
        cursorHidden,
        shape,
        title: this.currentTitle,
        copyInto: (grid, x, y, w, h) => this.copyInto(grid, x, y, w, h),
      },
      options,
    );
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
      mouseEncoding: this.privateModes.sgrMouse ? "sgr" : "default",
      originMode: m.originMode,
      sendFocusMode: m.sendFocusMode,
      synchronizedOutputMode: m.synchronizedOutputMode,
      wraparoundMode: m.wraparoundMode,
      cursorVisible: !this.privateModes.cursorHidden,
    };
  }

  /** Cursor in screen cells; x is clamped to the last column while a wrap is pending. */
  get cursor(): PaneCursor {
    const b = this.term.buffer.active;
    return {
      x: Math.min(b.cursorX, this.term.cols - 1),
      y: b.cursorY,
      visible: !this.privateModes.cursorHidden,
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
        readCell(cell, grid, i, this.extras.reader);
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
