#!/usr/bin/env node
// Mail benchmark: prints figures, never passes or fails. Needs a build (npx tsc -p tsconfig.build.json).
//   node bench/mail.mjs [--history 100000] [--runs 20] [--per-store 200] [--per-cli 3]
// 1. `flotilla mail send` (and `mail list`, `ls`) wall time against `node -e 0` (median of --runs).
// 2. store send / list / unread-check cost with --history messages stored vs 100.
// 3. throughput with 32 concurrent senders (in-process loops, and CLI invocations).
// The same measurements (smaller) are rows `cli` and `mail` of `node bench/run.mjs`.
import os from "node:os";
import { measureCliWall, measureConcurrentSenders, measureStoreCosts } from "./lib/mail-rows.mjs";

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const HISTORY = arg("--history", 100_000);
const RUNS = arg("--runs", 20);
const PER_STORE = arg("--per-store", 200);
const PER_CLI = arg("--per-cli", 3);
const ms = (x) => `${x.toFixed(1)} ms`;

console.log(
  `mail bench · node ${process.version} · ${os.cpus().length} cpus · loadavg ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);

// 1. CLI start-up cost.
{
  const wall = measureCliWall({ runs: RUNS });
  console.log(`\n1. CLI wall time, median of ${RUNS}`);
  console.log(`   node -e 0            ${ms(wall.nodeMs)}`);
  console.log(
    `   flotilla mail send   ${ms(wall.sendMs)}  (+${ms(wall.sendMs - wall.nodeMs)} over node)`,
  );
  console.log(`   flotilla mail list   ${ms(wall.listMs)}`);
  console.log(`   flotilla ls          ${ms(wall.lsMs)}`);
}

// 2. Flat cost as history grows.
{
  console.log(
    `\n2. store cost vs history size (in-process, median of ${RUNS}; history = read mail, 100/hour)`,
  );
  await measureStoreCosts(100, { runs: RUNS }); // JIT and page cache, not reported
  const rows = [
    ["100", await measureStoreCosts(100, { runs: RUNS })],
    [String(HISTORY), await measureStoreCosts(HISTORY, { runs: RUNS })],
  ];
  console.log(`   stored      send      list(50)  unread    find(old id)   (seeding took)`);
  for (const [label, r] of rows)
    console.log(
      `   ${label.padEnd(10)}  ${ms(r.send).padEnd(8)}  ${ms(r.list).padEnd(8)}  ${ms(r.unread).padEnd(8)}  ${ms(r.find).padEnd(12)}   ${(r.seedMs / 1000).toFixed(1)} s`,
    );
}

// 3. Throughput with 32 concurrent senders.
{
  const r = await measureConcurrentSenders({ senders: 32, perStore: PER_STORE, perCli: PER_CLI });
  console.log(`\n3. throughput, 32 concurrent senders`);
  console.log(
    `   store, ${PER_STORE} msgs each: ${32 * PER_STORE} messages in ${r.storeMs} ms of sending = ${Math.round(r.storeMsgPerSecond)} msg/s`,
  );
  console.log(
    `   CLI, ${PER_CLI} sends each:   ${32 * PER_CLI} messages in ${Math.round(r.cliMs)} ms = ${Math.round(r.cliMsgPerSecond)} msg/s (each a full flotilla process)`,
  );
}
