import type { PaneScreens } from "../hub/link.js";
import {
  copyHighlights,
  copyKey,
  copyPosition,
  copyPrompt,
  enterCopyMode,
  osc52,
  pointAt,
  runCopyCommand,
  scrollCopyTo,
  selectionText,
  type CopyBuffer,
  type CopyEffect,
  type CopyState,
} from "../core/copy-mode.js";
import {
  enterScrollMode,
  leaveScrollMode,
  type CockpitCommand,
  type InputState,
} from "../core/keymap.js";
import { INVERSE, type CellGrid } from "../terminal/cell-grid.js";
import type { PaneScreen } from "../terminal/pane-screen.js";
import type { MouseRoute } from "./mouse-routing.js";

/** What copy mode needs of the cockpit: the focused pane, the input state, output, a redraw. */
export interface ScrollHost {
  readonly screens: PaneScreens;
  focus(): string | undefined;
  state(): InputState;
  setState(state: InputState): void;
  /** Redraws `pane` (its content moved) and the chrome (the `[copy n/m]` indicator). */
  redraw(pane: string | undefined): void;
  /** The outer terminal (for the OSC 52 clipboard sequence). */
  readonly terminal: { write(data: string): void };
  readonly notice: { show(level: "info" | "error", text: string): void };
}

/** What a frame needs to draw the pane in copy mode. */
export interface CopyView {
  pane: string;
  /** Lines back from the live screen, and the scrollback there is (the indicator). */
  offset: number;
  total: number;
  /** Paints the selection, the matches and the copy cursor over the copied rectangle. */
  paint(grid: CellGrid, x: number, y: number, width: number, height: number): void;
}

// Search matches: black on yellow, as tmux's copy-mode-match-style.
const MATCH_FG = 0;
const MATCH_BG = 3;

/** A pane's screen as copy mode reads it (`core/copy-mode.ts`). */
export function copyBuffer(screen: PaneScreen): CopyBuffer {
  return {
    dropped: screen.droppedLines,
    scrollback: screen.scrollbackLength,
    rows: screen.rows,
    cols: screen.cols,
    line: (index) => screen.readLine(index),
  };
}

/**
 * Copy mode on the focused pane (tmux's copy mode): `prefix [` (or PgUp after the prefix,
 * or the wheel) enters it, every key then goes to `core/copy-mode.ts`, which keeps the view
 * on the same lines while the pane prints; `y` copies the selection to the outer terminal's
 * clipboard with OSC 52. A mouse drag over a pane selects and copies. A remote hub sends a
 * pane's scrollback only when asked: keys pressed before it arrives are replayed after.
 */
export class PaneScroll {
  private copy: { pane: string; state: CopyState } | undefined;
  /** Keys (or wheel deltas) held while a remote hub is still sending the scrollback. */
  private pending: Array<() => void> | undefined;
  /** A mouse drag in progress: whether it entered copy mode itself, and whether it moved. */
  private drag: { pane: string; entered: boolean; moved: boolean } | undefined;

  constructor(private readonly host: ScrollHost) {}

  /** The pane in copy mode, if any. */
  get pane(): string | undefined {
    return this.copy?.pane;
  }

  /** Runs `copy-mode`, `copy-mode-page-up` or `copy-exit` (the input machine set its mode). */
  command(command: CockpitCommand): void {
    if (command === "copy-exit") return this.leave();
    const focus = this.host.focus();
    if (!focus || !this.enter(focus)) return this.leave();
    if (command === "copy-mode-page-up") this.later(() => this.run("copy-page-up"));
  }

  /** One whole key pressed in copy mode. */
  key(key: string): void {
    this.later(() => {
      const buf = this.buffer();
      if (!buf || !this.copy) return this.leave();
      const step = copyKey(this.copy.state, key, buf);
      this.update(step.state, step.effects);
    });
  }

  /** The wheel on the focused `pane`: `delta` lines back (negative: forward). */
  wheel(pane: string, delta: number): void {
    if (this.copy?.pane !== pane && !this.enter(pane)) return;
    this.later(() => {
      const buf = this.buffer();
      if (!buf || !this.copy) return;
      const { offset } = copyPosition(this.copy.state, buf);
      const next = Math.max(0, Math.min(buf.scrollback, offset + delta));
      if (next === 0 && delta < 0 && !this.copy.state.mark && !this.drag) return this.leave();
      this.update(scrollCopyTo(this.copy.state, buf, next), []);
    });
  }

  /**
   * A mouse drag over `pane` at its interior's `row`/`col`: `start` (a press) marks where the
   * selection begins, `move` extends it, `end` (the release) copies it and leaves copy mode
   * when the drag entered it. A press without a move selects nothing.
   */
  select({ pane, phase, row, col }: Extract<MouseRoute, { type: "select" }>): void {
    if (phase === "start") {
      const entered = this.copy?.pane !== pane;
      if (entered && !this.enter(pane)) return;
      this.drag = { pane, entered, moved: false };
    }
    const drag = this.drag;
    const buf = this.buffer();
    if (!drag || !buf || !this.copy || drag.pane !== this.copy.pane) return;
    const point = pointAt(this.copy.state, buf, row, col);
    if (phase === "start")
      return this.update({ ...this.copy.state, cursor: point, mark: point }, []);
    const moved =
      drag.moved ||
      point.line !== this.copy.state.mark?.line ||
      point.col !== this.copy.state.mark.col;
    drag.moved = moved;
    const state = { ...this.copy.state, cursor: point };
    if (phase === "move") return this.update(state, []);
    this.drag = undefined;
    if (!moved) {
      const { mark: _none, ...rest } = state;
      return drag.entered ? this.leave() : this.update(rest, []);
    }
    const text = selectionText(state, buf) ?? "";
    this.update(
      state,
      drag.entered ? [{ type: "copy", text }, { type: "exit" }] : [{ type: "copy", text }],
    );
  }

