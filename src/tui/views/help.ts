import { createElement } from "react";
import { bindingHelpLines, keymapHelpSections } from "../../core/keymap.js";
import { DOWN, PAGE_DOWN, PAGE_UP, UP } from "../../core/keys.js";
import { Dialog } from "../Chrome.js";
import { defineView, type ViewContext } from "./view.js";

/** Help lines: the panes' keys, then every titled view's keys (from the same tables). */
function lines(ctx: ViewContext): string[] {
  return bindingHelpLines([...keymapHelpSections(ctx.keymap), ...ctx.helpSections]);
}

/** Rows of the dialog that are not help lines: border (2), title, footer. */
const CHROME_ROWS = 4;
/** Lines one page key moves (the dialog is at least this tall on a usable terminal). */
const PAGE = 10;

/** Scroll keys: lines each moves (the help is longer than most terminals are tall). */
const SCROLL: ReadonlyMap<string, number> = new Map([
  ...DOWN.map((k) => [k, 1] as const),
  ...UP.map((k) => [k, -1] as const),
  ["j", 1],
  ["k", -1],
  [PAGE_DOWN, PAGE],
  [PAGE_UP, -PAGE],
]);

/**
 * `prefix ?`: every key, generated from the binding tables; the arrows, j/k and PgUp/PgDn
 * scroll it when it is taller than the terminal; any other key closes it.
 */
export const helpView = defineView<{ lines: readonly string[]; top: number }>({
  id: "help",
  bindings: [],
  opener: { command: "help" },
  modal: true,
  open: (ctx) => ({ state: { lines: lines(ctx), top: 0 } }),
  key: (state, key) => {
    const by = SCROLL.get(key);
    if (by === undefined) return { state, effects: [{ type: "close" }] };
    const top = Math.max(0, Math.min(state.lines.length - PAGE, state.top + by));
    return { state: { ...state, top } };
  },
  size: (state) => ({ width: 72, height: state.lines.length + CHROME_ROWS }),
  cacheKey: (state) => `help:${state.top}:${state.lines.join("\n")}`,
  element: (state, { width, height }) => {
    const visible = Math.max(1, height - CHROME_ROWS);
    const top = Math.max(0, Math.min(state.top, state.lines.length - visible));
    const more = state.lines.length > visible;
    return createElement(Dialog, {
      width,
      title: more ? `Keys (${top + 1}–${top + visible} of ${state.lines.length})` : "Keys",
      lines: state.lines.slice(top, top + visible),
      footer: more ? "↑/↓ PgUp/PgDn scroll · any other key closes" : "any key closes this help",
    });
  },
});
