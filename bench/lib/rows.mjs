import { countOf, sleep } from "./outer-terminal.mjs";
import { PaneScripts } from "./panes.mjs";
import { makeRandom } from "./stream.mjs";
import { cpuMsOf, measureCpu, rssOf } from "./procfs.mjs";
import { makeTemp, removeTemp, startTarget } from "./targets.mjs";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";

/**
 * One measurement per function: each starts `target` ("tmux" | "flotilla" |
 * "flotilla-inproc"; see targets.mjs) with its pane
 * scripts in a fresh temp directory, measures, stops it and returns `{ metricId: number }`.
 * Times in ms, throughput in MiB/s, CPU in % of one core, memory in MiB.
 */

const MiB = 1024 * 1024;
/** After the first frame, how long to let a program settle: past flotilla's 3 s idle-status switch. */
const SETTLE_MS = 3500;
/** Before measuring CPU when nothing changes, in ms. */
const IDLE_SETTLE_MS = 10_000;
/** Least gap after a keystroke is echoed before the next, in ms (plus up to as much jitter). */
const KEY_GAP_MS = 20;

/** Runs `body(session, scripts)` against a fresh session; always stops it and cleans up. */
async function withSession(target, { cols, rows, panes, scrollback }, body) {
  const dir = makeTemp(`flotilla-bench-${target}-`);
  const scripts = new PaneScripts(dir);
  let session;
  try {
    session = startTarget(target, { cols, rows, scripts: panes(scripts), dir, scrollback });
    return await body(session, scripts);
  } finally {
    await session?.stop();
    scripts.close();
    removeTemp(dir);
  }
}

/** Waits for the first full frame: every pane title (flotilla) and `readyCount` READY markers. */
function waitReady(session, readyCount, timeoutMs = 20_000) {
  return session.outer.waitFor(
    (text) =>
      countOf(text, "READY") >= readyCount && session.labels.every((label) => text.includes(label)),
    { timeoutMs, label: `${readyCount} READY and titles` },
  );
}

/** Throughput: `panes` panes each `cat` a `streamBytes`-byte file at once; MiB/s in total. */
export async function measureThroughput(target, { file, streamBytes, panes, cols, rows }) {
  return withSession(
    target,
    { cols, rows, panes: (s) => Array.from({ length: panes }, () => s.gatedCat(file)) },
    async (session, scripts) => {
      await waitReady(session, panes);
      await sleep(300);
      if (countOf(session.outer.text(), "DONE") > 0)
        throw new Error("DONE on screen before the panes were released");
      const bytesBefore = session.outer.bytes;
      const groups = session.processGroups?.() ?? { client: [], hub: [] };
      const cpuBefore = { hub: cpuMsOf(groups.hub), client: cpuMsOf(groups.client) };
      const start = performance.now();
      scripts.release(panes);
      const end = await session.outer.waitFor((text) => countOf(text, "DONE") >= panes, {
        timeoutMs: 180_000,
        throttleMs: 20,
        label: `${panes} DONE`,
      });
      const seconds = (end - start) / 1000;
      const mib = (panes * streamBytes) / MiB;
      // CPU ms per MiB of pane output, hub (tmux server) and client apart: what the work
      // costs, apart from how the two cores were shared while it ran.
      const perMiB = (pids, before) => Math.round((cpuMsOf(pids) - before) / mib);
      return {
        mibPerSecond: mib / seconds,
        seconds,
        terminalMiB: (session.outer.bytes - bytesBefore) / MiB,
        ...(groups.hub.length > 0 ? { hubCpuMsPerMiB: perMiB(groups.hub, cpuBefore.hub) } : {}),
        ...(groups.client.length > 0
          ? { clientCpuMsPerMiB: perMiB(groups.client, cpuBefore.client) }
          : {}),
      };
    },
  );
}

/**
 * Types `lines` lines of `perLine` random lower-case letters into the focused pane (`cat`),
 * one byte at a time, each 20–40 ms after the previous one is visible. Each line
 * starts with an untimed unique tag (`@@<n>=`) so a match on screen is unambiguous.
 * Returns per-keystroke echo latencies (ms) and bytes the terminal received per keystroke.
 */
