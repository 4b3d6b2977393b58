import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { FLOTILLA_CLI, makeTemp, removeTemp } from "./targets.mjs";

/**
 * Short CLI commands and the mail store (issue 4), measured against a baseline rather than
 * tmux: `node -e 0` for wall times, 100 stored messages for history growth. Used by
 * `run.mjs` (rows `cli` and `mail`) and `mail.mjs` (stand-alone report). Needs a build.
 * Times in ms (medians), throughput in messages per second.
 */

const storeUrl = pathToFileURL(
  path.resolve(import.meta.dirname, "../../dist/store/mail-store.js"),
).href;
/** The mail store module of the build: `{ MailStore, newMailId }`. */
const loadStore = () => import(storeUrl);

/** Agent names of the bench projects. */
export const AGENTS = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"];

/** Median of `values`. */
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const hrMs = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const time = (fn) => {
  const t = process.hrtime.bigint();
  fn();
  return hrMs(t);
};
async function timeAsync(fn) {
  const t = process.hrtime.bigint();
  await fn();
  return hrMs(t);
}

/**
 * A temp git repository that flotilla sees as a project: `.flotilla/config.json` `{}` and a
 * state with the 8 `AGENTS` (idle, no process). Remove with `removeTemp`.
 */
export function makeProject() {
  const root = makeTemp("flotilla-mail-bench-");
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

/** Runs the built CLI in `root` and returns its wall time in ms; throws when it fails. */
function cliRun(root, args, env = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [FLOTILLA_CLI, ...args], {
    cwd: root,
    env: { ...process.env, FLOTILLA_ROOT: "", ...env },
    encoding: "utf8",
  });
  const elapsed = hrMs(start);
  if (result.status !== 0)
    throw new Error(`flotilla ${args.join(" ")} failed: ${result.stderr.trim()}`);
  return elapsed;
}

/**
 * Wall time (spawn to exit) of short commands, interleaved `runs` times in one project:
 * `node -e 0` (`nodeMs`), `flotilla mail send` as agent alice (`sendMs`), `flotilla mail
 * list` (`listMs`) and `flotilla ls` (`lsMs`, 8 agents in the state). Medians, ms.
 */
export function measureCliWall({ runs }) {
  const root = makeProject();
  const samples = { nodeMs: [], sendMs: [], listMs: [], lsMs: [] };
  try {
    // One untimed round: page cache, and the mailbox directories exist.
    const round = (i) => ({
      nodeMs: time(() => spawnSync(process.execPath, ["-e", "0"])),
      sendMs: cliRun(
        root,
        ["mail", "send", "--to", "cockpit", "--subject", `s${i}`, "--body", "b"],
        {
          FLOTILLA_AGENT: "alice",
        },
      ),
      listMs: cliRun(root, ["mail", "list"]),
      lsMs: cliRun(root, ["ls"]),
    });
    round(-1);
    for (let i = 0; i < runs; i++)
      for (const [key, ms] of Object.entries(round(i))) samples[key].push(ms);
  } finally {
    removeTemp(root);
  }
  return Object.fromEntries(Object.entries(samples).map(([key, list]) => [key, median(list)]));
}

/**
 * Fills a mail dir with `count` read messages spread over the past `count / 100` hours
 * (100 an hour), written straight into the store's layout.
 */
function seedHistory(newMailId, mailDir, count) {
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

/**
 * Store costs (in-process, the `MailStore` of the build) with `count` read messages stored
 * plus 20 unread for cockpit: medians over `runs` of `send` (bob → carol), `list` (cockpit,
 * limit 50), `unread` (cockpit's unread summary) and `find` (an old message by id), ms;
 * `seedMs` is how long writing the history took.
 */
export async function measureStoreCosts(count, { runs }) {
  const { MailStore, newMailId } = await loadStore();
  const root = makeTemp("flotilla-mail-hist-");
  try {
    const dir = path.join(root, "mail");
    const seedMs = time(() => seedHistory(newMailId, dir, count));
    const store = new MailStore(dir);
    for (let i = 0; i < 20; i++)
      await store.send({ from: "alice", to: "cockpit", subject: `u${i}`, body: "hi" }, ["cockpit"]);
    const send = [];
    const list = [];
    const unread = [];
    const find = [];
    for (let i = 0; i < runs; i++) {
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
    for (let i = 0; i < runs; i++) find.push(await timeAsync(() => store.find("alice", old.id)));
    return {
      seedMs,
      send: median(send),
      list: median(list),
      unread: median(unread),
      find: median(find),
    };
  } finally {
    removeTemp(root);
  }
}

/**
 * History growth: store costs with 100 messages stored and with `history` (after an untimed
 * warm-up for the JIT and page cache). `{ sendSmallMs, sendLargeMs, listSmallMs,
 * listLargeMs, unreadSmallMs, unreadLargeMs, findSmallMs, findLargeMs, seedMs }`.
 */
export async function measureHistory({ history, runs }) {
  await measureStoreCosts(100, { runs });
  const small = await measureStoreCosts(100, { runs });
  const large = await measureStoreCosts(history, { runs });
  return {
    sendSmallMs: small.send,
    sendLargeMs: large.send,
    listSmallMs: small.list,
    listLargeMs: large.list,
    unreadSmallMs: small.unread,
    unreadLargeMs: large.unread,
    findSmallMs: small.find,
    findLargeMs: large.find,
    seedMs: large.seedMs,
  };
}

/** Spawns node with `args`; resolves with its stdout, rejects when it exits non-zero. */
function runChild(args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], ...options });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    // "close", not "exit": "exit" may come before stdout has been read to its end.
    child.on("close", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child exited ${code}: ${err.trim()}`)),
    );
  });
}

/**
 * Throughput with `senders` concurrent senders (separate processes):
 * - `storeMsgPerSecond`: each process sends `perStore` messages through `MailStore` in a
 *   loop; messages over the span from the first send to the last (node start-up excluded);
 * - `cliMsgPerSecond`: each sender runs `flotilla mail send` `perCli` times in a row in one
 *   project; messages over the wall time (each send a whole CLI process).
 */
export async function measureConcurrentSenders({ senders, perStore, perCli }) {
  const root = makeTemp("flotilla-mail-tp-");
  const project = makeProject();
  try {
    const dir = path.join(root, "mail");
    const script = path.join(root, "sender.mjs");
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
    const spans = (
      await Promise.all(
        Array.from({ length: senders }, (_, p) =>
          runChild([script, dir, String(p), String(perStore)]),
        ),
      )
    ).map((s) => JSON.parse(s));
    const storeMs = Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));

    const cliStart = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: senders }, async (_, p) => {
        for (let i = 0; i < perCli; i++)
          await runChild(
            [
              FLOTILLA_CLI,
              "mail",
              "send",
              "--to",
              "cockpit",
              "--subject",
              `p${p}-${i}`,
              "--body",
              "b",
            ],
            {
              cwd: project,
              env: { ...process.env, FLOTILLA_ROOT: "", FLOTILLA_AGENT: AGENTS[p % AGENTS.length] },
            },
          );
      }),
    );
    const cliMs = hrMs(cliStart);
    return {
      storeMsgPerSecond: (senders * perStore) / (storeMs / 1000),
      cliMsgPerSecond: (senders * perCli) / (cliMs / 1000),
      storeMs,
      cliMs,
    };
  } finally {
    removeTemp(root);
    removeTemp(project);
  }
}
