#!/usr/bin/env node
// Mail benchmark: prints figures, never passes or fails. Needs a build (npx tsc -p tsconfig.build.json).
//   node bench/mail.mjs [--history 100000] [--runs 20]
// 1. `flotilla mail send` wall time against `node -e 0` (median of --runs).
// 2. store send / list / unread-check cost with --history messages stored vs 100.
// 3. throughput with 32 concurrent senders (in-process loops, and CLI invocations).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const cli = path.join(repo, "dist/cli.js");
const storeUrl = pathToFileURL(path.join(repo, "dist/store/mail-store.js")).href;
const { MailStore, newMailId } = await import(storeUrl);

const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const HISTORY = arg("--history", 100_000);
const RUNS = arg("--runs", 20);
const AGENTS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => `${x.toFixed(1)} ms`;
const time = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
async function timeAsync(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

function makeProject() {
  const root = mkdtempSync(path.join(os.tmpdir(), "flotilla-mail-bench-"));
  execFileSync("git", ["init", "-q"], { cwd: root });
  mkdirSync(path.join(root, ".flotilla"));
  writeFileSync(path.join(root, ".flotilla/config.json"), "{}\n");
  const agents = AGENTS.map((name) => ({
    name,
    runtime: "shell",
    role: "builder",
    worktree: `/tmp/${name}`,
    branch: `flotilla/${name}`,
    base: "0",
    status: "idle",
    createdAt: new Date().toISOString(),
  }));
  writeFileSync(path.join(root, ".flotilla/state.json"), JSON.stringify({ version: 1, agents }));
  return root;
}

/**
 * Fills a mail dir with `count` read messages spread over the past `count / 100` hours
 * (100 an hour), written straight into the store's layout, plus 20 unread for cockpit.
 */
function seedHistory(mailDir, count) {
  const now = Date.now();
  const hours = Math.max(1, Math.ceil(count / 100));
  const made = new Set();
  for (let i = 0; i < count; i++) {
    const created = new Date(now - 3_600_000 - Math.floor((i / count) * hours * 3_600_000));
    const id = newMailId(created);
    const from = AGENTS[i % AGENTS.length];
    const to = i % 2 === 0 ? "cockpit" : AGENTS[(i + 1) % AGENTS.length];
    const bucket = created.toISOString().slice(0, 13);
    const dir = path.join(mailDir, to, "cur", bucket);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    const message = {
      version: 1,
      id,
      from,
      to,
      recipients: [to],
      subject: `history ${i}`,
      body: "x".repeat(200),
      type: "status",
      priority: "normal",
      thread: id,
      createdAt: created.toISOString(),
      readAt: null,
    };
    writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(message, null, 2) + "\n");
  }
}

async function storeCosts(label, count) {
  const root = mkdtempSync(path.join(os.tmpdir(), "flotilla-mail-hist-"));
  const dir = path.join(root, "mail");
  const seedMs = time(() => seedHistory(dir, count));
  const store = new MailStore(dir);
  for (let i = 0; i < 20; i++)
    await store.send({ from: "alice", to: "cockpit", subject: `u${i}`, body: "hi" }, ["cockpit"]);
  const send = [],
    list = [],
    unread = [],
    read = [];
  for (let i = 0; i < RUNS; i++) {
    send.push(
      await timeAsync(() =>
        store.send({ from: "bob", to: "carol", subject: "s", body: "b" }, ["carol"]),
      ),
    );
    list.push(await timeAsync(() => store.list("cockpit", { limit: 50 })));
    unread.push(await timeAsync(() => store.unreadSummary("cockpit")));
  }
  // mail read <id> of an old message: the id names its hour bucket.
  const old = (await store.list("alice", { limit: 1 })).messages[0];
  for (let i = 0; i < RUNS; i++) read.push(await timeAsync(() => store.find("alice", old.id)));
  rmSync(root, { recursive: true, force: true });
  return {
    label,
    seedMs,
    send: median(send),
    list: median(list),
    unread: median(unread),
    read: median(read),
  };
}

function cliRun(root, args, env = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    env: { ...process.env, FLOTILLA_ROOT: "", ...env },
    encoding: "utf8",
  });
  const elapsed = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`flotilla ${args.join(" ")} failed: ${r.stderr}`);
  return elapsed;
}

function runChild(script, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("error", reject);
    child.on("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`)),
    );
  });
}

