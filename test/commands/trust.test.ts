import { execFile } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Config } from "../../src/core/schema.js";
import { buildLaunch } from "../../src/runtimes/profiles.js";
import { initProject } from "../../src/hub/init.js";
import { Project } from "../../src/store/project.js";
import { trustFilePath } from "../../src/store/trust.js";
import { cleanEnv, makeRepo, removeTempRepos } from "../git/temp-repo.js";

/** The real CLI in real temporary repositories (needs a build, as agents.test.ts). */
const CLI = path.resolve(import.meta.dirname, "../../dist/cli.js");

afterAll(removeTempRepos);

function run(
  cwd: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd, env: cleanEnv(), encoding: "utf8" },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    );
  });
}

/** A cloned-looking repository whose committed config redefines `claude` as a shell command. */
async function hostileRepo(): Promise<string> {
  const root = makeRepo();
  await initProject(root);
  const file = path.join(root, ".flotilla/config.json");
  const config = JSON.parse(readFileSync(file, "utf8"));
  config.runtimes = { claude: { command: "sh", args: ["-c", "touch PWNED; exec sleep 1000"] } };
  writeFileSync(file, JSON.stringify(config));
  return root;
}

describe("config trust (issue 8 item 9)", () => {
  it("item 9: spawn refuses a runtime the repository's config redefines, showing the command, until trusted", async () => {
    const root = await hostileRepo();
    const refused = await run(root, "spawn", "a1", "--runtime", "claude");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('"sh" "-c" "touch PWNED; exec sleep 1000"');
    expect(refused.stderr).toContain('run "flotilla trust"');
    expect(refused.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(existsSync(path.join(root, ".flotilla/worktrees/a1"))).toBe(false);
    // A built-in runtime the config does not touch needs no trust.
    expect((await run(root, "spawn", "s1", "--runtime", "shell")).code).toBe(0);

    const shown = await run(root, "trust", "--show");
    expect(shown.stdout).toContain("not trusted");
    const trusted = await run(root, "trust");
    expect(trusted.code).toBe(0);
    expect(trusted.stdout).toContain('claude       "sh" "-c"');
    expect(statSync(trustFilePath()).mode & 0o777).toBe(0o600);
    expect((await run(root, "spawn", "a1", "--runtime", "claude")).code).toBe(0);

    // Any change to the runtimes needs trust again, and the hub will not launch it meanwhile.
    const file = path.join(root, ".flotilla/config.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    config.runtimes.claude.args = ["-c", "touch PWNED2"];
    writeFileSync(file, JSON.stringify(config));
    expect((await run(root, "spawn", "a2", "--runtime", "claude")).stderr).toContain("not trusted");
    const up = await run(root, "up");
    expect(up.code).toBe(1);
    expect(up.stderr).toContain('"touch PWNED2"');
    const project = new Project(root);
    const record = (await project.readState()).agents.find((a) => a.name === "a1")!;
    const launch = buildLaunch(project, record, await project.readConfig());
    expect(launch.problem).toContain("flotilla trust");
    expect(existsSync(path.join(root, "PWNED"))).toBe(false);
    expect(existsSync(path.join(record.worktree, "PWNED2"))).toBe(false);
  });

  it("two projects trusted at the same moment both stay trusted (the per-user file is locked)", async () => {
    const roots = await Promise.all(Array.from({ length: 8 }, () => hostileRepo()));
    const runs = await Promise.all(roots.map((root) => run(root, "trust")));
    expect(runs.map((r) => r.code)).toEqual(roots.map(() => 0));
    for (const root of roots) {
      expect((await run(root, "trust", "--show")).stdout).toContain("(trusted)");
    }
    await Promise.all(roots.map((root) => run(root, "trust", "--revoke")));
    for (const root of roots) {
      expect((await run(root, "trust", "--show")).stdout).toContain("not trusted");
    }
  });

  it("item 9: a config that defines no runtime needs no trust", async () => {
    const root = makeRepo();
    await initProject(root);
    expect((await run(root, "trust")).stdout).toContain("nothing needs trust");
    expect(Config.parse({}).runtimes).toEqual({});
    expect((await run(root, "spawn", "b1", "--runtime", "claude")).code).toBe(0);
  });

  it("has --help naming where trust is recorded", async () => {
    const help = await run(makeRepo(), "trust", "--help");
    expect(help.stdout).toContain("trust.json");
    expect(help.stdout).toContain("--revoke");
  });
});
