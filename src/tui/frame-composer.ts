import type { Layout } from "../core/layout.js";
import type { PaneScreens } from "../hub/link.js";
import { CellGrid } from "../terminal/cell-grid.js";
import { Compositor, type CursorState } from "../terminal/compositor.js";
import { ChromeRenderer, blit } from "./chrome-layer.js";
import { paintChrome, type ChromeScene, type PaintedChrome } from "./chrome-painter.js";
import { loadInk } from "./ink.js";

/** What one frame is made of. */
export interface FrameInput {
  layout: Layout;
  screens: PaneScreens;
  /** The chrome as it is now; only asked for when the chrome was invalidated. */
  scene(): ChromeScene;
  /** Panes whose screen is not drawn (a lost agent keeps the chrome's note). */
  hidden(name: string): boolean;
  /** The pane in copy mode, how far back, and what it paints over its copy (highlights). */
  scrolled?: {
    pane: string;
    offset: number;
    paint?(grid: CellGrid, x: number, y: number, width: number, height: number): void;
  };
  /** The pane whose cursor is shown, if any (none while a view is open or scrolled). */
  cursorPane?: string;
}

/**
 * Builds frames: the chrome layer (painted only after {@link invalidateChrome}), the pane
 * screens copied into their rectangles (only dirty ones, unless the chrome was repainted),
 * the open view on top, then the cell compositor writes the difference to the terminal.
 */
export class FrameComposer {
  private readonly compositor: Compositor;
  private readonly chrome = new ChromeRenderer();
  private frame: CellGrid;
  private painted: PaintedChrome | undefined;
  private readonly dirty = new Set<string>();
  /** Whether Ink's load has been started (after the first frame, see {@link render}). */
  private inkRequested = false;

  /**
   * `onChromeStale` is called when the chrome painted last is out of date by itself: a
   * dialog or note drawn blank before Ink loaded (./ink.ts) can now be painted.
   */
  constructor(
    terminal: { write(data: string): void },
    private cols: number,
    private rows: number,
    private readonly onChromeStale: () => void = () => undefined,
  ) {
    this.compositor = new Compositor(terminal, cols, rows);
    this.frame = new CellGrid(cols, rows);
  }

  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
    this.compositor.resize(cols, rows);
    this.frame = new CellGrid(cols, rows);
    this.painted = undefined;
  }

  /** The window title last set through {@link setTitle}. */
  private title: string | undefined;

  /** The chrome changed: repaint it (and every pane) in the next frame. */
  invalidateChrome(): void {
    this.painted = undefined;
  }

  /** Sets the terminal's window title with the next frame, when it differs (sanitized text only). */
  setTitle(title: string): void {
    if (title === this.title) return;
    this.title = title;
    this.compositor.setTitle(title);
  }

  /** `name`'s screen changed. */
  markPane(name: string): void {
    this.dirty.add(name);
  }

  /** Composes and writes one frame. */
  render(input: FrameInput): void {
    const { layout } = input;
    const panes = layout.tooSmall ? [] : layout.panes;
    if (!this.painted) {
      this.painted = paintChrome(this.chrome, input.scene());
      this.frame = this.painted.grid.clone();
      for (const pane of panes) this.dirty.add(pane.name);
    }
    for (const pane of panes) {
      if (!this.dirty.has(pane.name) || input.hidden(pane.name)) continue;
      const { x, y, width, height } = pane.inner;
      const scrolled = input.scrolled?.pane === pane.name ? input.scrolled : undefined;
      input.screens.get(pane.name)?.copyInto(this.frame, x, y, width, height, scrolled?.offset);
      scrolled?.paint?.(this.frame, x, y, width, height);
    }
    this.dirty.clear();
    const overlay = this.painted.overlay;
    if (overlay) blit(this.frame, overlay.grid, overlay.x, overlay.y);
    this.compositor.render(this.frame, this.cursor(input));
    if (!this.inkRequested) this.loadInkAfterFirstFrame();
  }

  /**
   * Ink (dialogs, views, notes) loads after the first frame, off its path; once it is in,
   * a chrome painted with pieces left blank meanwhile is painted again.
   */
  private loadInkAfterFirstFrame(): void {
    this.inkRequested = true;
    setImmediate(() => {
      loadInk()
        .then(() => {
          if (!this.chrome.awaitingInk) return;
          this.invalidateChrome();
          this.onChromeStale();
        })
        .catch(() => undefined); // a failed load leaves dialogs blank, never the hub
    });
  }

  // The focused pane's cursor, with the shape it asked for (DECSCUSR); hidden, and the
  // terminal's default shape, when no pane has the cursor.
  private cursor(input: FrameInput): CursorState {
    const hidden = { x: this.cols - 1, y: this.rows - 1, visible: false };
    const name = input.cursorPane;
    if (input.layout.tooSmall || !name) return hidden;
    const pane = input.layout.panes.find((p) => p.name === name);
    const screen = input.screens.get(name);
    if (!pane || !screen) return hidden;
    const cursor = screen.cursor;
    if (cursor.x >= pane.inner.width || cursor.y >= pane.inner.height) return hidden;
    return {
      x: pane.inner.x + cursor.x,
      y: pane.inner.y + cursor.y,
      visible: cursor.visible,
      shape: screen.cursorShape,
    };
  }
}