console.log(
  `mail bench · node ${process.version} · ${os.cpus().length} cpus · loadavg ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);

// 1. CLI start-up cost.
{
  const root = makeProject();
  const nodeRuns = [],
    sendRuns = [],
    listRuns = [];
  for (let i = 0; i < RUNS; i++) {
    nodeRuns.push(time(() => spawnSync(process.execPath, ["-e", "0"])));
    sendRuns.push(
      cliRun(root, ["mail", "send", "--to", "cockpit", "--subject", `s${i}`, "--body", "b"], {
        FLOTILLA_AGENT: "alice",
      }),
    );
    listRuns.push(cliRun(root, ["mail", "list"]));
  }
  console.log(`\n1. CLI wall time, median of ${RUNS}`);
  console.log(`   node -e 0            ${ms(median(nodeRuns))}`);
  console.log(
    `   flotilla mail send   ${ms(median(sendRuns))}  (+${ms(median(sendRuns) - median(nodeRuns))} over node)`,
  );
  console.log(`   flotilla mail list   ${ms(median(listRuns))}`);
  rmSync(root, { recursive: true, force: true });
}

// 2. Flat cost as history grows.
{
  console.log(
    `\n2. store cost vs history size (in-process, median of ${RUNS}; history = read mail, 100/hour)`,
  );
  await storeCosts("warm-up", 100); // JIT and page cache, not reported
  const rows = [await storeCosts("100", 100), await storeCosts(String(HISTORY), HISTORY)];
  console.log(`   stored      send      list(50)  unread    find(old id)   (seeding took)`);
  for (const r of rows)
    console.log(
      `   ${r.label.padEnd(10)}  ${ms(r.send).padEnd(8)}  ${ms(r.list).padEnd(8)}  ${ms(r.unread).padEnd(8)}  ${ms(r.read).padEnd(12)}   ${(r.seedMs / 1000).toFixed(1)} s`,
    );
}

// 3. Throughput with 32 concurrent senders.
{
  const root = mkdtempSync(path.join(os.tmpdir(), "flotilla-mail-tp-"));
  const dir = path.join(root, "mail");
  const script = path.join(root, "sender.mjs");
  const PER = 200;
  writeFileSync(
    script,
    `import { MailStore } from ${JSON.stringify(storeUrl)};
const [dir, p, n] = process.argv.slice(2);
const store = new MailStore(dir);
const start = Date.now();
for (let i = 0; i < Number(n); i++) {
  const to = ${JSON.stringify(["cockpit", ...AGENTS])}[(Number(p) + i) % ${AGENTS.length + 1}];
  await store.send({ from: "s" + p, to, subject: "m" + i, body: "x".repeat(500) }, [to]);
}
process.stdout.write(JSON.stringify({ start, end: Date.now() }));`,
  );
  const wallStart = Date.now();
  const spans = (
    await Promise.all(
      Array.from({ length: 32 }, (_, p) => runChild(script, [dir, String(p), String(PER)])),
    )
  ).map((s) => JSON.parse(s));
  const wall = Date.now() - wallStart;
  const busy = Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
  console.log(`\n3. throughput, 32 concurrent senders`);
  console.log(
    `   store, ${PER} msgs each: ${32 * PER} messages in ${busy} ms of sending = ${Math.round((32 * PER) / (busy / 1000))} msg/s (wall incl. 32 node start-ups ${wall} ms)`,
  );

  const project = makeProject();
  const PER_CLI = 3;
  const cliStart = Date.now();
  await Promise.all(
    Array.from({ length: 32 }, async (_, p) => {
      for (let i = 0; i < PER_CLI; i++) {
        await new Promise((resolve, reject) => {
          const c = spawn(
            process.execPath,
            [cli, "mail", "send", "--to", "cockpit", "--subject", `p${p}-${i}`, "--body", "b"],
            {
              cwd: project,
              env: { ...process.env, FLOTILLA_ROOT: "", FLOTILLA_AGENT: AGENTS[p % AGENTS.length] },
              stdio: "ignore",
            },
          );
          c.on("exit", (code) =>
            code === 0 ? resolve() : reject(new Error(`send exited ${code}`)),
          );
        });
      }
    }),
  );
  const cliWall = Date.now() - cliStart;
  console.log(
    `   CLI, ${PER_CLI} sends each:   ${32 * PER_CLI} messages in ${cliWall} ms = ${Math.round((32 * PER_CLI) / (cliWall / 1000))} msg/s (each a full flotilla process)`,
  );
  rmSync(root, { recursive: true, force: true });
  rmSync(project, { recursive: true, force: true });
}
