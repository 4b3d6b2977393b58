/**
 * A fixed-size rectangle of terminal cells, the common currency of the renderer: pane screens
 * copy into it, the chrome parser produces it, the compositor diffs it against the terminal.
 *
 * Colours are one number: -1 = the terminal's default, 0..255 = palette index,
 * `TRUECOLOR | 0xRRGGBB` = 24-bit colour. Attributes are a bit set of the flags below.
 * A wide character (CJK, most emoji) occupies its own cell with width 2 plus the cell to its
 * right, a placeholder with width 0 and `ch` "".
 * What few cells carry beyond that (an underline style other than single, an underline
 * colour, an OSC 8 hyperlink) is a `CellExtras` record, interned: the cell holds its id
 * (`ext`, 0 = none), so the common cell costs one more number and no allocation.
 */

/** One terminal cell as a plain object (the grid itself stores cells column-wise). */
export interface Cell {
  /** The grapheme shown; " " for a blank, "" for the placeholder right of a wide char. */
  ch: string;
  /** Columns taken: 1 normal, 2 wide (first half), 0 placeholder (second half). */
  width: 0 | 1 | 2;
  /** Foreground colour, see the module doc for the encoding. */
  fg: number;
  /** Background colour, see the module doc for the encoding. */
  bg: number;
  /** Bit set of BOLD, DIM, ITALIC, ... */
  flags: number;
  /** Id of the cell's `CellExtras` (see `internExtras`); absent or 0 when it has none. */
  ext?: number;
}

export const BOLD = 1;
export const DIM = 2;
export const ITALIC = 4;
export const UNDERLINE = 8;
export const BLINK = 16;
export const INVERSE = 32;
export const INVISIBLE = 64;
export const STRIKETHROUGH = 128;

/** Underline styles of SGR `4:n`, kept in `CellExtras.underlineStyle` (with UNDERLINE set). */
export const UNDERLINE_DOUBLE = 2;
export const UNDERLINE_CURLY = 3;
export const UNDERLINE_DOTTED = 4;
export const UNDERLINE_DASHED = 5;

/**
 * The rare attributes of a cell: an underline style (0 = single, or one of UNDERLINE_DOUBLE
 * .. UNDERLINE_DASHED; meaningful only with the UNDERLINE flag), an underline colour (SGR 58,
 * encoded as `fg`; DEFAULT_COLOR = the text colour), and an OSC 8 hyperlink (its URI and its
 * `id=` parameter; "" for none).
 */
export interface CellExtras {
  readonly underlineStyle: number;
  readonly underlineColor: number;
  readonly linkUri: string;
  readonly linkId: string;
}

const NO_EXTRAS: CellExtras = Object.freeze({
  underlineStyle: 0,
  underlineColor: -1,
  linkUri: "",
  linkId: "",
});
// Interned extras, shared by every grid of the process: id -> record, key -> id. Distinct
// records are few (styles x colours x links shown); the table stops growing at MAX_EXTRAS,
// after which new links are dropped (the text stays, unlinked).
const MAX_EXTRAS = 1 << 16;
const extrasById: CellExtras[] = [NO_EXTRAS];
const extrasIds = new Map<string, number>();

/**
 * The id of `extras` for `Cell.ext` and `CellGrid.exts`: 0 for none, the same id for equal
 * records. Throws nothing; past 65,536 distinct records a record's link is dropped.
 */
export function internExtras(extras: CellExtras): number {
  const { underlineStyle, underlineColor, linkUri, linkId } = extras;
  if (underlineStyle === 0 && underlineColor === -1 && linkUri === "") return 0;
  const key = `${underlineStyle}|${underlineColor}|${linkId}|${linkUri}`;
  let id = extrasIds.get(key);
  if (id !== undefined) return id;
  if (extrasById.length >= MAX_EXTRAS) {
    return linkUri === ""
      ? 0
      : internExtras({ underlineStyle, underlineColor, linkUri: "", linkId: "" });
  }
  id = extrasById.length;
  extrasById.push(Object.freeze({ underlineStyle, underlineColor, linkUri, linkId }));
  extrasIds.set(key, id);
  return id;
}

/** The record behind an extras id (0 or an unknown id: no extras). */
export function extrasOf(id: number): CellExtras {
  return extrasById[id] ?? NO_EXTRAS;
}

/** Colour value meaning "the terminal's default colour". */
export const DEFAULT_COLOR = -1;
/** Marker bit of a 24-bit colour: `TRUECOLOR | 0xRRGGBB`. */
export const TRUECOLOR = 0x1000000;

