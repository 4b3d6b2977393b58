import { createElement } from "react";
import { bindingHelpLines, keymapHelpSections } from "../../core/keymap.js";
import { Dialog } from "../Chrome.js";
import { defineView, type ViewContext } from "./view.js";

/** Help lines: the panes' keys, then every titled view's keys (from the same tables). */
function lines(ctx: ViewContext): string[] {
  return bindingHelpLines([...keymapHelpSections(ctx.keymap), ...ctx.helpSections]);
}

/** `prefix ?`: every key, generated from the binding tables; any key closes it. */
export const helpView = defineView<{ lines: readonly string[] }>({
  id: "help",
  bindings: [],
  opener: { command: "help" },
  modal: true,
  open: (ctx) => ({ state: { lines: lines(ctx) } }),
  key: (state) => ({ state, effects: [{ type: "close" }] }),
  size: (state) => ({ width: 72, height: state.lines.length + 4 }),
  cacheKey: (state) => `help:${state.lines.join("\n")}`,
  element: (state, { width }) =>
    createElement(Dialog, {
      width,
      title: "Keys",
      lines: [...state.lines],
      footer: "any key closes this help",
    }),
});
