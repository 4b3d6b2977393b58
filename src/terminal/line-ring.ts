/**
 * A pane's archived scrollback: the rows that left xterm's small scrollback, packed into
 * chunks of shared typed arrays instead of xterm's 12 bytes per cell and ~350 bytes of JS
 * objects per line. A row keeps its cells up to the last one that is not a default null
 * (xterm's erased cell), as:
 *
 * - simple rows (every cell one column, one Latin-1 code or a null): one byte per cell;
 * - other rows (wide, combining, emoji, non-Latin-1): one string per row, each cell as a
 *   length/width unit followed by its UTF-16 units;
 * - attributes as runs (start column, palette index) into a per-chunk palette of
 *   (fg, bg, flags, extras id) in CellGrid's encoding.
 *
 * Rows are addressed 0 (oldest) .. length - 1; the ring drops its oldest rows past
 * `capacity` and reports how many through `append`'s result.
 */
import { CellGrid, DEFAULT_COLOR } from "./cell-grid.js";
import { BG_HAS_EXTENDED } from "./pane-cells.js";

/** Rows per chunk. */
const CHUNK_ROWS = 1024;
const CELLS_MASK = 0xffff;
const WRAPPED = 0x10000;
const COMPLEX = 0x20000;
// xterm's cell encoding (common/buffer/Constants.ts): content = codepoint | combined | width << 22.
const CONTENT_MASK = 0x3fffff;
const WIDTH_SHIFT = 22;

/** The parts of xterm's internal BufferLine the ring reads. */
export interface XtermLine {
  readonly length: number;
  isWrapped: boolean;
  readonly _data: Uint32Array;
  loadCell(x: number, cell: unknown): unknown;
}

/**
 * How a row's attributes become CellGrid values: `attrs(line, x, out)` writes cell x's fg,
 * bg, flags and extras id into out[0..3] (PaneScreen reads them with `readCell`).
 */
export type AttrReader = (line: XtermLine, x: number, out: Int32Array) => void;
/** A cell's characters (its grapheme; "" for the right half of a wide one). */
export type CharReader = (line: XtermLine, x: number) => string;

class Chunk {
  rows = 0;
  bytes = new Uint8Array(8192);
  byteLength = 0;
  readonly byteStart = new Uint32Array(CHUNK_ROWS + 1);
  readonly runStart = new Uint32Array(CHUNK_ROWS + 1);
  readonly info = new Uint32Array(CHUNK_ROWS);
  complex: (string | undefined)[] | undefined;
  runs = new Uint32Array(512);
  runLength = 0;
  palette = new Int32Array(64);
  paletteSize = 0;
  /** (raw fg, raw bg + ext) -> palette index; dropped once the chunk is full. */
  rawIds: Map<number, Map<number, number>> | undefined = new Map();
  /** grid attrs key -> palette index (reflow path); dropped once the chunk is full. */
  gridIds: Map<string, number> | undefined = new Map();

  seal(): void {
    this.bytes = this.bytes.slice(0, this.byteLength);
    this.runs = this.runs.slice(0, this.runLength * 2);
    this.palette = this.palette.slice(0, this.paletteSize * 4);
    this.rawIds = undefined;
    this.gridIds = undefined;
  }

  addPalette(fg: number, bg: number, flags: number, ext: number): number {
    const id = this.paletteSize++;
    if (id * 4 + 4 > this.palette.length) this.palette = grow(this.palette, id * 4 + 4);
    const p = this.palette;
    p[id * 4] = fg;
    p[id * 4 + 1] = bg;
    p[id * 4 + 2] = flags;
    p[id * 4 + 3] = ext;
    return id;
  }

  addRun(col: number, id: number): void {
    const k = this.runLength++ * 2;
    if (k + 2 > this.runs.length) this.runs = grow(this.runs, k + 2);
    this.runs[k] = col;
    this.runs[k + 1] = id;
  }