async function typeAndTime(outer, { lines, perLine, seed, tagBase }) {
  const random = makeRandom(seed);
  const latencies = [];
  const bytesPerKey = [];
  for (let line = 0; line < lines; line++) {
    let typed = `@@${tagBase + line}=`;
    outer.write(typed);
    await outer.waitFor(typed, { timeoutMs: 10_000 });
    await sleep(20);
    for (let k = 0; k < perLine; k++) {
      const ch = String.fromCharCode(97 + Math.floor(random() * 26));
      typed += ch;
      const expect = typed;
      const bytesBefore = outer.bytes;
      const start = performance.now();
      outer.write(ch);
      const seen = await outer.waitFor(expect, { timeoutMs: 10_000, label: "typed byte" });
      latencies.push(seen - start);
      // 20–40 ms between keystrokes (faster than people type, slower than a 60 Hz frame
      // limiter), jittered so keystrokes do not phase-lock with 100 Hz output.
      await sleep(KEY_GAP_MS + random() * KEY_GAP_MS);
      bytesPerKey.push(outer.bytes - bytesBefore);
    }
    outer.write("\r");
    await outer.waitFor((text) => countOf(text, typed) >= 2, {
      timeoutMs: 10_000,
      label: "line repeated by cat",
    });
    await sleep(20);
  }
  return { latencies, bytesPerKey };
}

/** Percentile `p` (0..100) of `values`, nearest-rank. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** Median of `values`. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/**
 * Keystroke echo: `cat` focused, three other panes gated tickers. Idle phase first (the
 * tickers blocked), then (unless `busy` is false) the tickers are released (100 lines/s
 * each) and typing repeats.
 */
export async function measureLatency(
  target,
  { cols, rows, lines, perLine, busy: withBusy = true },
) {
  const panes = (s) => [s.echoCat(), s.gatedTicker(100), s.gatedTicker(100), s.gatedTicker(100)];
  return withSession(target, { cols, rows, panes }, async (session, scripts) => {
    await waitReady(session, 4);
    await sleep(SETTLE_MS);
    const idle = await typeAndTime(session.outer, { lines, perLine, seed: 7, tagBase: 0 });
    let busy;
    if (withBusy) {
      scripts.release(3);
      await sleep(1000);
      busy = await typeAndTime(session.outer, { lines, perLine, seed: 8, tagBase: 100 });
    }
    return {
      idleP50: percentile(idle.latencies, 50),
      idleP99: percentile(idle.latencies, 99),
      busyP50: busy ? percentile(busy.latencies, 50) : undefined,
      busyP99: busy ? percentile(busy.latencies, 99) : undefined,
      bytesPerChar: mean(idle.bytesPerKey),
      keystrokes: idle.latencies.length,
    };
  });
}

/** CPU: four gated tickers; `idleMs` with nothing changing, then `busyMs` at 100 lines/s each. */
export async function measureCpuRows(target, { cols, rows, idleMs, busyMs }) {
  const panes = (s) => [
    s.gatedTicker(100),
    s.gatedTicker(100),
    s.gatedTicker(100),
    s.gatedTicker(100),
  ];
  return withSession(target, { cols, rows, panes }, async (session, scripts) => {
    await waitReady(session, 4);
    // Longer than elsewhere: what is measured here is the steady state, not the clean-up a
    // Node process does in its first seconds (garbage collection, lazy compilation).
    await sleep(IDLE_SETTLE_MS);
    const pids = () => session.measuredPids();
    const idle = await measureCpu(pids, idleMs);
    scripts.release(4);
    await sleep(1000);
    const bytesBefore = session.outer.bytes;
    const busy = await measureCpu(pids, busyMs);
    return {
      idlePercent: idle.percent,
      busyPercent: busy.percent,
      busyTerminalKiBps: (session.outer.bytes - bytesBefore) / 1024 / (busy.wallMs / 1000),
      processes: busy.pids.length,
    };
  });
}

/**
 * Waits until `agents` filled panes (`PaneScripts.filledIdle`) have finished printing: every
 * FILLED marker and title on screen or, when a layout hides some panes, every pane program
 * idle. Returns how many FILLED markers are visible.
 */