/** Encodes a 24-bit colour from its channels (0..255 each). */
export function rgbColor(r: number, g: number, b: number): number {
  return TRUECOLOR | ((r & 255) << 16) | ((g & 255) << 8) | (b & 255);
}

/** A blank cell: a space in default colours without attributes. */
export const BLANK: Readonly<Cell> = Object.freeze({
  ch: " ",
  width: 1,
  fg: DEFAULT_COLOR,
  bg: DEFAULT_COLOR,
  flags: 0,
});

/**
 * A `cols` × `rows` grid of cells in struct-of-arrays form (typed arrays for colours, widths
 * and flags, one string array for the graphemes), so that copying and diffing whole frames
 * allocates nothing. Cell (x, y) lives at index `y * cols + x`; the arrays are public for the
 * renderer's hot loops, and must be written only through the methods by everyone else.
 * Coordinates outside the grid are ignored by writes and read as blanks.
 */
export class CellGrid {
  readonly cols: number;
  readonly rows: number;
  /** Graphemes, index `y * cols + x`. */
  readonly chars: string[];
  /** Widths 0/1/2. */
  readonly widths: Uint8Array;
  /** Foreground colours. */
  readonly fgs: Int32Array;
  /** Background colours. */
  readonly bgs: Int32Array;
  /** Attribute flags. */
  readonly flagsArr: Uint8Array;
  /** Interned `CellExtras` ids, 0 for none. */
  readonly exts: Uint32Array;

