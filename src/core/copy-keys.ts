import {
  BACKSPACE,
  DOWN,
  END,
  ENTER,
  ESC,
  HOME,
  LEFT,
  PAGE_DOWN,
  PAGE_UP,
  RIGHT,
  UP,
} from "./keys.js";

/**
 * Copy mode's keys as data (tmux's `copy-mode-vi` and `copy-mode` tables in one, without
 * the keys where the two disagree: Ctrl-b is the cockpit's prefix, so emacs's Ctrl-b/Ctrl-f
 * and vi's Ctrl-b/Ctrl-f pages are PgUp/PgDn here). The input machine (`core/keymap.ts`)
 * hands every key pressed in copy mode to `core/copy-mode.ts`, which looks it up here; help
 * and the status bar are generated from this table.
 */

/** What a key does in copy mode (`core/copy-mode.ts` runs it). */
export type CopyCommand =
  | "copy-up"
  | "copy-down"
  | "copy-left"
  | "copy-right"
  | "copy-line-start"
  | "copy-line-end"
  | "copy-word-next"
  | "copy-word-prev"
  | "copy-page-up"
  | "copy-page-down"
  | "copy-half-up"
  | "copy-half-down"
  | "copy-top"
  | "copy-bottom"
  | "copy-search-forward"
  | "copy-search-back"
  | "copy-search-next"
  | "copy-search-prev"
  | "copy-select"
  | "copy-clear"
  | "copy-yank"
  | "copy-exit";

/** A copy-mode binding as written in the table (the one binding shape of `core/keymap.ts`). */
export interface CopyBindingSpec {
  context: "scroll";
  command: CopyCommand;
  keys: readonly string[];
  keyLabels?: readonly string[];
  description: string;
  hint?: string;
  group?: string;
}

const c = "scroll" as const;

/**
 * vi keys first, then emacs keys of the same command (M-x is `ESC x`, C-Space is NUL).
 * Escape clears a selection and leaves when there is none (tmux's vi `cancel`/`clear`).
 */
export const COPY_BINDINGS: readonly CopyBindingSpec[] = [
  {
    context: c,
    command: "copy-up",
    keys: [...UP, "k", "\x10"],
    description: "move up a line (scrolls at the top)",
    group: "move",
    hint: "move",
  },
  {
    context: c,
    command: "copy-down",
    keys: [...DOWN, "j", "\x0e"],
    description: "move down a line (scrolls at the bottom)",
    group: "move",
  },
  {
    context: c,
    command: "copy-left",
    keys: [...LEFT, "h"],
    description: "move left",
    group: "move",
  },
  {
    context: c,
    command: "copy-right",
    keys: [...RIGHT, "l"],
    description: "move right",
    group: "move",
  },
  {
    context: c,
    command: "copy-line-start",
    keys: ["0", "^", "\x01"],
    description: "go to the start of the line",
  },
  {
    context: c,
    command: "copy-line-end",
    keys: ["$", "\x05"],
    description: "go to the end of the line",
  },
  {
    context: c,
    command: "copy-word-next",
    keys: ["w", "\x1bf"],
    description: "go to the next word",
  },
  {
    context: c,
    command: "copy-word-prev",
    keys: ["b", "\x1bb"],
    description: "go to the previous word",
  },
  {
    context: c,
    command: "copy-page-up",
    keys: [PAGE_UP, "\x1bv"],
    description: "scroll up one page",
    group: "page",
    hint: "page",
  },
  {
    context: c,
    command: "copy-page-down",
    keys: [PAGE_DOWN, "\x16"],
    description: "scroll down one page",
    group: "page",
  },
  { context: c, command: "copy-half-up", keys: ["\x15"], description: "scroll up half a page" },
  { context: c, command: "copy-half-down", keys: ["\x04"], description: "scroll down half a page" },
  {
    context: c,
    command: "copy-top",
    keys: ["g", ...HOME, "\x1b<"],
    description: "go to the oldest line kept",
    group: "ends",
    hint: "top/bottom",
  },
  {
    context: c,
    command: "copy-bottom",
    keys: ["G", ...END, "\x1b>"],
    description: "go to the live screen's last line",
    group: "ends",
  },
  {
    context: c,
    command: "copy-search-forward",
    keys: ["/", "\x13"],
    description: "search forward (down, toward newer lines)",
    group: "search",
    hint: "search",
  },
  {
    context: c,
    command: "copy-search-back",
    keys: ["?", "\x12"],
    description: "search back (up, toward older lines)",
    group: "search",
  },
  {
    context: c,
    command: "copy-search-next",
    keys: ["n"],
    description: "next match, in the search's direction",
    group: "next",
    hint: "match",
  },
  {
    context: c,
    command: "copy-search-prev",
    keys: ["N"],
    description: "previous match",
    group: "next",
  },
  {
    context: c,
    command: "copy-select",
    keys: ["v", " "],
    description: "start a selection at the cursor (again: start over)",
    hint: "select",
  },
  {
    context: c,
    command: "copy-select",
    keys: ["\x00"],
    keyLabels: ["Ctrl-Space"],
    description: "set the mark: start a selection (emacs)",
  },
  {
    context: c,
    command: "copy-yank",
    keys: ["y", "\r"],
    description: "copy the selection to the clipboard (OSC 52) and leave",
    hint: "copy",
  },
  {
    context: c,
    command: "copy-yank",
    keys: ["\x1bw", "\n"],
    description: "copy the selection and leave (emacs)",
  },
  {
    context: c,
    command: "copy-clear",
    keys: [ESC, "\x07"],
    description: "clear the selection (with none: leave)",
  },
  { context: c, command: "copy-exit", keys: ["q"], description: "leave copy mode", hint: "leave" },
];

/** Keys that edit the search prompt (any other printable key is typed into it). */
export const PROMPT_KEYS = {
  submit: ENTER as readonly string[],
  cancel: [ESC, "\x07", "\x03"] as readonly string[],
  erase: BACKSPACE as readonly string[],
};
