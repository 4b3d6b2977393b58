import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { findExecutable } from "../../src/runtimes/profiles.js";
import { stopHub, type TerminalDriver } from "./harness.js";

/**
 * What the end-to-end tests of the real agent CLIs (claude, gemini, opencode) share.
 *
 * The CLI is found through `envVar` (what `.ci/run` sets), on PATH, or in /tmp/clis (where
 * scripts/capture-cli-screens.mjs says to install them); `undefined` when it is nowhere.
 */
export function findRealCli(envVar: string, command: string): string | undefined {
  const candidates = [
    process.env[envVar],
    findExecutable(command, process.env.PATH),
    `/tmp/clis/node_modules/.bin/${command}`,
  ];
  return candidates.find((file): file is string => file !== undefined && existsSync(file));
}

/**
 * A throwaway HOME for the real CLI `cli`: `bin/<command>` links to it (put `bin` first on
 * PATH) and `tmp/` is its TMPDIR, so what it writes goes with the home.
 */
export function makeCliHome(
  command: string,
  cli: string,
): { home: string; bin: string; tmp: string } {
  const home = mkdtempSync(path.join(os.tmpdir(), `flotilla-${command}-home-`));
  const bin = path.join(home, "bin");
  const tmp = path.join(home, "tmp");
  mkdirSync(bin);
  mkdirSync(tmp);
  symlinkSync(cli, path.join(bin, command));
  return { home, bin, tmp };
}

/** The JSON lines of `file` (an agent-events log), `[]` while it does not exist. */
export function readJsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

/** After each test: the cockpit closed, the project's hub stopped, repo and home removed. */
export function cleanUpRun(
  driver: TerminalDriver | undefined,
  repo: string | undefined,
  home: string | undefined,
): void {
  driver?.dispose();
  if (repo) stopHub(repo);
  for (const dir of [home, repo]) {
    if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
  }
}
