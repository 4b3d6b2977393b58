/**
 * A pane's screen as a byte string that restores it: `@xterm/addon-serialize`'s output plus
 * what that addon leaves out (private modes, cursor shape, title, and the cells with
 * underline styles/colours or links, redrawn with them).
 */
import { CellGrid, DEFAULT_COLOR } from "./cell-grid.js";
import { extendedTransition } from "./compositor.js";

/** Options of `PaneScreen.serialize`. */
export interface SerializeOptions {
  /** Lines of scrollback to include (default: all). */
  scrollback?: number;
}

/** What serializing needs of a screen (PaneScreen gives it). */
export interface SerializeSource {
  cols: number;
  rows: number;
  /** The addon's serialization (`SerializeAddon.serialize`). */
  addon(options: SerializeOptions): string;
  sgrMouse: boolean;
  cursorHidden: boolean;
  shape: number;
  title: string;
  /** Copies the visible screen into `grid` (see `PaneScreen.copyInto`). */
  copyInto(grid: CellGrid, x: number, y: number, w: number, h: number): void;
}

/** The serialization of `source` (see `PaneScreen.serialize`). */
export function serializeScreen(source: SerializeSource, options: SerializeOptions): string {
  let out = source.addon(options);
  if (source.sgrMouse) out += "\x1b[?1006h";
  if (source.cursorHidden) out += "\x1b[?25l";
  if (source.shape !== 0) out += `\x1b[${source.shape} q`;
  if (source.title !== "") out += `\x1b]2;${source.title}\x07`;
  const patch = extrasPatch(source);
  // DECSC/DECRC keep the cursor and pen the serialization left, around the redrawn cells.
  if (patch !== "") out += `\x1b7${patch}\x1b]8;;\x1b\\\x1b8`;
  return out;
}

// The serialize addon writes curly/double/dotted/dashed underlines as plain ones, drops
// underline colours and turns links into underlined text: redraw the visible cells that
// have such extras, with them.
function extrasPatch(source: SerializeSource): string {
  const { cols, rows } = source;
  const grid = new CellGrid(cols, rows);
  source.copyInto(grid, 0, 0, cols, rows);
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
