import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { performance } from "node:perf_hooks";

/**
 * Readers for Linux `/proc`: CPU time and resident memory of other processes (which
 * `process.cpuUsage()` cannot give), and the process tree. A process that exits between
 * listing and reading is skipped, never an error.
 */

/** Clock ticks per second, the unit of `utime`/`stime` in `/proc/<pid>/stat`. */
export const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** `{ pid, ppid, comm, cpuMs }` for `pid`, or `undefined` when it is gone. */
export function readStat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // comm sits in parentheses and may contain spaces; fields after it are positional.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  const ppid = Number(fields[1]);
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { pid, ppid, comm, cpuMs: (ticks * 1000) / CLOCK_TICKS };
}

/** Resident set size of `pid` in bytes (VmRSS), or 0 when it is gone. */
export function readRss(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live process: `{ pid, ppid, comm, cpuMs }[]`. */
export function listProcesses() {
  const out = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) out.push(stat);
  }
  return out;
}

/** Pids of every descendant of `root` (not `root` itself). */
export function descendants(root, processes = listProcesses()) {
  const children = new Map();
  for (const p of processes) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p.pid);
  }
  const out = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop();
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** The command line of `pid` as an argv array ([] when gone). */
export function readCmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  } catch {
    return [];
  }
}

/** The working directory of `pid`, or "" when gone or not ours. */
export function readCwd(pid) {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return "";
  }
}

/** Sum of CPU time of `pids` in ms (gone pids count 0). */
export function cpuMsOf(pids) {
  let total = 0;
  for (const pid of pids) total += readStat(pid)?.cpuMs ?? 0;
  return total;
}

/** Sum of RSS of `pids` in bytes. */
export function rssOf(pids) {
  let total = 0;
  for (const pid of pids) total += readRss(pid);
  return total;
}

/**
 * CPU use of a set of processes over `ms` milliseconds of wall time, as a percentage of one
 * core. `pidsFn()` is called at the start and the end; only processes alive at both count.
 */
export async function measureCpu(pidsFn, ms) {
  const before = new Map(pidsFn().map((pid) => [pid, readStat(pid)?.cpuMs]));
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = new Map(pidsFn().map((pid) => [pid, readStat(pid)?.cpuMs]));
  const wall = performance.now() - start;
  let used = 0;
  for (const [pid, end] of after) {
    const begin = before.get(pid);
    if (begin !== undefined && end !== undefined) used += end - begin;
  }
  return { percent: (100 * used) / wall, cpuMs: used, wallMs: wall, pids: [...after.keys()] };
}
