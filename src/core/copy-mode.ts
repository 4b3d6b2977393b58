import { COPY_BINDINGS, PROMPT_KEYS, type CopyCommand } from "./copy-keys.js";
import { isControlKey } from "./keys.js";

/**
 * Copy mode (tmux's `window-copy.c`), pure: a view of one pane's history anchored on
 * absolute line numbers, so output that keeps arriving does not move it; a cursor; search
 * with `/` `?` `n` `N`; a selection from a mark to the cursor; its text for the clipboard
 * (OSC 52). No I/O: the pane's lines come in through {@link CopyBuffer}.
 *
 * Lines are numbered from the first line the pane ever had: buffer line `i` (0 = the oldest
 * kept) is absolute line `dropped + i`. Lines that fell off a full scrollback are gone; a
 * view anchored on them sits at the oldest line kept.
 */

/** One line of a pane: text (trailing blanks trimmed), the column of each UTF-16 unit. */
export interface CopyLine {
  text: string;
  /** It continues the line before it (a soft wrap): copied text joins them. */
  wrapped: boolean;
  /** `columns[k]` is the column of `text[k]`; absent when unit k is column k. */
  columns?: readonly number[];
}

/** What copy mode reads of a pane (a `PaneScreen` in the cockpit, see `tui/pane-scroll.ts`). */
export interface CopyBuffer {
  /** Lines dropped off the top of a full scrollback so far (monotonic). */
  readonly dropped: number;
  /** Lines of scrollback above the screen. */
  readonly scrollback: number;
  readonly rows: number;
  readonly cols: number;
  /** Buffer line `index` (0 ... scrollback + rows - 1), or undefined. */
  line(index: number): CopyLine | undefined;
}

/** A cell of the history: absolute line number and column. */
export interface CopyPoint {
  line: number;
  col: number;
}

/** Copy mode on one pane; make it with {@link enterCopyMode}. */
export interface CopyState {
  /** Absolute line number shown on the view's first row. */
  readonly top: number;
  readonly cursor: CopyPoint;
  /** Where the selection began (v, Space, a mouse press); none: no selection. */
  readonly mark?: CopyPoint;
  /** The last search, for n and N. */
  readonly search?: { query: string; forward: boolean };
  /** The search prompt being typed (after / or ?). */
  readonly prompt?: { forward: boolean; text: string };
}

/** What the cockpit does after a copy-mode key: leave, copy text to the clipboard, notify. */
export type CopyEffect =
  | { type: "exit" }
  | { type: "copy"; text: string }
  | { type: "notice"; level: "info" | "error"; text: string };

/** Result of {@link copyKey} and {@link runCopyCommand}. */
export interface CopyStep {
  state: CopyState;
  effects: CopyEffect[];
}

/** A span of one view row to highlight: columns [from, to), a search match or the selection. */
export interface CopyHighlight {
  row: number;
  from: number;
  to: number;
  kind: "match" | "selection" | "cursor";
}

/** The absolute number of the live screen's first line. */
function liveTop(buf: CopyBuffer): number {
  return buf.dropped + buf.scrollback;
}

function lastLine(buf: CopyBuffer): number {
  return liveTop(buf) + buf.rows - 1;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.max(lo, Math.min(hi, n));
}

/** `state.top` clamped to the lines kept (a view on dropped lines sits at the oldest). */
export function viewTop(state: CopyState, buf: CopyBuffer): number {
  return clamp(state.top, buf.dropped, liveTop(buf));
}

/**
 * How many lines back from the live screen the view is (what `PaneScreen.copyInto` takes),
 * and the indicator's figures: `offset` of `total` lines of scrollback.
 */
export function copyPosition(state: CopyState, buf: CopyBuffer): { offset: number; total: number } {
  return { offset: liveTop(buf) - viewTop(state, buf), total: buf.scrollback };
}

/**
 * Copy mode entered `offset` lines back (0: on the live screen), the cursor on the view's
 * row `cursorRow` (default: its last row), column `cursorCol`.
 */
export function enterCopyMode(
  buf: CopyBuffer,
  offset = 0,
  cursorRow = buf.rows - 1,
  cursorCol = 0,
): CopyState {
  const top = liveTop(buf) - clamp(offset, 0, buf.scrollback);
  return {
    top,
    cursor: {
      line: top + clamp(cursorRow, 0, buf.rows - 1),
      col: clamp(cursorCol, 0, buf.cols - 1),
    },
  };
}

