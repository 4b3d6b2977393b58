#!/usr/bin/env node
/**
 * `npm run bench`: flotilla against tmux, side by side in one run, the rows of
 * PERFORMANCE.md. Prints a table (flotilla, tmux, ratio, target, met), then a second table of
 * flotilla against a baseline (`node -e 0`, 100 stored messages); never fails on time.
 *
 *   node bench/run.mjs [--json FILE] [--targets tmux,flotilla] [--only ids] [--reps N] [--quick]
 *
 * Row ids: throughput1 throughput4 flood latency cpu memory memgrow many reattach startup cli mail memcli merge, or one
 * table row as `<id>.<figure>` (e.g. `memory.hubMiB`). "flotilla" is the default `up` (hub
 * daemon + cockpit client over its socket); rows marked "(in-process)" run `up --in-process`.
 * Targets alternate order between repetitions so drift on a shared machine falls on both.
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { measureCliWall, measureConcurrentSenders, measureHistory } from "./lib/mail-rows.mjs";
import { measureMemoryCli } from "./lib/memory-rows.mjs";
import { measureMergeQueue } from "./lib/merge-rows.mjs";
import { listProcesses, readCmdline } from "./lib/procfs.mjs";
import { renderTable } from "./lib/report.mjs";
import {
  measureCpuRows,
  measureFirstFrame,
  measureLatency,
  measureManyPanes,
  measureMemory,
  measureMemoryGrowth,
  measureReattach,
  measureThroughput,
  median,
} from "./lib/rows.mjs";
import { writeStream } from "./lib/stream.mjs";
import { FLOTILLA_CLI, makeTemp, removeTemp } from "./lib/targets.mjs";
import { performance } from "node:perf_hooks";

// `flotilla trust` of the bench repos' runtimes goes to a trust file of this run, not the user's.
const benchConfigHome = makeTemp("flotilla-bench-config-");
process.env.XDG_CONFIG_HOME = benchConfigHome;
process.on("exit", () => removeTemp(benchConfigHome));

const GROUP_IDS = [
  "throughput1",
  "throughput4",
  "flood",
  "latency",
  "cpu",
  "memory",
  "memgrow",
  "many",
  "reattach",
  "startup",
  "cli",
  "mail",
  "memcli",
  "merge",
];
const { values: options } = parseArgs({
  options: {
    json: { type: "string" },
    targets: { type: "string", default: "flotilla,tmux" },
    only: { type: "string" },
    reps: { type: "string" },
    quick: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (options.help) {
  process.stdout.write(
    `usage: node bench/run.mjs [--json FILE] [--targets flotilla,tmux] [--only ${GROUP_IDS.join(",")}] [--reps N] [--quick]\n` +
      "  --only also takes single table rows as <id>.<figure>, e.g. memory.hubMiB\n",
  );
  process.exit(0);
}

const MiB = 1024 * 1024;
const quick = options.quick;
const reps = Number(options.reps ?? (quick ? 1 : 3));
const startupReps = quick ? 2 : Math.max(5, reps);
const targets = options.targets.split(",").filter(Boolean);
/** `--only`: group ids, or `group.figure` for one row (its group runs, only that row prints). */
const only = options.only ? options.only.split(",").filter(Boolean) : undefined;
for (const id of only ?? []) {
  if (!GROUP_IDS.includes(id.split(".")[0])) {
    process.stderr.write(`bench: unknown row "${id}"; rows: ${GROUP_IDS.join(", ")}\n`);
    process.exit(2);
  }
}
const wantGroup = (id) => !only || only.some((o) => o.split(".")[0] === id);
const wantMetric = (groupId, key) =>
  !only || only.some((o) => o === groupId || o === `${groupId}.${key}`);
/** The in-process flotilla runs where the default one does. */
const inProcess = targets.includes("flotilla") ? ["flotilla-inproc"] : [];
const log = (text) => process.stderr.write(`${text}\n`);

