import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, removeTempRepos } from "../git/temp-repo.js";
import { makeTaskProject } from "../hub/task-fixture.js";
import { ensureBuilt, REPO } from "../store/mail-fixture.js";
import { waitFor } from "../wait-for.js";

const CLI = path.join(REPO, "dist/cli.js");

afterAll(() => removeTempRepos());

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

interface Run {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

/** Starts the real `flotilla task wait <args>` in `root`. */
function wait(root: string, args: string[]): Run {
  const child = spawn(process.execPath, [CLI, "task", "wait", ...args], {
    cwd: root,
    env: cleanEnv(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    },
  );
  return { child, stdout: () => stdout, exited };
}

describe("flotilla task wait (the real binary)", () => {
  beforeAll(() => ensureBuilt());

  it("returns once every task is done, printing each as it lands (exit 0); --json prints the tasks", async () => {
    const { root, tasks } = await makeTaskProject();
    await tasks.add({ title: "form" });
    await tasks.add({ title: "docs" });
    await tasks.claim("T1", "w1", "shell");
    await tasks.claim("T2", "w2", "shell");
    const lines = wait(root, ["T1", "T2"]);
    const json = wait(root, ["T2", "T1", "--json"]);

    await tasks.complete("T1", "merged as m1");
    await waitFor(() => lines.stdout() === "T1 done\n", { what: "T1's line" });
    expect(lines.child.exitCode).toBeNull();
    expect(json.stdout()).toBe("");
    await tasks.complete("T2", "merged as m2");
    expect(await lines.exited).toMatchObject({ code: 0, stdout: "T1 done\nT2 done\n" });
    const result = await json.exited;
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Array<{ id: string; state: string }>;
    expect(printed.map((t) => [t.id, t.state])).toEqual([
      ["T2", "done"],
      ["T1", "done"],
    ]);

    // Already done: returns at once.
    expect(await wait(root, ["T1"]).exited).toMatchObject({ code: 0, stdout: "T1 done\n" });
  });

  it("a task that fails ends the wait with exit 1 and its failure, in one line", async () => {
    const { root, tasks } = await makeTaskProject();
    await tasks.add({ title: "form" });
    await tasks.claim("T1", "w1", "shell");
    const run = wait(root, ["T1", "--json"]);
    // Failed before or after its first read of the board: the same outcome either way.
    await tasks.fail("T1", "gave up after 3 attempts");
    const result = await run.exited;
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "flotilla: T1 failed: gave up after 3 attempts (flotilla task show T1)\n",
    );
  });

  it("--for review returns when a worker's done passed and waits for a verdict", async () => {
    const { root, tasks } = await makeTaskProject();
    await tasks.add({ title: "form", review: true });
    await tasks.claim("T1", "w1", "shell");
    const run = wait(root, ["T1", "--for", "review"]);
    await tasks.workerDone("T1", {
      agent: "w1",
      branch: "flotilla/w1",
      head: "a".repeat(40),
      review: true,
    });
    expect(await run.exited).toMatchObject({ code: 0, stdout: "T1 waits for review\n" });
  });

  it("bad input: an unknown task, a bad --for, and --timeout: one line, exit 1", async () => {
    const { root, tasks } = await makeTaskProject();
    await tasks.add({ title: "form" });
    const unknown = await wait(root, ["T1", "T9"]).exited;
    expect(unknown).toMatchObject({
      code: 1,
      stdout: "",
      stderr: 'flotilla: no task T9 on the board: see "flotilla task ls"\n',
    });
    expect(await wait(root, ["T1", "--for", "merge"]).exited).toMatchObject({
      code: 1,
      stderr: 'flotilla: --for takes done or review, not "merge"\n',
    });
    expect(await wait(root, ["T1", "--timeout", "soon"]).exited).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('"soon" is not a whole number'),
    });
    // Nothing ever lands T1: the timeout ends the wait.
    expect(await wait(root, ["T1", "--timeout", "1"]).exited).toMatchObject({
      code: 1,
      stderr: "flotilla: timed out after 1 s; still waiting for T1\n",
    });
  });
});
