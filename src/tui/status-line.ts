import { inkWidth, truncateToWidth } from "../terminal/ink-width.js";

/** What the status bar shows, each part already cut to fit (absent: not shown). */
export interface StatusLine {
  /** The project and agent counts, without the padding spaces. */
  left?: string;
  notice?: string;
  hints: string;
}

/**
 * Fits the status bar's parts into `width` columns (the unread mark takes `reserved`).
 * A notice wins over the hints (it lasts seconds); when the counts and the notice do not fit
 * together the counts give way, and a notice longer than the whole bar ends in `…`. Without a
 * notice the hints get what the counts leave, one column apart: whole hints are dropped from
 * the start (the last ones, `? help` and `d detach`, matter most), and with no room for any
 * the counts alone are shown, cut with `…` when even they do not fit.
 */
export function fitStatusLine(
  width: number,
  parts: { left: string; notice?: string; hints: string; reserved?: number },
): StatusLine {
  const room = width - (parts.reserved ?? 0);
  const leftWidth = inkWidth(parts.left) + 2;
  if (parts.notice === undefined) {
    if (leftWidth > room)
      return { left: `${truncateToWidth(parts.left, Math.max(0, room - 3))}…`, hints: "" };
    return { left: parts.left, hints: fitHints(parts.hints, room - leftWidth - 1) };
  }
  const noticeWidth = inkWidth(parts.notice) + 2;
  if (leftWidth + noticeWidth <= room) return { left: parts.left, notice: parts.notice, hints: "" };
  if (noticeWidth <= room) return { notice: parts.notice, hints: "" };
  return { notice: `${truncateToWidth(parts.notice, Math.max(0, room - 3))}…`, hints: "" };
}

/**
 * `hints` ("Ctrl-b: z zoom  n new  ? help", or items joined by " · ") in at most `cols`
 * columns: whole items dropped from the start, the `Ctrl-b: ` lead kept; "" when not even
 * the last item fits.
 */
export function fitHints(hints: string, cols: number): string {
  if (inkWidth(hints) <= cols) return hints;
  const separator = hints.includes(" · ") ? " · " : "  ";
  const lead = /^\S+: /.exec(hints)?.[0] ?? "";
  const items = hints.slice(lead.length).split(separator);
  while (items.length > 1) {
    items.shift();
    const fitted = lead + items.join(separator);
    if (inkWidth(fitted) <= cols) return fitted;
  }
  return "";
}