/** `state` scrolled to `offset` lines back, the cursor kept on its row of the view. */
export function scrollCopyTo(state: CopyState, buf: CopyBuffer, offset: number): CopyState {
  const top = liveTop(buf) - clamp(offset, 0, buf.scrollback);
  const row = state.cursor.line - viewTop(state, buf);
  return { ...state, top, cursor: { ...state.cursor, line: top + clamp(row, 0, buf.rows - 1) } };
}

/** The history point under view row `row`, column `col` (clamped to the view). */
export function pointAt(state: CopyState, buf: CopyBuffer, row: number, col: number): CopyPoint {
  return {
    line: viewTop(state, buf) + clamp(row, 0, buf.rows - 1),
    col: clamp(col, 0, buf.cols - 1),
  };
}

function lineOf(buf: CopyBuffer, line: number): CopyLine | undefined {
  return buf.line(line - buf.dropped);
}

function columnOf(line: CopyLine, index: number): number {
  if (index >= line.text.length) {
    const last = line.text.length - 1;
    return last < 0 ? 0 : columnOf(line, last) + 1 + (index - line.text.length);
  }
  return line.columns ? (line.columns[index] ?? index) : index;
}

/** The text index of the first unit at or after column `col`. */
function indexAt(line: CopyLine, col: number): number {
  if (!line.columns) return Math.min(col, line.text.length);
  const k = line.columns.findIndex((c) => c >= col);
  return k < 0 ? line.text.length : k;
}

/** Keeps the cursor in the kept lines and the view on the cursor (scrolling as little as can be). */
function follow(state: CopyState, buf: CopyBuffer): CopyState {
  const line = clamp(state.cursor.line, buf.dropped, lastLine(buf));
  const col = clamp(state.cursor.col, 0, buf.cols - 1);
  let top = viewTop(state, buf);
  if (line < top) top = line;
  if (line > top + buf.rows - 1) top = line - buf.rows + 1;
  return { ...state, top: clamp(top, buf.dropped, liveTop(buf)), cursor: { line, col } };
}

function moveBy(state: CopyState, buf: CopyBuffer, lines: number, scroll: boolean): CopyState {
  const cursor = { ...state.cursor, line: state.cursor.line + lines };
  const top = scroll ? clamp(viewTop(state, buf) + lines, buf.dropped, liveTop(buf)) : state.top;
  return follow({ ...state, top, cursor }, buf);
}

const WORD = /[\p{L}\p{N}_]/u;

function wordMove(state: CopyState, buf: CopyBuffer, forward: boolean): CopyState {
  let { line, col } = state.cursor;
  const end = lastLine(buf);
  for (let guard = 0; guard < 10_000; guard++) {
    const l = lineOf(buf, line) ?? { text: "", wrapped: false };
    let i = indexAt(l, col);
    if (forward) {
      while (i < l.text.length && WORD.test(l.text[i] ?? "")) i++;
      while (i < l.text.length && !WORD.test(l.text[i] ?? "")) i++;
      if (i < l.text.length)
        return follow({ ...state, cursor: { line, col: columnOf(l, i) } }, buf);
      if (line >= end)
        return follow({ ...state, cursor: { line, col: columnOf(l, l.text.length) } }, buf);
      line++;
      col = 0;
      const next = lineOf(buf, line);
      if (next && WORD.test(next.text[0] ?? ""))
        return follow({ ...state, cursor: { line, col: 0 } }, buf);
    } else {
      i = Math.min(i, l.text.length) - 1;
      while (i >= 0 && !WORD.test(l.text[i] ?? "")) i--;
      if (i < 0) {
        if (line <= buf.dropped) return follow({ ...state, cursor: { line, col: 0 } }, buf);
        line--;
        col = Number.MAX_SAFE_INTEGER;
        continue;
      }
      while (i > 0 && WORD.test(l.text[i - 1] ?? "")) i--;
      return follow({ ...state, cursor: { line, col: columnOf(l, i) } }, buf);
    }
  }
  return state;
}

/** Smart case, as vim's `smartcase`: a query with no capital letter matches any case. */
function matcher(query: string): (text: string, from: number) => number {
  if (query !== query.toLowerCase()) return (text, from) => text.indexOf(query, from);
  return (text, from) => text.toLowerCase().indexOf(query, from);
}

