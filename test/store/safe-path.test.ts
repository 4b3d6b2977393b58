import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanEnv, git, makeRepo, makeTempDir, removeTempRepos } from "../git/temp-repo.js";

/** The real CLI (`dist/cli.js`) in real temporary repositories; needs a build. */
const CLI = path.resolve(import.meta.dirname, "../../dist/cli.js");

afterAll(removeTempRepos);

function run(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
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

/** Every path under `dir` (not following links), relative, with its mode bits. */
function modes(dir: string, prefix = ""): Array<[string, number, boolean]> {
  const out: Array<[string, number, boolean]> = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const info = lstatSync(full);
    if (name === "worktrees" || name.endsWith(".lock")) continue; // git checkouts; lock dirs
    out.push([prefix + name, info.mode & 0o777, info.isDirectory()]);
    if (info.isDirectory()) out.push(...modes(full, `${prefix}${name}/`));
  }
  return out;
}

/** A file outside the project that a planted link points at, with its content. */
function victim(content = "# my shell settings\n"): string {
  const file = path.join(makeTempDir("flotilla-victim-"), "bashrc");
  writeFileSync(file, content, { mode: 0o644 });
  return file;
}

describe("permissions under .flotilla/ (issue 8 item 13)", () => {
  it("item 13: .flotilla/ and everything in it is for the owner only", async () => {
    const root = makeRepo();
    expect((await run(root, ["init"])).code).toBe(0);
    expect((await run(root, ["spawn", "alice", "--prompt", "secret plan"])).code).toBe(0);
    const sent = await run(root, [
      "mail",
      "send",
      "--to",
      "alice",
      "--subject",
      "s",
      "--body",
      "b",
    ]);
    expect(sent.code).toBe(0);
    expect((await run(root, ["mail", "check"], { FLOTILLA_AGENT: "alice" })).code).toBe(0);
    const dir = path.join(root, ".flotilla");
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, "worktrees")).mode & 0o777).toBe(0o700);
    const all = modes(dir);
    expect(all.map(([name]) => name)).toEqual(
      expect.arrayContaining(["state.json", "events.jsonl", "config.json", "mail"]),
    );
    for (const [name, mode, isDir] of all) {
      expect([name, mode & 0o077]).toEqual([name, 0]);
      if (!isDir && name !== "bin/flotilla") expect([name, mode]).toEqual([name, 0o600]);
    }
  });

  it("item 13: an existing 0755 .flotilla/ is made 0700 by the next command", async () => {
    const root = makeRepo();
    expect((await run(root, ["init"])).code).toBe(0);
    chmodSync(path.join(root, ".flotilla"), 0o755);
    expect((await run(root, ["ls"])).code).toBe(0);
    expect(statSync(path.join(root, ".flotilla")).mode & 0o777).toBe(0o700);
  });
});

describe("symlinks under .flotilla/ (issue 8 item 10)", () => {
  it("item 10: init refuses a committed .flotilla/bin/flotilla link and leaves its target alone", async () => {
    const root = makeRepo();
    const target = victim();
    mkdirSync(path.join(root, ".flotilla", "bin"), { recursive: true });
    symlinkSync(target, path.join(root, ".flotilla", "bin", "flotilla"));
    git(root, "add", "-f", ".flotilla/bin/flotilla");
    git(root, "commit", "-q", "-m", "a planted link");
    const result = await run(root, ["init"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("is a symbolic link");
    expect(readFileSync(target, "utf8")).toBe("# my shell settings\n");
    expect(statSync(target).mode & 0o777).toBe(0o644);
  });

  it("item 10: events.jsonl, state.json and mail/ links are never written through", async () => {
    const root = makeRepo();
    expect((await run(root, ["init"])).code).toBe(0);
    const events = victim("events\n");
    rmSync(path.join(root, ".flotilla", "events.jsonl"));
    symlinkSync(events, path.join(root, ".flotilla", "events.jsonl"));
    const elsewhere = makeTempDir("flotilla-elsewhere-");
    symlinkSync(elsewhere, path.join(root, ".flotilla", "mail"));
    expect((await run(root, ["spawn", "bob"])).code).toBe(0);
    expect(readFileSync(events, "utf8")).toBe("events\n");
    const mail = await run(root, ["mail", "send", "--to", "bob", "--subject", "s", "--body", "b"]);
    expect(mail.code).toBe(1);
    expect(mail.stderr).toContain("is a symbolic link");
    expect(readdirSync(elsewhere)).toEqual([]);

    const state = victim("{}\n");
    const stateFile = path.join(root, ".flotilla", "state.json");
    writeFileSync(state, readFileSync(stateFile));
    const before = readFileSync(state, "utf8");
    rmSync(stateFile);
    symlinkSync(state, stateFile);
    const spawn = await run(root, ["spawn", "carol"]);
    expect(spawn.code).toBe(1);
    expect(spawn.stderr).toContain("is a symbolic link");
    expect(readFileSync(state, "utf8")).toBe(before);
    expect(existsSync(path.join(root, ".flotilla/worktrees/carol"))).toBe(false);
  });
});

describe("the hub's log (issue 8 item 10)", () => {
  it("item 10: a hub is never started with its log written through a link", async () => {
    const { initProject } = await import("../../src/hub/init.js");
    const { ensureHub } = await import("../../src/hub/daemon.js");
    const { project } = await initProject(makeRepo());
    const target = victim("not a log\n");
    symlinkSync(target, project.paths.hubLog);
    const error = await ensureHub(project).catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain("is a symbolic link");
    expect(readFileSync(target, "utf8")).toBe("not a log\n");
  });
});
