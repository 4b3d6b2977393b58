import type { PaneScreen } from "../terminal/pane-screen.js";

/**
 * What the chrome shows of each pane's own output: the title its program set (OSC 0/2,
 * sanitized by the screen) and a bell mark for a pane that rang (BEL) while it did not have
 * focus, kept until it gets focus (tmux's window bell flag).
 */
export class PaneMarks {
  /** Titles as last seen, by pane. */
  readonly titles = new Map<string, string>();
  /** Panes that rang the bell since they last had focus. */
  readonly bells = new Set<string>();
  private readonly bellsSeen = new Map<string, number>();

  /**
   * Reads `screen` after new output of pane `name` (`focus`: the focused pane). Returns
   * whether the chrome must be repainted (a new title or a new bell mark).
   */
  update(name: string, screen: PaneScreen, focus: string | undefined): boolean {
    let changed = false;
    const bells = screen.bellCount;
    const seen = this.bellsSeen.get(name) ?? 0;
    this.bellsSeen.set(name, bells);
    // A mirror rebuilt from a snapshot counts from 0 again: only a rise is a bell.
    if (bells > seen && name !== focus && !this.bells.has(name)) {
      this.bells.add(name);
      changed = true;
    }
    if ((this.titles.get(name) ?? "") !== screen.title) {
      this.titles.set(name, screen.title);
      changed = true;
    }
    return changed;
  }

  /** `name` got focus: its bell mark goes. */
  focused(name: string): void {
    this.bells.delete(name);
  }
}