/** The match of `query` nearest the cursor in a direction (wrapping around), or undefined. */
function findMatch(
  state: CopyState,
  buf: CopyBuffer,
  query: string,
  forward: boolean,
): CopyPoint | undefined {
  const find = matcher(query);
  const first = buf.dropped;
  const count = lastLine(buf) - first + 1;
  const start = clamp(state.cursor.line, first, lastLine(buf));
  for (let n = 0; n <= count; n++) {
    const line = first + ((((start - first + (forward ? n : -n)) % count) + count) % count);
    const l = lineOf(buf, line);
    if (!l) continue;
    const hits: number[] = [];
    for (let i = find(l.text, 0); i >= 0; i = find(l.text, i + 1)) hits.push(i);
    const cols = hits.map((i) => columnOf(l, i));
    const candidates =
      n === 0 && n !== count
        ? cols.filter((c) => (forward ? c > state.cursor.col : c < state.cursor.col))
        : n === count
          ? cols.filter((c) => (forward ? c <= state.cursor.col : c >= state.cursor.col))
          : cols;
    const col = forward ? candidates[0] : candidates[candidates.length - 1];
    if (col !== undefined) return { line, col };
  }
  return undefined;
}

function runSearch(state: CopyState, buf: CopyBuffer, forward: boolean): CopyStep {
  const search = state.search;
  if (!search || search.query === "")
    return { state, effects: [notice("info", "no search yet: / or ? starts one")] };
  const direction = forward ? search.forward : !search.forward;
  const hit = findMatch(state, buf, search.query, direction);
  if (!hit) return { state, effects: [notice("info", `not found: ${search.query}`)] };
  const moved = follow({ ...state, cursor: hit }, buf);
  // A match that had to scroll into view is put mid-view, as tmux does.
  const centred =
    viewTop(state, buf) === viewTop(moved, buf)
      ? moved
      : follow({ ...moved, top: hit.line - Math.floor(buf.rows / 2) }, buf);
  return { state: centred, effects: [] };
}

function notice(level: "info" | "error", text: string): CopyEffect {
  return { type: "notice", level, text };
}

/** The selection's two ends in order (inclusive), or undefined without a mark. */
function selectionRange(state: CopyState): [CopyPoint, CopyPoint] | undefined {
  const { mark, cursor } = state;
  if (!mark) return undefined;
  const before = mark.line < cursor.line || (mark.line === cursor.line && mark.col <= cursor.col);
  return before ? [mark, cursor] : [cursor, mark];
}

/**
 * The selected text (from the mark to the cursor, both cells included): lines joined by
 * "\n" except where a line continues by soft wrap, trailing blanks of each line dropped.
 * Undefined without a selection.
 */
export function selectionText(state: CopyState, buf: CopyBuffer): string | undefined {
  const range = selectionRange(state);
  if (!range) return undefined;
  const [from, to] = range;
  let out = "";
  for (let line = Math.max(from.line, buf.dropped); line <= to.line; line++) {
    const l = lineOf(buf, line) ?? { text: "", wrapped: false };
    if (line > from.line && !l.wrapped) out += "\n";
    const start = line === from.line ? indexAt(l, from.col) : 0;
    const end = line === to.line ? indexAt(l, to.col + 1) : l.text.length;
    out += l.text.slice(start, Math.max(start, end));
  }
  return out;
}

/** Runs one copy-mode command on `state`. */
export function runCopyCommand(state: CopyState, command: CopyCommand, buf: CopyBuffer): CopyStep {
  const page = Math.max(1, buf.rows - 1);
  const half = Math.max(1, Math.floor(buf.rows / 2));
  const step = (next: CopyState): CopyStep => ({ state: next, effects: [] });
  const { cursor } = state;
  const line = lineOf(buf, cursor.line) ?? { text: "", wrapped: false };
  switch (command) {
    case "copy-up":
      return step(moveBy(state, buf, -1, false));
    case "copy-down":
      return step(moveBy(state, buf, 1, false));
    case "copy-left":
      return step(follow({ ...state, cursor: { ...cursor, col: cursor.col - 1 } }, buf));
    case "copy-right":
      return step(follow({ ...state, cursor: { ...cursor, col: cursor.col + 1 } }, buf));
    case "copy-line-start":
      return step(follow({ ...state, cursor: { ...cursor, col: 0 } }, buf));
    case "copy-line-end":
      return step(
        follow(
          {
            ...state,
            cursor: { ...cursor, col: Math.max(0, columnOf(line, line.text.length) - 1) },
          },
          buf,
        ),
      );
    case "copy-word-next":
      return step(wordMove(state, buf, true));
    case "copy-word-prev":
      return step(wordMove(state, buf, false));
    case "copy-page-up":
      return step(moveBy(state, buf, -page, true));
    case "copy-page-down":
      return step(moveBy(state, buf, page, true));
    case "copy-half-up":
      return step(moveBy(state, buf, -half, true));
    case "copy-half-down":
      return step(moveBy(state, buf, half, true));
    case "copy-top":
      return step(
        follow({ ...state, top: buf.dropped, cursor: { line: buf.dropped, col: 0 } }, buf),
      );
    case "copy-bottom":
      return step(
        follow({ ...state, top: liveTop(buf), cursor: { line: lastLine(buf), col: 0 } }, buf),
      );
    case "copy-search-forward":
    case "copy-search-back":
      return step({ ...state, prompt: { forward: command === "copy-search-forward", text: "" } });
    case "copy-search-next":
      return runSearch(state, buf, true);
    case "copy-search-prev":
      return runSearch(state, buf, false);
    case "copy-select":
      return step({ ...state, mark: { ...cursor } });
    case "copy-clear": {
      if (!state.mark) return { state, effects: [{ type: "exit" }] };
      const { mark: _dropped, ...rest } = state;
      return step(rest);
    }
    case "copy-yank": {
      const text = selectionText(state, buf);
      if (text === undefined)
        return {
          state,
          effects: [notice("info", "nothing selected: v or Space starts a selection")],
        };
      return { state, effects: [{ type: "copy", text }, { type: "exit" }] };
    }
    case "copy-exit":
      return { state, effects: [{ type: "exit" }] };
  }
}

