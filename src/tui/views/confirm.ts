import { createElement } from "react";
import wrapAnsi from "wrap-ansi";
import type { CockpitCommand } from "../../core/keymap.js";
import { plural } from "../../core/plural.js";
import { inkWidth } from "../../terminal/ink-width.js";
import { Dialog } from "../Chrome.js";
import { defineView, type CockpitEffect, type ViewContext, type ViewOpen } from "./view.js";

/** A question answered by one key: `choices` maps a key to what it does; others cancel. */
export interface ConfirmState {
  title: string;
  lines: readonly string[];
  choices: Readonly<Partial<Record<string, readonly CockpitEffect[]>>>;
}

/** The longest line a question has, in columns: its dialog (border and padding: 4) fits 80. */
const MAX_LINE = 74;

type Question = (ctx: ViewContext) => ViewOpen<ConfirmState, never>;

/**
 * The questions asked before running a binding marked `confirm` (`core/keymap.ts`), by
 * command. A command with `confirm` but no question here gets none and is refused.
 */
const QUESTIONS: Partial<Record<CockpitCommand, Question>> = {
  kill: (ctx) => {
    const focus = ctx.focus;
    if (!focus) return {};
    const agent = ctx.agents.find((a) => a.name === focus);
    return {
      state: {
        title: `Kill agent ${focus}?`,
        lines: [
          `Stops ${focus}'s process (${agent?.runtime ?? "?"}, pid ${agent?.pid ?? "-"}).`,
          `Its worktree and branch ${agent?.branch ?? ""} are kept.`,
          "",
          "y: kill    any other key: cancel",
        ],
        choices: {
          y: [
            { type: "request", command: { type: "kill", name: focus }, success: `killed ${focus}` },
          ],
        },
      },
    };
  },
  quit: (ctx) => {
    const running = ctx.agents.filter((a) => a.status !== "exited" && a.status !== "lost");
    if (ctx.services.canDetach) {
      return {
        state: {
          title: "Leave the cockpit?",
          lines: [
            "d: detach: agents keep running in the hub; you are told how to come back",
            `s: stop the hub and its ${plural(running.length, "running agent")}, then quit`,
            "",
            "any other key: stay",
          ],
          choices: { d: [{ type: "detach" }], s: [{ type: "quit" }] },
        },
      };
    }
    if (running.length === 0) return { effects: [{ type: "quit" }] };
    return {
      state: {
        title: "Quit the cockpit?",
        lines: [
          `${plural(running.length, "agent")} still running will be stopped:`,
          ...wrapAnsi(running.map((a) => a.name).join(", "), MAX_LINE).split("\n"),
          "Worktrees and branches are kept; `flotilla respawn <name>` restarts one.",
          "",
          "y: quit    any other key: stay",
        ],
        choices: { y: [{ type: "quit" }] },
      },
    };
  },
};

/** The confirmation asked before a `confirm` binding's command; opened with that command. */
export const confirmView = defineView<ConfirmState>({
  id: "confirm",
  bindings: [],
  modal: true,
  open: (ctx, command) => {
    const question = command === undefined ? undefined : QUESTIONS[command];
    if (question) return question(ctx);
    return { effects: [{ type: "notice", level: "error", text: `nothing asks about ${command}` }] };
  },
  key: (state, key) => ({
    state,
    effects: [{ type: "close" }, ...(state.choices[key.toLowerCase()] ?? [])],
  }),
  // As wide as its longest line (at most MAX_LINE, so it fits 80 columns), at least 64.
  size: (state) => ({
    width: Math.max(64, Math.min(MAX_LINE, Math.max(...state.lines.map(inkWidth))) + 4),
    height: state.lines.length + 3,
  }),
  cacheKey: (state) => `confirm:${state.title}:${state.lines.join("\n")}`,
  element: (state, { width }) =>
    createElement(Dialog, { width, title: state.title, lines: [...state.lines], tone: "danger" }),
});
