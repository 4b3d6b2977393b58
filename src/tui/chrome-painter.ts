import { createElement, type ReactElement } from "react";
import wrapAnsi from "wrap-ansi";
import { describeKey } from "../core/key-names.js";
import { formatDollars } from "../core/costs.js";
import { plural } from "../core/plural.js";
import type { Layout, Rect } from "../core/layout.js";
import type { AgentView } from "../hub/protocol.js";
import type { MailMarks } from "./agent-list.js";
import { CellGrid } from "../terminal/cell-grid.js";
import { Dialog, LostNote } from "./Chrome.js";
import { paintPaneFrame, paintStatusBar } from "./cell-chrome.js";
import { ChromeRenderer, blit } from "./chrome-layer.js";
import { waitingSummary } from "./wait-summary.js";

/** Everything the chrome shows, as plain data (the cockpit fills it in for each paint). */
export interface ChromeScene {
  cols: number;
  rows: number;
  layout: Layout;
  agents: readonly AgentView[];
  /** The clock the waiting times in the status bar are read at, ms; default `Date.now()`. */
  now?: number;
  focus: string | undefined;
  zoomed: boolean;
  /** The prefix byte, for the notes that name keys. */
  prefix: string;
  /** Left of the status bar, e.g. `flotilla · demo`. */
  title: string;
  hints: string;
  notice?: { level: "info" | "error"; text: string };
  /** Mail's marks: `worker_done` agents, flagged panes, the cockpit's unread count. */
  mail: Pick<MailMarks, "done" | "alerts" | "cockpitUnread">;
  /** The scrolled-back pane: its offset and how much scrollback it has. */
  scroll?: { pane: string; offset: number; total: number };
  /** Each pane's title as its program set it (OSC 0/2, sanitized); "" or absent for none. */
  paneTitles?: ReadonlyMap<string, string>;
  /** Panes that rang the bell since they last had focus. */
  bells?: ReadonlySet<string>;
  /** The open view: its cache key and element, drawn at `layout.view`. */
  view?: { key: string; element: (rect: Rect) => ReactElement };
}

/** A painted chrome layer, and the open view's piece to lay over the panes. */
export interface PaintedChrome {
  grid: CellGrid;
  overlay?: { grid: CellGrid; x: number; y: number };
}

/**
 * Paints pane frames and titles, lost-agent notes, the empty-state and too-small messages,
 * the status bar and the open view, each piece through `renderer`'s cache (keyed by what it
 * shows). The pane interiors are left blank for the pane screens.
 */
export function paintChrome(renderer: ChromeRenderer, scene: ChromeScene): PaintedChrome {
  const { cols, rows, layout } = scene;
  const grid = new CellGrid(cols, rows);
  renderer.begin();
  try {
    if (layout.tooSmall) {
      const width = Math.max(1, Math.min(cols, 60));
      const lines = tooSmallLines(layout, cols, rows, width - 4);
      const height = Math.min(rows, lines.length + 3);
      const piece = renderer.piece(`small:${lines.join("\n")}`, width, height, () =>
        createElement(Dialog, { width, title: "Terminal too small", lines, tone: "danger" }),
      );
      blit(
        grid,
        piece,
        Math.max(0, Math.floor((cols - width) / 2)),
        Math.max(0, Math.floor((rows - height) / 2)),
      );
      return { grid };
    }
    for (const pane of layout.panes) {
      const agent = scene.agents.find((a) => a.name === pane.name);
      if (!agent) continue;
      const scroll = scene.scroll?.pane === pane.name ? scene.scroll : undefined;
      const props = {
        width: pane.frame.width,
        height: pane.frame.height,
        name: agent.name,
        runtime: agent.runtime,
        branch: agent.branch,
        status: agent.status,
        exitCode: agent.exitCode,
        focused: agent.name === scene.focus,
        zoomed: scene.zoomed,
        scroll: scroll ? { offset: scroll.offset, total: scroll.total } : undefined,
        unread: agent.unread,
        merge: agent.merge,
        outOfScope: agent.outOfScope,
        done: scene.mail.done.has(agent.name),
        highlight: scene.mail.alerts.has(agent.name),
        paneTitle: scene.paneTitles?.get(agent.name) || undefined,
        bell: scene.bells?.has(agent.name) || undefined,
        cost: formatDollars(agent.dollars),
      };
      const piece = renderer.painted(
        `pane:${JSON.stringify(props)}`,
        props.width,
        props.height,
        () => paintPaneFrame(props),
      );
      blit(grid, piece, pane.frame.x, pane.frame.y);
      if (agent.status === "lost") {
        const { width, height } = pane.inner;
        const prefix = describeKey(scene.prefix);
        const lines = [
          `${agent.name} is lost: its process ended with an earlier hub.`,
          `Its worktree and branch ${agent.branch} are kept.`,
          `${prefix} r respawns it here, or: flotilla respawn ${agent.name}`,
        ];
        const note = renderer.piece(`lost:${agent.name}:${prefix}`, width, height, () =>
          createElement(LostNote, { lines }),
        );
        blit(grid, note, pane.inner.x, pane.inner.y);
      }
    }
    if (scene.agents.length === 0) {
      const width = Math.min(cols, 56);
      const piece = renderer.piece("empty", width, 7, () =>
        createElement(Dialog, {
          width,
          title: "No agents yet",
          lines: [
            `Press ${describeKey(scene.prefix)} n to spawn one,`,
            "or run: flotilla spawn <name> --runtime shell",
          ],
        }),
      );
      blit(grid, piece, Math.floor((cols - width) / 2), Math.floor((rows - 7) / 2));
    }
    const bar = layout.statusBar;
    const working = scene.agents.filter((a) => a.status === "working").length;
    const waiting = waitingSummary(scene.agents, scene.now ?? Date.now());
    const spent = formatDollars(scene.agents.reduce((sum, a) => sum + (a.dollars ?? 0), 0));
    const left = `${scene.title} · ${plural(scene.agents.length, "agent")} · ${working} working${waiting}${spent ? ` · ${spent}` : ""}`;
    const { notice, hints } = scene;
    const unread = scene.mail.cockpitUnread;
    const barPiece = renderer.painted(
      `bar:${left}:${hints}:${notice?.level}:${notice?.text}:${unread}`,
      bar.width,
      1,
      () => paintStatusBar({ width: bar.width, left, hints, notice, unread }),
    );
    blit(grid, barPiece, bar.x, bar.y);
    const rect = layout.view;
    if (!scene.view || !rect) return { grid };
    const { element } = scene.view;
    const piece = renderer.piece(`view:${scene.view.key}`, rect.width, rect.height, () =>
      element(rect),
    );
    return { grid, overlay: { grid: piece, x: rect.x, y: rect.y } };
  } finally {
    renderer.end();
  }
}

/**
 * The too-small message wrapped to `width` columns, the size it needs first (a terminal this
 * small may show only the first lines): `need at least 24x11 for 4 panes; now 20x8`, then
 * the zoom tip.
 */
function tooSmallLines(
  layout: Extract<Layout, { tooSmall: true }>,
  cols: number,
  rows: number,
  width: number,
): string[] {
  const need = `need at least ${layout.minCols}x${layout.minRows}`;
  const [what = "", tip = ""] = (layout.message.split(need)[1] ?? "").split(" (or zoom");
  const text = `${need}${what}; now ${cols}x${rows}${tip ? ` (or zoom${tip}` : ""}`;
  return wrapAnsi(text, Math.max(1, width), { hard: true }).split("\n");
}
