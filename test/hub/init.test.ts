import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import { initProject } from "../../src/hub/init.js";
import { makeRepo, makeTempDir, removeTempRepos } from "../git/temp-repo.js";

afterAll(removeTempRepos);

describe("initProject", () => {
  it("writes config with the checked-out branch as target, the exclude line and the shim", async () => {
    const root = makeRepo({ branch: "trunk" });
    const result = await initProject(root);
    expect(result.created).toBe(true);
    expect(result.project.root).toBe(root);

    const config = JSON.parse(readFileSync(path.join(root, ".flotilla/config.json"), "utf8"));
    expect(config.targetBranch).toBe("trunk");
    expect(config.version).toBe(1);

    const exclude = readFileSync(path.join(root, ".git/info/exclude"), "utf8");
    expect(exclude.split("\n")).toContain("/.flotilla/");

    const shim = path.join(root, ".flotilla/bin/flotilla");
    expect(result.shim).toBe(shim);
    expect(statSync(shim).mode & 0o111).toBe(0o111);
    const script = readFileSync(shim, "utf8");
    expect(script.startsWith("#!/bin/sh\n")).toBe(true);
    const cli = path.resolve(import.meta.dirname, "../../dist/cli.js");
    expect(script).toContain(`exec node '${cli}' "$@"`);
  });

  it("is harmless the second time: config untouched, exclude line added once", async () => {
    const root = makeRepo();
    await initProject(root);
    const configBefore = readFileSync(path.join(root, ".flotilla/config.json"));
    const second = await initProject(root);
    expect(second.created).toBe(false);
    expect(readFileSync(path.join(root, ".flotilla/config.json"))).toEqual(configBefore);
    const exclude = readFileSync(path.join(root, ".git/info/exclude"), "utf8");
    expect(exclude.split("\n").filter((line) => line === "/.flotilla/")).toHaveLength(1);
  });

  it("finds the main checkout from a subdirectory", async () => {
    const root = makeRepo();
    const sub = path.join(root, "src", "deep");
    mkdirSync(sub, { recursive: true });
    const result = await initProject(sub);
    expect(result.project.root).toBe(root);
    expect(existsSync(path.join(root, ".flotilla/config.json"))).toBe(true);
    expect(existsSync(path.join(sub, ".flotilla"))).toBe(false);
  });

  it("honours an explicit target branch", async () => {
    const root = makeRepo();
    const result = await initProject(root, { targetBranch: "develop" });
    expect(result.targetBranch).toBe("develop");
  });

  it("refuses a directory that is not in a git repository", async () => {
    const dir = makeTempDir();
    const error = await initProject(dir).catch((e: unknown) => e);
    expect(isFlotillaError(error, "NOT_A_GIT_REPO")).toBe(true);
    expect(existsSync(path.join(dir, ".flotilla"))).toBe(false);
  });

  it("refuses a repository without a commit and says to commit first", async () => {
    const root = makeRepo({ commit: false });
    const error = await initProject(root).catch((e: unknown) => e);
    expect(isFlotillaError(error)).toBe(true);
    expect((error as Error).message).toMatch(/no commit yet.*commit first/);
    expect(existsSync(path.join(root, ".flotilla"))).toBe(false);
  });
});