const streamDir = makeTemp("flotilla-bench-stream-");
const oneBytes = (quick ? 10 : 50) * MiB;
const fourBytes = (quick ? 5 : 20) * MiB;
const oneFile = path.join(streamDir, "one.ans");
/** The flood row: the same total split over 1, 4 and 16 panes (each pane cats its share). */
const floodPanes = [1, 4, 16];
const floodBytes = (quick ? 4 : 16) * MiB;
const floodFile = (n) => path.join(streamDir, `flood${n}.ans`);
const growLines = quick ? [1_000, 10_000] : [1_000, 10_000, 50_000];
const fourFile = path.join(streamDir, "four.ans");
const keyLines = quick ? 2 : 6;
const perLine = 40;
const attaches = quick ? 2 : 5;
const cliRuns = quick ? 3 : 10;
const mailRuns = quick ? 3 : 10;
const mailHistory = quick ? 5_000 : 100_000;
const senders = 32;
const perStore = quick ? 20 : 100;
const perCli = 1;
const memoryRuns = quick ? 3 : 10;
const mergeBranches = 20;
const mergeGateSeconds = quick ? 0.5 : 1;

/**
 * Row groups: one measurement function, run `reps` times per target, feeding one or more
 * table rows (`metrics`). A metric's figure is the median over repetitions.
 */
