import { Box, Text, renderToString } from "ink";
import { describe, expect, it, vi } from "vitest";
import { AgentStatus } from "../../src/core/schema.js";
import { MIN_INNER_COLS } from "../../src/core/layout.js";
import { parseAnsiFrame } from "../../src/terminal/ansi-frame.js";
import type { CellGrid } from "../../src/terminal/cell-grid.js";
import { inkWidth, truncateToWidth } from "../../src/terminal/ink-width.js";
import {
  STATUS_COLORS,
  paintPaneFrame,
  paintStatusBar,
  type PaneFrameProps,
  type StatusBarProps,
} from "../../src/tui/cell-chrome.js";
import { fitStatusLine } from "../../src/tui/status-line.js";

// Ink's colours come from chalk, which decides at import: full colour, as in the hub.
vi.hoisted(() => {
  process.env.FORCE_COLOR = "3";
});

/** The Ink component the frame painter replaced, verbatim: the reference it must match. */
function InkPaneFrame(props: PaneFrameProps): React.JSX.Element {
  const mergeColor = (badge: string): string =>
    badge.includes("merged")
      ? "greenBright"
      : /conflict|failed|scope/.test(badge)
        ? "redBright"
        : badge.includes("held")
          ? "yellow"
          : "cyan";
  const color = props.highlight ? "red" : props.focused ? "cyan" : "gray";
  const statusText =
    props.status === "exited" && props.exitCode !== undefined && props.exitCode !== null
      ? `exited ${props.exitCode}`
      : props.status;
  const parts: Array<[string, string | undefined, boolean]> = [
    [` ${props.name} `, props.focused ? "cyanBright" : "white", true],
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
  const inner = props.width - 2;
  let used = 0;
  const shown: Array<[string, string | undefined, boolean]> = [];
  for (const [text, c, bold] of parts) {
    const room = inner - 1 - used;
    if (room <= 0) break;
    const piece = truncateToWidth(text, room);
    shown.push([piece, c, bold]);
    used += inkWidth(piece);
  }
  const fill = Math.max(0, inner - 1 - used);
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      <Text>
        <Text color={color}>{props.focused ? "┏━" : "╭─"}</Text>
        {shown.map(([text, c, bold], i) => (
          <Text key={i} color={c} bold={bold}>
            {text}
          </Text>
        ))}
        <Text color={color}>
          {(props.focused ? "━" : "─").repeat(fill)}
          {props.focused ? "┓" : "╮"}
        </Text>
      </Text>
      <Box
        borderStyle={props.focused ? "bold" : "round"}
        borderTop={false}
        borderColor={color}
        width={props.width}
        height={props.height - 1}
      />
    </Box>
  );
}

/** The Ink status bar the painter replaced, verbatim. */
function InkStatusBar(props: {
  width: number;
  left: string;
  hints: string;
  notice?: { level: "info" | "error"; text: string };
  unread?: number;
}): React.JSX.Element {
  const unread = props.unread ? ` ✉ ${props.unread} ` : "";
  const line = fitStatusLine(props.width, {
    left: props.left,
    hints: props.hints,
    reserved: unread.length,
    ...(props.notice ? { notice: props.notice.text } : {}),
  });
  return (
    <Box width={props.width} height={1}>
      {line.left !== undefined ? (
        <Text backgroundColor="blue" color="whiteBright" bold>
          {` ${line.left} `}
        </Text>
      ) : null}
      {unread ? (
        <Text color="yellow" bold>
          {unread}
        </Text>
      ) : null}
      {props.notice && line.notice !== undefined ? (
        <Text color={props.notice.level === "error" ? "redBright" : "green"} wrap="truncate-end">
          {` ${line.notice} `}
        </Text>
      ) : null}
      <Box flexGrow={1} justifyContent="flex-end">
        <Text color="gray" wrap="truncate-start">
          {line.hints}
        </Text>
      </Box>
    </Box>
  );
}

function inkGrid(props: PaneFrameProps): CellGrid {
  return parseAnsiFrame(
    renderToString(<InkPaneFrame {...props} />, { columns: props.width }),
    props.width,
    props.height,
  );
}

/** Differing cells as `x,y: ink → painted` lines (empty when the grids are the same). */
function differences(a: CellGrid, b: CellGrid): string[] {
  const out: string[] = [];
  for (let y = 0; y < a.rows; y++) {
    for (let x = 0; x < a.cols; x++) {
      const [p, q] = [a.get(x, y), b.get(x, y)];
      if (JSON.stringify(p) !== JSON.stringify(q))
        out.push(`${x},${y}: ${JSON.stringify(p)} → ${JSON.stringify(q)}`);
    }
  }
  return out;
}

