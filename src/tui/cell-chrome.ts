import { parseAnsiFrame } from "../terminal/ansi-frame.js";
import { CellGrid, DEFAULT_COLOR, type Cell } from "../terminal/cell-grid.js";
import { inkWidth, truncateToWidth } from "../terminal/ink-width.js";
import { fitStatusLine } from "./status-line.js";
import type { AgentStatus } from "../core/schema.js";

/*
 * The chrome's most repainted pieces, pane frames and the status bar, painted straight into
 * cells without Ink: through React, Yoga and Ink's output each cost several ms, and the
 * first frame of a fresh hub, where nothing is compiled yet, spent most of its time there.
 * Each row is written as ANSI and read by `parseAnsiFrame`, the parser Ink's pieces go
 * through, so wide characters land in the same cells; test/tui/cell-chrome.test.tsx holds
 * both painters to the Ink components they replaced, cell for cell.
 */

/** Chalk colour name of each status in pane titles. */
export const STATUS_COLORS: Record<AgentStatus, string> = {
  creating: "yellow",
  starting: "yellow",
  working: "green",
  waiting: "magentaBright",
  idle: "gray",
  exited: "red",
  lost: "redBright",
};

/** What a pane's frame shows, all plain data so renders can be memoized by value. */
export interface PaneFrameProps {
  width: number;
  height: number;
  name: string;
  runtime: string;
  branch: string;
  status: AgentStatus;
  exitCode?: number | null;
  focused: boolean;
  zoomed: boolean;
  /** Lines scrolled back in scrollback mode; undefined when following output. */
  scroll?: { offset: number; total: number };
  unread?: number;
  /** The agent mailed `worker_done`. */
  done?: boolean;
  /** Its newest merge-queue entry, e.g. `merge: gating` (from the hub's merge-queue runner). */
  merge?: string;
  /** Files it changed outside its task's scope (the hub's scope watcher): `⚠ 2 out of scope`. */
  outOfScope?: number;
  /** The agent mailed `error` or `escalation`: the frame turns red until focused. */
  highlight?: boolean;
  /** The title the program in the pane set (OSC 0/2), sanitized. */
  paneTitle?: string;
  /** The program rang the bell while the pane was not focused. */
  bell?: boolean;
  /** What the agent has spent, compact (`$0.42`; see `formatDollars`). */
  cost?: string;
}

/** SGR foreground codes of the chalk colour names the chrome uses (chalk's own table). */
const FOREGROUND: Record<string, number> = {
  black: 30,
  red: 31,
  green: 32,
  yellow: 33,
  blue: 34,
  magenta: 35,
  cyan: 36,
  white: 37,
  gray: 90,
  redBright: 91,
  greenBright: 92,
  yellowBright: 93,
  blueBright: 94,
  magentaBright: 95,
  cyanBright: 96,
  whiteBright: 97,
};

/** The palette index an SGR foreground code (30–37, 90–97) selects. */
function paletteIndex(code: number): number {
  return code >= 90 ? code - 90 + 8 : code - 30;
}

/** Title colour of a merge-queue badge: green landed, red failed, yellow held, cyan waiting. */
function mergeColor(badge: string): string {
  if (badge.includes("merged")) return "greenBright";
  if (/conflict|failed|scope/.test(badge)) return "redBright";
  if (badge.includes("held")) return "yellow";
  return "cyan";
}

/** `text` in chalk colour `color` (none: the default), bold or not, as SGR-wrapped ANSI. */
function styled(text: string, color: string | undefined, bold: boolean): string {
  const codes = [bold ? "1" : "", color ? String(FOREGROUND[color] ?? 39) : ""].filter(Boolean);
  return codes.length ? `\x1b[${codes.join(";")}m${text}\x1b[0m` : text;
}

