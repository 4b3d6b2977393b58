import { Box, Text } from "ink";
import type { AgentStatus } from "../core/schema.js";
import { inkWidth, truncateToWidth } from "../terminal/ink-width.js";
import { fitStatusLine } from "./status-line.js";

/** Colour of each status in titles and `ls`. */
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

/** Title colour of a merge-queue badge: green landed, red failed, yellow held, cyan waiting. */
function mergeColor(badge: string): string {
  if (badge.includes("merged")) return "greenBright";
  if (/conflict|failed|scope/.test(badge)) return "redBright";
  if (badge.includes("held")) return "yellow";
  return "cyan";
}

/**
 * A pane's border with its title in the top edge: `╭ name · runtime · branch · status ─╮`.
 * The interior is left blank; the compositor paints the pane's screen there.
 */
export function PaneFrame(props: PaneFrameProps): React.JSX.Element {
  const color = props.highlight ? "red" : props.focused ? "cyan" : "gray";
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
  const inner = props.width - 2;
  let used = 0;
  const shown: Array<[string, string | undefined, boolean]> = [];
  for (const [text, c, bold] of parts) {
    const room = inner - 1 - used;
    if (room <= 0) break;
    // Columns as Ink counts them: a title may hold wide characters.
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

/** The bottom status bar: project, agent counts, and the key hints for the current mode. */
export function StatusBar(props: {
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

/** A centered box with a title and lines of text (help, confirmations, messages). */
export function Dialog(props: {
  width: number;
  /** Rows the box fills (border included); by default as many as its content needs. */
  height?: number;
  title: string;
  lines: string[];
  footer?: string;
  tone?: "info" | "danger";
  children?: React.ReactNode;
}): React.JSX.Element {
  return (
    <Box
      flexDirection="column"
      width={props.width}
      {...(props.height !== undefined ? { height: props.height } : {})}
      borderStyle="double"
      borderColor={props.tone === "danger" ? "red" : "cyan"}
      paddingX={1}
    >
      {props.title ? (
        <Text bold color={props.tone === "danger" ? "redBright" : "cyanBright"}>
          {props.title}
        </Text>
      ) : null}
      {props.lines.map((line, i) => (
        <Text key={i} wrap="truncate-end">
          {line === "" ? " " : line}
        </Text>
      ))}
      {props.children}
      {props.footer ? <Text color="gray">{props.footer}</Text> : null}
    </Box>
  );
}

/** One field of the spawn dialog. */
export interface FormField {
  label: string;
  value: string;
  hint?: string;
  /** A field chosen from a list (←/→): every choice is shown, `value` highlighted. */
  choices?: readonly string[];
}

/** The spawn dialog: labelled fields, the active one with a cursor, and an error line. */
export function SpawnForm(props: {
  width: number;
  fields: FormField[];
  active: number;
  error?: string;
}): React.JSX.Element {
  return (
    <Box
      flexDirection="column"
      width={props.width}
      borderStyle="double"
      borderColor="cyan"
      paddingX={1}
    >
      <Text bold color="cyanBright">
        Spawn an agent
      </Text>
      {props.fields.map((field, i) => (
        <Box key={field.label}>
          <Box width={10}>
            <Text color={i === props.active ? "cyanBright" : "gray"}>{field.label}</Text>
          </Box>
          {field.choices ? (
            <Text wrap="truncate-end">
              {field.choices.map((choice) => (
                <Text
                  key={choice}
                  inverse={choice === field.value}
                  color={choice === field.value && i === props.active ? "cyanBright" : undefined}
                >
                  {` ${choice} `}
                </Text>
              ))}
              {i === props.active ? <Text color="gray"> ←/→</Text> : null}
            </Text>
          ) : (
            <>
              <Text inverse={i === props.active}>{field.value === "" ? " " : field.value}</Text>
              {i === props.active ? <Text color="cyan">▏</Text> : null}
              {field.hint && field.value === "" ? (
                <Text color="gray" wrap="truncate-end">{`  ${field.hint}`}</Text>
              ) : null}
            </>
          )}
        </Box>
      ))}
      {props.error ? <Text color="redBright">{props.error}</Text> : <Text> </Text>}
      <Text color="gray">Tab next field · ←/→ choose · Enter spawn · Esc cancel</Text>
    </Box>
  );
}

/** Shown inside the pane of a lost agent, where its screen would be. */
export function LostNote(props: { lines: string[] }): React.JSX.Element {
  return (
    <Box flexDirection="column" paddingX={1} paddingY={1}>
      {props.lines.map((line, i) => (
        <Text key={i} color={i === 0 ? "redBright" : "gray"} wrap="truncate-end">
          {line}
        </Text>
      ))}
    </Box>
  );
}