/** Every status an agent can have (the schema's own list, so a new one is covered). */
const STATUSES: readonly AgentStatus[] = AgentStatus.options;

/** Frames over sizes, statuses and every optional badge, plus wide and odd titles. */
function cases(): PaneFrameProps[] {
  const base: PaneFrameProps = {
    width: 60,
    height: 12,
    name: "alice",
    runtime: "claude",
    branch: "flotilla/alice",
    status: "working",
    focused: false,
    zoomed: false,
  };
  const all: PaneFrameProps[] = [];
  for (const [width, height] of [
    [60, 12],
    [160, 46],
    [24, 5],
    [12, 3],
    [5, 3],
    [3, 3],
    [80, 2],
  ] as const) {
    for (const status of STATUSES) {
      for (const focused of [false, true]) {
        all.push({
          ...base,
          width,
          height,
          status,
          focused,
          exitCode: status === "exited" ? 130 : undefined,
        });
      }
    }
  }
  const badges: Array<Partial<PaneFrameProps>> = [
    { bell: true },
    { cost: "$1.24" },
    { done: true },
    { unread: 3 },
    { outOfScope: 2 },
    { merge: "merge: gating" },
    { merge: "merge: merged" },
    { merge: "merge: conflict" },
    { merge: "merge: held" },
    { zoomed: true },
    { scroll: { offset: 120, total: 10_000 } },
    { paneTitle: "vim ~/src/app.ts" },
    { paneTitle: "日本語のタイトル 🚀 build" },
    { paneTitle: "e\u0301 ❤️ 👨‍👩‍👧 flags 🇫🇷" },
    { highlight: true },
    { exitCode: null, status: "exited" },
  ];
  for (const badge of badges) {
    for (const width of [100, 40, 21]) {
      all.push({ ...base, width, ...badge });
      all.push({ ...base, width, focused: true, ...badge });
    }
  }
  all.push({
    ...base,
    width: 200,
    bell: true,
    cost: "$12.50",
    done: true,
    unread: 12,
    outOfScope: 1,
    merge: "merge: failed",
    zoomed: true,
    scroll: { offset: 1, total: 2 },
    paneTitle: "全部",
  });
  return all;
}

describe("a pane's frame, painted without Ink", () => {
  it("is cell for cell what the Ink component drew, over sizes, statuses, badges and wide titles", () => {
    const all = cases();
    expect(all.length).toBeGreaterThan(150);
    for (const props of all) {
      expect(differences(inkGrid(props), paintPaneFrame(props)), JSON.stringify(props)).toEqual([]);
    }
  });

  it("shows the name, status and badges a user reads in the top edge", () => {
    const grid = paintPaneFrame({
      width: 70,
      height: 4,
      name: "bob",
      runtime: "codex",
      branch: "flotilla/bob",
      status: "waiting",
      focused: true,
      zoomed: false,
      unread: 2,
    });
    const top = Array.from({ length: 70 }, (_, x) => grid.get(x, 0).ch).join("");
    expect(top).toMatch(/^┏━ bob · codex · flotilla\/bob · waiting ✉ 2 ━+┓$/);
    expect(grid.get(0, 3).ch + grid.get(69, 3).ch).toBe("┗┛");
  });
});

describe("the status bar, painted without Ink", () => {
  it("is cell for cell what the Ink component drew: counts, unread, notices, hints, narrow widths", () => {
    const lefts = [
      "flotilla · demo · 4 agents · 2 working",
      "flotilla · 日本語 · 1 agent · 0 working · $3.10",
    ];
    const hints = [
      "Ctrl-b: z zoom  n new  m mail  w waiting  [ copy  d detach  ? help",
      "Esc cancel · Enter send · Tab next field",
      "",
    ];
    const notices: Array<StatusBarProps["notice"]> = [
      undefined,
      { level: "info", text: "copied 42 characters" },
      {
        level: "error",
        text: 'cannot spawn bob: the runtime "claude" is not on PATH (install it or pick another)',
      },
    ];
    let count = 0;
    // Down to the narrowest cockpit (one pane of MIN_INNER_COLS); below it the layout says
    // the terminal is too small and draws no status bar.
    for (const width of [160, 120, 80, 60, 40, 24, MIN_INNER_COLS + 2]) {
      for (const left of lefts) {
        for (const hint of hints) {
          for (const notice of notices) {
            for (const unread of [undefined, 3, 120]) {
              const props: StatusBarProps = { width, left, hints: hint, notice, unread };
              const ink = parseAnsiFrame(
                renderToString(<InkStatusBar {...props} />, { columns: width }),
                width,
                1,
              );
              expect(differences(ink, paintStatusBar(props)), JSON.stringify(props)).toEqual([]);
              count += 1;
            }
          }
        }
      }
    }
    expect(count).toBe(378);
  });
});
