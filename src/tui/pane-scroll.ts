import type { PaneScreens } from "../hub/link.js";
import {
  leaveScrollMode,
  scrollTarget,
  scrollTo,
  type CockpitCommand,
  type InputState,
} from "../core/keymap.js";

/** What scrolling needs of the cockpit: the focused pane, the input state, a redraw. */
export interface ScrollHost {
  readonly screens: PaneScreens;
  focus(): string | undefined;
  state(): InputState;
  setState(state: InputState): void;
  /** Redraws `pane` (its content moved) and the chrome (the `[scroll n/m]` counter). */
  redraw(pane: string | undefined): void;
}

/**
 * Scroll mode on the focused pane: scroll commands and the mouse wheel move the one scroll
 * offset kept in the input state (`core/keymap.ts`). A remote hub sends a pane's
 * scrollback only when asked (on entering scroll mode); keys pressed before it arrives
 * count in full, and the offset is clamped to what arrived.
 */
export class PaneScroll {
  /** Set while a remote hub is still sending the focused pane's scrollback. */
  private loading: Promise<void> | undefined;

  constructor(private readonly host: ScrollHost) {}

  /** Runs a `scroll-*` command (the input machine switched modes already). */
  command(command: CockpitCommand): void {
    const focus = this.host.focus();
    const screen = focus ? this.host.screens.get(focus) : undefined;
    if (!focus || !screen || command === "scroll-exit") return this.leave();
    if (command === "scroll-mode") this.load(focus);
    const scrollback = this.loading ? Number.MAX_SAFE_INTEGER : screen.scrollbackLength;
    const next = scrollTarget(command, this.host.state().scrollOffset, {
      rows: screen.rows,
      scrollback,
    });
    if (next !== undefined) this.to(next);
  }

  /** The wheel on the focused `pane`: `delta` lines back (negative: forward). */
  wheel(pane: string, delta: number): void {
    const scrollback = this.host.screens.get(pane)?.scrollbackLength ?? 0;
    const state = this.host.state();
    const next = Math.max(0, Math.min(scrollback, state.scrollOffset + delta));
    if (next === 0 && delta < 0) return this.leave();
    if (state.mode !== "scroll") this.load(pane);
    this.to(next);
  }

  /** Leaves scroll mode: the focused pane follows its output again. */
  leave(): void {
    // The input machine may have left scroll mode already (q, Esc): redraw all the same.
    const state = this.host.state();
    if (state.mode === "scroll") this.host.setState(leaveScrollMode(state));
    this.host.redraw(this.host.focus());
  }

  /** Scrolls the focused pane back `offset` lines (entering scroll mode if needed). */
  private to(offset: number): void {
    const focus = this.host.focus();
    if (!focus) return;
    this.host.setState(scrollTo(this.host.state(), offset));
    this.host.redraw(focus);
  }

  /** Asks for `name`'s scrollback; once it is there, the offset is clamped to it. */
  private load(name: string): void {
    const loading = this.host.screens.loadScrollback?.(name);
    if (!loading) return;
    const done = (this.loading = loading
      .catch(() => undefined)
      .then(() => {
        if (this.loading !== done) return;
        this.loading = undefined;
        const kept = this.host.screens.get(name)?.scrollbackLength ?? 0;
        const state = this.host.state();
        if (this.host.focus() === name && state.mode === "scroll")
          this.to(Math.min(state.scrollOffset, kept));
      }));
  }
}
