import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as pty from "node-pty";
import xtermHeadless from "@xterm/headless";
import { git, makeRepo as makeTempRepo } from "../git/temp-repo.js";

const { Terminal } = xtermHeadless;

/** Absolute path of the built CLI the end-to-end tests drive. */
export const CLI = path.resolve(import.meta.dirname, "../../dist/cli.js");

/** Runs the built CLI to completion; returns its exit status and output. */
export function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, ...env, FLOTILLA_ROOT: "" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const e = error as { status: number; stdout: string; stderr: string };
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A temp git repository with one commit; returns its real path. */
export function makeRepo(prefix = "flotilla-e2e-"): string {
  const dir = makeTempRepo({ prefix });
  // The CLI under test runs with its own environment: give the repository an identity.
  git(dir, "config", "user.email", "test@example.com");
  git(dir, "config", "user.name", "Test");
  return dir;
}

/**
 * The real `flotilla` binary in a real pty, read through a headless terminal: what a user
 * would see. `screen()` is the visible text, one string per row.
 */
export class TerminalDriver {
  readonly term: InstanceType<typeof Terminal>;
  readonly proc: pty.IPty;
  private output = "";
  exitCode: number | undefined;
  private readonly exited: Promise<number>;

  constructor(
    args: string[],
    cwd: string,
    size = { cols: 160, rows: 48 },
    env: Record<string, string> = {},
  ) {
    this.term = new Terminal({
      cols: size.cols,
      rows: size.rows,
      allowProposedApi: true,
      scrollback: 0,
    });
    this.proc = pty.spawn(process.execPath, [CLI, ...args], {
      name: "xterm-256color",
      cols: size.cols,
      rows: size.rows,
      cwd,
      env: { ...process.env, FLOTILLA_ROOT: "", TERM: "xterm-256color", ...env } as Record<
        string,
        string
      >,
    });
    this.proc.onData((data) => {
      this.output += data;
      this.term.write(data);
    });
    this.exited = new Promise((resolve) =>
      this.proc.onExit(({ exitCode }) => {
        this.exitCode = exitCode;
        resolve(exitCode);
      }),
    );
  }

  /** Everything the program wrote so far, raw. */
  get raw(): string {
    return this.output;
  }

