import type { ReactElement } from "react";
import { CellGrid } from "../terminal/cell-grid.js";
import { parseAnsiFrame } from "../terminal/ansi-frame.js";
import { inkRenderToString } from "./ink.js";

/**
 * Renders Ink elements into cell grids for the compositor. Ink never touches stdout here:
 * `renderToString` lays the element out at a given width and we parse its ANSI output.
 * Results are memoized by a caller-given key, so an unchanged piece costs nothing; pieces
 * painted straight into cells (pane frames) share the cache.
 *
 * Ink loads after the first frame (./ink.ts): a piece asked for before it has loaded is
 * blank, not memoized, and {@link awaitingInk} says the pass drew one, so the caller can
 * paint again once Ink is in.
 */
export class ChromeRenderer {
  private cache = new Map<string, CellGrid>();
  private nextCache = new Map<string, CellGrid>();
  private blankPieces = false;

  /** Whether the last pass drew a piece blank because Ink was still loading. */
  get awaitingInk(): boolean {
    return this.blankPieces;
  }

  /** Starts a render pass; pieces not requested during the pass are dropped at `end()`. */
  begin(): void {
    this.nextCache = new Map();
    this.blankPieces = false;
  }

  /** Ends a render pass, forgetting pieces that were not used in it. */
  end(): void {
    this.cache = this.nextCache;
  }

  /**
   * The element rendered at `width` × `height` cells (output beyond `height` is cut,
   * shorter output padded with blanks). `key` must change whenever the element would.
   */
  piece(key: string, width: number, height: number, element: () => ReactElement): CellGrid {
    const renderToString = inkRenderToString();
    if (!renderToString) {
      this.blankPieces = true;
      return new CellGrid(width, height);
    }
    return this.painted(key, width, height, () =>
      parseAnsiFrame(renderToString(element(), { columns: width }), width, height),
    );
  }

  /**
   * A piece painted without Ink: `paint` makes the `width` × `height` grid, memoized by
   * `key` like {@link piece}.
   */
  painted(key: string, width: number, height: number, paint: () => CellGrid): CellGrid {
    const fullKey = `${width}x${height}:${key}`;
    const grid = this.cache.get(fullKey) ?? this.nextCache.get(fullKey) ?? paint();
    this.nextCache.set(fullKey, grid);
    return grid;
  }
}

/** Copies all of `src` into `dst` with its top-left corner at (`x`, `y`), clipped to `dst`. */
export function blit(dst: CellGrid, src: CellGrid, x: number, y: number): void {
  dst.blit(src, 0, 0, src.cols, src.rows, x, y);
}
