/**
 * The screen model of one pane: an `@xterm/headless` terminal fed with the pty's raw bytes,
 * plus what xterm does not expose (cursor visibility and shape, SGR mouse encoding, underline
 * styles and colours, OSC 8 links), read back as cells for the compositor, as text for status
 * patterns; titles (OSC 0/2) and bells are events.
 *
 * Scrollback: xterm keeps the newest XTERM_SCROLLBACK lines (12 bytes a cell plus its
 * per-line objects, ~1.9 kB a 120-column line); each line xterm drops off its top is caught
 * before xterm reuses it and packed into the pane's LineRing (text plus attribute runs,
 * ~150-250 bytes a line), up to the configured scrollback. `readLine`, `copyInto`,
 * `scrollbackLength` and `droppedLines` read both as one buffer: ring lines first.
 */
import xtermHeadless from "@xterm/headless";
import type { IBufferCell, IBufferLine, Terminal as XTerminal } from "@xterm/headless";
import { CellGrid, DEFAULT_COLOR } from "./cell-grid.js";
import { createUnicodeProvider, UNICODE_VERSION } from "./unicode-width.js";
import { CellExtras, readCell, type XtermLinks } from "./pane-cells.js";
import { LineRing, RowCells, type XtermLine } from "./line-ring.js";
import { captureTrims, isLineList } from "./scrollback-capture.js";
import { PrivateModes, type PaneModes } from "./pane-modes.js";
import { sanitizeTitle } from "./pane-title.js";
import { dropZeroWidthAtLineStart } from "./zero-width-print.js";

export { MAX_TITLE_LENGTH, sanitizeTitle } from "./pane-title.js";
export type { PaneModes } from "./pane-modes.js";

const { Terminal } = xtermHeadless;

/**
 * Lines of scrollback xterm itself keeps; older ones live in the pane's LineRing (about a
 * tenth of xterm's cost a line). Enough that a resize that adds rows pulls lines back from
 * xterm as it does with a full scrollback.
 */
export const XTERM_SCROLLBACK = 200;

/**
 * Options of a PaneScreen; sizes in cells, scrollback in lines (default 5000), of which
 * xterm keeps the newest `xtermScrollback` (default XTERM_SCROLLBACK) and the ring the rest;
 * `xtermScrollback` >= `scrollback` keeps everything in xterm (as before the ring).
 */
export interface PaneScreenOptions {
  cols: number;
  rows: number;
  scrollback?: number;
  xtermScrollback?: number;
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
  private readonly scratch: IBufferCell;
  private readonly privateModes: PrivateModes;
  /** Writes handed to xterm and not parsed yet. */
  private unparsed = 0;
  private currentTitle = "";
  private bells = 0;
  private dropped = 0;
  private readonly extras: CellExtras;
  /** Scrollback lines older than xterm's own (XTERM_SCROLLBACK), packed. */
  private readonly ring: LineRing;
  /** Whether the ring is fed (xterm's internals were found); if not, xterm keeps it all. */
  private ringed = false;
  /** xterm's scrollback option while the ring is fed. */
  private readonly xtermScrollback: number;
  /** An ESC[3J is being handled: its trimStart clears rather than archives. */
  private clearingScrollback = false;
  private readonly rawCell: IBufferCell;
  private readonly attrGrid = new CellGrid(1, 1);
  private readonly rowScratch = new RowCells();

  /** Creates a blank screen of `cols` × `rows` cells. */
  constructor(options: PaneScreenOptions) {
    const scrollback = options.scrollback ?? 5000;
    this.term = new Terminal({
      cols: options.cols,
      rows: options.rows,
      scrollback,
      allowProposedApi: true,
    });
    this.term.unicode.register(createUnicodeProvider());
    this.term.unicode.activeVersion = UNICODE_VERSION;
    dropZeroWidthAtLineStart(this.term);
    this.scratch = this.term.buffer.active.getNullCell();
    this.rawCell = this.term.buffer.active.getNullCell();
    this.extras = new CellExtras(
      (this.term as unknown as { _core?: { _oscLinkService?: XtermLinks } })._core?._oscLinkService,
    );
    this.privateModes = new PrivateModes(this.term);
    this.term.onTitleChange((title) => (this.currentTitle = sanitizeTitle(title)));
    this.term.onBell(() => this.bells++);
    this.xtermScrollback = Math.max(
      0,
      Math.min(scrollback, options.xtermScrollback ?? XTERM_SCROLLBACK),
    );
    this.ring = new LineRing(
      scrollback - this.xtermScrollback,
      (line, x, out) => this.rawAttrs(line, x, out),
      (line, x) => (line.loadCell(x, this.rawCell) as IBufferCell).getChars(),
    );
    this.feedRing();
  }

