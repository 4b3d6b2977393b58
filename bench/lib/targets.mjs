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
 * A session is `{ target, outer, labels, processGroups(), measuredPids(), paneProcesses(),
 * stop() }`, plus `detach()` and `attach()` for tmux and the flotilla daemon: `labels` are the
 * names shown in pane titles (flotilla) or `[]` (tmux); `processGroups()` is `{ client, hub }`
 * (pids of the attached client's processes and of the server/hub's); `measuredPids()` is both
 * together, the processes whose CPU and memory count (never the pane programs themselves);
 * `paneProcesses()` lists the pane programs (`{ pid, comm }`). `outer` is replaced by
 * `attach()`.
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
 * tmux on a private socket (`-L`), with `history-limit` `scrollback` (default 10000) and truecolor passed through,
 * one window tiled into `scripts.length` panes, the first focused; the outer pty runs the
 * attached client.
 */
export function startTmux({ cols, rows, scripts, dir, scrollback = 10_000 }) {
  const socket = `bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const conf = path.join(dir, "tmux.conf");
  writeFileSync(
    conf,
    `set -g history-limit ${scrollback}\nset -as terminal-features ",xterm-256color:RGB"\n`,
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
  const server = () => (serverPid ??= Number(tmux("display-message", "-p", "#{pid}").trim()));
  const session = {
    target: "tmux",
    outer,
    labels: [],
    /** `{ client, hub }`: the attached client and the server (tmux's "hub"). */
    processGroups() {
      return { client: readStat(session.outer.pid) ? [session.outer.pid] : [], hub: [server()] };
    },
    measuredPids() {
      const { client, hub } = session.processGroups();
      return [...hub, ...client];
    },
    paneProcesses() {
      const processes = listProcesses();
      const pane = new Set(descendants(server(), processes));
      return processes.filter((p) => pane.has(p.pid));
    },
    /** Prefix Ctrl-b d; resolves when the client has exited (the server keeps running). */
    async detach() {
      server();
      session.outer.write("\x02d");
      await waitExit(session.outer, 15_000, "tmux client after prefix d");
      await session.outer.stop();
    },
    /** Spawns `tmux attach` in a fresh outer pty of the same size; returns it. */
    attach() {
      session.outer = new OuterTerminal("tmux", ["-L", socket, "attach", "-t", "bench"], {
        cols,
        rows,
        cwd: dir,
      });
      return session.outer;
    },
    async stop() {
      try {
        tmux("kill-server");
      } catch {
        // Already gone.
      }
      await session.outer.stop();
    },
  };
  return session;
}

/**
 * A temp git repository with one commit, `flotilla init`, one custom runtime per pane script
 * (`bash --norc --noprofile <script>`, prompt mode "none"), one agent per pane spawned in
 * order (`ag0`, `ag1`, ...: the first is focused), then `flotilla up` in the outer pty:
 * the default, which starts a detached hub daemon (`dist/hub/main.js`, recorded in
 * `.flotilla/hub.json`) and attaches a cockpit client over its socket; with `inProcess`,
 * `flotilla up --in-process` (hub inside the cockpit). Setup happens before the outer pty is
 * spawned, so `outer.spawnedAt` is the start of `up`.
 *
 * Measured processes: the cockpit client and its descendants, the hub (found through
 * hub.json: it is not a child of the client) and its descendants, leaving out every agent
 * (a process working in `.flotilla/worktrees/`) and the agents' descendants. `stop()` always
 * runs `flotilla hub stop -y`, then kills whatever of this repo is left.
 */
export function startFlotilla({
  cols,
  rows,
  scripts,
  dir,
  inProcess = false,
  scrollback = 10_000,
}) {
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
        timeout: 30_000,
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
  config.scrollback = scrollback;
  config.runtimes = Object.fromEntries(
    scripts.map((file, i) => {
      const [command, ...args] = paneCommand(file);
      return [`bench${i}`, { command, args, prompt: { mode: "none" } }];
    }),
  );
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  cli("trust"); // the bench's own runtimes (recorded in the run's private XDG_CONFIG_HOME)
  const labels = scripts.map((_, i) => `ag${i}`);
  labels.forEach((name, i) => cli("spawn", name, "--runtime", `bench${i}`));
  const worktrees = path.join(repo, ".flotilla", "worktrees") + path.sep;
  const hubRecord = path.join(repo, ".flotilla", "hub.json");
  const hubLog = path.join(repo, ".flotilla", "hub.log");
  const cockpit = (...args) =>
    new OuterTerminal(process.execPath, [FLOTILLA_CLI, ...args], {
      cols,
      rows,
      cwd: repo,
      env: { FLOTILLA_ROOT: "" },
    });
  /** The hub's pid from hub.json while that process lives, else undefined. */
  const hubPid = () => {
    try {
      const { pid } = JSON.parse(readFileSync(hubRecord, "utf8"));
      return readStat(pid) ? pid : undefined;
    } catch {
      return undefined;
    }
  };
  /** Pids of the agents and everything below them. */
  const agentPids = (processes) => {
    const roots = processes.filter((p) => readCwd(p.pid).startsWith(worktrees)).map((p) => p.pid);
    return new Set(roots.flatMap((pid) => [pid, ...descendants(pid, processes)]));
  };
  /** `root` and its descendants, without the agents and theirs. */
  const treeWithoutAgents = (root, processes, agents) =>
    root === undefined || !readStat(root)
      ? []
      : [root, ...descendants(root, processes)].filter((pid) => !agents.has(pid));

  const session = {
    target: inProcess ? "flotilla-inproc" : "flotilla",
    outer: cockpit(...(inProcess ? ["up", "--in-process"] : ["up"])),
    labels,
    repo,
    cli,
    hubLog,
    /**
     * `{ client, hub }`: pids of the cockpit client's tree and of the hub daemon's tree,
     * agents left out. In-process, the hub is the client: `hub` is empty.
     */
    processGroups() {
      const processes = listProcesses();
      const agents = agentPids(processes);
      // The client that started the hub stays its parent (detached is a new session, not a
      // new parent), so the hub's tree is taken out of the client's.
      const hubPidNow = hubPid();
      const hub =
        hubPidNow === session.outer.pid ? [] : treeWithoutAgents(hubPidNow, processes, agents);
      const client = treeWithoutAgents(session.outer.pid, processes, agents).filter(
        (pid) => !hub.includes(pid),
      );
      return { client, hub };
    },
    measuredPids() {
      const { client, hub } = session.processGroups();
      return [...client, ...hub];
    },
    paneProcesses() {
      const processes = listProcesses();
      const agents = agentPids(processes);
      return processes.filter((p) => agents.has(p.pid));
    },
    /** Prefix Ctrl-b d; resolves when the client has exited (the hub keeps running). */
    async detach() {
      session.outer.write("\x02d");
      await waitExit(session.outer, 15_000, "flotilla client after prefix d");
      await session.outer.stop();
    },
    /** Spawns `flotilla attach` in a fresh outer pty of the same size; returns it. */
    attach() {
      session.outer = cockpit("attach");
      return session.outer;
    },
    async stop() {
      await session.outer.stop();
      const errors = [];
      try {
        cli("hub", "stop", "-y");
      } catch (error) {
        errors.push(error.message);
      }
      // Whatever is left of this repo (a hub that did not stop, orphaned agents): by pid.
      const processes = listProcesses();
      const left = new Set(agentPids(processes));
      const hub = hubPid();
      if (hub !== undefined) left.add(hub);
      for (const pid of left) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // Already gone.
        }
      }
      if (hub !== undefined) errors.push(`hub pid ${hub} survived \`flotilla hub stop -y\``);
      if (errors.length > 0) process.stderr.write(`bench: cleanup: ${errors.join("; ")}\n`);
    },
  };
  return session;
}

/** Resolves when `outer`'s program has exited; rejects with its screen after `timeoutMs`. */
async function waitExit(outer, timeoutMs, label) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${label} did not exit; screen: ${outer.compactText()}`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([outer.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
    processGroups: () => ({ client: [outer.pid], hub: [] }),
    measuredPids: () => [outer.pid],
    paneProcesses: () => [],
    stop: () => outer.stop(),
  };
}

/**
 * Starts `target`: "tmux", "flotilla" (`up`, hub daemon + client), "flotilla-inproc"
 * (`up --in-process`) or "bare".
 */
export function startTarget(target, options) {
  if (target === "bare") return startBare(options);
  if (target === "tmux") return startTmux(options);
  return startFlotilla({ ...options, inProcess: target === "flotilla-inproc" });
}
