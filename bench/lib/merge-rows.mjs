import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { FLOTILLA_CLI, makeTemp, removeTemp } from "./targets.mjs";

/**
 * The merge queue (issue 9), measured against a plain `git` shell script doing the same
 * merges in the same run: `branches` branches each adding its own file, a gate that sleeps
 * `gateSeconds`. `flotilla merge run` is the real binary; branches are made with git plumbing
 * so setting up costs little. Times in ms (wall) or s; gate runs as counted by the queue.
 */

const ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Bench",
  GIT_AUTHOR_EMAIL: "bench@example.com",
  GIT_COMMITTER_NAME: "Bench",
  GIT_COMMITTER_EMAIL: "bench@example.com",
};
for (const key of Object.keys(ENV)) if (key.startsWith("FLOTILLA_")) delete ENV[key];

const git = (cwd, args, extra = {}) =>
  execFileSync("git", args, { cwd, encoding: "utf8", env: { ...ENV, ...extra } }).trim();
const flotilla = (cwd, args) =>
  execFileSync(process.execPath, [FLOTILLA_CLI, ...args], { cwd, encoding: "utf8", env: ENV });

/**
 * A repository on `main` with `.flotilla/` and `branches` branches `flotilla/b<i>` off main,
 * each adding `f<i>.txt` (and, for the index in `bad`, a file `BAD` the gate refuses).
 */
function makeProject(dir, { branches, bad, gate, batch }) {
  git(dir, ["init", "-q", "-b", "main"]);
  writeFileSync(path.join(dir, "README.md"), "# bench\n");
  git(dir, ["add", "README.md"]);
  git(dir, ["commit", "-q", "-m", "initial commit"]);
  flotilla(dir, ["init"]);
  const configFile = path.join(dir, ".flotilla", "config.json");
  const config = JSON.parse(readFileSync(configFile, "utf8"));
  config.gates = [{ name: "sleep", command: gate, timeoutMs: 600_000 }];
  config.merge = { batch, retryFlaky: 0 };
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const index = path.join(dir, ".git", "bench-index");
  for (let i = 1; i <= branches; i++) {
    const env = { GIT_INDEX_FILE: index };
    git(dir, ["read-tree", "main"], env);
    const files = [`f${i}.txt`, ...(i - 1 === bad ? ["BAD"] : [])];
    for (const file of files) {
      const blob = execFileSync("git", ["hash-object", "-w", "--stdin"], {
        cwd: dir,
        input: `${file} of branch ${i}\n`,
        encoding: "utf8",
        env: ENV,
      }).trim();
      git(dir, ["update-index", "--add", "--cacheinfo", `100644,${blob},${file}`], env);
    }
    const tree = git(dir, ["write-tree"], env);
    const commit = git(dir, ["commit-tree", tree, "-p", "main", "-m", `branch ${i}`]);
    git(dir, ["update-ref", `refs/heads/flotilla/b${i}`, commit]);
  }
}

/** Enqueues every branch, then times one `flotilla merge run` until the queue is empty. */
function queueRun(options) {
  const dir = makeTemp("flotilla-bench-merge-");
  try {
    makeProject(dir, options);
    for (let i = 1; i <= options.branches; i++) flotilla(dir, ["merge", "enqueue", `b${i}`]);
    const start = performance.now();
    const out = spawnSync(process.execPath, [FLOTILLA_CLI, "merge", "run", "--json"], {
      cwd: dir,
      encoding: "utf8",
      env: ENV,
    });
    const wallMs = performance.now() - start;
    if (out.status !== 0) throw new Error(`merge run failed: ${out.stderr}`);
    const report = JSON.parse(out.stdout);
    const doc = JSON.parse(readFileSync(path.join(dir, ".flotilla", "merge-queue.json"), "utf8"));
    // Every gate run's own duration, from the entries' gate results (one per batch gated).
    const gateMs = readGateMs(dir);
    const landed = doc.entries.filter((e) => e.state === "merged").length;
    return { wallMs, gateRuns: report.gateRuns, gateMs, landed };
  } finally {
    removeTemp(dir);
  }
}

/** Sum of the gate durations the queue logged (`gate sleep passed (elapsed N ms)`). */
function readGateMs(dir) {
  const logs = path.join(dir, ".flotilla", "merge", "logs");
  const seen = new Set();
  let total = 0;
  for (const name of execFileSync("ls", [logs], { encoding: "utf8" }).split("\n").filter(Boolean)) {
    const text = readFileSync(path.join(logs, name), "utf8");
    // The same gate run is logged in every entry of its batch: count each run once by its header.
    const runs = text.split("[flotilla] gate sleep (attempt").slice(1);
    for (const run of runs) {
      const header = run.slice(0, run.indexOf("\n"));
      const ms = /elapsed (\d+) ms/.exec(run);
      if (seen.has(header)) continue;
      seen.add(header);
      total += ms ? Number(ms[1]) : 0;
    }
  }
  return total;
}

/** The same merges by a plain script: a detached worktree, `git merge --no-ff`, the gate, update-ref. */
function scriptRun({ branches, gate }) {
  const dir = makeTemp("flotilla-bench-merge-script-");
  try {
    makeProject(dir, { branches, bad: -1, gate, batch: 1 });
    const script = path.join(dir, "..", `${path.basename(dir)}-merge.sh`);
    writeFileSync(
      script,
      `set -e
cd "$1"
git worktree add -q --detach .bench-int main
cd .bench-int
gate_ns=0
for i in $(seq 1 ${branches}); do
  old=$(git rev-parse main)
  git merge -q --no-ff --no-edit -m "Merge flotilla/b$i" flotilla/b$i
  t0=$(date +%s%N)
  sh -c '${gate.replaceAll("'", "'\\''")}'
  t1=$(date +%s%N)
  gate_ns=$((gate_ns + t1 - t0))
  git update-ref refs/heads/main HEAD "$old"
done
echo "$gate_ns"
`,
    );
    const start = performance.now();
    const out = execFileSync("sh", [script, dir], { encoding: "utf8", env: ENV });
    const wallMs = performance.now() - start;
    removeTemp(script);
    return { wallMs, gateMs: Number(out.trim().split("\n").pop()) / 1e6 };
  } finally {
    removeTemp(dir);
  }
}

/**
 * Row `merge`: (a) queue overhead per entry beyond the gate, batch 1, against the script;
 * (b) wall time and gate runs with batch 1 and batch 4, and batch 4 with one bad branch.
 */
export function measureMergeQueue({ branches = 20, gateSeconds = 1, badIndex = 6 } = {}) {
  const gate = `sleep ${gateSeconds}; test ! -e BAD`;
  const one = queueRun({ branches, bad: -1, gate, batch: 1 });
  const script = scriptRun({ branches, gate });
  const four = queueRun({ branches, bad: -1, gate, batch: 4 });
  const bad = queueRun({ branches, bad: badIndex, gate, batch: 4 });
  if (one.landed !== branches || four.landed !== branches || bad.landed !== branches - 1)
    throw new Error(`landed ${one.landed}/${four.landed}/${bad.landed} of ${branches}`);
  return {
    overheadMs: (one.wallMs - one.gateMs) / branches,
    scriptOverheadMs: (script.wallMs - script.gateMs) / branches,
    batch1WallS: one.wallMs / 1000,
    batch4WallS: four.wallMs / 1000,
    badWallS: bad.wallMs / 1000,
    batch1GateRuns: one.gateRuns,
    batch4GateRuns: four.gateRuns,
    badGateRuns: bad.gateRuns,
  };
}
