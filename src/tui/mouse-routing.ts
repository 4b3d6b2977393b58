import { paneAt, type Layout } from "../core/layout.js";
import { encodeMouseForChild, type ChildInputModes, type MouseEvent } from "../terminal/input.js";

/** Lines per mouse-wheel notch in scrollback. */
export const WHEEL_LINES = 3;

/**
 * Where a mouse event goes: to the `child` under it (encoded for its modes; a press also
 * focuses that pane), `focus` a pane (a click the child did not ask for), scroll a pane's
 * scrollback by `delta` lines (`wheel`, positive is back), or `none`.
 */
export type MouseRoute =
  | { type: "child"; pane: string; data: string; focus: boolean }
  | { type: "focus"; pane: string }
  | { type: "wheel"; pane: string; delta: number }
  | { type: "none" };

/**
 * Routes `event` by `layout`: inside a pane's interior it goes to its child when the child
 * asked for the mouse, the pane is not `scrolled` and `toChild` (no view is open);
 * otherwise a press focuses the pane and the wheel scrolls it. Pure.
 */
export function routeMouse(
  layout: Layout,
  event: MouseEvent,
  options: {
    modes(pane: string): Pick<ChildInputModes, "mouseTrackingMode" | "mouseEncoding"> | undefined;
    scrolled: string | undefined;
    toChild: boolean;
  },
): MouseRoute {
  const pane = layout.tooSmall
    ? undefined
    : layout.panes.find((p) => p.name === paneAt(layout, event.x, event.y));
  if (!pane) return { type: "none" };
  const name = pane.name;
  const modes = options.modes(name);
  const { x, y, width, height } = pane.inner;
  const inside = event.x >= x && event.x < x + width && event.y >= y && event.y < y + height;
  if (inside && modes && options.toChild && options.scrolled !== name) {
    const data = encodeMouseForChild(event, x, y, modes);
    if (data !== null) return { type: "child", pane: name, data, focus: event.kind === "press" };
  }
  if (event.kind === "press") return { type: "focus", pane: name };
  if (!modes || (event.kind !== "wheel-up" && event.kind !== "wheel-down")) return { type: "none" };
  return {
    type: "wheel",
    pane: name,
    delta: event.kind === "wheel-up" ? WHEEL_LINES : -WHEEL_LINES,
  };
}