async function waitFilled(session, agents) {
  try {
    await session.outer.waitFor(
      (text) =>
        countOf(text, "FILLED") >= agents && session.labels.every((label) => text.includes(label)),
      { timeoutMs: 60_000, throttleMs: 50, label: `${agents}× FILLED` },
    );
    return agents;
  } catch (error) {
    // Not every pane on screen (a layout may hide some): fall back to the pane programs
    // having all finished printing (each ends in `exec sleep`).
    const sleeping = session.paneProcesses().filter((p) => p.comm === "sleep").length;
    if (sleeping < agents) throw error;
    return countOf(session.outer.text(), "FILLED");
  }
}

/**
 * Memory: `agents` panes each print `lines` lines then idle; RSS (MiB) of the program's own
 * processes: `rssMiB` all of them, `hubMiB` the hub daemon / tmux server, `clientMiB` the
 * attached client (in-process flotilla: everything is the client).
 */
export async function measureMemory(target, { cols, rows, agents, lines, scrollback }) {
  const panes = (s) => Array.from({ length: agents }, () => s.filledIdle(lines));
  return withSession(target, { cols, rows, panes, scrollback }, async (session) => {
    const visible = await waitFilled(session, agents);
    await sleep(2000);
    const { client, hub } = session.processGroups();
    const hubMiB = rssOf(hub) / MiB;
    const clientMiB = rssOf(client) / MiB;
    return {
      rssMiB: hubMiB + clientMiB,
      hubMiB: hub.length > 0 ? hubMiB : undefined,
      clientMiB,
      processes: client.length + hub.length,
      panesShowingFilled: visible,
    };
  });
}

/**
 * Memory as scrollback grows: for each of `lineCounts`, `agents` panes each print that many
 * lines into a scrollback of the same size; `hub<N>MiB` is the hub daemon's / tmux server's
 * RSS (MiB), `rss<N>MiB` hub + client.
 */
export async function measureMemoryGrowth(target, { cols, rows, agents, lineCounts }) {
  const out = {};
  for (const lines of lineCounts) {
    const m = await measureMemory(target, { cols, rows, agents, lines, scrollback: lines });
    out[`hub${lines}MiB`] = m.hubMiB;
    out[`rss${lines}MiB`] = m.rssMiB;
  }
  return out;
}

/**
 * Many agents at once: the focused pane runs `cat`, `agents - 1` others print
 * `perSecond` lines/s each. Keystroke echo p50/p99 in the focused pane while they stream,
 * CPU (% of one core) of client + hub over `busyMs`, and RSS (MiB) of client + hub.
 */
export async function measureManyPanes(
  target,
  { cols, rows, agents, perSecond, lines, perLine, busyMs },
) {
  const panes = (s) => [
    s.echoCat(),
    ...Array.from({ length: agents - 1 }, () => s.gatedTicker(perSecond)),
  ];
  return withSession(target, { cols, rows, panes }, async (session, scripts) => {
    await waitReady(session, agents, 60_000);
    await sleep(SETTLE_MS);
    scripts.release(agents - 1);
    await sleep(1000);
    const cpu = await measureCpu(() => session.measuredPids(), busyMs);
    const typed = await typeAndTime(session.outer, { lines, perLine, seed: 9, tagBase: 200 });
    const { client, hub } = session.processGroups();
    return {
      echoP50: percentile(typed.latencies, 50),
      echoP99: percentile(typed.latencies, 99),
      cpuPercent: cpu.percent,
      rssMiB: (rssOf(hub) + rssOf(client)) / MiB,
    };
  });
}

/** The screen's rows but the last (the status bar: flotilla's notices, tmux's clock). */
const withoutStatusRow = (text) => text.split("\n").slice(0, -1).join("\n");

/**
 * Reattach: `agents` panes each print `lines` lines (filling scrollback) then idle; the
 * screen is recorded, then `attaches` times: detach (prefix Ctrl-b d), `attach` in a fresh
 * outer pty of the same size, and time until the screen above the status row is again
 * exactly what it was before the detach (every visible pane drawn). ms, medians over the
 * attaches: `attachMs` spawn → drawn, `firstByteMs` spawn → first byte, and (flotilla)
 * `helloToDrawnMs` from the hub logging the client's hello to drawn.
 */
