import { inkWidth, truncateToWidth } from "../terminal/unicode-width.js";

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
 * notice the hints fill what is left (the bar cuts their start).
 */
export function fitStatusLine(
  width: number,
  parts: { left: string; notice?: string; hints: string; reserved?: number },
): StatusLine {
  const room = width - (parts.reserved ?? 0);
  const leftWidth = inkWidth(parts.left) + 2;
  if (parts.notice === undefined) return { left: parts.left, hints: parts.hints };
  const noticeWidth = inkWidth(parts.notice) + 2;
  if (leftWidth + noticeWidth <= room) return { left: parts.left, notice: parts.notice, hints: "" };
  if (noticeWidth <= room) return { notice: parts.notice, hints: "" };
  return { notice: `${truncateToWidth(parts.notice, Math.max(0, room - 3))}…`, hints: "" };
}
