import type { SayColor } from "./script.js";

/**
 * The demo agent's view of its terminal: finished lines scroll up, and a small "live area"
 * at the bottom (spinner, status line, the y/n prompt) is redrawn in place, the way Claude
 * Code and other Ink-based agents draw. Handed a sink instead of `process.stdout` so tests
 * can capture what it writes.
 */

/** Where the screen writes, and how wide the terminal is (columns, read on every draw). */
export interface ScreenSink {
  write(text: string): void;
  columns(): number;
}

const CSI = "\x1b[";
const SGR: Record<Exclude<SayColor, "default"> | "bold" | "dim" | "inverse", string> = {
  red: "31",
  green: "32",
  yellow: "33",
  blue: "34",
  magenta: "35",
  cyan: "36",
  gray: "90",
  bold: "1",
  dim: "2",
  inverse: "7",
};

/** A style name: a colour or `bold` / `dim` / `inverse`. */
export type StyleName = keyof typeof SGR;

/** Wraps `text` in one SGR style when `enabled`; resets only what it set. */
export function paint(enabled: boolean, style: StyleName | "default", text: string): string {
  if (!enabled || style === "default" || text === "") return text;
  return `${CSI}${SGR[style]}m${text}${CSI}0m`;
}

/** Removes C0/C1 control characters (keeps tab), so script text cannot move the cursor. */
export function stripControls(text: string): string {
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, "");
}

/**
 * Markdown-ish emphasis for one line: `**bold**` becomes bold and `` `code` `` cyan; with
 * colours off the markers are just removed. `base` is re-applied after each emphasis.
 */
