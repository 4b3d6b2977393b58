/**
 * Pane layout: a pure function from the terminal size, the agents shown and the focus to
 * rectangles. The chrome draws each pane's frame (a 1-cell border with the title), the
 * compositor copies the pane's screen into `inner`, and the pty is resized to `inner`.
 *
 * Arrangement (every count uses the same grid rule, so positions stay put when focus moves):
 * - panes fill rows top to bottom, left to right; there are `ceil(sqrt(n))` columns and as
 *   many rows as needed, and the panes are spread evenly over the rows with the earlier rows
 *   taking one more when they do not divide. So 1 pane is full size, 2 sit side by side,
 *   3 are two on top and one full width below, 4 are a 2x2 grid, 5 are 3 on top and 2 below,
 *   32 are rows of 6, 6, 5, 5, 5, 5;
 * - each row splits its width evenly among its panes, so a shorter row has wider panes;
 * - with 5 or more panes the focused pane is larger: its row takes about half the height
 *   (at least twice a plain row) and it takes about half of its row's width (at least twice
 *   a neighbour). Focus moving does not reorder panes, so `neighbour` stays predictable;
 * - zoomed shows only the focused pane, full size.
 *
 * Frames tile the area above the status bar exactly: no gaps, no overlaps. Cells left over
 * when sizes do not divide go to the earlier rows and columns.
 */

/** A rectangle of terminal cells; `x`, `y` are 0-based from the top-left corner. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One pane: `frame` includes the 1-cell border; `inner` is the pty's size and place. */
export interface PaneRect {
  name: string;
  frame: Rect;
  inner: Rect;
}

/**
 * The result of {@link computeLayout}. When the panes fit, `panes` lists them in input order
 * (only the focused one when zoomed), `area` is everything above the status bar (useful for
 * an empty-state message when there are no panes) and `statusBar` is the last `statusRows`
 * rows; `view` is the open cockpit view's rectangle (see {@link placeView}), over the panes.
 * When they do not fit, `message` says so in one line, and `minCols` x `minRows` is
 * the smallest terminal that would fit.
 */
export type Layout =
  | { tooSmall: false; panes: PaneRect[]; area: Rect; statusBar: Rect; view?: Rect }
  | { tooSmall: true; message: string; minCols: number; minRows: number };

/** Smallest pty a pane gets, in columns, before the layout reports "too small". */
export const MIN_INNER_COLS = 10;
/** Smallest pty a pane gets, in rows, before the layout reports "too small". */
export const MIN_INNER_ROWS = 3;
/** Border width on each side of a pane, in cells. */
export const BORDER = 1;

const MIN_FRAME_COLS = MIN_INNER_COLS + 2 * BORDER;
const MIN_FRAME_ROWS = MIN_INNER_ROWS + 2 * BORDER;
/** From this many panes on, the focused pane is drawn larger than the others. */
const EMPHASIS_FROM = 5;

/** Input of {@link computeLayout}. Sizes are in terminal cells. */
export interface LayoutInput {
  /** Terminal width in columns. */
  cols: number;
  /** Terminal height in rows. */
  rows: number;
  /** Agent names in display order; names must be unique. */
  panes: readonly string[];
  /** The focused agent; the first pane when absent or unknown. */
  focused?: string;
  /** Show only the focused pane, full size. */
  zoomed?: boolean;
  /** Rows kept for the status bar at the bottom; default 1. */
  statusRows?: number;
  /** How the zoom key is spelled in the "too small" message; default "prefix z". */
  zoomKey?: string;
  /** The open cockpit view's wanted size (help, a dialog, the inbox…); none when closed. */
  view?: ViewSize;
}

/**
 * The size a cockpit view asks for, in cells: at most `width` × `height`, shrunk to leave a
 * 1-cell margin on each side, but never below `minHeight` rows (a form that must show whole).
 */
