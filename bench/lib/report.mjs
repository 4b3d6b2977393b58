/**
 * The printed table: one line per metric with flotilla's figure, tmux's figure, the ratio
 * flotilla/tmux, the PERFORMANCE.md target and whether this run met it. Printing only: a
 * missed target never changes the exit code.
 */

/** Formats `value` with `digits` decimals; "—" when missing, "error" when it failed. */
export function formatValue(value, digits, failed = false) {
  if (failed) return "error";
  if (value === undefined || value === null || Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Ratio flotilla/tmux as text ("—" when either is missing or tmux is ~0). */
export function formatRatio(flotilla, tmux) {
  if (flotilla === undefined || tmux === undefined || flotilla === null || tmux === null)
    return "—";
  if (Math.abs(tmux) < 1e-9) return "—";
  return `${(flotilla / tmux).toFixed(2)}×`;
}

/**
 * Renders `rows` (`{ what, unit, digits, flotilla, tmux, flotillaError, tmuxError, target,
 * met }`) as an aligned text table; returns the string. `reference` names the second figure's
 * column (default "tmux"; the baseline table passes "baseline", its figures still in `tmux`).
 */
export function renderTable(rows, { reference = "tmux" } = {}) {
  const header = ["What", "flotilla", reference, "ratio", "target", "met"];
  const lines = rows.map((row) => [
    `${row.what} (${row.unit})`,
    formatValue(row.flotilla, row.digits, Boolean(row.flotillaError)),
    formatValue(row.tmux, row.digits, Boolean(row.tmuxError)),
    formatRatio(row.flotilla, row.tmux),
    row.target,
    row.met === undefined ? "" : row.met ? "yes" : "NO",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const right = [false, true, true, true, false, false];
  const fmt = (cells) =>
    cells
      .map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [fmt(header), widths.map((w) => "-".repeat(w)).join("  "), ...lines.map(fmt)].join("\n");
}