  reserveBytes(n: number): void {
    if (this.byteLength + n > this.bytes.length) this.bytes = grow(this.bytes, this.byteLength + n);
  }
}

function grow<T extends Uint8Array | Uint32Array | Int32Array>(a: T, need: number): T {
  let size = a.length * 2;
  while (size < need) size *= 2;
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** One decoded row, in CellGrid's per-cell encoding (reused between calls). */
export class RowCells {
  length = 0;
  wrapped = false;
  chars: string[] = [];
  widths = new Uint8Array(0);
  fgs = new Int32Array(0);
  bgs = new Int32Array(0);
  flags = new Uint8Array(0);
  exts = new Uint32Array(0);
  /** Whether cell i was a null (erased, never printed) rather than a printed space. */
  nulls = new Uint8Array(0);

  ensure(n: number): void {
    if (this.widths.length >= n) return;
    const size = Math.max(n, this.widths.length * 2, 16);
    const copy = <T extends Uint8Array | Int32Array | Uint32Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.widths = copy(this.widths);
    this.fgs = copy(this.fgs);
    this.bgs = copy(this.bgs);
    this.flags = copy(this.flags);
    this.exts = copy(this.exts);
    this.nulls = copy(this.nulls);
  }
}

/** The archived rows of a pane (see the module comment). */
export class LineRing {
  private chunks: Chunk[] = [];
  /** Rows of chunks[0] already dropped. */
  private head = 0;
  private count = 0;
  private readonly attrsOut = new Int32Array(4);

  /** `capacity`: rows kept at most (older ones are dropped); 0 keeps none. */
  constructor(
    public capacity: number,
    private readonly attrs: AttrReader,
    private readonly charsOf: CharReader,
  ) {}

  /** Rows held. */
  get length(): number {
    return this.count;
  }

  /** Drops every row; returns how many there were. */
  clear(): number {
    const n = this.count;
    this.chunks = [];
    this.head = 0;
    this.count = 0;
    return n;
  }

  private openChunk(): Chunk {
    let chunk = this.chunks[this.chunks.length - 1];
    if (chunk === undefined || chunk.rows === CHUNK_ROWS) {
      chunk?.seal();
      chunk = new Chunk();
      this.chunks.push(chunk);
    }
    return chunk;
  }

  /** Drops rows past capacity; returns how many. */
  private trim(): number {
    let dropped = 0;
    while (this.count > this.capacity) {
      const first = this.chunks[0];
      if (first === undefined) break;
      const take = Math.min(first.rows - this.head, this.count - this.capacity);
      this.head += take;
      this.count -= take;
      dropped += take;
      if (this.head === first.rows && (first.rows === CHUNK_ROWS || this.chunks.length > 1)) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    if (this.count === 0) this.clear();
    return dropped;
  }

  /**
   * Archives xterm's line `line` (about to be recycled by xterm) as the newest row. Returns
   * the rows dropped from the top to stay within capacity (the row itself when capacity is 0).
   */
  appendXterm(line: XtermLine): number {
    if (this.capacity === 0) return 1;
    const data = line._data;
    let cells = Math.min(line.length, CELLS_MASK);
    while (cells > 0) {
      const k = (cells - 1) * 3;
      const content = data[k]!;
      // A null with default colours; not the right half of a wide character (width 0).
      if ((content & CONTENT_MASK) !== 0 || content >>> WIDTH_SHIFT !== 1) break;
      if (data[k + 1] !== 0 || data[k + 2] !== 0) break;
      cells--;
    }
    const chunk = this.openChunk();
    const r = chunk.rows;
    let complex = false;
    chunk.reserveBytes(cells);
    const bytes = chunk.bytes;
    let at = chunk.byteLength;
    let lastFg = -1;
    let lastBg = -1;
    let lastId = -1;
    for (let c = 0; c < cells; c++) {
      const k = c * 3;
      const content = data[k]!;
      const code = content & CONTENT_MASK;
      if (code > 255 || content >>> WIDTH_SHIFT !== 1) complex = true;
      bytes[at++] = code;
      const fg = data[k + 1]!;
      const bg = data[k + 2]!;
      if (fg === lastFg && bg === lastBg && (bg & BG_HAS_EXTENDED) === 0) continue;
      const id = this.rawId(chunk, line, c, fg, bg);
      lastFg = fg;
      lastBg = bg;
      if (id !== lastId) {
        chunk.addRun(c, id);
        lastId = id;
      }
    }
    if (complex) {
      let s = "";
      for (let c = 0; c < cells; c++) {
        const content = data[c * 3]!;
        // A cluster's length must fit the 14 bits of its head unit.
        const chars = (content & CONTENT_MASK) === 0 ? "" : this.charsOf(line, c).slice(0, 0x3fff);
        s += String.fromCharCode((chars.length << 2) | (content >>> WIDTH_SHIFT)) + chars;
      }
      (chunk.complex ??= [])[r] = s;
      at = chunk.byteLength;
    }
    chunk.byteLength = at;
    chunk.byteStart[r + 1] = at;
    chunk.runStart[r + 1] = chunk.runLength;
    chunk.info[r] = cells | (line.isWrapped ? WRAPPED : 0) | (complex ? COMPLEX : 0);
    chunk.rows++;
    this.count++;
    return this.trim();
  }

  private rawId(chunk: Chunk, line: XtermLine, c: number, fg: number, bg: number): number {
    const map = chunk.rawIds!;
    const ext = (bg & BG_HAS_EXTENDED) !== 0;
    const out = this.attrsOut;
    if (ext) this.attrs(line, c, out);
    const key2 = ext ? bg + out[3]! * 0x100000000 : bg;
    let inner = map.get(fg);
    if (inner === undefined) map.set(fg, (inner = new Map()));
    let id = inner.get(key2);
    if (id === undefined) {
      if (!ext) this.attrs(line, c, out);
      id = chunk.addPalette(out[0]!, out[1]!, out[2]!, out[3]!);
      inner.set(key2, id);
    }
    return id;
  }

  /** Archives a row given in CellGrid's encoding (reflow); returns the rows dropped. */
  appendCells(row: RowCells, from: number, cells: number, wrapped: boolean): number {
    if (this.capacity === 0) return 1;
    const chunk = this.openChunk();
    const r = chunk.rows;
    let complex = false;
    for (let c = from; c < from + cells; c++) {
      const ch = row.chars[c] ?? " ";
      if (row.widths[c] !== 1 || ch.length !== 1 || ch.charCodeAt(0) > 255) complex = true;
    }
    chunk.reserveBytes(cells);
    let lastId = -1;
    for (let c = 0; c < cells; c++) {
      const i = from + c;
      if (!complex)
        chunk.bytes[chunk.byteLength + c] = row.nulls[i] ? 0 : row.chars[i]!.charCodeAt(0);
      if (
        c > 0 &&
        row.fgs[i] === row.fgs[i - 1] &&
        row.bgs[i] === row.bgs[i - 1] &&
        row.flags[i] === row.flags[i - 1] &&
        row.exts[i] === row.exts[i - 1]
      )
        continue;
      const key = `${row.fgs[i]},${row.bgs[i]},${row.flags[i]},${row.exts[i]}`;
      let id = chunk.gridIds!.get(key);
      if (id === undefined) {
        id = chunk.addPalette(row.fgs[i]!, row.bgs[i]!, row.flags[i]!, row.exts[i]!);
        chunk.gridIds!.set(key, id);
      }
      if (id !== lastId) {
        chunk.addRun(c, id);
        lastId = id;
      }
    }
    if (complex) {
      let s = "";
      for (let c = from; c < from + cells; c++) {
        const chars = row.nulls[c] ? "" : (row.chars[c] ?? "").slice(0, 0x3fff);
        s += String.fromCharCode((chars.length << 2) | (row.widths[c] ?? 1)) + chars;
      }
      (chunk.complex ??= [])[r] = s;
    } else chunk.byteLength += cells;
    chunk.byteStart[r + 1] = chunk.byteLength;
    chunk.runStart[r + 1] = chunk.runLength;
    chunk.info[r] = cells | (wrapped ? WRAPPED : 0) | (complex ? COMPLEX : 0);
    chunk.rows++;
    this.count++;
    return this.trim();
  }

  private locate(index: number): { chunk: Chunk; r: number } | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const at = index + this.head;
    const chunk = this.chunks[Math.floor(at / CHUNK_ROWS)];
    return chunk && { chunk, r: at % CHUNK_ROWS };
  }

  /** Whether row `index` continues the row before it (a soft wrap). */
  isWrapped(index: number): boolean {
    const found = this.locate(index);
    return found !== undefined && (found.chunk.info[found.r]! & WRAPPED) !== 0;
  }

  /** Cells stored for row `index` (0 beyond the ring). */
  cellCount(index: number): number {
    const found = this.locate(index);
    return found === undefined ? 0 : found.chunk.info[found.r]! & CELLS_MASK;
  }

  /**
   * Decodes row `index` into `out` (cells 0 .. out.length - 1, CellGrid's encoding plus the
   * null marks). Returns false beyond the ring.
   */
  decode(index: number, out: RowCells): boolean {
    const found = this.locate(index);
    if (found === undefined) return false;
    const { chunk, r } = found;
    const info = chunk.info[r]!;
    const cells = info & CELLS_MASK;
    out.ensure(cells);
    out.length = cells;
    out.wrapped = (info & WRAPPED) !== 0;
    const { chars, widths, nulls } = out;
    if (info & COMPLEX) {
      const s = chunk.complex![r]!;
      let k = 0;
      for (let c = 0; c < cells; c++) {
        const head = s.charCodeAt(k++);
        const len = head >>> 2;
        widths[c] = head & 3;
        const ch = s.slice(k, k + len);
        k += len;
        nulls[c] = len === 0 && (head & 3) !== 0 ? 1 : 0;
        chars[c] = (head & 3) === 0 ? "" : ch === "" ? " " : ch;
      }
    } else {
      const bytes = chunk.bytes;
      const base = chunk.byteStart[r]!;
      for (let c = 0; c < cells; c++) {
        const code = bytes[base + c]!;
        widths[c] = 1;
        nulls[c] = code === 0 ? 1 : 0;
        chars[c] = code === 0 ? " " : String.fromCharCode(code);
      }
    }
    const runs = chunk.runs;
    const palette = chunk.palette;
    const end = chunk.runStart[r + 1]!;
    for (let k = chunk.runStart[r]!; k < end; k++) {
      const start = runs[k * 2]!;
      const stop = k + 1 < end ? runs[k * 2 + 2]! : cells;
      const p = runs[k * 2 + 1]! * 4;
      out.fgs.fill(palette[p]!, start, stop);
      out.bgs.fill(palette[p + 1]!, start, stop);
      out.flags.fill(palette[p + 2]!, start, stop);
      out.exts.fill(palette[p + 3]!, start, stop);
    }
    return true;
  }

  /**
   * Re-wraps every row for a new width (xterm does the same to its own scrollback on a
   * column change): soft-wrapped rows are joined into their logical line, which is cut
   * again at `newCols`; a wide character that would straddle the edge moves to the next row.
   * A logical line whose end is still in xterm's buffer is re-wrapped up to the ring's end.
   * Returns the rows dropped from the top (a narrower width needs more rows).
   */
  reflow(oldCols: number, newCols: number): number {
    if (oldCols === newCols || this.count === 0) return 0;
    const old = new LineRing(this.capacity, this.attrs, this.charsOf);
    old.chunks = this.chunks;
    old.head = this.head;
    old.count = this.count;
    const total = this.count;
    this.chunks = [];
    this.head = 0;
    this.count = 0;
    const line = new RowCells();
    const row = new RowCells();
    const next = new RowCells();
    let lineLength = 0;
    let dropped = 0;
    for (let i = 0; i < total; i++) {
      old.decode(i, row);
      if (!row.wrapped && i > 0) {
        dropped += this.emitLine(line, lineLength, newCols);
        lineLength = 0;
      }
      // A row followed by its continuation spans the full old width, or one less when the
      // continuation starts with a wide character that did not fit (xterm's rule).
      let span = row.length;
      if (i + 1 < total && old.isWrapped(i + 1)) {
        span = oldCols;
        const lastNull = row.length < oldCols || row.nulls[oldCols - 1] === 1;
        if (lastNull && old.decode(i + 1, next) && next.length > 0 && next.widths[0] === 2)
          span = oldCols - 1;
      }
      line.ensure(lineLength + span);
      for (let c = 0; c < span; c++) {
        const j = lineLength + c;
        const inRow = c < row.length;
        line.chars[j] = inRow ? row.chars[c]! : " ";
        line.widths[j] = inRow ? row.widths[c]! : 1;
        line.fgs[j] = inRow ? row.fgs[c]! : DEFAULT_COLOR;
        line.bgs[j] = inRow ? row.bgs[c]! : DEFAULT_COLOR;
        line.flags[j] = inRow ? row.flags[c]! : 0;
        line.exts[j] = inRow ? row.exts[c]! : 0;
        line.nulls[j] = inRow ? row.nulls[c]! : 1;
      }
      lineLength += span;
    }
    return dropped + this.emitLine(line, lineLength, newCols);
  }

  // Cuts one logical line of `length` cells into rows of `cols` and archives them.
  private emitLine(line: RowCells, length: number, cols: number): number {
    // The line ends at its last printed cell, whatever the colours of the nulls after it
    // (xterm's getTrimmedLength); those nulls are not kept (xterm keeps some, depending on
    // which of its recycled rows the end lands in: see the note in pane-screen-ring.test.ts).
    let end = length;
    while (end > 0 && line.nulls[end - 1]) end--;
    let start = 0;
    let wrapped = false;
    let dropped = 0;
    do {
      let stop = Math.min(start + cols, end);
      if (stop < end && line.widths[stop - 1] === 2) stop--;
      let cells = stop - start;
      while (cells > 0 && line.nulls[start + cells - 1] && isDefault(line, start + cells - 1))
        cells--;
      dropped += this.appendCells(line, start, cells, wrapped);
      wrapped = true;
      start = stop;
    } while (start < end);
    return dropped;
  }

  /**
   * Copies row `index` into `grid` at (x, y), columns 0 .. w - 1, padding past the stored
   * cells with blanks; returns false (nothing written) beyond the ring.
   */
  copyRow(
    index: number,
    scratch: RowCells,
    grid: CellGrid,
    x: number,
    y: number,
    w: number,
  ): boolean {
    if (!this.decode(index, scratch)) return false;
    const rowBase = y * grid.cols;
    for (let c = 0; c < w; c++) {
      const gx = x + c;
      if (gx < 0 || gx >= grid.cols) continue;
      const i = rowBase + gx;
      if (c >= scratch.length) {
        grid.setRaw(gx, y, " ", 1, DEFAULT_COLOR, DEFAULT_COLOR, 0);
        continue;
      }
      grid.chars[i] = scratch.chars[c]!;
      grid.widths[i] = scratch.widths[c]!;
      grid.fgs[i] = scratch.fgs[c]!;
      grid.bgs[i] = scratch.bgs[c]!;
      grid.flagsArr[i] = scratch.flags[c]!;
      grid.exts[i] = scratch.exts[c]!;
    }
    return true;
  }
}

function isDefault(row: RowCells, i: number): boolean {
  return (
    row.fgs[i] === DEFAULT_COLOR &&
    row.bgs[i] === DEFAULT_COLOR &&
    row.flags[i] === 0 &&
    row.exts[i] === 0
  );
}