export function emphasize(enabled: boolean, line: string, base: SayColor = "default"): string {
  const baseOn = enabled && base !== "default" ? `${CSI}${SGR[base]}m` : "";
  const out = line
    .replace(/\*\*([^*]+)\*\*/g, (_, inner: string) =>
      enabled ? `${CSI}1m${inner}${CSI}22m` : inner,
    )
    .replace(/`([^`]+)`/g, (_, inner: string) =>
      enabled ? `${CSI}36m${inner}${CSI}39m${baseOn}` : inner,
    );
  return baseOn === "" ? out : `${baseOn}${out}${CSI}0m`;
}

/**
 * Cuts `text` to at most `width` visible characters, keeping escape sequences (which take no
 * room) and closing any open style. Counts one column per code point: good enough for the
 * agent's own ASCII, box-drawing and braille output.
 */
export function truncateVisible(text: string, width: number): string {
  let out = "";
  let visible = 0;
  let cut = false;
  for (let i = 0; i < text.length;) {
    const escape = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(text.slice(i, i + 32));
    if (escape) {
      out += escape[0];
      i += escape[0].length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i) ?? 32);
    if (visible >= width) {
      cut = true;
      break;
    }
    out += char;
    visible += 1;
    i += char.length;
  }
  return cut && out.includes("\x1b") ? `${out}${CSI}0m` : out;
}

/**
 * `text` (which may hold SGR sequences) as rows of at most `width` visible characters,
 * broken after the last space that fits when there is one (the space itself dropped), else
 * mid-word. A narrow pane so still shows a question's "(y/n)" whole, on its last row.
 */
export function wrapVisible(text: string, width: number): string[] {
  const rows: string[] = [];
  let row = "";
  let visible = 0;
  let breakAt = -1; // index in `row` just after its last space
  let visibleAtBreak = 0;
  for (let i = 0; i < text.length;) {
    const escape = /^\x1b\[[0-9;?]*[A-Za-z]/.exec(text.slice(i, i + 32));
    if (escape) {
      row += escape[0];
      i += escape[0].length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(i) ?? 32);
    i += char.length;
    if (visible >= width) {
      if (char === " ") {
        rows.push(row);
        row = "";
        visible = 0;
        breakAt = -1;
        continue;
      }
      if (breakAt > 0) {
        rows.push(row.slice(0, breakAt - 1));
        row = row.slice(breakAt);
        visible -= visibleAtBreak;
      } else {
        rows.push(row);
        row = "";
        visible = 0;
      }
      breakAt = -1;
    }
    row += char;
    visible += 1;
    if (char === " ") {
      breakAt = row.length;
      visibleAtBreak = visible;
    }
  }
  rows.push(row);
  return rows;
}

/** Characters of `text` a terminal shows (SGR and other CSI sequences count for nothing). */
export function visibleWidth(text: string): number {
  return [...text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "")].length;
}

/**
 * Scrolling output plus a live area redrawn in place. With `tty` false (output piped to a
 * file) there is no live area and no escape sequences: only finished lines are written.
 */
export class AgentScreen {
  private live: string[] = [];
  private liveCursor = false;
  /** Visible width of each row the live area drew (0 rows: nothing drawn). */
  private drawnRows: number[] = [];
  private cursorShown = true;
  private closed = false;

  constructor(
    private readonly sink: ScreenSink,
    /** True when the sink is a terminal: colours, cursor control and a live area. */
    readonly tty: boolean,
  ) {}

  /** Hides the cursor; call once at start. */
  open(): void {
    if (this.tty) this.setCursor(false);
  }

  /** Writes finished lines (split on `\n`) above the live area. */
  print(text: string): void {
    if (this.closed) return;
    const lines = text.replace(/\r?\n$/, "").split(/\r?\n/);
    const eol = this.tty ? "\r\n" : "\n";
    this.sink.write(this.eraseLive() + lines.join(eol) + eol + this.drawLive());
  }

  /**
   * Replaces the live area. `cursor` shows the cursor at the end of the last line (a prompt);
   * otherwise it stays hidden. Lines are cut to the terminal width so none wraps.
   */
  setLive(lines: string[], cursor = false): void {
    if (this.closed || !this.tty) return;
    const erase = this.eraseLive();
    this.live = lines;
    this.liveCursor = cursor;
    this.sink.write(erase + this.drawLive());
  }

  /** Redraws the live area, e.g. after the terminal was resized. */
  redraw(): void {
    this.setLive(this.live, this.liveCursor);
  }

  /** Clears the live area and shows the cursor; later writes are ignored. Idempotent. */
  close(): void {
    if (this.closed) return;
    if (this.tty) {
      this.sink.write(this.eraseLive() + `${CSI}0m`);
      this.live = [];
      this.setCursor(true);
    }
    this.closed = true;
  }

  private setCursor(shown: boolean): void {
    if (this.cursorShown === shown) return;
    this.cursorShown = shown;
    this.sink.write(shown ? `${CSI}?25h` : `${CSI}?25l`);
  }

  /** Sequence that erases what the live area drew and leaves the cursor at its start. */
  private eraseLive(): string {
    if (!this.tty || this.drawnRows.length === 0) return "";
    // A terminal narrowed since the draw (a pane resized) has reflowed each row over
    // ceil(width / columns) lines, as xterm.js does: erase them all, or a stale status line
    // or "(y/n)" stays on screen.
    const columns = sanitizeColumns(this.sink.columns());
    const lines = this.drawnRows.reduce((n, w) => n + Math.max(1, Math.ceil(w / columns)), 0);
    let out = `\r${CSI}2K`;
    for (let i = 1; i < lines; i++) out += `${CSI}1A${CSI}2K`;
    this.drawnRows = [];
    return out;
  }

  private drawLive(): string {
    if (!this.tty || this.live.length === 0) return "";
    const width = Math.max(1, sanitizeColumns(this.sink.columns()) - 1);
    // Wrapped, not cut: in a narrow pane the question's "(y/n)" must still show.
    const rows = this.live.flatMap((line) => wrapVisible(line, width));
    this.drawnRows = rows.map(visibleWidth);
    const body = rows.join("\r\n");
    let cursor = "";
    if (this.liveCursor !== this.cursorShown) {
      cursor = this.liveCursor ? `${CSI}?25h` : `${CSI}?25l`;
      this.cursorShown = this.liveCursor;
    }
    return body + cursor;
  }
}

/** Terminal width to draw for: 80 when unknown. */
function sanitizeColumns(columns: number): number {
  return Number.isFinite(columns) && columns > 0 ? Math.floor(columns) : 80;
}
