import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { MailMessage } from "../../src/core/mail.js";
import { MailStore } from "../../src/store/mail-store.js";
import { ensureBuilt, REPO, walk } from "./mail-fixture.js";
import { makeTempDir } from "../git/temp-repo.js";

/**
 * Many real processes writing the store at once, and senders killed with SIGKILL mid-write.
 * Children import the built store from dist/ (see ensureBuilt).
 */

const STORE_URL = pathToFileURL(path.join(REPO, "dist/store/mail-store.js")).href;
const MAILBOXES = ["alice", "bob", "rev", "cockpit"];

/** Recipients of message `i` of process `p`: one mailbox, or a two-mailbox broadcast. */
function recipientsOf(p: number, i: number): string[] {
  const k = (p * 7 + i) % 6;
  if (k < 4) return [MAILBOXES[k]!];
  return k === 4 ? ["alice", "bob"] : ["bob", "rev", "cockpit"];
}

const SENDER = `
import { MailStore } from ${JSON.stringify(STORE_URL)};
const [dir, p, count] = process.argv.slice(2);
const store = new MailStore(dir);
const MAILBOXES = ${JSON.stringify(MAILBOXES)};
${recipientsOf.toString()}
for (let i = 0; i < Number(count); i++) {
  const to = recipientsOf(Number(p), i);
  await store.send({ from: "s" + p, to: to.join(","), subject: "p" + p + "-m" + i, body: "x".repeat(i * 37) }, to);
}
`;

const KILLED = `
import { MailStore } from ${JSON.stringify(STORE_URL)};
const [dir, run] = process.argv.slice(2);
const store = new MailStore(dir);
process.stdout.write("ready\\n");
for (let i = 0; ; i++) {
  const size = 20000 + ((i * 7919) % 180000);
  await store.send({ from: "k" + run, to: "alice,bob", subject: "size " + size, body: "y".repeat(size) }, ["alice", "bob"]);
}
`;

function runNode(script: string, args: string[]): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

/** Starts a sender, waits for it to be writing, SIGKILLs it after `delayMs`. */
function killMidWrite(script: string, args: string[], delayMs: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.on("error", reject);
    child.stdout.once("data", () => setTimeout(() => child.kill("SIGKILL"), delayMs));
    child.on("exit", (_code, signal) => resolve(signal));
  });
}

async function inBatches<T>(
  count: number,
  width: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += width) {
    const batch = Array.from({ length: Math.min(width, count - start) }, (_, j) => task(start + j));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

/** Parses every message file under `dir` (all folders), failing on any invalid one. */
function readAll(dir: string): { file: string; message: MailMessage }[] {
  return walk(dir)
    .filter((file) => !file.includes(`${path.sep}.tmp${path.sep}`))
    .map((file) => ({ file, message: MailMessage.parse(JSON.parse(readFileSync(file, "utf8"))) }));
}

beforeAll(() => ensureBuilt(), 120_000);

describe("mail store under concurrency", () => {
  it("32 processes sending 100 messages each: every message present exactly once per recipient", async () => {
    const root = makeTempDir("flotilla-mail32-");
    const dir = path.join(root, "mail");
    const script = path.join(root, "sender.mjs");
    writeFileSync(script, SENDER);

    const codes = await Promise.all(
      Array.from({ length: 32 }, (_, p) => runNode(script, [dir, String(p), "100"])),
    );
    expect(codes).toEqual(Array(32).fill(0));

    const files = readAll(dir); // throws on any file that is not a valid message
    const seen = new Map<string, number>();
    for (const { file, message } of files) {
      const folder = path.relative(dir, file).split(path.sep).slice(0, 2).join("/");
      const key = `${folder}:${message.subject}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    let expected = 0;
    for (let p = 0; p < 32; p++) {
      for (let i = 0; i < 100; i++) {
        for (const box of recipientsOf(p, i)) {
          expect(seen.get(`${box}/new:p${p}-m${i}`), `${box} p${p}-m${i}`).toBe(1);
          expected++;
        }
        expect(seen.get(`s${p}/sent:p${p}-m${i}`)).toBe(1);
        expected++;
      }
    }
    expect(files).toHaveLength(expected);
    expect(walk(path.join(dir, ".tmp"))).toEqual([]);

    const store = new MailStore(dir);
    const sent = new Set<string>();
    for (const box of MAILBOXES) {
      const listing = await store.list(box, { filter: { unread: true } });
      expect(listing.problems).toEqual([]);
      for (const m of listing.messages) sent.add(m.subject);
    }
    expect(sent.size).toBe(3200);
  }, 60_000);

  it("a sender SIGKILLed mid-write 50 times never leaves a partial message", async () => {
    const root = makeTempDir("flotilla-mailkill-");
    const dir = path.join(root, "mail");
    const script = path.join(root, "killed.mjs");
    writeFileSync(script, KILLED);

    const signals = await inBatches(50, 2, (run) =>
      killMidWrite(script, [dir, String(run)], (run * 13) % 40),
    );
    expect(signals).toEqual(Array(50).fill("SIGKILL"));

    const files = readAll(dir); // every visible file parses and validates
    expect(files.length).toBeGreaterThan(0);
    for (const { message } of files) {
      expect(message.body.length).toBe(Number(message.subject.slice("size ".length)));
    }
    const store = new MailStore(dir);
    for (const box of ["alice", "bob"]) {
      const listing = await store.list(box);
      expect(listing.problems).toEqual([]);
    }
  }, 60_000);
});