  /** Rows of the visible screen as plain text (after pending writes are parsed). */
  async screen(): Promise<string[]> {
    // Read as a terminal that honours synchronized output shows it: never half a frame
    // (a frame can reach us in several reads). Bounded, for a program killed mid-frame.
    for (let i = 0; i < 200 && this.insideFrame(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await new Promise<void>((resolve) => this.term.write("", resolve));
    const buffer = this.term.buffer.active;
    const rows: string[] = [];
    for (let y = 0; y < this.term.rows; y++) {
      rows.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? "");
    }
    return rows;
  }

  /** True while the output so far ends inside a synchronized-output frame (ESC[?2026h). */
  private insideFrame(): boolean {
    return this.output.lastIndexOf("\x1b[?2026h") > this.output.lastIndexOf("\x1b[?2026l");
  }

  /** The visible screen as one string. */
  async text(): Promise<string> {
    return (await this.screen()).join("\n");
  }

  /** Waits until `predicate(screen text)` holds; throws with the screen after `timeoutMs`. */
  async waitFor(
    predicate: string | RegExp | ((text: string) => boolean),
    timeoutMs = 15_000,
  ): Promise<string> {
    const test =
      typeof predicate === "string"
        ? (text: string) => text.includes(predicate)
        : predicate instanceof RegExp
          ? (text: string) => predicate.test(text)
          : predicate;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = await this.text();
      if (test(text)) return text;
      if (this.exitCode !== undefined)
        throw new Error(
          `program exited (${this.exitCode}) while waiting for ${String(predicate)}:\n${text}`,
        );
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${String(predicate)}; screen:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Types raw bytes into the program. */
  type(data: string): void {
    this.proc.write(data);
  }

  /** Resizes the outer terminal (and so the program's). */
  resize(cols: number, rows: number): void {
    this.term.resize(cols, rows);
    this.proc.resize(cols, rows);
  }

  /** Waits for the program to exit (kills it after `timeoutMs`). */
  async waitExit(timeoutMs = 10_000): Promise<number> {
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), timeoutMs);
    try {
      const code = await this.exited;
      // node-pty may report the exit before the last bytes (the terminal's restore) are
      // read: wait for them (a condition, capped), then for the headless terminal to parse.
      const deadline = Date.now() + 5_000;
      while (!this.restoredOrNeverEntered() && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise<void>((resolve) => this.term.write("", resolve));
      return code;
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when the last alternate-screen entry in the output is followed by its exit. */
  private restoredOrNeverEntered(): boolean {
    const entered = this.output.lastIndexOf("\x1b[?1049h");
    return entered < 0 || this.output.indexOf("\x1b[?1049l", entered) >= 0;
  }

  /** Kills the program if still running. */
  dispose(): void {
    if (this.exitCode === undefined) {
      try {
        this.proc.kill("SIGKILL");
      } catch {
        // Already gone.
      }
    }
    this.term.dispose();
  }
}

/** Ctrl-b, the default prefix key. */
export const PREFIX = "\x02";

/**
 * A repo with plain bash agents (prompt "$ ") named `names`, plus one agent per entry of
 * `commands` (`{ name: shell command }`, run with `bash -c`), spawned under its own runtime.
 */
export function repoWithShells(
  names = ["sh1", "sh2", "sh3"],
  commands: Record<string, string> = {},
): string {
  const repo = makeRepo();
  if (runCli(["init"], repo).status !== 0) throw new Error("flotilla init failed");
  const configPath = path.join(repo, ".flotilla", "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  const bash = ["--norc", "--noprofile"];
  config.runtimes = {
    bash: { command: "bash", args: bash, env: { PS1: "$ " }, prompt: { mode: "none" } },
  };
  for (const [name, command] of Object.entries(commands)) {
    config.runtimes[name] = {
      command: "bash",
      args: [...bash, "-c", command],
      prompt: { mode: "none" },
    };
  }
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  if (runCli(["trust"], repo).status !== 0) throw new Error("flotilla trust failed");
  for (const name of names) spawnOrThrow(repo, name, "bash");
  for (const name of Object.keys(commands)) spawnOrThrow(repo, name, name);
  return repo;
}

/** Column span [start, end) of the pane whose title contains `name`, from the screen. */
export function paneColumns(rows: string[], name: string): [number, number] {
  for (const row of rows) {
    const at = row.indexOf(` ${name} `);
    if (at < 0) continue;
    const start = Math.max(row.lastIndexOf("╭", at), row.lastIndexOf("┏", at));
    const endRound = row.indexOf("╮", at);
    const endBold = row.indexOf("┓", at);
    const ends = [endRound, endBold].filter((n) => n >= 0);
    return [start, Math.min(...ends) + 1];
  }
  throw new Error(`no pane titled ${name}:\n${rows.join("\n")}`);
}

export function columnOf(rows: string[], text: string): number {
  for (const row of rows) {
    const at = row.indexOf(text);
    if (at >= 0) return at;
  }
  return -1;
}

function spawnOrThrow(repo: string, name: string, runtime: string): void {
  const result = runCli(["spawn", name, "--runtime", runtime], repo);
  if (result.status !== 0) throw new Error(`spawn ${name} failed: ${result.stderr}`);
}

/** Stops the repo's hub daemon (and its agents), if one runs; for test clean-up. */
export function stopHub(repo: string): void {
  runCli(["hub", "stop", "-y"], repo);
}

/** Rows of the pane titled `name`, inside its frame (for comparing one pane's content). */
export function paneText(rows: string[], name: string): string[] {
  const [start, end] = paneColumns(rows, name);
  const top = rows.findIndex((row) => row.includes(` ${name} `));
  const out: string[] = [];
  for (let y = top + 1; y < rows.length; y++) {
    const row = [...(rows[y] ?? "")];
    const edge = row[start];
    if (edge === "╰" || edge === "┗") break;
    out.push(row.slice(start + 1, end - 1).join(""));
  }
  return out;
}
