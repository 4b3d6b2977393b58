import { readFileSync } from "node:fs";

/**
 * Processes by identity, not by bare pid. A recorded pid outlives its process: once the
 * process is gone the kernel hands the number to another one, so signalling a recorded pid
 * could kill an unrelated program. A process is identified by its pid plus its start time
 * (`/proc/<pid>/stat` field 22, in clock ticks since boot), which no later process with the
 * same pid can share.
 */

/** What `/proc/<pid>/stat` says about one process (see proc(5)). */
export interface ProcessInfo {
  /** Field 3: R, S, D, Z (zombie), T... */
  state: string;
  /** Field 5: the process group id. */
  pgrp: number;
  /** Field 8: the foreground process group of its controlling terminal (-1 without one). */
  tpgid?: number;
  /** Field 22: start time in clock ticks after boot. */
  start: number;
}

/** Reads one process's entry; injected in tests to stand for a reused pid. */
export type ProcessTable = (pid: number) => ProcessInfo | undefined;

/** The process table of this machine, from `/proc/<pid>/stat`; `undefined` when no such pid. */
export const procTable: ProcessTable = (pid) => {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is parenthesised and may hold spaces or ")": cut at the last ")".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const start = Number(fields[19]);
  const pgrp = Number(fields[2]);
  const tpgid = Number(fields[5]);
  if (!Number.isFinite(start) || !Number.isFinite(pgrp)) return undefined;
  return { state: fields[0] ?? "?", pgrp, start, ...(Number.isFinite(tpgid) ? { tpgid } : {}) };
};

/** The start time (field 22) of the live process `pid`, or `undefined` when there is none. */
export function processStartTime(pid: number, table: ProcessTable = procTable): number | undefined {
  const info = table(pid);
  return info && info.state !== "Z" ? info.start : undefined;
}

/**
 * True when a process with `pid` exists and is not a zombie. Signal 0 probes without
 * signalling (EPERM: it exists, owned by someone else); a zombie (an exited hub whose
 * parent has not reaped it) counts as gone. Says nothing about which process it is: use
 * {@link isSameProcess} before signalling a recorded pid.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  const info = procTable(pid);
  return info === undefined || info.state !== "Z";
}

/**
 * A recorded process: its pid and, when known, its start time (`/proc` field 22); records of
 * older versions carry only `startedAt` (ISO-8601), which is used with a 2 s tolerance.
 */
export interface ProcessIdentity {
  pid?: number | undefined;
  pidStart?: number | undefined;
  startedAt?: string | undefined;
}

/**
 * True when the process recorded as `who` is still the one running under its pid: alive, not
 * a zombie, and started at the recorded time.
 */
export function isSameProcess(who: ProcessIdentity, table: ProcessTable = procTable): boolean {
  if (who.pid === undefined) return false;
  const info = table(who.pid);
  if (info === undefined || info.state === "Z") return false;
  if (who.pidStart !== undefined) return info.start === who.pidStart;
  // Written by an older version: only a process started within 2 s of the recorded start.
  const started = who.startedAt !== undefined ? Date.parse(who.startedAt) : NaN;
  const boot = bootTimeMs();
  if (Number.isNaN(started) || boot === undefined) return false;
  return Math.abs(boot + (info.start * 1000) / CLOCK_TICKS - started) < 2000;
}

/** USER_HZ: the unit of `/proc` start times on Linux (100 on every mainstream platform). */
const CLOCK_TICKS = 100;

let bootTime: number | undefined;

/** When the machine booted (`btime` in `/proc/stat`), in ms since the epoch. */
function bootTimeMs(): number | undefined {
  if (bootTime !== undefined) return bootTime;
  try {
    const match = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    bootTime = match?.[1] ? Number(match[1]) * 1000 : undefined;
  } catch {
    bootTime = undefined;
  }
  return bootTime;
}

/**
 * Hangs up the process recorded as `who` (SIGHUP, then SIGTERM), but only while it is still
 * that process ({@link isSameProcess}, checked again before each signal): its process group
 * when it leads one (a pty child leads its session), else the pid alone. Returns true when
 * a signal was sent.
 */
export function hangUp(who: ProcessIdentity, table: ProcessTable = procTable): boolean {
  let sent = false;
  for (const sig of ["SIGHUP", "SIGTERM"] as const) {
    const info = isSameProcess(who, table) ? table(who.pid!) : undefined;
    if (!info) break;
    const pid = who.pid!;
    try {
      process.kill(info.pgrp === pid ? -pid : pid, sig);
      sent = true;
    } catch {
      // Gone meanwhile.
    }
  }
  return sent;
}

/**
 * True when the program in the foreground of `pid`'s terminal is `pid`'s own process group:
 * for an agent's pty child (which leads its group), the runtime itself and not a program it
 * started in the foreground (vim from a shell, a pager, a REPL). The pty's foreground
 * process group decides (`/proc/<pid>/stat` field 8, what tcgetpgrp(3) reports).
 */
export function isForegroundOwner(pid: number, table: ProcessTable = procTable): boolean {
  const info = table(pid);
  return info !== undefined && info.state !== "Z" && info.tpgid === info.pgrp && info.pgrp === pid;
}