export interface ViewSize {
  width: number;
  height: number;
  minHeight?: number;
}

/**
 * Where an open view goes on a `cols` × `rows` terminal: its wanted size clamped to
 * `cols - 2` × `rows - 2` (at least `minHeight` rows), centered (left/top get the odd cell),
 * never off the top-left corner.
 */
export function placeView(cols: number, rows: number, want: ViewSize): Rect {
  const width = Math.max(0, Math.min(cols - 2, want.width));
  const height = Math.max(want.minHeight ?? 0, Math.min(rows - 2, want.height));
  return {
    x: Math.max(0, Math.floor((cols - width) / 2)),
    y: Math.max(0, Math.floor((rows - height) / 2)),
    width,
    height,
  };
}

/**
 * Rectangles for every visible pane and the status bar, or `tooSmall` when the terminal
 * cannot give each pane at least {@link MIN_INNER_COLS} x {@link MIN_INNER_ROWS}. The panes'
 * frames exactly tile the area above the status bar. Pure; never throws (negative or
 * fractional sizes are floored to whole cells, at least 0).
 */
export function computeLayout(input: LayoutInput): Layout {
  const cols = Math.max(0, Math.floor(input.cols));
  const rows = Math.max(0, Math.floor(input.rows));
  const statusRows = Math.max(0, Math.floor(input.statusRows ?? 1));
  const focusedIndex = Math.max(
    0,
    input.focused === undefined ? 0 : input.panes.indexOf(input.focused),
  );
  const zoomed = input.zoomed === true && input.panes.length > 0;
  const names = zoomed ? input.panes.slice(focusedIndex, focusedIndex + 1) : [...input.panes];

  const shape = gridShape(Math.max(1, names.length));
  const minCols = Math.max(...shape) * MIN_FRAME_COLS;
  const minRows = shape.length * MIN_FRAME_ROWS + statusRows;
  if (cols < minCols || rows < minRows) {
    const count = input.panes.length;
    const what = zoomed ? " for a zoomed pane" : count > 1 ? ` for ${count} panes` : "";
    const zoomTip = !zoomed && count > 1 ? ` (or zoom with ${input.zoomKey ?? "prefix z"})` : "";
    return {
      tooSmall: true,
      message: `Terminal too small: ${cols}x${rows}, need at least ${minCols}x${minRows}${what}${zoomTip}`,
      minCols,
      minRows,
    };
  }

  const area: Rect = { x: 0, y: 0, width: cols, height: rows - statusRows };
  const statusBar: Rect = { x: 0, y: rows - statusRows, width: cols, height: statusRows };
  const view = input.view ? { view: placeView(cols, rows, input.view) } : {};
  if (names.length === 0) return { tooSmall: false, panes: [], area, statusBar, ...view };

  const emphasis = !zoomed && names.length >= EMPHASIS_FROM ? focusedIndex : -1;
  const rowStarts = shape.map((_, r) => shape.slice(0, r).reduce((sum, n) => sum + n, 0));
  const focusedRow = rowStarts.findLastIndex((start) => start <= emphasis);
  const heights = splitCells(
    area.height,
    MIN_FRAME_ROWS,
    shape.map((_, r) => (r === focusedRow && emphasis >= 0 ? emphasisWeight(shape.length) : 1)),
  );

  const panes: PaneRect[] = [];
  let y = area.y;
  shape.forEach((count, r) => {
    const start = rowStarts[r] ?? 0;
    const height = heights[r] ?? 0;
    const widths = splitCells(
      area.width,
      MIN_FRAME_COLS,
      Array.from({ length: count }, (_, i) => (start + i === emphasis ? emphasisWeight(count) : 1)),
    );
    let x = area.x;
    widths.forEach((width, i) => {
      const frame = { x, y, width, height };
      panes.push({ name: names[start + i] ?? "", frame, inner: shrink(frame, BORDER) });
      x += width;
    });
    y += height;
  });
  return { tooSmall: false, panes, area, statusBar, ...view };
}

