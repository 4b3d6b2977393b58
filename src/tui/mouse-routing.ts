import { paneAt, type Layout } from "../core/layout.js";
import type { PaneScreens } from "../hub/link.js";
import {
  encodeMouseForChild,
  wheelAsArrows,
  type ChildInputModes,
  type MouseEvent,
} from "../terminal/input.js";

/** Lines per mouse-wheel notch in scrollback (and arrow presses on the alternate screen). */
export const WHEEL_LINES = 3;

/** The child modes routing looks at, and whether the child is on the alternate screen. */
export type RoutedModes = Pick<
  ChildInputModes,
  "mouseTrackingMode" | "mouseEncoding" | "applicationCursorKeysMode"
> & { alternate?: boolean };

/**
 * Where a mouse event goes: to the `child` under it (encoded for its modes, or the wheel as
 * arrow keys; a press also focuses that pane), `focus` a pane (a click on its frame), scroll
 * a pane's scrollback by `delta` lines (`wheel`, positive is back), `select` text in a pane
 * (a left-button drag: `start` on the press, `move`, `end` on the release; `row`/`col` in
 * the pane's interior, clamped to it), or `none`.
 */
export type MouseRoute =
  | { type: "child"; pane: string; data: string; focus: boolean }
  | { type: "focus"; pane: string }
  | { type: "wheel"; pane: string; delta: number }
  | { type: "select"; pane: string; phase: "start" | "move" | "end"; row: number; col: number }
  | { type: "none" };

/**
 * Routes `event` by `layout`: inside a pane's interior it goes to its child when the child
 * asked for the mouse, the pane is not `scrolled` and `toChild` (no view is open); the wheel
 * on the alternate screen of a child that did not ask for the mouse becomes arrow keys; a
 * left press in the interior starts a selection, and while `dragging` a pane its moves and
 * the release go to it; other presses focus the pane and the wheel scrolls it. Pure.
 */
export function routeMouse(
  layout: Layout,
  event: MouseEvent,
  options: {
    modes(pane: string): RoutedModes | undefined;
    scrolled: string | undefined;
    toChild: boolean;
    dragging?: string | undefined;
  },
): MouseRoute {
  if (options.dragging !== undefined && (event.kind === "move" || event.kind === "release")) {
    const dragged = layout.tooSmall
      ? undefined
      : layout.panes.find((p) => p.name === options.dragging);
    if (dragged) {
      const { x, y, width, height } = dragged.inner;
      const row = Math.max(0, Math.min(height - 1, event.y - y));
      const col = Math.max(0, Math.min(width - 1, event.x - x));
      const phase = event.kind === "move" ? "move" : "end";
      return { type: "select", pane: dragged.name, phase, row, col };
    }
  }
  const pane = layout.tooSmall
    ? undefined
    : layout.panes.find((p) => p.name === paneAt(layout, event.x, event.y));
  if (!pane) return { type: "none" };
  const name = pane.name;
  const modes = options.modes(name);
  const { x, y, width, height } = pane.inner;
  const inside = event.x >= x && event.x < x + width && event.y >= y && event.y < y + height;
  const wheel = event.kind === "wheel-up" || event.kind === "wheel-down";
  const toChild = inside && modes && options.toChild && options.scrolled !== name;
  if (toChild) {
    const data = encodeMouseForChild(event, x, y, modes);
    if (data !== null) return { type: "child", pane: name, data, focus: event.kind === "press" };
    if (wheel && modes.alternate === true && modes.mouseTrackingMode === "none") {
      const data = wheelAsArrows(event.kind === "wheel-up", WHEEL_LINES, modes);
      return { type: "child", pane: name, data, focus: false };
    }
  }
  if (event.kind === "press" && inside && modes && event.button === 0 && !event.shift)
    return { type: "select", pane: name, phase: "start", row: event.y - y, col: event.x - x };
  if (event.kind === "press") return { type: "focus", pane: name };
  if (!modes || !wheel) return { type: "none" };
  return {
    type: "wheel",
    pane: name,
    delta: event.kind === "wheel-up" ? WHEEL_LINES : -WHEEL_LINES,
  };
}

/** The routing modes of each pane's screen in `screens` (undefined for a pane without one). */
export function paneModes(screens: PaneScreens): (pane: string) => RoutedModes | undefined {
  return (pane) => {
    const screen = screens.get(pane);
    return screen && { ...screen.modes, alternate: screen.isAlternateBuffer };
  };
}