  // Lines leaving xterm's small scrollback go to the ring, caught before xterm reuses them
  // (see scrollback-capture.ts). Copy mode anchors its view on absolute line numbers
  // (dropped + index), so every line that leaves for good (off the ring's top, ESC[3J, RIS)
  // is counted in `dropped`. Without xterm's internals, xterm keeps the whole scrollback.
  private feedRing(): void {
    type Buffers = { normal?: { lines?: unknown }; reset?: () => void };
    const buffers = (this.term as unknown as { _core?: { buffers?: Buffers } })._core?.buffers;
    const hook = (): boolean => {
      const lines = buffers?.normal?.lines;
      if (!isLineList(lines)) return false;
      captureTrims(lines, {
        archive: (line) => (this.dropped += this.ring.appendXterm(line)),
        clearing: () => {
          const clearing = this.clearingScrollback;
          this.clearingScrollback = false;
          return clearing;
        },
        discard: (count) => (this.dropped += count),
      });
      return true;
    };
    const reset = buffers?.reset;
    // All of the scrollback fits in xterm's (or its internals are not there): xterm keeps it,
    // and tells only through CircularList.onTrim how many lines a full scrollback dropped.
    if (this.ring.capacity === 0 || !buffers || typeof reset !== "function" || !hook()) {
      const lines = buffers?.normal?.lines as { onTrim?: (f: (n: number) => void) => void };
      lines?.onTrim?.((amount) => (this.dropped += amount));
      return;
    }
    // RIS (ESC c) replaces the buffers: the old lines are gone, the new list is wrapped too.
    buffers.reset = () => {
      const lines = buffers.normal?.lines;
      this.dropped += this.ring.clear() + (isLineList(lines) ? lines.length : 0);
      reset.call(buffers);
      hook();
    };
    // ESC[3J (and DECSED 3) clears the scrollback: the ring's lines and then xterm's.
    const clearScrollback = (params: (number | number[])[]): boolean => {
      if (params[0] === 3 && !this.isAlternateBuffer) {
        this.dropped += this.ring.clear();
        this.clearingScrollback = this.term.buffer.normal.length > this.term.rows;
      }
      return false;
    };
    this.term.parser.registerCsiHandler({ final: "J" }, clearScrollback);
    this.term.parser.registerCsiHandler({ prefix: "?", final: "J" }, clearScrollback);
    this.term.options.scrollback = this.xtermScrollback;
    this.ringed = true;
  }

  // Before a reflow, the rows at the top of xterm's scrollback that continue the ring's last
  // line (soft wraps) move to the ring, so the ring re-wraps whole logical lines and the cut
  // falls where xterm's own reflow would put it. Only scrollback rows move (as ESC[3J does).
  private pullContinuation(): void {
    type Normal = { lines: unknown; ybase: number; ydisp: number; savedY: number };
    const normal = (this.term as unknown as { _core?: { buffers?: { normal?: Normal } } })._core
      ?.buffers?.normal;
    const lines = normal?.lines;
    if (!normal || !isLineList(lines) || this.ring.length === 0) return;
    let k = 0;
    while (k < normal.ybase && lines.get(k)?.isWrapped) k++;
    if (k === 0) return;
    lines.trimStart(k);
    normal.ybase -= k;
    normal.ydisp = Math.max(normal.ydisp - k, 0);
    normal.savedY = Math.max(normal.savedY - k, 0);
  }

  // CellGrid attributes (fg, bg, flags, extras id) of xterm's cell x of `line`.
  private rawAttrs(line: XtermLine, x: number, out: Int32Array): void {
    line.loadCell(x, this.rawCell);
    const g = this.attrGrid;
    readCell(this.rawCell, g, 0, this.extras.reader);
    out[0] = g.fgs[0]!;
    out[1] = g.bgs[0]!;
    out[2] = g.flagsArr[0]!;
    out[3] = g.exts[0]!;
  }

  /** Lines of scrollback held in the ring (0 on the alternate screen, which has none). */
  private get ringLength(): number {
    return this.isAlternateBuffer ? 0 : this.ring.length;
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
    const ringLength = this.ringLength;
    if (index < ringLength) return this.readRingLine(index);
    // xterm's getLine does not check the length: past it a full list answers stale lines.
    const buffer = this.term.buffer.active;
    const line =
      index - ringLength < buffer.length ? buffer.getLine(index - ringLength) : undefined;
    if (!line) return undefined;
    const cell = this.scratch;
    return lineText(
      line.length,
      (c) => (line.getCell(c, cell) ? cell.getWidth() : undefined),
      () => cell.getChars(),
      line.isWrapped,
    );
  }