/**
 * The answer to one whole key in copy mode (from the input machine): typed into the search
 * prompt when one is open (Enter searches, Escape/Ctrl-g/Ctrl-c cancel, Backspace erases),
 * else looked up in {@link COPY_BINDINGS}; an unbound key changes nothing.
 */
export function copyKey(state: CopyState, key: string, buf: CopyBuffer): CopyStep {
  const prompt = state.prompt;
  if (prompt) {
    const { prompt: _closed, ...rest } = state;
    if (PROMPT_KEYS.submit.includes(key)) {
      if (prompt.text === "") return { state: rest, effects: [] };
      return runSearch(
        { ...rest, search: { query: prompt.text, forward: prompt.forward } },
        buf,
        true,
      );
    }
    if (PROMPT_KEYS.cancel.includes(key)) return { state: rest, effects: [] };
    if (PROMPT_KEYS.erase.includes(key))
      return {
        state: { ...state, prompt: { ...prompt, text: [...prompt.text].slice(0, -1).join("") } },
        effects: [],
      };
    if (isControlKey(key)) return { state, effects: [] };
    return { state: { ...state, prompt: { ...prompt, text: prompt.text + key } }, effects: [] };
  }
  const binding = COPY_BINDINGS.find((b) => b.keys.includes(key));
  if (!binding) return { state, effects: [] };
  return runCopyCommand(state, binding.command, buf);
}

/**
 * What to highlight on the view: the selection, every match of the last search on the
 * visible rows, and the copy cursor (in that order: later ones draw over earlier ones).
 */
export function copyHighlights(state: CopyState, buf: CopyBuffer): CopyHighlight[] {
  const top = viewTop(state, buf);
  const out: CopyHighlight[] = [];
  const range = selectionRange(state);
  const find = state.search && state.search.query !== "" ? matcher(state.search.query) : undefined;
  const length = state.search?.query.length ?? 0;
  for (let row = 0; row < buf.rows; row++) {
    const line = top + row;
    if (range && line >= range[0].line && line <= range[1].line) {
      const from = line === range[0].line ? range[0].col : 0;
      const to = line === range[1].line ? range[1].col + 1 : buf.cols;
      out.push({ row, from, to, kind: "selection" });
    }
    const l = find ? lineOf(buf, line) : undefined;
    if (!find || !l) continue;
    for (let i = find(l.text, 0); i >= 0; i = find(l.text, i + Math.max(1, length))) {
      out.push({ row, from: columnOf(l, i), to: columnOf(l, i + length), kind: "match" });
    }
  }
  const row = state.cursor.line - top;
  if (row >= 0 && row < buf.rows)
    out.push({ row, from: state.cursor.col, to: state.cursor.col + 1, kind: "cursor" });
  return out;
}

/** The prompt line while a search is typed (`/query`, `?query`), else undefined. */
export function copyPrompt(state: CopyState): string | undefined {
  return state.prompt ? `${state.prompt.forward ? "/" : "?"}${state.prompt.text}` : undefined;
}

/**
 * The OSC 52 sequence that sets the outer terminal's clipboard (`c`) to `text`, base64 of its
 * UTF-8 (xterm's "Manipulate Selection Data"; tmux's `set-clipboard`), ended by BEL.
 */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, "utf8").toString("base64")}\x07`;
}