const groups = [
  {
    id: "throughput1",
    reps,
    // The pane's program straight in the outer pty: what this harness and machine allow.
    extraTargets: ["bare", ...inProcess],
    note: () => `1 pane, 120x40, cat of a ${(oneBytes / MiB).toFixed(0)} MiB mixed ANSI stream`,
    run: (target, size) =>
      measureThroughput(target, {
        file: oneFile,
        streamBytes: size.one,
        panes: 1,
        cols: 120,
        rows: 40,
      }),
    metrics: [
      {
        key: "mibPerSecond",
        what: "1 pane cat, throughput",
        unit: "MiB/s",
        digits: 1,
        target: "≥ 1.0× tmux",
        met: (f, t) => f >= t,
      },
      {
        key: "mibPerSecond",
        from: "flotilla-inproc",
        what: "1 pane cat, throughput (in-process)",
        unit: "MiB/s",
        digits: 1,
        target: "≥ 1.0× tmux",
        met: (f, t) => f >= t,
      },
      {
        key: "hubCpuMsPerMiB",
        what: "1 pane cat, hub (tmux server) CPU per MiB",
        unit: "ms",
        digits: 0,
        target: "",
        met: undefined,
      },
      {
        key: "clientCpuMsPerMiB",
        what: "1 pane cat, client CPU per MiB",
        unit: "ms",
        digits: 0,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "throughput4",
    reps,
    note: () => `4 panes, 160x48, each cat of a ${(fourBytes / MiB).toFixed(0)} MiB stream at once`,
    run: (target, size) =>
      measureThroughput(target, {
        file: fourFile,
        streamBytes: size.four,
        panes: 4,
        cols: 160,
        rows: 48,
      }),
    metrics: [
      {
        key: "mibPerSecond",
        what: "4 panes cat, total throughput",
        unit: "MiB/s",
        digits: 1,
        target: "≥ 1.0× tmux",
        met: (f, t) => f >= t,
      },
    ],
  },
  {
    id: "flood",
    reps,
    note: () =>
      `160x48, ${floodPanes.join("/")} panes flooding at once, ${(floodBytes / MiB).toFixed(0)} MiB in total split between them`,
    run: async (target, size) => {
      const out = {};
      for (const n of floodPanes) {
        const m = await measureThroughput(target, {
          file: floodFile(n),
          streamBytes: size.flood[n],
          panes: n,
          cols: 160,
          rows: 48,
        });
        out[`mib${n}`] = m.mibPerSecond;
      }
      return out;
    },
    metrics: floodPanes.map((n) => ({
      key: `mib${n}`,
      what: `${n} pane${n === 1 ? "" : "s"} flooding, total throughput`,
      unit: "MiB/s",
      digits: 1,
      target: "flat",
      met: undefined,
    })),
  },
  {
    id: "latency",
    reps: 1,
    extraTargets: inProcess,
    note: () =>
      `160x48, cat focused + 3 panes; ${keyLines * perLine} keystrokes per phase (in-process: idle phase only)`,
    run: (target) =>
      measureLatency(target, {
        cols: 160,
        rows: 48,
        lines: keyLines,
        perLine,
        busy: target !== "flotilla-inproc",
      }),
    metrics: [
      {
        key: "idleP50",
        what: "Keystroke echo via hub socket, idle, p50",
        unit: "ms",
        digits: 2,
        target: "≤ tmux + 2 ms",
        met: (f, t) => f <= t + 2,
      },
      {
        key: "idleP99",
        what: "Keystroke echo via hub socket, idle, p99",
        unit: "ms",
        digits: 2,
        target: "",
        met: undefined,
      },
      {
        key: "busyP50",
        what: "Keystroke echo via socket, 3 panes streaming, p50",
        unit: "ms",
        digits: 2,
        target: "",
        met: undefined,
      },
      {
        key: "busyP99",
        what: "Keystroke echo via socket, 3 panes streaming, p99",
        unit: "ms",
        digits: 2,
        target: "≤ 3× tmux",
        met: (f, t) => f <= 3 * t,
      },
      {
        key: "bytesPerChar",
        what: "Bytes to the terminal per typed char",
        unit: "B",
        digits: 1,
        target: "≤ 64",
        met: (f) => f <= 64,
      },
      {
        key: "idleP50",
        from: "flotilla-inproc",
        what: "Keystroke echo, idle, p50 (in-process)",
        unit: "ms",
        digits: 2,
        target: "≤ tmux + 2 ms",
        met: (f, t) => f <= t + 2,
      },
      {
        key: "idleP99",
        from: "flotilla-inproc",
        what: "Keystroke echo, idle, p99 (in-process)",
        unit: "ms",
        digits: 2,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "cpu",
    reps: 1,
    note: () =>
      "160x48, 4 panes; 5 s idle after a 10 s settle, then 10 s at 100 lines/s each; flotilla = client + hub",
    run: (target) =>
      measureCpuRows(target, {
        cols: 160,
        rows: 48,
        idleMs: quick ? 2000 : 5000,
        busyMs: quick ? 4000 : 10_000,
      }),
    metrics: [
      {
        key: "busyPercent",
        what: "CPU, 4 panes × 100 lines/s",
        unit: "% core",
        digits: 1,
        target: "≤ 2× tmux",
        met: (f, t) => f <= 2 * t,
      },
      {
        key: "idlePercent",
        what: "CPU, nothing changing",
        unit: "% core",
        digits: 2,
        target: "0",
        met: (f) => f < 0.5,
      },
      {
        key: "busyTerminalKiBps",
        what: "Terminal output, 4 × 100 lines/s",
        unit: "KiB/s",
        digits: 0,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "memory",
    reps: 1,
    extraTargets: inProcess,
    note: () =>
      "120x40, 8 panes each print 10,000 colored ~90-column lines then idle, scrollback/history-limit 10000; hub = hub daemon / tmux server, client = attached client",
    run: (target) => measureMemory(target, { cols: 120, rows: 40, agents: 8, lines: 10_000 }),
    metrics: [
      {
        key: "rssMiB",
        what: "Memory RSS, 8 × 10,000 lines, hub + client",
        unit: "MiB",
        digits: 1,
        target: "≤ 4× tmux, ≤ 250",
        met: (f, t) => f <= 4 * t && f <= 250,
      },
      {
        key: "hubMiB",
        what: "Memory RSS, 8 × 10,000 lines, hub alone",
        unit: "MiB",
        digits: 1,
        target: "",
        met: undefined,
      },
      {
        key: "clientMiB",
        what: "Memory RSS, 8 × 10,000 lines, client alone",
        unit: "MiB",
        digits: 1,
        target: "",
        met: undefined,
      },
      {
        key: "rssMiB",
        from: "flotilla-inproc",
        what: "Memory RSS, 8 × 10,000 lines (in-process)",
        unit: "MiB",
        digits: 1,
        target: "≤ 4× tmux, ≤ 250",
        met: (f, t) => f <= 4 * t && f <= 250,
      },
    ],
  },
  {
    id: "memgrow",
    reps: 1,
    note: () =>
      `120x40, 8 panes each print N colored ~90-column lines into a scrollback (history-limit) of N, N = ${growLines.join(", ")}`,
    run: (target) =>
      measureMemoryGrowth(target, { cols: 120, rows: 40, agents: 8, lineCounts: growLines }),
    metrics: growLines.flatMap((n) => [
      {
        key: `hub${n}MiB`,
        what: `Hub RSS, 8 × ${n.toLocaleString("en")} lines`,
        unit: "MiB",
        digits: 1,
        target: "",
        met: undefined,
      },
    ]),
  },
  {
    id: "many",
    reps: 1,
    note: () =>
      `240x64, 32 panes: cat focused, 31 print 10 lines/s each; echo over ${quick ? 2 * 20 : 6 * 20} keystrokes, CPU over ${quick ? 4 : 10} s`,
    run: (target) =>
      measureManyPanes(target, {
        cols: 240,
        rows: 64,
        agents: 32,
        perSecond: 10,
        lines: quick ? 2 : 6,
        perLine: 20,
        busyMs: quick ? 4000 : 10_000,
      }),
    metrics: [
      {
        key: "echoP50",
        what: "32 panes × 10 lines/s: echo p50",
        unit: "ms",
        digits: 2,
        target: "",
        met: undefined,
      },
      {
        key: "echoP99",
        what: "32 panes × 10 lines/s: echo p99",
        unit: "ms",
        digits: 2,
        target: "≤ 3× tmux",
        met: (f, t) => f <= 3 * t,
      },
      {
        key: "cpuPercent",
        what: "32 panes × 10 lines/s: CPU",
        unit: "% core",
        digits: 1,
        target: "",
        met: undefined,
      },
      {
        key: "rssMiB",
        what: "32 panes × 10 lines/s: RSS, hub + client",
        unit: "MiB",
        digits: 1,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "reattach",
    reps: 1,
    note: () =>
      `120x40, 8 panes (tmux: 8 panes in one window) each printed 10,000 lines; ${attaches} × (prefix d, attach) per target, each timed until the screen above the status row is as before the detach`,
    run: (target) =>
      measureReattach(target, { cols: 120, rows: 40, agents: 8, lines: 10_000, attaches }),
    metrics: [
      {
        key: "attachMs",
        what: "Reattach: spawn of attach → all panes drawn",
        unit: "ms",
        digits: 1,
        target: "",
        met: undefined,
      },
      {
        key: "helloToDrawnMs",
        tmuxKey: "attachMs",
        what: "Reattach: hub gets hello → all panes drawn",
        unit: "ms",
        digits: 1,
        target: "≤ 50 ms",
        met: (f) => f <= 50,
      },
      {
        key: "firstByteMs",
        what: "Reattach: spawn of attach → first byte",
        unit: "ms",
        digits: 1,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "startup",
    reps: startupReps,
    note: () =>
      "160x48, 4 panes; spawn of `flotilla up` (starting the hub daemon) / attached `tmux new-session`",
    run: (target) => measureFirstFrame(target, { cols: 160, rows: 48 }),
    metrics: [
      {
        key: "titlesMs",
        what: "Start to first full frame (titles)",
        unit: "ms",
        digits: 0,
        target: "≤ 400 ms",
        met: (f) => f <= 400,
      },
      {
        key: "firstOutputMs",
        what: "Start to first byte on the terminal",
        unit: "ms",
        digits: 0,
        target: "",
        met: undefined,
      },
      {
        key: "contentMs",
        what: "Start to all 4 panes' output",
        unit: "ms",
        digits: 0,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "cli",
    reps: 1,
    table: "baseline",
    targets: ["flotilla"],
    note: () =>
      `spawn to exit, ${cliRuns} interleaved runs each (after one untimed round), project with 8 agents, no hub`,
    run: () => measureCliWall({ runs: cliRuns }),
    metrics: [
      {
        key: "sendMs",
        refKey: "nodeMs",
        what: "`flotilla mail send` wall time vs node -e 0",
        unit: "ms",
        digits: 0,
        target: "≤ 2× node -e 0",
        met: (f, b) => f <= 2 * b,
      },
      {
        key: "lsMs",
        refKey: "nodeMs",
        what: "`flotilla ls` wall time vs node -e 0",
        unit: "ms",
        digits: 0,
        target: "≤ 2× node -e 0",
        met: (f, b) => f <= 2 * b,
      },
      {
        key: "listMs",
        refKey: "nodeMs",
        what: "`flotilla mail list` wall time vs node -e 0",
        unit: "ms",
        digits: 0,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "mail",
    reps: 1,
    table: "baseline",
    targets: ["flotilla"],
    note: () =>
      `MailStore in-process, medians of ${mailRuns}, ${mailHistory.toLocaleString("en-US")} vs 100 read messages stored; ${senders} sender processes: ${perStore} store sends each / ${perCli} CLI sends each`,
    run: async () => ({
      ...(await measureHistory({ history: mailHistory, runs: mailRuns })),
      ...(await measureConcurrentSenders({ senders, perStore, perCli })),
    }),
    metrics: [
      {
        key: "sendLargeMs",
        refKey: "sendSmallMs",
        what: `Mail send, ${mailHistory.toLocaleString("en-US")} stored vs 100`,
        unit: "ms",
        digits: 2,
        target: "flat (≤ 2×)",
        met: (f, b) => f <= 2 * b,
      },
      {
        key: "listLargeMs",
        refKey: "listSmallMs",
        what: `Mail list (50), ${mailHistory.toLocaleString("en-US")} stored vs 100`,
        unit: "ms",
        digits: 2,
        target: "flat (≤ 2×)",
        met: (f, b) => f <= 2 * b,
      },
      {
        key: "unreadLargeMs",
        refKey: "unreadSmallMs",
        what: `Mail unread check, ${mailHistory.toLocaleString("en-US")} stored vs 100`,
        unit: "ms",
        digits: 2,
        target: "flat (≤ 2×)",
        met: (f, b) => f <= 2 * b,
      },
      {
        key: "storeMsgPerSecond",
        what: `Mail throughput, ${senders} concurrent senders, store`,
        unit: "msg/s",
        digits: 0,
        target: "",
        met: undefined,
      },
      {
        key: "cliMsgPerSecond",
        what: `Mail throughput, ${senders} concurrent \`mail send\` CLIs`,
        unit: "msg/s",
        digits: 0,
        target: "",
        met: undefined,
      },
    ],
  },
  {
    id: "merge",
    reps: 1,
    table: "baseline",
    targets: ["flotilla"],
    note: () =>
      `${mergeBranches} branches each adding its own file, a gate that sleeps ${mergeGateSeconds} s; \`flotilla merge run\` (real binary) vs a plain git script (detached worktree, merge --no-ff, gate, update-ref) in the same run; bad = one branch the gate refuses`,
    run: async () => measureMergeQueue({ branches: mergeBranches, gateSeconds: mergeGateSeconds }),
    metrics: [
      {
        key: "overheadMs",
        refKey: "scriptOverheadMs",
        what: "Merge queue overhead per entry beyond the gate, batch 1, vs git script",
        unit: "ms",
        digits: 0,
        target: "≤ 2× script",
        met: (f, b) => f <= 2 * b,
      },
      {
        key: "batch4WallS",
        refKey: "batch1WallS",
        what: `Merge queue wall time, ${mergeBranches} branches, batch 4 vs batch 1`,
        unit: "s",
        digits: 1,
        target: "",
        met: undefined,
      },
      {
        key: "batch4GateRuns",
        refKey: "batch1GateRuns",
        what: `Gate runs, ${mergeBranches} branches, batch 4 vs batch 1`,
        unit: "runs",
        digits: 0,
        target: "",
        met: undefined,
      },
      {
        key: "badGateRuns",
        refKey: "batch1GateRuns",
        what: `Gate runs, ${mergeBranches} branches, one bad, batch 4 vs batch 1`,
        unit: "runs",
        digits: 0,
        target: "≤ 10 (serial: 20)",
        met: (f) => f <= 10,
      },
      {
        key: "badWallS",
        refKey: "batch1WallS",
        what: `Merge queue wall time, one bad, batch 4 vs batch 1`,
        unit: "s",
        digits: 1,
        target: "",
        met: undefined,
      },
    ],
  },
];

// Shared memory (issue 10): prime and search wall times, 10,000 records vs 100 and vs node.
groups.push({
  id: "memcli",
  reps: 1,
  table: "baseline",
  targets: ["flotilla"],
  note: () =>
    `spawn to exit of the real CLI, ${memoryRuns} interleaved runs each (after one untimed round); 10,000 vs 100 records across 20 domains; prime = every domain at the default 4,000-token budget; search = "validation errors"`,
  run: () => measureMemoryCli({ runs: memoryRuns }),
  metrics: [
    ["prime", "primeLargeMs", "primeSmallMs", "100 records", "flat (≤ 2×)"],
    ["prime", "primeLargeMs", "nodeMs", "node -e 0", "≤ 2× node -e 0"],
    ["search", "searchLargeMs", "searchSmallMs", "100 records", "flat (≤ 2×)"],
    ["search", "searchLargeMs", "nodeMs", "node -e 0", "≤ 2× node -e 0"],
  ].map(([command, key, refKey, against, target]) => ({
    key,
    refKey,
    what: `\`flotilla memory ${command}\`, 10,000 records vs ${against}`,
    unit: "ms",
    digits: 0,
    target,
    met: (f, b) => f <= 2 * b,
  })),
});

function describeMachine() {
  const version = (cmd, args) => {
    try {
      return execFileSync(cmd, args, {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      }).trim();
    } catch {
      return "unknown";
    }
  };
  return {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    loadAverage: os.loadavg().map((n) => Number(n.toFixed(2))),
    node: process.version,
    tmux: version("tmux", ["-V"]),
    commit: version("git", ["rev-parse", "--short", "HEAD"]),
  };
}

async function main() {
  const machine = describeMachine();
  if (targets.includes("flotilla") && !existsSync(FLOTILLA_CLI)) {
    log(`bench: ${FLOTILLA_CLI} is missing; build first (npm run bench builds it)`);
    process.exit(1);
  }
  const started = performance.now();
  const size = { one: 0, four: 0, flood: {} };
  if (wantGroup("throughput1") || wantGroup("throughput4")) {
    log(`bench: generating streams (${oneBytes / MiB} MiB and ${fourBytes / MiB} MiB, seed 1)…`);
    if (wantGroup("throughput1")) size.one = writeStream(oneFile, oneBytes, 1);
    if (wantGroup("throughput4")) size.four = writeStream(fourFile, fourBytes, 1);
  }
  if (wantGroup("flood")) {
    for (const n of floodPanes) size.flood[n] = writeStream(floodFile(n), floodBytes / n, 1);
  }

  const results = [];
  const records = [];
  for (const group of groups) {
    if (!wantGroup(group.id)) continue;
    // With single rows asked for, only the targets those rows show.
    const rowsOnly = only && !only.includes(group.id);
    const shown = new Set(
      group.metrics
        .filter((m) => wantMetric(group.id, m.key))
        .flatMap((m) => [m.from ?? "flotilla", ...(m.refKey ? [] : ["tmux"])]),
    );
    const groupTargets = (
      group.targets
        ? group.targets.filter((t) => targets.includes(t))
        : [...targets, ...(group.extraTargets ?? [])]
    ).filter((t) => !rowsOnly || shown.has(t));
    const samples = Object.fromEntries(groupTargets.map((t) => [t, []]));
    const errors = {};
    for (let rep = 0; rep < group.reps; rep++) {
      const order = rep % 2 === 0 ? groupTargets : [...groupTargets].reverse();
      for (const target of order) {
        if (errors[target]) continue;
        const t0 = performance.now();
        try {
          const sample = await group.run(target, size);
          samples[target].push(sample);
          log(
            `bench: ${group.id} ${target} #${rep + 1}: ${JSON.stringify(round(sample))} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
          );
        } catch (error) {
          errors[target] = String(error?.message ?? error)
            .split("\n")
            .slice(0, 12)
            .join("\n");
          log(`bench: ${group.id} ${target} FAILED: ${error?.stack ?? errors[target]}`);
        }
      }
    }
    records.push({
      id: group.id,
      note: group.note(),
      reps: group.reps,
      baseline: group.table === "baseline",
      samples,
      errors,
    });
    for (const metric of group.metrics) {
      if (!wantMetric(group.id, metric.key)) continue;
      const from = metric.from ?? "flotilla";
      const figure = (target, key) => {
        const values = (samples[target] ?? [])
          .map((s) => s[key])
          .filter((v) => typeof v === "number");
        return values.length ? median(values) : undefined;
      };
      const flotilla = figure(from, metric.key);
      // The second figure: tmux's (from the same key, or `tmuxKey`), or in the baseline
      // table the same sample's `refKey`.
      const tmux = metric.refKey
        ? figure(from, metric.refKey)
        : figure("tmux", metric.tmuxKey ?? metric.key);
      const met =
        metric.met && flotilla !== undefined && (tmux !== undefined || metric.met.length < 2)
          ? metric.met(flotilla, tmux)
          : undefined;
      results.push({
        id: `${group.id}.${metric.key}${metric.from ? `@${metric.from}` : ""}`,
        table: group.table ?? "tmux",
        what: metric.what,
        unit: metric.unit,
        digits: metric.digits,
        flotilla,
        tmux,
        ratio: flotilla !== undefined && tmux ? flotilla / tmux : undefined,
        target: metric.target,
        met,
        flotillaError: errors[from],
        tmuxError: metric.refKey ? errors[from] : errors.tmux,
      });
    }
  }
  removeTemp(streamDir);
  const seconds = (performance.now() - started) / 1000;
  const leftovers = leftoverHubs();

  const out = process.stdout;
  out.write(
    `\nflotilla vs tmux — ${machine.date}, ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadAverage.join(" ")}\n`,
  );
  out.write(
    `${machine.tmux}, Node ${machine.node}, commit ${machine.commit}; ratio = flotilla / tmux; medians\n`,
  );
  out.write(
    "flotilla = `flotilla up` (hub daemon + cockpit client over its Unix socket); (in-process) = `up --in-process`\n\n",
  );
  const vsTmux = results.filter((r) => r.table === "tmux");
  const vsBaseline = results.filter((r) => r.table === "baseline");
  if (vsTmux.length > 0) out.write(`${renderTable(vsTmux)}\n\n`);
  if (vsBaseline.length > 0) {
    out.write("flotilla vs a baseline (named in each row); ratio = flotilla / baseline\n\n");
    out.write(`${renderTable(vsBaseline, { reference: "baseline" })}\n\n`);
  }
  for (const record of records) {
    const runs = record.reps > 1 ? `${record.reps} runs per target` : "1 run per target";
    out.write(`  ${record.id}: ${record.note}${record.baseline ? "" : `; ${runs}`}\n`);
    for (const list of [record.samples.bare ?? []]) {
      if (list.length === 0) continue;
      const mibs = median(list.map((sample) => sample.mibPerSecond));
      out.write(`    bare (no multiplexer, same harness): ${mibs.toFixed(1)} MiB/s\n`);
    }
    for (const [target, error] of Object.entries(record.errors))
      out.write(`    ${target} failed: ${error.split("\n")[0].slice(0, 300)}\n`);
  }
  out.write(
    `\nTotal ${seconds.toFixed(0)} s. Figures are printed, never judged: a "NO" is a finding, not a failure.\n`,
  );
  if (leftovers.length > 0)
    out.write(`WARNING: hub daemons of this bench still running: ${leftovers.join(", ")}\n`);
  if (options.json) {
    writeFileSync(
      options.json,
      `${JSON.stringify({ machine, seconds, streams: size, results, runs: records }, null, 2)}\n`,
    );
    out.write(`JSON written to ${options.json}\n`);
  }
}

/**
 * Pids of hub daemons started from this build for a bench temp repo that are still alive:
 * every session's clean-up runs `flotilla hub stop -y`, so this should be empty. A daemon's
 * command line is `node <this dist>/daemon.bundle.js <root> <socket>` (or `daemon.js`
 * without the bundle; `hub/main.js` in older builds).
 */
function leftoverHubs() {
  const dist = path.dirname(FLOTILLA_CLI);
  const entries = new Set(
    ["daemon.bundle.js", "daemon.js", path.join("hub", "main.js")].map((f) => path.join(dist, f)),
  );
  const tmp = os.tmpdir() + path.sep;
  return listProcesses()
    .filter((p) => {
      const argv = readCmdline(p.pid);
      return entries.has(argv[1]) && (argv[2] ?? "").startsWith(`${tmp}flotilla-bench-`);
    })
    .map((p) => p.pid);
}

/** Rounds every number in a flat sample object for the progress log. */
function round(sample) {
  return Object.fromEntries(
    Object.entries(sample).map(([k, v]) => [k, typeof v === "number" ? Number(v.toFixed(2)) : v]),
  );
}

await main();