  // readLine for a line held in the ring.
  private readRingLine(
    index: number,
  ): { text: string; wrapped: boolean; columns?: number[] } | undefined {
    const row = this.rowScratch;
    if (!this.ring.decode(index, row)) return undefined;
    return lineText(
      row.length,
      (c) => row.widths[c],
      (c) => row.chars[c] ?? "",
      row.wrapped,
    );
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

  /**
   * Resizes the screen (cells). On a column change xterm re-wraps its normal buffer and the
   * ring re-wraps its own lines the same way (see `LineRing.reflow`); xterm's scrollback is
   * raised meanwhile so its reflow drops nothing, and the lines beyond it then move to the ring.
   */
  resize(cols: number, rows: number): void {
    const oldCols = this.term.cols;
    if (!this.ringed || cols === oldCols) {
      this.term.resize(cols, rows);
      return;
    }
    this.pullContinuation();
    this.dropped += this.ring.reflow(oldCols, cols);
    const factor = Math.ceil(oldCols / Math.max(1, cols)) + 1;
    this.term.options.scrollback = (this.xtermScrollback + this.term.rows) * factor;
    this.term.resize(cols, rows);
    this.term.options.scrollback = this.xtermScrollback;
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
    return this.ringLength + this.term.buffer.active.baseY;
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
    const ringLength = this.ringLength;
    const total = ringLength + b.baseY;
    // `top` counts from the ring's first line; xterm's line i is line ringLength + i.
    const top = total - Math.max(0, Math.min(scrollOffset, total));
    const cols = this.term.cols;
    const rows = this.term.rows;
    const cell = this.scratch;
    for (let r = 0; r < h; r++) {
      const gy = y + r;
      if (gy < 0 || gy >= grid.rows) continue;
      const at = top + r;
      const rowBase = gy * grid.cols;
      if (r < rows && at < ringLength) {
        this.ring.copyRow(at, this.rowScratch, grid, x, gy, Math.min(w, cols));
        for (let c = cols; c < w; c++)
          grid.setRaw(x + c, gy, " ", 1, DEFAULT_COLOR, DEFAULT_COLOR, 0);
        this.fixEdges(grid, x, gy, w);
        continue;
      }
      const line: IBufferLine | undefined = r < rows ? b.getLine(at - ringLength) : undefined;
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

  // The edge rules of copyInto for a row copied from the ring: a wide character cut by the
  // right edge, or the right half of one at the left edge, becomes a blank.
  private fixEdges(grid: CellGrid, x: number, gy: number, w: number): void {
    const rowBase = gy * grid.cols;
    const left = x >= 0 ? x : -1;
    if (left >= 0 && left < grid.cols && w > 0 && grid.widths[rowBase + left] === 0) {
      grid.chars[rowBase + left] = " ";
      grid.widths[rowBase + left] = 1;
    }
    const right = Math.min(x + w - 1, grid.cols - 1);
    if (right >= 0 && right >= x && grid.widths[rowBase + right] === 2) {
      grid.chars[rowBase + right] = " ";
      grid.widths[rowBase + right] = 1;
    }
  }

  /** Frees the xterm instance. */
  dispose(): void {
    this.term.dispose();
  }
}

/**
 * The text of one buffer line for {@link PaneScreen.readLine}, from its `length` cells:
 * `widthAt(c)` is cell c's width in columns (0 for the right half of a wide character,
 * `undefined` to stop early), `charsAt(c)` its characters ("" for an empty cell, read right
 * after `widthAt(c)`). Trailing blanks are trimmed; `columns` is given only when some unit
 * is not one column at its own index.
 */
function lineText(
  length: number,
  widthAt: (c: number) => number | undefined,
  charsAt: (c: number) => string,
  wrapped: boolean,
): { text: string; wrapped: boolean; columns?: number[] } {
  let text = "";
  let columns: number[] | undefined;
  let end = 0;
  for (let c = 0; c < length; c++) {
    const width = widthAt(c);
    if (width === undefined) break;
    if (width === 0) continue;
    const chars = charsAt(c) || " ";
    if (columns === undefined && (chars.length !== 1 || width !== 1 || text.length !== c))
      columns = Array.from({ length: text.length }, (_, k) => k);
    if (columns) for (let k = 0; k < chars.length; k++) columns.push(c);
    text += chars;
    if (chars !== " ") end = text.length;
  }
  text = text.slice(0, end);
  if (columns) columns.length = end;
  return columns ? { text, wrapped, columns } : { text, wrapped };
}
