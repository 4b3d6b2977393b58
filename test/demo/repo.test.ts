import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createDemoRepo } from "../../src/demo/repo.js";
import { demoAgentPath } from "../../src/runtimes/package-files.js";
import { makeTempDir } from "../git/temp-repo.js";

let tmp: string;
beforeEach(() => {
  tmp = makeTempDir("flotilla-demo-repo-");
});
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]): string =>
  execFileSync("git", args, { cwd, encoding: "utf8" }).trim();

describe("createDemoRepo", () => {
  it("makes a clean repo on main with one commit and passing tests", async () => {
    const { root } = await createDemoRepo(join(tmp, "demo"));
    expect(root).toBe(join(tmp, "demo"));
    expect(git(root, "branch", "--show-current")).toBe("main");
    expect(git(root, "rev-list", "--count", "HEAD")).toBe("1");
    expect(git(root, "status", "--porcelain")).toBe("");
    expect(git(root, "ls-files").split("\n")).toEqual(
      expect.arrayContaining(["README.md", "package.json", "src/form.js", "test/form.test.js"]),
    );
    const output = execFileSync(process.execPath, ["--test"], { cwd: root, encoding: "utf8" });
    expect(output).toMatch(/# pass 2\b/);
  });

  it("refuses a directory that is not empty", async () => {
    const dir = join(tmp, "busy");
    mkdirSync(dir);
    writeFileSync(join(dir, "keep.txt"), "mine");
    await expect(createDemoRepo(dir)).rejects.toThrow(`${dir} is not empty`);
    expect(existsSync(join(dir, ".git"))).toBe(false);
  });

  it("points at the built agent in dist/", () => {
    expect(demoAgentPath()).toMatch(/dist[/\\]demo[/\\]agent\.js$/);
    expect(existsSync(demoAgentPath())).toBe(true);
  });
});
