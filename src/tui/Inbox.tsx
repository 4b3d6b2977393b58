import { Box, Text } from "./ink.js";
import {
  filterMessages,
  formatAge,
  threadOf,
  type MailMessage,
  type MailPriority,
  type MailType,
} from "../core/mail.js";
import { sanitizeForTerminal, sanitizeLine } from "../core/sanitize.js";

/** Which messages the inbox shows; unset fields match everything. */
export interface InboxFilter {
  /** Messages from this agent or sent to it. */
  agent?: string;
  type?: MailType;
}

/**
 * Props of {@link Inbox}. The component does no I/O: the caller loads messages (a mailbox
 * listing, newest first), owns the selection and the view, and passes the clock.
 */
export interface InboxProps {
  /** Messages to show, newest first; `readAt === null` means unread. */
  messages: readonly MailMessage[];
  /** Id of the selected message; defaults to the first one shown. */
  selectedId?: string;
  filter?: InboxFilter;
  /** `list` (default): one row per message; `thread`: the selected message's conversation. */
  view?: "list" | "thread";
  /** Current time in ms since the epoch, for ages. */
  now: number;
  /** Width in columns available for a row (default 80). */
  width?: number;
  /** Most list rows shown at once (default 20); the window follows the selection. */
  maxRows?: number;
  /**
   * Most lines the thread view may take (default: no limit). A longer thread shows the
   * messages around the selected one that fit, and which ones they are.
   */
  maxLines?: number;
}

const PRIORITY_COLOR: Record<MailPriority, string | undefined> = {
  low: "gray",
  normal: undefined,
  high: "yellow",
  urgent: "red",
};

/** The inbox: a filtered message list with unread markers and a selection, or a thread. */
export function Inbox(props: InboxProps) {
  const shown = filterMessages(props.messages, props.filter ?? {});
  const selected = shown.find((m) => m.id === props.selectedId) ?? shown[0];
  const unread = shown.filter((m) => m.readAt === null).length;
  const width = props.width ?? 80;
  const filterText = describeFilter(props.filter);

  if (props.view === "thread" && selected) {
    return (
      <ThreadView
        messages={props.messages}
        selected={selected}
        now={props.now}
        width={width}
        {...(props.maxLines !== undefined ? { maxLines: props.maxLines } : {})}
      />
    );
  }

  const maxRows = Math.max(1, props.maxRows ?? 20);
  const index = selected ? shown.indexOf(selected) : 0;
  const start = Math.min(
    Math.max(0, index - Math.floor(maxRows / 2)),
    Math.max(0, shown.length - maxRows),
  );
  const rows = shown.slice(start, start + maxRows);

  return (
    <Box flexDirection="column">
      <Text bold>
        Inbox · {shown.length} message{shown.length === 1 ? "" : "s"} · {unread} unread
        {filterText ? ` · filter: ${filterText}` : ""}
      </Text>
      {shown.length === 0 ? (
        <Text dimColor>{filterText ? "no messages match the filter" : "no messages"}</Text>
      ) : (
        rows.map((m) => (
          <Row
            key={m.id}
            message={m}
            selected={m.id === selected?.id}
            now={props.now}
            width={width}
          />
        ))
      )}
      {shown.length > rows.length ? (
        <Text dimColor>
          {start + 1}–{start + rows.length} of {shown.length}
        </Text>
      ) : null}
    </Box>
  );
}

function Row(props: { message: MailMessage; selected: boolean; now: number; width: number }) {
  const m = props.message;
  const isUnread = m.readAt === null;
  const fixed = [
    props.selected ? "›" : " ",
    isUnread ? "●" : " ",
    fit(sanitizeLine(m.from), 12),
    fit(m.type, 12),
    fit(m.priority, 6),
    formatAge(Date.parse(m.createdAt), props.now).padStart(4),
  ].join(" ");
  const subject = fit(sanitizeLine(m.subject), Math.max(0, props.width - fixed.length - 1), false);
  return (
    <Text inverse={props.selected} bold={isUnread} color={PRIORITY_COLOR[m.priority]}>
      {fixed} {subject}
    </Text>
  );
}

function ThreadView(props: {
  messages: readonly MailMessage[];
  selected: MailMessage;
  now: number;
  width: number;
  maxLines?: number;
}) {
  const thread = threadOf(props.messages, props.selected.thread);
  const root = thread[0] ?? props.selected;
  const [start, end] =
    props.maxLines === undefined
      ? [0, thread.length]
      : threadWindow(thread, props.selected, props.width, props.maxLines - 2);
  const windowed = start > 0 || end < thread.length;
  return (
    <Box flexDirection="column">
      <Text bold>
        Thread · {fit(sanitizeLine(root.subject), Math.max(10, props.width - 20), false)} ·{" "}
        {thread.length} message
        {thread.length === 1 ? "" : "s"}
      </Text>
      {windowed ? (
        <Text dimColor>
          messages {start + 1}–{end} of {thread.length}
        </Text>
      ) : null}
      {thread.slice(start, end).map((m) => (
        <Box key={m.id} flexDirection="column" marginTop={1}>
          <Text
            inverse={m.id === props.selected.id}
            bold={m.readAt === null}
            color={PRIORITY_COLOR[m.priority]}
          >
            {m.readAt === null ? "● " : "  "}
            {sanitizeLine(m.from)} → {sanitizeLine(m.to)} · {m.type} · {m.priority} ·{" "}
            {formatAge(Date.parse(m.createdAt), props.now)}
          </Text>
          <Text>{sanitizeForTerminal(m.body)}</Text>
        </Box>
      ))}
    </Box>
  );
}

/**
 * The range `[start, end)` of `thread` to show so `selected` is on screen: the messages
 * around it that fit in `rows` lines (each takes a blank line, a header line and its body's
 * lines wrapped at `width`), older ones first.
 */
function threadWindow(
  thread: readonly MailMessage[],
  selected: MailMessage,
  width: number,
  rows: number,
): [number, number] {
  const index = Math.max(
    0,
    thread.findIndex((m) => m.id === selected.id),
  );
  const cost = (m: MailMessage | undefined) =>
    m === undefined
      ? Infinity
      : 2 +
        sanitizeForTerminal(m.body)
          .split("\n")
          .reduce((n, line) => n + Math.max(1, Math.ceil(line.length / Math.max(1, width))), 0);
  let start = index;
  let end = index + 1;
  let used = cost(thread[index]);
  while (start > 0 && used + cost(thread[start - 1]) <= rows) used += cost(thread[--start]);
  while (end < thread.length && used + cost(thread[end]) <= rows) used += cost(thread[end++]);
  return [start, end];
}

function describeFilter(filter: InboxFilter | undefined): string {
  const parts: string[] = [];
  if (filter?.agent) parts.push(`agent=${sanitizeLine(filter.agent)}`);
  if (filter?.type) parts.push(`type=${filter.type}`);
  return parts.join(" ");
}

/** `text` cut to `width` columns (with `…`), padded with spaces when `pad`. */
function fit(text: string, width: number, pad = true): string {
  if (width <= 0) return "";
  if (text.length > width) return text.slice(0, Math.max(0, width - 1)) + "…";
  return pad ? text.padEnd(width) : text;
}
