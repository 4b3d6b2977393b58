/**
 * Catching each line as it leaves xterm's scrollback, before xterm reuses it. xterm keeps a
 * buffer's lines in a CircularList that, once full, drops its oldest line on `push`,
 * `recycle` (the line is reused for the new bottom row), `splice`, `shiftElements` and
 * `trimStart`; its `onTrim` event fires only after the dropped line was overwritten. So the
 * list's methods are wrapped on the instance: each hands the lines it is about to drop to
 * `archive` first, synchronously, whatever the size of the write being parsed, so no line
 * is lost between callbacks.
 */
import type { XtermLine } from "./line-ring.js";

/** The parts of xterm's internal CircularList<BufferLine> that are wrapped. */
export interface XtermLineList {
  readonly length: number;
  readonly maxLength: number;
  get(index: number): XtermLine | undefined;
  push(value: XtermLine): void;
  recycle(): XtermLine;
  splice(start: number, deleteCount: number, ...items: XtermLine[]): void;
  trimStart(count: number): void;
  shiftElements(start: number, count: number, offset: number): void;
}

/** What happens to the lines leaving the list. */
export interface TrimSink {
  /** A line about to be dropped (still intact). */
  archive(line: XtermLine): void;
  /**
   * Whether the coming `trimStart` clears the scrollback (ESC[3J) rather than making room:
   * those lines are counted with `discard` instead of archived. Consumes the answer.
   */
  clearing(): boolean;
  /** `count` lines dropped without archiving (ESC[3J). */
  discard(count: number): void;
}

/** Whether `list` looks like the xterm CircularList this module knows how to wrap. */
export function isLineList(list: unknown): list is XtermLineList {
  const l = list as Partial<Record<keyof XtermLineList, unknown>> | undefined;
  return (
    !!l &&
    typeof l.get === "function" &&
    typeof l.push === "function" &&
    typeof l.recycle === "function" &&
    typeof l.splice === "function" &&
    typeof l.trimStart === "function" &&
    typeof l.shiftElements === "function" &&
    typeof l.length === "number" &&
    typeof l.maxLength === "number"
  );
}

/** Wraps `list`'s dropping methods so `sink` sees every line before it is dropped. */
export function captureTrims(list: XtermLineList, sink: TrimSink): void {
  const archiveFirst = (n: number): void => {
    for (let i = 0; i < n; i++) {
      const line = list.get(i);
      if (line) sink.archive(line);
    }
  };
  const push = list.push.bind(list);
  const recycle = list.recycle.bind(list);
  const splice = list.splice.bind(list);
  const trimStart = list.trimStart.bind(list);
  const shiftElements = list.shiftElements.bind(list);
  const own = list as { -readonly [K in keyof XtermLineList]: XtermLineList[K] };
  own.push = (value) => {
    if (list.length === list.maxLength) archiveFirst(1);
    push(value);
  };
  own.recycle = () => {
    if (list.length === list.maxLength) archiveFirst(1);
    return recycle();
  };
  own.splice = (start, deleteCount, ...items) => {
    const del = deleteCount > 0 ? Math.min(deleteCount, Math.max(0, list.length - start)) : 0;
    const over = list.length - del + items.length - list.maxLength;
    // The dropped lines are the first `over` of the list as the splice leaves it.
    for (let i = 0; i < over; i++) {
      const line =
        i < start
          ? list.get(i)
          : i < start + items.length
            ? items[i - start]
            : list.get(i - items.length + del);
      if (line) sink.archive(line);
    }
    splice(start, deleteCount, ...items);
  };
  own.trimStart = (count) => {
    const n = Math.min(count, list.length);
    if (sink.clearing()) sink.discard(n);
    else archiveFirst(n);
    trimStart(count);
  };
  own.shiftElements = (start, count, offset) => {
    if (count > 0 && offset > 0) {
      const grow = Math.max(0, start + count + offset - list.length);
      archiveFirst(Math.min(start, list.length + grow - list.maxLength));
    }
    shiftElements(start, count, offset);
  };
}
