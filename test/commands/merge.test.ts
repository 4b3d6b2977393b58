import { spawnSync } from "node:child_process";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { REPO } from "../store/mail-fixture.js";
import { cleanEnv, removeTempRepos } from "../git/temp-repo.js";
import { agentWith, makeMergeProject } from "../merge/fixture.js";

afterEach(() => removeTempRepos());

const CLI = path.join(REPO, "dist", "cli.js");
const flotilla = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8", env: cleanEnv() });

describe("flotilla merge (the real binary)", () => {
  it("enqueue, ls, ls --json, run, log: one agent lands", async () => {
    const fx = await makeMergeProject({ gates: [{ name: "true", command: "true" }] });
    await agentWith(fx, "alice", "a.txt", "a\n");
    const enq = flotilla(fx.root, "merge", "enqueue", "alice");
    expect(enq.status, enq.stderr).toBe(0);
    expect(enq.stdout).toMatch(/^enqueued m1: flotilla\/alice at [0-9a-f]{10}, 1 file\(s\)\n$/);
    const ls = flotilla(fx.root, "merge", "ls");
    expect(ls.stdout).toMatch(/^ID +STATE +AGENT +BRANCH/);
    expect(ls.stdout).toMatch(/m1 +queued +alice +flotilla\/alice +1/);
    const json = JSON.parse(flotilla(fx.root, "merge", "ls", "--json").stdout);
    expect(json.entries[0]).toMatchObject({ id: "m1", state: "queued", files: ["a.txt"] });
    const run = flotilla(fx.root, "merge", "run");
    expect(run.stdout).toBe("landed m1; 1 gate run(s)\n");
    const log = flotilla(fx.root, "merge", "log", "m1");
    expect(log.stdout).toContain("landed: main is now");
    expect(log.stdout).toContain("gate true passed");
    expect(flotilla(fx.root, "merge", "ls").stdout).toContain("nothing waiting");
  });

  it("bad input gets one line on stderr and exit 1", async () => {
    const fx = await makeMergeProject();
    for (const [args, message] of [
      [["merge", "enqueue", "nobody"], /no branch flotilla\/nobody and no agent "nobody"/],
      [["merge", "retry", "x1"], /invalid entry id "x1"/],
      [["merge", "drop", "m9"], /no merge queue entry "m9"/],
      [["merge", "up", "m9"], /no merge queue entry "m9"/],
    ] as const) {
      const r = flotilla(fx.root, ...args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    }
  });

  it("every merge subcommand has --help", async () => {
    const fx = await makeMergeProject();
    for (const sub of ["enqueue", "ls", "run", "log", "retry", "drop", "approve", "up", "down"]) {
      const r = flotilla(fx.root, "merge", sub, "--help");
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: flotilla merge ${sub}`);
    }
  });
});
