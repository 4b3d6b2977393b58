import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { composeMessage } from "../../src/core/mail.js";
import { newMailId, MailStore } from "../../src/store/mail-store.js";
import { cleanEnv } from "../git/temp-repo.js";
import { agent, ensureBuilt, makeProject, REPO } from "../store/mail-fixture.js";

/** The real CLI in real processes: what reaches a terminal, and what a closed pipe does. */
const CLI = path.join(REPO, "dist", "cli.js");
beforeAll(ensureBuilt);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cwd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: cleanEnv(env), encoding: "utf8" },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

/** `count` unread messages for alice from bob, 8 KiB each (more than a pipe holds in all). */
async function inbox(root: string, count: number): Promise<MailStore> {
  const store = new MailStore(path.join(root, ".flotilla", "mail"));
  for (let i = 0; i < count; i++) {
    await store.send(
      { from: "bob", to: "alice", subject: `note ${i}`, body: `body ${i}\n`.repeat(1024) },
      ["alice"],
    );
  }
  return store;
}

const unreadCount = (root: string): number =>
  readdirSync(path.join(root, ".flotilla/mail/alice/new")).filter((n) => n.endsWith(".json"))
    .length;

// Any terminal control: C0 but \n and \t, ESC, DEL, C1.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

describe("mail check delivery and closed pipes (issue 8 item 6)", () => {
  it("item 6: a reader that went away gets nothing marked read, and no stack trace", async () => {
    const root = makeProject();
    await inbox(root, 30);
    for (const args of [
      ["mail", "check"],
      ["mail", "check", "--inject"],
    ]) {
      const child = spawn(process.execPath, [CLI, ...args], {
        cwd: root,
        env: cleanEnv({ FLOTILLA_AGENT: "alice" }),
        stdio: ["ignore", "pipe", "pipe"],
      });
      child.stdout.destroy(); // the reader is gone before anything is written
      let stderr = "";
      child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
      const [code] = await once(child, "exit");
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(unreadCount(root)).toBe(30);
    }
  });

  it("item 6: mail check | head -2 ends quietly", async () => {
    const root = makeProject();
    await inbox(root, 30);
    const child = spawn("sh", ["-c", `"${process.execPath}" "${CLI}" mail check | head -2`], {
      cwd: root,
      env: cleanEnv({ FLOTILLA_AGENT: "alice" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    await once(child, "exit");
    expect(stdout.split("\n").filter(Boolean)).toHaveLength(2);
    expect(stderr).toBe("");
    // Only what went into the pipe before head left is read; the rest is still unread.
    expect(unreadCount(root)).toBeGreaterThan(0);
    // Only what went into the pipe before head left is read; the rest is still unread.
    expect(unreadCount(root)).toBeGreaterThan(0);
  });
});

describe("one sanitizer for the CLI's output (issue 8 item 14)", () => {
  it("item 14: planted mail fields, roles and errors never reach the terminal raw; --json escapes C1", async () => {
    const root = makeProject([agent("alice"), agent("bob")]);
    const box = path.join(root, ".flotilla/mail/alice/new");
    mkdirSync(box, { recursive: true });
    const id = newMailId();
    const good = composeMessage(
      { from: "bob", to: "alice", subject: "hi \x1b]52;c;cm0=\x07there", body: "b\x9b2J" },
      ["alice"],
      id,
      new Date(),
    );
    writeFileSync(path.join(box, `${id}.json`), JSON.stringify({ ...good, to: "alice\x9b31m" }));
    // Fields that must be ids or times are validated: a planted escape makes the file invalid.
    const bad = newMailId();
    writeFileSync(
      path.join(box, `${bad}.json`),
      JSON.stringify({ ...good, id: bad, thread: "\x1b]52;c;owned\x07", createdAt: "\x1b[2J" }),
    );
    // A message whose id does not match its file name is reported, not unread for ever.
    const other = newMailId();
    writeFileSync(path.join(box, `${other}.json`), JSON.stringify({ ...good, id: newMailId() }));

    const env = { FLOTILLA_AGENT: "alice" };
    const list = await run(root, ["mail", "list"], env);
    expect(list.stdout + list.stderr).not.toMatch(CONTROL);
    expect(list.stderr).toContain(`${bad}.json is not a valid message`);
    const json = await run(root, ["mail", "list", "--json"], env);
    expect(json.stdout).not.toMatch(CONTROL);
    expect(json.stdout).toContain("\\u009b");
    expect(JSON.parse(json.stdout)[0].to).toBe("alice\x9b31m"); // data round-trips
    const read = await run(root, ["mail", "read", id], env);
    expect(read.stdout + read.stderr).not.toMatch(CONTROL);
    const check = await run(root, ["mail", "check"], env);
    expect(check.stdout + check.stderr).not.toMatch(CONTROL);
    expect(check.stderr).toContain("does not match its file name");
    expect(check.stderr).toContain("moved to");
    expect(unreadCount(root)).toBe(0);

    // Arguments echoed in errors, and a corrupt state.json quoted by the JSON parser.
    const badName = await run(root, ["kill", "x\x1b[2Jy"]);
    expect(badName.code).toBe(1);
    expect(badName.stderr).not.toMatch(CONTROL);
    const badOption = await run(root, ["ls", "--\x1b]0;t\x07"]);
    expect(badOption.stderr).not.toMatch(CONTROL);
    const role = await run(root, ["spawn", "r1", "--role", "x\x1b[31m"]);
    expect(role.code).toBe(1);
    expect(role.stderr).toContain("invalid role");
    expect(role.stderr).not.toMatch(CONTROL);
    writeFileSync(path.join(root, ".flotilla/state.json"), '{"agents": [\x1b[2J\x9b2J');
    const corrupt = await run(root, ["ls"]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain("state.json is not valid JSON");
    expect(corrupt.stderr).not.toMatch(CONTROL);
  });

  it("item 14: a state.json with a planted runtime or role is reported, not printed", async () => {
    const root = makeProject([{ ...agent("alice"), runtime: "sh\x1b[2J", role: "r\x9b1m" }]);
    const ls = await run(root, ["ls"]);
    expect(ls.code).toBe(1);
    expect(ls.stderr).toContain("state.json is invalid at agents.0.runtime");
    expect(ls.stdout + ls.stderr).not.toMatch(CONTROL);
  });
});

describe("the small ones (issue 8 item 17)", () => {
  it("item 17: an error from inside the cockpit bundle exits 1, not 70", async () => {
    const { spawn: spawnPty } = await import("node-pty");
    const root = makeProject([]);
    const term = spawnPty(process.execPath, [CLI, "attach"], {
      cwd: root,
      env: cleanEnv() as Record<string, string>,
      cols: 80,
      rows: 24,
    });
    let screen = "";
    term.onData((d) => (screen += d));
    const code = await new Promise<number>((resolve) => term.onExit((e) => resolve(e.exitCode)));
    expect(screen).toContain("no hub is running");
    expect(code).toBe(1);
  });

  it("item 17: a 50 MB body on stdin is refused without being read whole", async () => {
    const root = makeProject();
    const child = spawn(
      process.execPath,
      [CLI, "mail", "send", "--to", "alice", "--subject", "big", "--body", "-"],
      { cwd: root, env: cleanEnv({ FLOTILLA_AGENT: "bob" }), stdio: ["pipe", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const exited = once(child, "exit");
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let written = 0;
    while (written < 50 * 1024 * 1024 && child.exitCode === null && child.stdin.writable) {
      written += chunk.length;
      if (!child.stdin.write(chunk)) {
        const drained = await Promise.race([once(child.stdin, "drain"), exited]).then(
          () => true,
          () => false, // EPIPE: it stopped reading
        );
        if (!drained) break;
      }
    }
    const [code] = await exited;
    expect(code).toBe(1);
    expect(stderr).toContain("over the limit of 256 KiB");
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it("item 17: init on a detached HEAD records a branch that exists, or asks for --target", async () => {
    const { makeRepo, git } = await import("../git/temp-repo.js");
    const onMaster = makeRepo({ branch: "master" });
    git(onMaster, "checkout", "-q", "--detach");
    expect((await run(onMaster, ["init"])).stdout).toContain("target branch  master");
    const nowhere = makeRepo({ branch: "trunk" });
    git(nowhere, "checkout", "-q", "--detach");
    const refused = await run(nowhere, ["init"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("--target");
  });
});

describe("a bare repository (issue 8 item 17)", () => {
  it("item 17: says it is bare in one line with exit 1, not raw git stderr and 70", async () => {
    const { makeTempDir, git } = await import("../git/temp-repo.js");
    const bare = makeTempDir("flotilla-bare-");
    git(bare, "init", "-q", "--bare");
    const result = await run(bare, ["init"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("bare repository");
    expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  });
});
