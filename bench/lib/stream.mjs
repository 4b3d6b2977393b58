import { closeSync, openSync, writeSync } from "node:fs";

/**
 * Deterministic mixed ANSI stream, the payload of the throughput rows.
 *
 * Segments are drawn from a seeded PRNG (mulberry32): text in 16/256/truecolor SGR, cursor
 * moves (absolute and relative), erase in line/display, insert/delete line and character,
 * long lines that wrap, CJK wide characters and emoji, and `\r` progress bars. The text
 * alphabet is lower case only, so the harness's upper-case markers (`READY`, `DONE`) can
 * never appear in it. No sequence asks the terminal to answer (no DSR/DA), none switches
 * screens or modes, and the stream ends with an SGR reset and a newline.
 */

/** mulberry32: a 32-bit seeded PRNG; returns a function giving floats in [0, 1). */
export function makeRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut " +
  "labore et dolore magna aliqua const let function return await async import export from " +
  "agent worktree branch merge rebase commit pane scrollback cockpit flotilla terminal"
).split(" ");
const WIDE = [..."漢字仮名交じり文中文字符测试한국어テスト"];
const EMOJI = [..."😀😃🚀🔥✨🎉🐙🦀📦🧪✅❌⚡🌊"];

/** Returns a generator of string segments; each is a complete piece of the stream. */
function makeSegments(random) {
  const int = (n) => Math.floor(random() * n);
  const pick = (list) => list[int(list.length)];
  const words = (n) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push(pick(WORDS));
    return out.join(" ");
  };
  const sgr16 = () =>
    `\x1b[${pick([30, 31, 32, 33, 34, 35, 36, 37, 90, 91, 92, 93, 94, 95, 96, 97])}m`;
  const sgr256 = () => `\x1b[${random() < 0.5 ? 38 : 48};5;${int(256)}m`;
  const sgrTrue = () => `\x1b[${random() < 0.7 ? 38 : 48};2;${int(256)};${int(256)};${int(256)}m`;
  const attr = () => `\x1b[${pick([1, 2, 3, 4, 7, 22, 23, 24, 27])}m`;

  return () => {
    const kind = random();
    if (kind < 0.3) {
      // A line of colored words.
      let line = "";
      for (let i = 0, n = 2 + int(6); i < n; i++) {
        const r = random();
        line +=
          (r < 0.4 ? sgr16() : r < 0.7 ? sgr256() : r < 0.9 ? sgrTrue() : attr()) +
          words(1 + int(4)) +
          " ";
      }
      return `${line}\x1b[0m\n`;
    }
    if (kind < 0.42) {
      // A long line that wraps two to five times.
      return `${sgr256()}${words(40 + int(80))}\x1b[0m\n`;
    }
    if (kind < 0.52) {
      // Wide characters and emoji mixed with text.
      let line = "";
      for (let i = 0, n = 4 + int(12); i < n; i++) {
        const r = random();
        line += r < 0.4 ? pick(WIDE) : r < 0.7 ? pick(EMOJI) : ` ${pick(WORDS)} `;
      }
      return `${line}\n`;
    }
    if (kind < 0.6) {
      // A `\r` progress bar that redraws itself.
      const width = 20 + int(30);
      let bar = "";
      for (let step = 0; step <= 20; step++) {
        const full = Math.round((width * step) / 20);
        bar += `\r${sgr16()}[${"#".repeat(full)}${" ".repeat(width - full)}]\x1b[0m ${step * 5}% ${pick(WORDS)}`;
      }
      return `${bar}\x1b[K\n`;
    }
    if (kind < 0.72) {
      // Cursor moves then text.
      const r = random();
      const move =
        r < 0.4
          ? `\x1b[${1 + int(40)};${1 + int(120)}H`
          : `\x1b[${1 + int(5)}${pick(["A", "B", "C", "D"])}`;
      return `${move}${sgr16()}${words(1 + int(3))}\x1b[0m`;
    }
    if (kind < 0.82) {
      // Erase: to end of line, whole line, to end of screen; rarely the whole screen.
      const r = random();
      const erase = r < 0.45 ? "\x1b[K" : r < 0.75 ? "\x1b[2K" : r < 0.97 ? "\x1b[J" : "\x1b[2J";
      return `${erase}${words(2 + int(5))}\n`;
    }
    if (kind < 0.92) {
      // Insert/delete lines.
      return `\x1b[${1 + int(3)}${random() < 0.5 ? "L" : "M"}${sgrTrue()}${words(3 + int(6))}\x1b[0m\n`;
    }
    // Insert/delete characters inside a line.
    return `${words(4 + int(6))}\x1b[${1 + int(8)}D\x1b[${1 + int(4)}${random() < 0.5 ? "@" : "P"}${words(2)}\n`;
  };
}

/**
 * Writes about `bytes` bytes of the stream for `seed` to `file` (the last segment may run
 * over by a few hundred bytes); returns the exact size written, in bytes.
 */
export function writeStream(file, bytes, seed = 1) {
  const next = makeSegments(makeRandom(seed));
  const fd = openSync(file, "w");
  let written = 0;
  try {
    let chunk = "";
    let chunkBytes = 0;
    while (written + chunkBytes < bytes) {
      const segment = next();
      chunk += segment;
      chunkBytes += Buffer.byteLength(segment);
      if (chunkBytes >= 1 << 20) {
        written += writeSync(fd, chunk);
        chunk = "";
        chunkBytes = 0;
      }
    }
    chunk += "\x1b[0m\n";
    written += writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return written;
}
