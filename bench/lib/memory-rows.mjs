import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FLOTILLA_CLI, makeTemp, removeTemp } from "./targets.mjs";
import { makeRandom } from "./stream.mjs";

/**
 * Shared memory (issue 10), against baselines rather than tmux: `flotilla memory prime` and
 * `flotilla memory search` wall times (spawn to exit, the real CLI) in a project holding
 * `large` records across `domains` domains, against the same with `small` records, and
 * against `node -e 0`. Used by `run.mjs` (row `memcli`). Needs a build. Times in ms (medians).
 */

const TYPES = ["convention", "pattern", "failure", "decision", "reference"];
const CLASSES = ["foundational", "tactical", "observational"];
const WORDS = (
  "validation error form input field submit button state reducer effect hook store cache " +
  "query mutation schema route handler request response header token session login logout " +
  "user account profile setting theme color layout grid flex modal dialog toast banner " +
  "test fixture mock stub spy snapshot coverage lint format build bundle deploy release " +
  "branch commit merge rebase conflict worktree migration database index transaction lock"
).split(" ");

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const hrMs = (start) => Number(process.hrtime.bigint() - start) / 1e6;

/**
 * A temp git repository with `.flotilla/config.json` and `count` memory records spread
 * evenly over `domains` domain files (`.flotilla/memory/d00.json` …), written straight in
 * the store's format: deterministic text from a seeded generator, some with evidence files,
 * tags and confirmations, created over the past 10 days. Remove with `removeTemp`.
 */
export function makeMemoryProject(count, domains) {
  const root = makeTemp("flotilla-memory-bench-");
  execFileSync("git", ["init", "-q"], { cwd: root });
  mkdirSync(path.join(root, ".flotilla", "memory"), { recursive: true });
  writeFileSync(path.join(root, ".flotilla/config.json"), "{}\n");
  const random = makeRandom(7);
  const pick = (list) => list[Math.floor(random() * list.length)];
  const now = Date.now();
  const files = Array.from({ length: domains }, () => []);
  for (let i = 0; i < count; i++) {
    const d = i % domains;
    const type = TYPES[i % TYPES.length];
    const at = new Date(now - Math.floor(random() * 10 * 86_400_000)).toISOString();
    const text = Array.from({ length: 12 + Math.floor(random() * 12) }, () => pick(WORDS)).join(
      " ",
    );
    const record = {
      id: `m-${i.toString(36).padStart(8, "0")}`,
      domain: `d${String(d).padStart(2, "0")}`,
      type,
      classification: CLASSES[i % CLASSES.length],
      text: `${text} (${i})`,
      tags: [pick(WORDS), pick(WORDS)],
      ...(type === "failure" ? { resolution: `fix ${pick(WORDS)} ${pick(WORDS)}` } : {}),
      ...(type === "decision" ? { rationale: `because ${pick(WORDS)} ${pick(WORDS)}` } : {}),
      evidence: { files: i % 3 === 0 ? [`src/${pick(WORDS)}/${pick(WORDS)}.ts`] : [] },
      author: `agent${i % 8}`,
      created: at,
      updated: at,
      confirmations: i % 4 === 0 ? [{ by: "bob", at }] : [],
      state: "active",
    };
    files[d].push(record);
  }
  files.forEach((records, d) =>
    writeFileSync(
      path.join(root, ".flotilla", "memory", `d${String(d).padStart(2, "0")}.json`),
      JSON.stringify({ version: 1, records }, null, 2) + "\n",
    ),
  );
  return root;
}

function cliRun(root, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [FLOTILLA_CLI, ...args], {
    cwd: root,
    env: { ...process.env, FLOTILLA_ROOT: "", FLOTILLA_AGENT: "" },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const elapsed = hrMs(start);
  if (result.status !== 0)
    throw new Error(`flotilla ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return elapsed;
}

/**
 * Medians over `runs` interleaved rounds (after one untimed round): `nodeMs` (`node -e 0`),
 * `primeSmallMs`/`primeLargeMs` (`memory prime`, every domain, default 4,000-token budget)
 * and `searchSmallMs`/`searchLargeMs` (`memory search "validation errors"`), with `small`
 * and `large` records across `domains` domains.
 */
export function measureMemoryCli({ runs, small = 100, large = 10_000, domains = 20 }) {
  const smallRoot = makeMemoryProject(small, domains);
  const largeRoot = makeMemoryProject(large, domains);
  const samples = {
    nodeMs: [],
    primeSmallMs: [],
    primeLargeMs: [],
    searchSmallMs: [],
    searchLargeMs: [],
  };
  try {
    const round = () => ({
      nodeMs: (() => {
        const t = process.hrtime.bigint();
        spawnSync(process.execPath, ["-e", "0"]);
        return hrMs(t);
      })(),
      primeSmallMs: cliRun(smallRoot, ["memory", "prime"]),
      primeLargeMs: cliRun(largeRoot, ["memory", "prime"]),
      searchSmallMs: cliRun(smallRoot, ["memory", "search", "validation", "errors"]),
      searchLargeMs: cliRun(largeRoot, ["memory", "search", "validation", "errors"]),
    });
    round();
    for (let i = 0; i < runs; i++)
      for (const [key, ms] of Object.entries(round())) samples[key].push(ms);
  } finally {
    removeTemp(smallRoot);
    removeTemp(largeRoot);
  }
  return Object.fromEntries(Object.entries(samples).map(([key, list]) => [key, median(list)]));
}
