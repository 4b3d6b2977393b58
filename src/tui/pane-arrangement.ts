import { nextLayout, type LayoutName } from "../core/layout.js";

/**
 * Where the panes go, as the user arranged them: display order (the panes the user swapped
 * first, then the rest in the hub's order), the named layout (`prefix Space`) and zoom
 * (`prefix z`). The cockpit turns it into a `LayoutInput` for `core/layout.ts`.
 */
export class PaneArrangement {
  zoomed = false;
  layout: LayoutName;
  /** Pane order the user chose with swaps; agents not in it follow in the hub's order. */
  private order: string[] = [];

  constructor(layout: LayoutName = "auto") {
    this.layout = layout;
  }

  /** An independent copy (each attached client arranges its own panes). */
  clone(): PaneArrangement {
    const copy = new PaneArrangement(this.layout);
    copy.zoomed = this.zoomed;
    copy.order = [...this.order];
    return copy;
  }

  /** Pane names in display order, for the agents `names` (in the hub's order). */
  panes(names: readonly string[]): string[] {
    const kept = this.order.filter((name) => names.includes(name));
    return [...kept, ...names.filter((name) => !kept.includes(name))];
  }

  /** The pane after `focus` in display order, wrapping; `focus` when there is none. */
  next(names: readonly string[], focus: string | undefined): string | undefined {
    const panes = this.panes(names);
    return panes[(panes.indexOf(focus ?? "") + 1) % panes.length] ?? focus;
  }

  /**
   * Swaps `focus` with the previous (`-1`) or next (`1`) pane, wrapping around (tmux's
   * `swap-pane -U` / `-D`). Returns false when nothing moved.
   */
  swap(names: readonly string[], focus: string | undefined, step: 1 | -1): boolean {
    const panes = this.panes(names);
    const index = panes.indexOf(focus ?? "");
    if (index < 0 || panes.length < 2) return false;
    const other = (index + step + panes.length) % panes.length;
    [panes[index], panes[other]] = [panes[other] ?? "", panes[index] ?? ""];
    this.order = panes;
    return true;
  }

  /** Moves to the next named layout and returns its name. */
  cycleLayout(): LayoutName {
    this.layout = nextLayout(this.layout);
    return this.layout;
  }
}