  /** Creates a blank grid. Throws RangeError when a size is negative or not an integer. */
  constructor(cols: number, rows: number) {
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 0 || rows < 0) {
      throw new RangeError(`invalid grid size ${cols}x${rows}`);
    }
    this.cols = cols;
    this.rows = rows;
    const n = cols * rows;
    this.chars = new Array<string>(n).fill(" ");
    this.widths = new Uint8Array(n).fill(1);
    this.fgs = new Int32Array(n).fill(DEFAULT_COLOR);
    this.bgs = new Int32Array(n).fill(DEFAULT_COLOR);
    this.flagsArr = new Uint8Array(n);
    this.exts = new Uint32Array(n);
  }

  /** Whether (x, y) is inside the grid. */
  contains(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.cols && y < this.rows;
  }

  /** The cell at (x, y) as a fresh object; a blank outside the grid. */
  get(x: number, y: number): Cell {
    if (!this.contains(x, y)) return { ...BLANK };
    const i = y * this.cols + x;
    const cell: Cell = {
      ch: this.chars[i] ?? " ",
      width: (this.widths[i] ?? 1) as 0 | 1 | 2,
      fg: this.fgs[i] ?? DEFAULT_COLOR,
      bg: this.bgs[i] ?? DEFAULT_COLOR,
      flags: this.flagsArr[i] ?? 0,
    };
    const ext = this.exts[i] ?? 0;
    if (ext !== 0) cell.ext = ext;
    return cell;
  }

  /**
   * Writes one cell. Setting a width-2 cell does not touch its right neighbour: callers write
   * the placeholder themselves (or use `putChar`).
   */
  set(x: number, y: number, cell: Cell): void {
    this.setRaw(x, y, cell.ch, cell.width, cell.fg, cell.bg, cell.flags, cell.ext ?? 0);
  }

  /** Allocation-free `set` for hot paths; `ext` is an `internExtras` id. */
  setRaw(
    x: number,
    y: number,
    ch: string,
    width: number,
    fg: number,
    bg: number,
    flags: number,
    ext = 0,
  ): void {
    if (!this.contains(x, y)) return;
    const i = y * this.cols + x;
    this.chars[i] = ch;
    this.widths[i] = width;
    this.fgs[i] = fg;
    this.bgs[i] = bg;
    this.flagsArr[i] = flags;
    this.exts[i] = ext;
  }

  /**
   * Writes a grapheme of `width` 1 or 2 at (x, y), adding the placeholder for a wide one.
   * A wide grapheme that would not fit before the right edge is written as a blank instead,
   * so the grid never holds half a wide character.
   */
  putChar(
    x: number,
    y: number,
    ch: string,
    width: 1 | 2,
    fg: number,
    bg: number,
    flags: number,
    ext = 0,
  ): void {
    if (width === 2 && x + 1 >= this.cols) {
      this.setRaw(x, y, " ", 1, fg, bg, flags, ext);
      return;
    }
    this.setRaw(x, y, ch, width, fg, bg, flags, ext);
    if (width === 2) this.setRaw(x + 1, y, "", 0, fg, bg, flags, ext);
  }

  /** Fills the rectangle (clipped to the grid) with copies of `cell` (default: blank). */
  fillRect(x: number, y: number, w: number, h: number, cell: Cell = BLANK): void {
    const x0 = Math.max(0, x);
    const y0 = Math.max(0, y);
    const x1 = Math.min(this.cols, x + w);
    const y1 = Math.min(this.rows, y + h);
    for (let row = y0; row < y1; row++) {
      const base = row * this.cols;
      this.chars.fill(cell.ch, base + x0, base + x1);
      this.widths.fill(cell.width, base + x0, base + x1);
      this.fgs.fill(cell.fg, base + x0, base + x1);
      this.bgs.fill(cell.bg, base + x0, base + x1);
      this.flagsArr.fill(cell.flags, base + x0, base + x1);
      this.exts.fill(cell.ext ?? 0, base + x0, base + x1);
    }
  }

  /** Resets every cell to a blank. */
  clear(): void {
    this.fillRect(0, 0, this.cols, this.rows);
  }

  /**
   * Copies the `w` × `h` rectangle at (sx, sy) of `src` to (dx, dy) of this grid, clipped on
   * both sides. Wide characters cut by the clip become blanks (never half a wide char).
   */
  blit(src: CellGrid, sx: number, sy: number, w: number, h: number, dx: number, dy: number): void {
    if (sx === 0 && dx === 0 && w === src.cols && w === this.cols) {
      this.blitRows(src, sy, h, dy);
      return;
    }
    for (let r = 0; r < h; r++) {
      const srow = sy + r;
      const drow = dy + r;
      if (srow < 0 || srow >= src.rows || drow < 0 || drow >= this.rows) continue;
      for (let c = 0; c < w; c++) {
        const scol = sx + c;
        const dcol = dx + c;
        if (dcol < 0 || dcol >= this.cols) continue;
        if (scol < 0 || scol >= src.cols) {
          this.setRaw(dcol, drow, " ", 1, DEFAULT_COLOR, DEFAULT_COLOR, 0);
          continue;
        }
        const si = srow * src.cols + scol;
        const width = src.widths[si] ?? 1;
        const fg = src.fgs[si] ?? DEFAULT_COLOR;
        const bg = src.bgs[si] ?? DEFAULT_COLOR;
        const flags = src.flagsArr[si] ?? 0;
        const ext = src.exts[si] ?? 0;
        const halfCut =
          (width === 2 && (c === w - 1 || dcol === this.cols - 1)) || (width === 0 && c === 0);
        if (halfCut) this.setRaw(dcol, drow, " ", 1, fg, bg, flags, ext);
        else this.setRaw(dcol, drow, src.chars[si] ?? " ", width, fg, bg, flags, ext);
      }
    }
  }

  // Whole rows between grids of the same width (the chrome layer, clones): typed-array
  // copies, then the two cells per row where a wide char could be cut are fixed up.
  private blitRows(src: CellGrid, sy: number, h: number, dy: number): void {
    const cols = this.cols;
    const r0 = Math.max(0, -sy, -dy);
    const r1 = Math.min(h, src.rows - sy, this.rows - dy);
    if (r1 <= r0 || cols === 0) return;
    const from = (sy + r0) * cols;
    const to = (sy + r1) * cols;
    const at = (dy + r0) * cols;
    this.widths.set(src.widths.subarray(from, to), at);
    this.fgs.set(src.fgs.subarray(from, to), at);
    this.bgs.set(src.bgs.subarray(from, to), at);
    this.flagsArr.set(src.flagsArr.subarray(from, to), at);
    this.exts.set(src.exts.subarray(from, to), at);
    const chars = this.chars;
    const srcChars = src.chars;
    for (let k = 0; k < to - from; k++) chars[at + k] = srcChars[from + k] ?? " ";
    for (let r = r0; r < r1; r++) {
      const first = (dy + r) * cols;
      const last = first + cols - 1;
      if (this.widths[first] === 0) {
        chars[first] = " ";
        this.widths[first] = 1;
      }
      if (this.widths[last] === 2) {
        chars[last] = " ";
        this.widths[last] = 1;
      }
    }
  }

  /** A copy of this grid (same size and cells). */
  clone(): CellGrid {
    const copy = new CellGrid(this.cols, this.rows);
    copy.blit(this, 0, 0, this.cols, this.rows, 0, 0);
    return copy;
  }

  /** The grid's text, rows joined by "\n", trailing blanks of each row trimmed (for tests). */
  toText(): string {
    const lines: string[] = [];
    for (let y = 0; y < this.rows; y++) {
      let line = "";
      for (let x = 0; x < this.cols; x++) line += this.chars[y * this.cols + x] ?? "";
      lines.push(line.trimEnd());
    }
    return lines.join("\n");
  }
}