/** The title parts, in order: text, chalk colour, bold. */
function titleParts(props: PaneFrameProps): Array<[string, string | undefined, boolean]> {
  const statusText =
    props.status === "exited" && props.exitCode !== undefined && props.exitCode !== null
      ? `exited ${props.exitCode}`
      : props.status;
  const parts: Array<[string, string | undefined, boolean]> = [
    [` ${props.name} `, props.focused ? "cyanBright" : "white", true],
    // First, so a narrow frame still shows it (tmux marks a window that rang with "!").
    ...(props.bell ? ([["! ", "yellowBright", true]] as Array<[string, string, boolean]>) : []),
    [`· ${props.runtime} · ${props.branch} · `, "gray", false],
    [statusText, STATUS_COLORS[props.status], true],
  ];
  if (props.cost) parts.push([` · ${props.cost}`, "gray", false]);
  if (props.done) parts.push([" ✔ done", "greenBright", true]);
  if (props.unread) parts.push([` ✉ ${props.unread}`, "yellow", true]);
  if (props.outOfScope) parts.push([` ⚠ ${props.outOfScope} out of scope`, "redBright", true]);
  if (props.merge) parts.push([` · ${props.merge}`, mergeColor(props.merge), true]);
  if (props.zoomed) parts.push([" [zoom]", "cyan", false]);
  if (props.scroll)
    parts.push([` [copy ${props.scroll.offset}/${props.scroll.total}]`, "yellow", true]);
  if (props.paneTitle) parts.push([` · ${props.paneTitle}`, "white", false]);
  parts.push([" ", undefined, false]);
  return parts;
}

/**
 * A pane's border with its title in the top edge, `props.width` × `props.height` cells:
 * `╭ name · runtime · branch · status ─╮` (`┏━ … ━┓` and a bold border when focused, red
 * when flagged). The title is cut where it stops fitting (name first, then runtime,
 * branch, status and badges); the interior is left blank for the pane's screen.
 */
export function paintPaneFrame(props: PaneFrameProps): CellGrid {
  const { width, height } = props;
  const color = props.highlight ? "red" : props.focused ? "cyan" : "gray";
  const inner = width - 2;
  let used = 0;
  let title = styled(props.focused ? "┏━" : "╭─", color, false);
  for (const [text, c, bold] of titleParts(props)) {
    const room = inner - 1 - used;
    if (room <= 0) break;
    // Columns as Ink counts them: a title may hold wide characters.
    const piece = truncateToWidth(text, room);
    title += styled(piece, c, bold);
    used += inkWidth(piece);
  }
  const fill = Math.max(0, inner - 1 - used);
  title += styled(
    `${(props.focused ? "━" : "─").repeat(fill)}${props.focused ? "┓" : "╮"}`,
    color,
    false,
  );
  const grid = new CellGrid(width, height);
  grid.blit(parseAnsiFrame(title, width, 1), 0, 0, width, 1, 0, 0);
  const [side, bottom, left, right] = props.focused ? ["┃", "━", "┗", "┛"] : ["│", "─", "╰", "╯"];
  const fg = paletteIndex(FOREGROUND[color]!);
  const border = (ch: string): Cell => ({ ch, width: 1, fg, bg: DEFAULT_COLOR, flags: 0 });
  for (let y = 1; y < height - 1; y++) {
    grid.set(0, y, border(side));
    grid.set(width - 1, y, border(side));
  }
  if (height > 1) {
    grid.set(0, height - 1, border(left));
    for (let x = 1; x < width - 1; x++) grid.set(x, height - 1, border(bottom));
    grid.set(width - 1, height - 1, border(right));
  }
  return grid;
}

/** What the status bar shows; the parts are fitted to `width` with `fitStatusLine`. */
export interface StatusBarProps {
  width: number;
  /** Project and agent counts, e.g. `flotilla · demo · 3 agents · 1 working`. */
  left: string;
  /** The current mode's key hints, right-aligned. */
  hints: string;
  notice?: { level: "info" | "error"; text: string };
  /** Unread mail for the cockpit's user, shown as `✉ N`. */
  unread?: number;
}

/**
 * The bottom status bar, `props.width` × 1 cells: the counts on blue, the unread mark, a
 * notice (red for errors), and the hints right-aligned in grey.
 */
export function paintStatusBar(props: StatusBarProps): CellGrid {
  const unread = props.unread ? ` ✉ ${props.unread} ` : "";
  const line = fitStatusLine(props.width, {
    left: props.left,
    hints: props.hints,
    reserved: unread.length,
    ...(props.notice ? { notice: props.notice.text } : {}),
  });
  let text = "";
  let used = 0;
  const add = (part: string, sgr: string): void => {
    text += `\x1b[${sgr}m${part}\x1b[0m`;
    used += inkWidth(part);
  };
  if (line.left !== undefined) add(` ${line.left} `, "1;97;44");
  if (unread) add(unread, "1;33");
  if (props.notice && line.notice !== undefined)
    add(` ${line.notice} `, props.notice.level === "error" ? "91" : "32");
  const gap = props.width - used - inkWidth(line.hints);
  if (line.hints) {
    text += " ".repeat(Math.max(0, gap));
    add(line.hints, "90");
  }
  return parseAnsiFrame(text, props.width, 1);
}