/**
 * The agent whose pane frame contains cell (`x`, `y`), for mouse clicks; `undefined` on the
 * status bar, outside every pane, or when the layout is too small.
 */
export function paneAt(layout: Layout, x: number, y: number): string | undefined {
  if (layout.tooSmall) return undefined;
  return layout.panes.find((pane) => contains(pane.frame, x, y))?.name;
}

/** A direction focus can move in. */
export type Direction = "left" | "right" | "up" | "down";

/**
 * The pane focus moves to from `from` in `direction`, by geometry: among panes lying wholly
 * on that side whose span across the direction overlaps `from`'s, the nearest; ties go to
 * the largest overlap, then to the top-most / left-most. `undefined` at the edge (no
 * wrap-around), for an unknown name, or when the layout is too small. When zoomed there is
 * only one pane, so callers wanting to move between zoomed panes use the unzoomed layout.
 */
export function neighbour(layout: Layout, from: string, direction: Direction): string | undefined {
  if (layout.tooSmall) return undefined;
  const source = layout.panes.find((pane) => pane.name === from)?.frame;
  if (source === undefined) return undefined;
  const horizontal = direction === "left" || direction === "right";
  let best: { name: string; distance: number; overlap: number; across: number } | undefined;
  for (const pane of layout.panes) {
    if (pane.name === from) continue;
    const f = pane.frame;
    const distance =
      direction === "right"
        ? f.x - (source.x + source.width)
        : direction === "left"
          ? source.x - (f.x + f.width)
          : direction === "down"
            ? f.y - (source.y + source.height)
            : source.y - (f.y + f.height);
    const overlap = horizontal
      ? Math.min(source.y + source.height, f.y + f.height) - Math.max(source.y, f.y)
      : Math.min(source.x + source.width, f.x + f.width) - Math.max(source.x, f.x);
    if (distance < 0 || overlap <= 0) continue;
    const across = horizontal ? f.y : f.x;
    const better =
      best === undefined ||
      distance < best.distance ||
      (distance === best.distance &&
        (overlap > best.overlap || (overlap === best.overlap && across < best.across)));
    if (better) best = { name: pane.name, distance, overlap, across };
  }
  return best?.name;
}

/** Panes per row for `count` panes: `ceil(sqrt(count))` columns, rows evened out. */
function gridShape(count: number): number[] {
  const columns = Math.ceil(Math.sqrt(count));
  const rowCount = Math.ceil(count / columns);
  const base = Math.floor(count / rowCount);
  const extra = count % rowCount;
  return Array.from({ length: rowCount }, (_, r) => base + (r < extra ? 1 : 0));
}

/** Weight of the focused row or pane among `count`: about half the space, at least double. */
function emphasisWeight(count: number): number {
  return Math.max(2, count - 1);
}

/**
 * Splits `total` cells into `weights.length` parts, each at least `min`, sharing the rest by
 * weight. Cumulative rounding up makes the parts sum to `total` exactly and hands leftover
 * cells to the earlier parts. The caller guarantees `total >= min * weights.length`.
 */
function splitCells(total: number, min: number, weights: readonly number[]): number[] {
  const extra = total - min * weights.length;
  const sum = weights.reduce((a, b) => a + b, 0);
  let cumulative = 0;
  let given = 0;
  return weights.map((weight) => {
    cumulative += weight;
    const upTo = Math.ceil((extra * cumulative) / sum);
    const share = upTo - given;
    given = upTo;
    return min + share;
  });
}

function shrink(rect: Rect, by: number): Rect {
  return {
    x: rect.x + by,
    y: rect.y + by,
    width: Math.max(0, rect.width - 2 * by),
    height: Math.max(0, rect.height - 2 * by),
  };
}

function contains(rect: Rect, x: number, y: number): boolean {
  return x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
}
