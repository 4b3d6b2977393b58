import { spawn } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { TaskStore } from "../../src/store/task-store.js";
import { cleanEnv } from "../git/temp-repo.js";
import { ensureBuilt, makeProject, REPO } from "../store/mail-fixture.js";

const CLI = path.join(REPO, "dist/cli.js");

function claim(
  root: string,
  agent: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "task", "claim", "--json"], {
      cwd: root,
      env: cleanEnv({ FLOTILLA_AGENT: agent, FLOTILLA_ROLE: "builder" }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("flotilla task claim (real processes)", () => {
  beforeAll(() => ensureBuilt());

  it("16 processes claiming from 10 tasks at once: each task claimed exactly once, 6 get none", async () => {
    const root = makeProject([]);
    const store = new TaskStore(path.join(root, ".flotilla", "tasks.json"));
    for (let i = 1; i <= 10; i++) await store.add({ title: `task ${i}` });

    const agents = Array.from({ length: 16 }, (_, i) => `w${i + 1}`);
    const results = await Promise.all(agents.map((a) => claim(root, a)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);

    const claimed = results.map((r) => JSON.parse(r.stdout) as { id: string } | null);
    const ids = claimed.filter((c) => c !== null).map((c) => c.id);
    expect(ids.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `T${i + 1}`).sort());
    expect(claimed.filter((c) => c === null)).toHaveLength(6);

    const board = await store.read();
    expect(board.tasks.every((t) => t.state === "claimed" && t.attempts === 1)).toBe(true);
    const assignees = board.tasks.map((t) => t.assignee);
    expect(new Set(assignees).size).toBe(10);
    // Each process that got a task is the task's assignee on disk.
    results.forEach((r, i) => {
      const got = claimed[i];
      if (got) expect(board.tasks.find((t) => t.id === got.id)?.assignee).toBe(agents[i]);
    });

    // Claiming again as the same agent returns its task, not a new one.
    const holder = board.tasks[0]!.assignee!;
    const again = await claim(root, holder);
    expect((JSON.parse(again.stdout) as { id: string }).id).toBe("T1");
  }, 120_000);
});