export async function measureReattach(target, { cols, rows, agents, lines, attaches }) {
  const panes = (s) => Array.from({ length: agents }, () => s.filledIdle(lines));
  return withSession(target, { cols, rows, panes }, async (session) => {
    const visible = await waitFilled(session, agents);
    // Past the idle-status switch, so pane titles do not change while detached.
    await sleep(SETTLE_MS);
    const before = withoutStatusRow(session.outer.text());
    const attach = [];
    const firstByte = [];
    const helloToDrawn = [];
    for (let i = 0; i < attaches; i++) {
      await session.detach();
      await sleep(300);
      const outer = session.attach();
      let drawnAt;
      try {
        drawnAt = await outer.waitFor((text) => withoutStatusRow(text) === before, {
          timeoutMs: 20_000,
          label: "the screen as it was before the detach",
        });
      } catch (error) {
        throw new Error(
          `${firstDifference(before, withoutStatusRow(outer.text()))}: ${error.message}`,
        );
      }
      attach.push(drawnAt - outer.spawnedAt);
      firstByte.push(outer.firstDataAt - outer.spawnedAt);
      if (session.hubLog) {
        const helloAt = helloTime(session.hubLog, outer.pid);
        if (helloAt !== undefined) helloToDrawn.push(drawnAt - helloAt);
      }
      await sleep(300);
    }
    return {
      attachMs: median(attach),
      firstByteMs: median(firstByte),
      helloToDrawnMs: helloToDrawn.length > 0 ? median(helloToDrawn) : undefined,
      attaches: attach.length,
      panesShowingFilled: visible,
    };
  });
}

/** The first row where two screens differ, for error messages. */
function firstDifference(expected, actual) {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const row = a.findIndex((line, i) => line !== b[i]);
  return `row ${row}: expected ${JSON.stringify(a[row])}, got ${JSON.stringify(b[row])}`;
}

/**
 * When the hub logged the hello of the client with process id `pid`, as a
 * `performance.now()` time; undefined when not found. Millisecond resolution. hub.log lines
 * are `<ISO time> hub[<hub pid>] cN connected: <client label> (<cols>x<rows>)` and the label
 * names the client's pid (`attach (pid 123)` today, `cockpit 123` before): any label that
 * holds the pid as a whole number matches, so a new wording does not lose the figure.
 */
function helloTime(hubLog, pid) {
  let text;
  try {
    text = readFileSync(hubLog, "utf8");
  } catch {
    return undefined;
  }
  const match = new RegExp(
    `^(\\S+) hub\\[\\d+\\] \\S+ connected: [^\\n]*[ (]${pid}[) ][^\\n]*$`,
    "m",
  ).exec(text);
  if (!match) return undefined;
  return Date.parse(match[1]) - performance.timeOrigin;
}

/**
 * Start-up: spawn to every pane title visible (flotilla; tmux has none, so its figure is the
 * READY row) and spawn to all four panes' READY visible. ms.
 */
export async function measureFirstFrame(target, { cols, rows }) {
  const panes = (s) => [s.readyIdle(), s.readyIdle(), s.readyIdle(), s.readyIdle()];
  return withSession(target, { cols, rows, panes }, async (session) => {
    const { outer, labels } = session;
    let titlesAt;
    const contentAt = await outer.waitFor(
      (text) => {
        if (titlesAt === undefined && labels.every((label) => text.includes(label)))
          titlesAt = outer.lastParsedArrival;
        return titlesAt !== undefined && countOf(text, "READY") >= 4;
      },
      { timeoutMs: 20_000, label: "titles and 4 READY" },
    );
    // tmux draws no titles: its first full frame is the panes' content.
    if (labels.length === 0) titlesAt = contentAt;
    return {
      titlesMs: titlesAt - outer.spawnedAt,
      contentMs: contentAt - outer.spawnedAt,
      firstOutputMs: outer.firstDataAt - outer.spawnedAt,
    };
  });
}
