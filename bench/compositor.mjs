// Micro-benchmark of the pane renderer: prints figures, never passes or fails.
// Build first (`npx tsc -p tsconfig.build.json`), then `node bench/compositor.mjs`.
//
// A 160x48 terminal with 4 panes (78x22 each, inside borders drawn by a chrome layer), all
// four scrolling new coloured lines every frame: the worst case of "four agents flooding".
import { performance } from "node:perf_hooks";
import { parseAnsiFrame } from "../dist/terminal/ansi-frame.js";
import { CellGrid } from "../dist/terminal/cell-grid.js";
import { Compositor } from "../dist/terminal/compositor.js";
import { PaneScreen } from "../dist/terminal/pane-screen.js";

const COLS = 160;
const ROWS = 48;
const PANE_W = 78;
const PANE_H = 22;
const FRAMES = 300;

const rects = [
  { x: 1, y: 1 },
  { x: 81, y: 1 },
  { x: 1, y: 25 },
  { x: 81, y: 25 },
];

function chromeText() {
  const lines = [];
  for (let y = 0; y < ROWS; y++) {
    let line = "";
    for (let x = 0; x < COLS; x++) {
      const border = y === 0 || y === 24 || y === 47 || x === 0 || x === 80 || x === 159;
      line += border ? "─" : " ";
    }
    lines.push(`\x1b[36m${line}\x1b[39m`);
  }
  return lines.join("\n");
}

let seed = 42;
function rnd() {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}

function floodLine(n) {
  let s = `\x1b[3${n % 8}m${String(n).padStart(6)}\x1b[0m `;
  while (s.length < 90)
    s += String.fromCharCode(97 + Math.floor(rnd() * 26)).repeat(1 + Math.floor(rnd() * 6)) + " ";
  return `${s}\x1b[1mbold\x1b[0m ✓ 中文\r\n`;
}

const flush = (screen) => new Promise((resolve) => screen.write("", resolve));

let bytes = 0;
const sink = { write: (data) => void (bytes += Buffer.byteLength(data)) };
const compositor = new Compositor(sink, COLS, ROWS);
const panes = rects.map(() => new PaneScreen({ cols: PANE_W, rows: PANE_H, scrollback: 1000 }));

const chromeSrc = chromeText();
let chrome = parseAnsiFrame(chromeSrc, COLS, ROWS);
for (let i = 0; i < 100; i++) chrome = parseAnsiFrame(chromeSrc, COLS, ROWS); // JIT warm-up
let t = performance.now();
for (let i = 0; i < 200; i++) chrome = parseAnsiFrame(chromeSrc, COLS, ROWS);
const parseMs = (performance.now() - t) / 200;

const frame = new CellGrid(COLS, ROWS);
function compose() {
  frame.blit(chrome, 0, 0, COLS, ROWS, 0, 0);
  panes.forEach((p, i) => p.copyInto(frame, rects[i].x, rects[i].y, PANE_W, PANE_H));
}

let line = 0;
async function floodFrame() {
  for (const p of panes) for (let k = 0; k < 3; k++) p.write(floodLine(line++));
  await Promise.all(panes.map(flush));
}
for (let f = 0; f < 100; f++) {
  // JIT warm-up
  await floodFrame();
  compose();
  compositor.render(frame, { ...panes[0].cursor, visible: true });
}
let composeMs = 0;
let diffMs = 0;
let parseXtermMs = 0;
bytes = 0;
for (let f = 0; f < FRAMES; f++) {
  t = performance.now();
  await floodFrame();
  parseXtermMs += performance.now() - t;
  t = performance.now();
  compose();
  composeMs += performance.now() - t;
  t = performance.now();
  compositor.render(frame, { ...panes[0].cursor, visible: true });
  diffMs += performance.now() - t;
}
const floodBytes = bytes / FRAMES;

// Idle: nothing changed.
t = performance.now();
for (let f = 0; f < FRAMES; f++) {
  compose();
  compositor.render(frame, { x: 1 + panes[0].cursor.x, y: 1 + panes[0].cursor.y, visible: true });
}
const idleMs = (performance.now() - t) / FRAMES;

// Typing: one character echoed into pane 0 at a shell-like prompt.
panes[0].write("\x1b[2J\x1b[H$ ");
await flush(panes[0]);
compose();
compositor.render(frame, { x: 3, y: 1, visible: true });
const typed = [];
for (const ch of "git status --short") {
  panes[0].write(ch);
  await flush(panes[0]);
  compose();
  const c = panes[0].cursor;
  typed.push(compositor.render(frame, { x: 1 + c.x, y: 1 + c.y, visible: true }));
}

const fmt = (n) => n.toFixed(3);
console.log(
  `grid ${COLS}x${ROWS}, 4 panes of ${PANE_W}x${PANE_H}, ${FRAMES} frames, 3 new lines per pane per frame`,
);
console.log(`chrome parseAnsiFrame (160x48):       ${fmt(parseMs)} ms`);
console.log(`xterm parsing of the flood:           ${fmt(parseXtermMs / FRAMES)} ms/frame`);
console.log(`compose (blit chrome + 4 copyInto):   ${fmt(composeMs / FRAMES)} ms/frame`);
console.log(`diff + encode (render):               ${fmt(diffMs / FRAMES)} ms/frame`);
console.log(`bytes written per flooding frame:     ${Math.round(floodBytes)}`);
console.log(`idle frame (compose + render, 0 out): ${fmt(idleMs)} ms`);
console.log(
  `bytes per typed char:                 min ${Math.min(...typed)} / max ${Math.max(...typed)} / mean ${(typed.reduce((a, b) => a + b, 0) / typed.length).toFixed(1)}`,
);
for (const p of panes) p.dispose();
