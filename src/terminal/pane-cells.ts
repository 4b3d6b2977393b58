/**
 * Reading an `@xterm/headless` cell into a CellGrid cell: colours, flags, and what the public
 * IBufferCell lacks (underline style and colour, OSC 8 links), from xterm's internal CellData.
 */
import type { IBufferCell } from "@xterm/headless";
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

// xterm's IBufferCell colour modes: 0 default, 0x1000000 / 0x2000000 palette, 0x3000000 RGB.
const CELL_MODE_RGB = 0x3000000;
const CELL_MODE_MASK = 0x3000000;
// xterm's internal cell bits (common/buffer/Constants.ts): FgFlags.UNDERLINE, BgFlags.HAS_EXTENDED.
const FG_UNDERLINE = 0x10000000;
/** xterm's BgFlags.HAS_EXTENDED: the cell has extended attributes (underline style, colour, link). */
export const BG_HAS_EXTENDED = 0x10000000;
// ExtendedAttrs.underlineColor after SGR 59 (-1 masked to 26 bits): the text colour.
const UNDERLINE_COLOR_UNSET = 0x3ffffff;

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
export interface XtermLinks {
  getLinkData(urlId: number): { id?: string; uri: string } | undefined;
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
 * The extras id (see `internExtras`) of cells with underline style/colour or a link, with a
 * cache per screen of (style, colour, xterm link id) -> id.
 */
export class CellExtras {
  private readonly cache = new Map<number, number>();
  /** The same as `read`, bound, to hand to `readCell`. */
  readonly reader = (cell: IBufferCell): number => this.read(cell);

  /** `links` is xterm's OSC 8 registry (undefined: links are not read). */
  constructor(private readonly links: XtermLinks | undefined) {}

  /**
   * Underline style and colour, and the link, of a cell xterm flagged as having extended
   * attributes (0: none); these live in xterm's internal CellData (the public IBufferCell
   * has only isUnderline), so they are read from there.
   */
  read(cell: IBufferCell): number {
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
    let id = this.cache.get(key);
    if (id === undefined) {
      const link = urlId === 0 ? { uri: "", id: "" } : safeLink(this.links?.getLinkData(urlId));
      id = internExtras({
        underlineStyle: style,
        underlineColor: color,
        linkUri: link.uri,
        linkId: link.id,
      });
      if (this.cache.size >= 4096) this.cache.clear();
      this.cache.set(key, id);
    }
    return id;
  }
}

/** Reads xterm's cell into grid index `i` (no allocation for ASCII). */
export function readCell(
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
