/** Window titles (OSC 0/2) a pane's child sets, made safe to show as a line of chrome. */
import { sanitizeLine } from "../core/sanitize.js";

/** Longest title kept, in code points (a pane title is a line of chrome, not a document). */
export const MAX_TITLE_LENGTH = 120;
/**
 * A window title (OSC 0/2) made safe to show: escape sequences and control characters removed
 * (`sanitizeLine`, the one sanitizer for untrusted text), bidi overrides too, runs of
 * whitespace made one space, trimmed, cut to MAX_TITLE_LENGTH code points ("…" marks a cut).
 */
export function sanitizeTitle(raw: string): string {
  const clean = sanitizeLine(raw.replace(/[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, " "))
    .replace(/\s+/g, " ")
    .trim();
  const points = [...clean];
  return points.length <= MAX_TITLE_LENGTH
    ? clean
    : `${points.slice(0, MAX_TITLE_LENGTH - 1).join("")}…`;
}
