#!/usr/bin/env node
/**
 * `npm run bench`: flotilla against tmux, side by side in one run, the rows of
 * PERFORMANCE.md. Prints a table (flotilla, tmux, ratio, target, met); never fails on time.
 *
 *   node bench/run.mjs [--json FILE] [--targets tmux,flotilla] [--only ids] [--reps N] [--quick]
 *
 * Row ids: throughput1 throughput4 latency cpu memory startup. Targets alternate order
 * between repetitions so drift on a shared machine falls on both.
 */
import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { renderTable } from "./lib/report.mjs";
import {
  measureCpuRows,
  measureFirstFrame,
  measureLatency,
  measureMemory,
  measureThroughput,
  median,
} from "./lib/rows.mjs";
import { writeStream } from "./lib/stream.mjs";
import { FLOTILLA_CLI, makeTemp, removeTemp } from "./lib/targets.mjs";
import { performance } from "node:perf_hooks";

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
    "usage: node bench/run.mjs [--json FILE] [--targets flotilla,tmux] [--only throughput1,throughput4,latency,cpu,memory,startup] [--reps N] [--quick]\n",
  );
  process.exit(0);
}

const MiB = 1024 * 1024;
const quick = options.quick;
const reps = Number(options.reps ?? (quick ? 1 : 3));
const startupReps = quick ? 2 : Math.max(5, reps);
const targets = options.targets.split(",").filter(Boolean);
const only = options.only ? new Set(options.only.split(",")) : undefined;
const log = (text) => process.stderr.write(`${text}\n`);

const streamDir = makeTemp("flotilla-bench-stream-");
const oneBytes = (quick ? 10 : 50) * MiB;
const fourBytes = (quick ? 5 : 20) * MiB;
const oneFile = path.join(streamDir, "one.ans");
const fourFile = path.join(streamDir, "four.ans");
const keyLines = quick ? 2 : 6;
const perLine = 40;

/**
 * Row groups: one measurement function, run `reps` times per target, feeding one or more
 * table rows (`metrics`). A metric's figure is the median over repetitions.
 */
const groups = [
  {
    id: "throughput1",
    reps,
    // The pane's program straight in the outer pty: what this harness and machine allow.
    extraTargets: ["bare"],
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
    id: "latency",
    reps: 1,
    note: () => `160x48, cat focused + 3 panes; ${keyLines * perLine} keystrokes per phase`,
    run: (target) => measureLatency(target, { cols: 160, rows: 48, lines: keyLines, perLine }),
    metrics: [
      {
        key: "idleP50",
        what: "Keystroke echo, idle, p50",
        unit: "ms",
        digits: 2,
        target: "≤ tmux + 2 ms",
        met: (f, t) => f <= t + 2,
      },
      {
        key: "idleP99",
        what: "Keystroke echo, idle, p99",
        unit: "ms",
        digits: 2,
        target: "",
        met: undefined,
      },
      {
        key: "busyP50",
        what: "Keystroke echo, 3 panes streaming, p50",
        unit: "ms",
        digits: 2,
        target: "",
        met: undefined,
      },
      {
        key: "busyP99",
        what: "Keystroke echo, 3 panes streaming, p99",
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
    ],
  },
  {
    id: "cpu",
    reps: 1,
    note: () => "160x48, 4 panes; 5 s idle after a 3.5 s settle, then 10 s at 100 lines/s each",
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
    note: () =>
      "120x40, 8 panes each print 10,000 colored ~90-column lines then idle, scrollback/history-limit 10000",
    run: (target) => measureMemory(target, { cols: 120, rows: 40, agents: 8, lines: 10_000 }),
    metrics: [
      {
        key: "rssMiB",
        what: "Memory RSS, 8 × 10,000 lines",
        unit: "MiB",
        digits: 1,
        target: "≤ 4× tmux, ≤ 250",
        met: (f, t) => f <= 4 * t && f <= 250,
      },
    ],
  },
  {
    id: "startup",
    reps: startupReps,
    note: () => "160x48, 4 panes; spawn of `flotilla up` / attached `tmux new-session`",
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
];

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
  log(`bench: generating streams (${oneBytes / MiB} MiB and ${fourBytes / MiB} MiB, seed 1)…`);
  const size = {
    one: writeStream(oneFile, oneBytes, 1),
    four: writeStream(fourFile, fourBytes, 1),
  };

  const results = [];
  const records = [];
  for (const group of groups) {
    if (only && !only.has(group.id)) continue;
    const groupTargets = [...targets, ...(group.extraTargets ?? [])];
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
          log(`bench: ${group.id} ${target} FAILED: ${errors[target]}`);
        }
      }
    }
    records.push({ id: group.id, note: group.note(), reps: group.reps, samples, errors });
    for (const metric of group.metrics) {
      const figure = (target) =>
        samples[target]?.length ? median(samples[target].map((s) => s[metric.key])) : undefined;
      const flotilla = figure("flotilla");
      const tmux = figure("tmux");
      const met =
        metric.met && flotilla !== undefined && (tmux !== undefined || metric.met.length < 2)
          ? metric.met(flotilla, tmux)
          : undefined;
      results.push({
        id: `${group.id}.${metric.key}`,
        what: metric.what,
        unit: metric.unit,
        digits: metric.digits,
        flotilla,
        tmux,
        ratio: flotilla !== undefined && tmux ? flotilla / tmux : undefined,
        target: metric.target,
        met,
        flotillaError: errors.flotilla,
        tmuxError: errors.tmux,
      });
    }
  }
  removeTemp(streamDir);
  const seconds = (performance.now() - started) / 1000;

  const out = process.stdout;
  out.write(
    `\nflotilla vs tmux — ${machine.date}, ${machine.cpus} × ${machine.cpuModel}, load ${machine.loadAverage.join(" ")}\n`,
  );
  out.write(
    `${machine.tmux}, Node ${machine.node}, commit ${machine.commit}; ratio = flotilla / tmux; medians\n\n`,
  );
  out.write(`${renderTable(results)}\n\n`);
  for (const record of records) {
    out.write(
      `  ${record.id}: ${record.note}; ${record.reps} run${record.reps > 1 ? "s" : ""} per target\n`,
    );
    for (const [target, list] of Object.entries(record.samples)) {
      if (target === "flotilla" || target === "tmux" || list.length === 0) continue;
      const mibs = median(list.map((sample) => sample.mibPerSecond));
      out.write(`    ${target} (no multiplexer, same harness): ${mibs.toFixed(1)} MiB/s\n`);
    }
    for (const [target, error] of Object.entries(record.errors))
      out.write(`    ${target} failed: ${error.split("\n")[0].slice(0, 300)}\n`);
  }
  out.write(
    `\nTotal ${seconds.toFixed(0)} s. Figures are printed, never judged: a "NO" is a finding, not a failure.\n`,
  );
  if (options.json) {
    writeFileSync(
      options.json,
      `${JSON.stringify({ machine, seconds, streams: size, results, runs: records }, null, 2)}\n`,
    );
    out.write(`JSON written to ${options.json}\n`);
  }
}

/** Rounds every number in a flat sample object for the progress log. */
function round(sample) {
  return Object.fromEntries(
    Object.entries(sample).map(([k, v]) => [k, typeof v === "number" ? Number(v.toFixed(2)) : v]),
  );
}

await main();
