#!/usr/bin/env node
/**
 * What a pane's screen costs, outside the cockpit (issue 11 items 5 and 6), from the built
 * `dist/terminal/pane-screen.js`:
 *
 *   node --expose-gc bench/screens.mjs memory [--lines 10000] [--panes 8] [--snapshot FILE]
 *     RSS, JS heap and ArrayBuffer MiB after `panes` 120×40 screens each took `lines`
 *     colored ~90-column lines (scrollback = lines), and xterm's own cell store for that.
 *   node --cpu-prof bench/screens.mjs parse [--mib 20]
 *     Parses the bench's mixed ANSI stream (lib/stream.mjs, seed 1) into one 120×40 screen,
 *     reading the cells like a frame every 16 ms of stream; prints MiB/s (the hub's side of
 *     the throughput rows, without pty, socket or terminal). With --xterm: a plain
 *     @xterm/headless Terminal (scrollback 10,000) instead, no cells read: the floor of any
 *     screen model built on xterm.js.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { performance } from "node:perf_hooks";
import v8 from "node:v8";
import { PaneScreen } from "../dist/terminal/pane-screen.js";
import { CellGrid } from "../dist/terminal/cell-grid.js";
import { writeStream } from "./lib/stream.mjs";
import { makeTemp, removeTemp } from "./lib/targets.mjs";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    lines: { type: "string", default: "10000" },
    panes: { type: "string", default: "8" },
    snapshot: { type: "string" },
    mib: { type: "string", default: "20" },
    xterm: { type: "boolean", default: false },
  },
});
const MiB = 1024 * 1024;
const mode = positionals[0] ?? "memory";

if (mode === "memory") {
  const lines = Number(values.lines);
  const panes = Number(values.panes);
  const base = process.memoryUsage();
  const screens = [];
  for (let p = 0; p < panes; p++) {
    const screen = new PaneScreen({ cols: 120, rows: 40, scrollback: lines });
    let chunk = "";
    for (let i = 1; i <= lines; i++) {
      chunk += `\x1b[3${(i % 7) + 1}m${String(i).padStart(5, "0")}\x1b[0m lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt\r\n`;
      if (chunk.length > 65536) {
        screen.write(chunk);
        chunk = "";
      }
    }
    screen.write(chunk);
    await screen.flush();
    screens.push(screen);
  }
  globalThis.gc?.();
  const m = process.memoryUsage();
  const xtermCells = (panes * (lines + 40) * 120 * 12) / MiB;
  console.log(
    JSON.stringify({
      panes,
      lines,
      rssMiB: +((m.rss - base.rss) / MiB).toFixed(1),
      heapMiB: +((m.heapUsed - base.heapUsed) / MiB).toFixed(1),
      arrayBuffersMiB: +((m.arrayBuffers - base.arrayBuffers) / MiB).toFixed(1),
      xterm12BytesPerCellMiB: +xtermCells.toFixed(1),
    }),
  );
  if (values.snapshot) v8.writeHeapSnapshot(values.snapshot);
} else if (mode === "parse") {
  const dir = makeTemp("flotilla-screens-");
  try {
    const file = path.join(dir, "stream.ans");
    const bytes = writeStream(file, Number(values.mib) * MiB, 1);
    const data = readFileSync(file);
    const start = performance.now();
    if (values.xterm) {
      const { default: xterm } = await import("@xterm/headless");
      const term = new xterm.Terminal({
        cols: 120,
        rows: 40,
        scrollback: 10_000,
        allowProposedApi: true,
      });
      for (let at = 0; at < data.length; at += 16384) term.write(data.subarray(at, at + 16384));
      await new Promise((resolve) => term.write("", resolve));
      const seconds = (performance.now() - start) / 1000;
      console.log(
        JSON.stringify({
          mib: +(bytes / MiB).toFixed(1),
          mibPerSecond: +(bytes / MiB / seconds).toFixed(1),
          xterm: true,
        }),
      );
      process.exit(0);
    }
    const screen = new PaneScreen({ cols: 120, rows: 40, scrollback: 10_000 });
    const grid = new CellGrid(120, 40);
    let lastFrame = start;
    for (let at = 0; at < data.length; at += 16384) {
      screen.write(data.subarray(at, at + 16384));
      if (performance.now() - lastFrame >= 16) {
        await screen.flush();
        screen.copyInto(grid, 0, 0, 120, 40);
        lastFrame = performance.now();
      }
    }
    await screen.flush();
    const seconds = (performance.now() - start) / 1000;
    console.log(
      JSON.stringify({
        mib: +(bytes / MiB).toFixed(1),
        mibPerSecond: +(bytes / MiB / seconds).toFixed(1),
      }),
    );
  } finally {
    removeTemp(dir);
  }
} else {
  process.stderr.write("usage: node bench/screens.mjs memory|parse [options]\n");
  process.exit(2);
}
