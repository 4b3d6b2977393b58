import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createProjectWatcher, type ProjectWatcher } from "../../src/hub/project-watcher.js";
import { makeTempDir, removeTempRepos } from "../git/temp-repo.js";
import { waitFor } from "../wait-for.js";

describe("ProjectWatcher", () => {
  let watcher: ProjectWatcher | undefined;
  afterEach(() => {
    watcher?.close();
    removeTempRepos();
  });

  it("tells every subscriber of a sub-path what changed, and stops after unsubscribe", async () => {
    const root = makeTempDir();
    mkdirSync(path.join(root, "mail"));
    watcher = createProjectWatcher(root);
    const first: Array<string | null> = [];
    const second: Array<string | null> = [];
    const stopFirst = watcher.subscribe("mail", (name) => first.push(name));
    watcher.subscribe(path.join(root, "mail"), (name) => second.push(name));
    await watcher.refresh("mail");
    writeFileSync(path.join(root, "mail", "a.json"), "{}");
    await waitFor(() => first.includes("a.json") && second.includes("a.json"));
    stopFirst();
    const before = first.length;
    writeFileSync(path.join(root, "mail", "b.json"), "{}");
    await waitFor(() => second.includes("b.json"));
    expect(first).toHaveLength(before);
  });

  it("watches a directory again after it was removed and made anew", async () => {
    const root = makeTempDir();
    const dir = path.join(root, "mail", "bob", "new");
    mkdirSync(dir, { recursive: true });
    watcher = createProjectWatcher(root);
    const seen: Array<string | null> = [];
    watcher.subscribe("mail/bob/new", (name) => seen.push(name));
    await watcher.refresh("mail/bob/new");
    rmSync(path.join(root, "mail", "bob"), { recursive: true });
    mkdirSync(dir, { recursive: true });
    await watcher.refresh("mail/bob/new");
    writeFileSync(path.join(dir, "m.json"), "{}");
    await waitFor(() => seen.includes("m.json"));
  });

  it("leaves a missing directory unwatched until a refresh finds it", async () => {
    const root = makeTempDir();
    watcher = createProjectWatcher(root);
    const seen: Array<string | null> = [];
    watcher.subscribe("later", (name) => seen.push(name));
    await watcher.refresh("later");
    mkdirSync(path.join(root, "later"));
    await watcher.refresh("later");
    writeFileSync(path.join(root, "later", "x"), "1");
    await waitFor(() => seen.includes("x"));
  });
});
