import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { OuterTerminal } from "./outer-terminal.mjs";
import { paneCommand } from "./panes.mjs";
import { descendants, listProcesses, readCwd, readStat } from "./procfs.mjs";

/**
 * The two programs under test, started the same way: pane scripts (see panes.mjs) laid out
 * by the program itself, inside an OuterTerminal of the given size.
 *
 * A session is `{ target, outer, labels, measuredPids(), paneProcesses(), stop() }`: `labels`
 * are the names shown in pane titles (flotilla) or `[]` (tmux); `measuredPids()` lists the
 * processes whose CPU and memory count (never the pane programs themselves);
 * `paneProcesses()` lists the pane programs (`{ pid, comm }`).
 */

/** Absolute path of the built flotilla CLI. */
export const FLOTILLA_CLI = path.resolve(import.meta.dirname, "../../dist/cli.js");

/** A private temp directory; removed by `removeTemp`. */
export function makeTemp(prefix) {
  return realpathSync(mkdtempSync(path.join(os.tmpdir(), prefix)));
}

/** Removes a temp directory made by `makeTemp`. */
export function removeTemp(dir) {
  rmSync(dir, { recursive: true, force: true });
}

const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;

/**
 * tmux on a private socket (`-L`), with `history-limit 10000` and truecolor passed through,
 * one window tiled into `scripts.length` panes, the first focused; the outer pty runs the
 * attached client.
 */
export function startTmux({ cols, rows, scripts, dir }) {
  const socket = `bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const conf = path.join(dir, "tmux.conf");
  writeFileSync(
    conf,
    'set -g history-limit 10000\nset -as terminal-features ",xterm-256color:RGB"\n',
  );
  const cmd = (file) => paneCommand(file).map(quote).join(" ");
  const args = [
    "-L",
    socket,
    "-f",
    conf,
    "new-session",
    "-s",
    "bench",
    "-x",
    String(cols),
    "-y",
    String(rows),
    cmd(scripts[0]),
  ];
  for (const file of scripts.slice(1))
    args.push(
      ";",
      "split-window",
      "-t",
      "bench:0",
      cmd(file),
      ";",
      "select-layout",
      "-t",
      "bench:0",
      "tiled",
    );
  args.push(";", "select-pane", "-t", "bench:0.0");
  const outer = new OuterTerminal("tmux", args, { cols, rows, cwd: dir });
  const tmux = (...more) =>
    execFileSync("tmux", ["-L", socket, ...more], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  let serverPid;
  return {
    target: "tmux",
    outer,
    labels: [],
    measuredPids() {
      serverPid ??= Number(tmux("display-message", "-p", "#{pid}").trim());
      return [serverPid, outer.pid];
    },
    paneProcesses() {
      const processes = listProcesses();
      const pane = new Set(descendants(this.measuredPids()[0], processes));
      return processes.filter((p) => pane.has(p.pid));
    },
    async stop() {
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
      await outer.stop();
    },
  };
}

/**
 * A temp git repository with one commit, `flotilla init`, one custom runtime per pane script
 * (`bash --norc --noprofile <script>`, prompt mode "none"), one agent per pane spawned in
 * order (`ag0`, `ag1`, ...: the first is focused), then `flotilla up` in the outer pty.
 * Setup happens before the outer pty is spawned, so `outer.spawnedAt` is the start of `up`.
 */
export function startFlotilla({ cols, rows, scripts, dir }) {
  const repo = path.join(dir, "repo");
  const git = (...args) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  execFileSync("mkdir", ["-p", repo]);
  git("init", "-q", "-b", "main");
  git("config", "user.email", "bench@example.com");
  git("config", "user.name", "Bench");
  writeFileSync(path.join(repo, "README.md"), "# bench\n");
  git("add", ".");
  git("commit", "-q", "-m", "initial");
  const env = { ...process.env, FLOTILLA_ROOT: "" };
  delete env.TMUX;
  const cli = (...args) => {
    try {
      return execFileSync(process.execPath, [FLOTILLA_CLI, ...args], {
        cwd: repo,
        env,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      throw new Error(
        `flotilla ${args.join(" ")} failed: ${(error.stderr || error.message).trim()}`,
      );
    }
  };
  cli("init");
  const configPath = path.join(repo, ".flotilla", "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  config.scrollback = 10_000;
  config.runtimes = Object.fromEntries(
    scripts.map((file, i) => {
      const [command, ...args] = paneCommand(file);
      return [`bench${i}`, { command, args, prompt: { mode: "none" } }];
    }),
  );
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const labels = scripts.map((_, i) => `ag${i}`);
  labels.forEach((name, i) => cli("spawn", name, "--runtime", `bench${i}`));
  const outer = new OuterTerminal(process.execPath, [FLOTILLA_CLI, "up"], {
    cols,
    rows,
    cwd: repo,
    env: { FLOTILLA_ROOT: "" },
  });

  /** Processes belonging to this repo's flotilla: anything with a cwd inside it. */
  const inRepo = (processes) =>
    processes.filter((p) => {
      const cwd = readCwd(p.pid);
      return cwd === repo || cwd.startsWith(repo + path.sep);
    });
  return {
    target: "flotilla",
    outer,
    labels,
    measuredPids() {
      const processes = listProcesses();
      const pids = new Set([outer.pid]);
      // Node children of the cockpit (a hub, workers), not the agents.
      const byPid = new Map(processes.map((p) => [p.pid, p]));
      for (const pid of descendants(outer.pid, processes))
        if (byPid.get(pid)?.comm === "node") pids.add(pid);
      // A detached hub daemon for this repo: its record, or any node process working in the repo.
      for (const p of inRepo(processes)) if (p.comm === "node") pids.add(p.pid);
      try {
        const hub = JSON.parse(readFileSync(path.join(repo, ".flotilla", "hub.json"), "utf8"));
        if (byPid.has(hub.pid)) pids.add(hub.pid);
      } catch {
        // No daemon.
      }
      return [...pids];
    },
    paneProcesses() {
      return inRepo(listProcesses()).filter((p) => p.comm !== "node");
    },
    async stop() {
      await outer.stop();
      const leftovers = inRepo(listProcesses());
      try {
        const hub = JSON.parse(readFileSync(path.join(repo, ".flotilla", "hub.json"), "utf8"));
        if (readStat(hub.pid)?.comm === "node") leftovers.push({ pid: hub.pid });
      } catch {
        // No daemon.
      }
      for (const p of leftovers) {
        try {
          process.kill(p.pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    },
  };
}

/**
 * No multiplexer: the single pane script straight in the outer pty. The ceiling this harness
 * and machine allow, printed next to the throughput rows for context.
 */
export function startBare({ cols, rows, scripts, dir }) {
  const [file, ...args] = paneCommand(scripts[0]);
  const outer = new OuterTerminal(file, args, { cols, rows, cwd: dir });
  return {
    target: "bare",
    outer,
    labels: [],
    measuredPids: () => [outer.pid],
    paneProcesses: () => [],
    stop: () => outer.stop(),
  };
}

/** Starts `target` ("tmux", "flotilla" or "bare"). */
export function startTarget(target, options) {
  if (target === "bare") return startBare(options);
  return target === "tmux" ? startTmux(options) : startFlotilla(options);
}