  /** Whether a mouse drag is selecting (moves and the release belong to it). */
  get dragging(): string | undefined {
    return this.drag?.pane;
  }

  /** Leaves copy mode: the focused pane follows its output again. */
  leave(): void {
    const pane = this.copy?.pane ?? this.host.focus();
    this.copy = undefined;
    this.pending = undefined;
    this.drag = undefined;
    // The input machine may have left scroll mode already: redraw all the same.
    const state = this.host.state();
    if (state.mode === "scroll") this.host.setState(leaveScrollMode(state));
    this.host.redraw(pane);
  }

  /** What the frame draws for the pane in copy mode, if one is. */
  view(): CopyView | undefined {
    const copy = this.copy;
    const buf = this.buffer();
    if (!copy || !buf || this.pending)
      return copy && { pane: copy.pane, offset: 0, total: 0, paint: () => {} };
    const { offset, total } = copyPosition(copy.state, buf);
    const highlights = copyHighlights(copy.state, buf);
    const paint = (grid: CellGrid, x: number, y: number, width: number, height: number): void => {
      for (const h of highlights) {
        if (h.row >= height || y + h.row >= grid.rows) continue;
        for (let c = Math.max(0, h.from); c < Math.min(h.to, width); c++) {
          const i = (y + h.row) * grid.cols + x + c;
          if (x + c >= grid.cols) break;
          if (h.kind === "match") {
            grid.fgs[i] = MATCH_FG;
            grid.bgs[i] = MATCH_BG;
            grid.flagsArr[i] = (grid.flagsArr[i] ?? 0) & ~INVERSE;
          } else grid.flagsArr[i] = (grid.flagsArr[i] ?? 0) ^ INVERSE;
        }
      }
    };
    return { pane: copy.pane, offset, total, paint };
  }

  /** Status-bar text while a search is typed (`/query`), else undefined. */
  prompt(): string | undefined {
    const state = this.copy?.state;
    const text = state && copyPrompt(state);
    return text === undefined ? undefined : `search ${text}▏  Enter find  Esc cancel`;
  }

  /** Enters copy mode on `pane` (at the live screen); false when it has no screen. */
  private enter(pane: string): boolean {
    const screen = this.host.screens.get(pane);
    if (!screen) return false;
    const state = this.host.state();
    if (state.mode !== "scroll") this.host.setState(enterScrollMode(state));
    const cursor = screen.cursor;
    this.copy = { pane, state: enterCopyMode(copyBuffer(screen), 0, cursor.y, cursor.x) };
    this.load(pane);
    this.host.redraw(pane);
    return true;
  }

  private buffer(): CopyBuffer | undefined {
    const screen = this.copy && this.host.screens.get(this.copy.pane);
    return screen ? copyBuffer(screen) : undefined;
  }

  private run(command: Parameters<typeof runCopyCommand>[1]): void {
    const buf = this.buffer();
    if (!buf || !this.copy) return;
    const step = runCopyCommand(this.copy.state, command, buf);
    this.update(step.state, step.effects);
  }

  private update(state: CopyState, effects: readonly CopyEffect[]): void {
    if (!this.copy) return;
    this.copy = { ...this.copy, state };
    for (const effect of effects) {
      if (effect.type === "exit") return this.leave();
      if (effect.type === "notice") this.host.notice.show(effect.level, effect.text);
      if (effect.type === "copy") {
        this.host.terminal.write(osc52(effect.text));
        const n = [...effect.text].length;
        this.host.notice.show(
          "info",
          `copied ${n} character${n === 1 ? "" : "s"} to the clipboard (OSC 52)`,
        );
      }
    }
    this.host.redraw(this.copy?.pane);
  }

  /** Runs `action` now, or once the scrollback a remote hub is sending has arrived. */
  private later(action: () => void): void {
    if (this.pending) this.pending.push(action);
    else action();
  }

  /** Asks for `name`'s scrollback; keys pressed meanwhile wait for it. */
  private load(name: string): void {
    const loading = this.host.screens.loadScrollback?.(name);
    if (!loading) return;
    const pending: Array<() => void> = (this.pending = []);
    void loading
      .catch(() => undefined)
      .then(() => {
        if (this.pending !== pending || this.copy?.pane !== name) return;
        this.pending = undefined;
        const screen = this.host.screens.get(name);
        if (screen)
          this.copy = {
            pane: name,
            state: enterCopyMode(copyBuffer(screen), 0, screen.cursor.y, screen.cursor.x),
          };
        for (const action of pending) action();
        this.host.redraw(name);
      });
  }
}
