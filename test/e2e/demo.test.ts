import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_COORDINATOR, DEMO_PLAN, DEMO_REVIEWER } from "../../src/demo/plan.js";
import { DEMO_FILES } from "../../src/demo/repo.js";
import type { Step } from "../../src/demo/script.js";
import { PREFIX, TerminalDriver, stopHub } from "./harness.js";
import { makeTempDir } from "../git/temp-repo.js";

interface BoardTask {
  id: string;
  state: string;
  assignee?: string;
  attempts: number;
  history: { time: string; event: string; text: string; agent?: string }[];
}

/** The board as `.flotilla/tasks.json` holds it (empty before the coordinator adds tasks). */
function readBoard(repo: string): BoardTask[] {
  const file = path.join(repo, ".flotilla", "tasks.json");
  if (!existsSync(file)) return [];
  try {
    return (JSON.parse(readFileSync(file, "utf8")) as { tasks: BoardTask[] }).tasks;
  } catch {
    return []; // never half-written (temp + rename), but be safe while polling
  }
}

/**
 * What main should hold once every task landed: the demo's files with every worker's edits
 * of the yes path applied, a failed gate's fix included (as the scripts make them).
 */
function expectedTree(): Record<string, string> {
  const files: Record<string, string> = { ...DEMO_FILES };
  const apply = (steps: readonly Step[]): void => {
    for (const step of steps) {
      if (step.do === "ask") apply(step.yes ?? []);
      if (step.do === "run") apply(step.ifFailed ?? []);
      if (step.do !== "edit") continue;
      const before = files[step.file] ?? "";
      if (step.content !== undefined) files[step.file] = step.content;
      else if (step.append !== undefined) files[step.file] = before + step.append;
      else if (step.replace)
        files[step.file] = before.replace(step.replace.find, step.replace.with);
    }
  };
  for (const task of DEMO_PLAN) apply(task.script.steps);
  return files;
}

/** The agent in the focused pane (its frame is the bold one). */
function focusedAgent(text: string): string | undefined {
  return /┏━ (\S+) · /.exec(text)?.[1];
}

/**
 * Agents waiting for the human, longest first, from the status bar (` · 2 waiting: alice
 * <1m, bob <1m`): pane titles may be cut short in narrow panes, the bar names them whole.
 */
function waitingAgents(text: string): string[] {
  const bar = text.split("\n").at(-1) ?? "";
  const named = / \d+ waiting: (.*?)(?:, …)?(?: {2}|$)/.exec(bar)?.[1] ?? "";
  return named
    .split(", ")
    .map((part) => part.split(" ")[0]!)
    .filter((name) => name.length > 0);
}

describe("flotilla demo, end to end: decompose → isolate → merge", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  afterEach(() => {
    driver?.dispose();
    if (repo) stopHub(repo);
  });

  it("a human who only answers y watches four tasks land on main with trailers and passing tests", async () => {
    repo = path.join(makeTempDir("flotilla-demo-e2e-"), "demo");
    const root = repo;
    driver = new TerminalDriver(
      ["demo", "--dir", root],
      os.tmpdir(),
      { cols: 160, rows: 48 },
      { FLOTILLA_DEMO_SPEED: "20" },
    );
    const d = driver;
    const allDone = (): boolean => {
      const board = readBoard(root);
      return board.length === DEMO_PLAN.length && board.every((t) => t.state === "done");
    };

    // Answer each question the way a user does: Ctrl-b w (the agent waiting longest), then y.
    const answered: string[] = [];
    while (!allDone()) {
      await d.waitFor((text) => waitingAgents(text).length > 0 || allDone(), 150_000);
      if (allDone()) break;
      const name = waitingAgents(await d.text())[0];
      if (name === undefined) continue;
      d.type(PREFIX);
      d.type("w");
      await d.waitFor((text) => focusedAgent(text) === name, 30_000);
      d.type("y");
      await d.waitFor((text) => !waitingAgents(text).includes(name), 60_000);
      answered.push(name);
      // Each agent asks once: an agent shown waiting again after its answer is a defect.
      expect(answered.length, `answered ${answered.join(", ")}`).toBeLessThanOrEqual(
        DEMO_PLAN.length + 2,
      );
    }
    const agents = [DEMO_COORDINATOR.name, DEMO_REVIEWER.name, ...DEMO_PLAN.map((t) => t.agent)];
    expect([...answered].sort()).toEqual([...agents].sort());
    await d.waitFor(`All ${DEMO_PLAN.length} tasks landed on main`, 60_000);

    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();

    // The target's final tree: every file, exactly as the workers' scripts wrote it.
    const expected = expectedTree();
    expect(git("ls-tree", "-r", "--name-only", "main").split("\n").sort()).toEqual(
      Object.keys(expected).sort(),
    );
    for (const [file, content] of Object.entries(expected))
      expect(git("show", `main:${file}`), file).toBe(content.replace(/\n+$/, ""));

    // Its log: one merge per task with the queue's trailers, each task's commits with their
    // worker's trailer, and the main checkout fast-forwarded to it.
    const merges = git("log", "--first-parent", "--merges", "--format=%H", "main").split("\n");
    expect(merges).toHaveLength(DEMO_PLAN.length);
    const trailer = (commit: string, key: string) =>
      git("log", "-1", `--format=%(trailers:key=${key},valueonly)`, commit);
    const landed = merges.map(
      (c) => `${trailer(c, "Flotilla-Task")} ${trailer(c, "Flotilla-Agent")}`,
    );
    expect(landed.sort()).toEqual(DEMO_PLAN.map((t) => `${t.id} ${t.agent}`).sort());
    for (const merge of merges) {
      // The branch's own commits: what the merge brought in, each with its worker's trailer.
      const agent = trailer(merge, "Flotilla-Agent");
      const authors = git(
        "log",
        "--no-merges",
        "--format=%(trailers:key=Flotilla-Agent,valueonly)",
        `${merge}^1..${merge}^2`,
      )
        .split("\n")
        .filter((line) => line.length > 0);
      expect(authors.length).toBeGreaterThan(0);
      for (const author of authors) expect(author).toBe(agent);
    }
    expect(git("rev-parse", "HEAD")).toBe(git("rev-parse", "main"));
    expect(git("status", "--porcelain")).toBe("");

    const board = readBoard(root);
    const byId = new Map(board.map((t) => [t.id, t]));
    const when = (id: string, event: string): string =>
      byId.get(id)!.history.find((h) => h.event === event)!.time;

    // The dependent task was slung only after its dependency merged.
    const events = readFileSync(path.join(root, ".flotilla", "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { type: string; detail?: { task?: string } });
    const at = (type: string, task: string) =>
      events.findIndex((e) => e.type === type && e.detail?.task === task);
    for (const task of DEMO_PLAN)
      for (const dep of task.after) {
        expect(at("task.done", dep)).toBeGreaterThan(-1);
        expect(at("task.slung", task.id)).toBeGreaterThan(at("task.done", dep));
        expect(Date.parse(when(task.id, "claimed"))).toBeGreaterThanOrEqual(
          Date.parse(when(dep, "done")),
        );
      }

    // bob's gate failed once, nothing was sent, then it passed in the same attempt.
    const bob = byId.get("T2")!;
    const bobEvents = bob.history.map((h) => h.event);
    expect(bobEvents.filter((e) => e === "gate_failed")).toHaveLength(1);
    expect(bobEvents.indexOf("worker_done")).toBeGreaterThan(bobEvents.indexOf("gate_failed"));
    expect(bobEvents.filter((e) => e === "worker_done")).toHaveLength(1);
    expect(bob.attempts).toBe(1);
    for (const task of DEMO_PLAN.filter((t) => t.id !== "T2"))
      expect(byId.get(task.id)!.history.map((h) => h.event)).not.toContain("gate_failed");

    // The reviewer approved each reviewed task before it was enqueued; the queue took those
    // together, as one batch.
    const reviewed = DEMO_PLAN.filter((t) => t.review);
    for (const task of reviewed) {
      const approved = byId.get(task.id)!.history.find((h) => h.event === "approved");
      expect(approved?.agent).toBe(DEMO_REVIEWER.name);
    }
    const queue = JSON.parse(
      readFileSync(path.join(root, ".flotilla", "merge-queue.json"), "utf8"),
    ) as { entries: { task?: string; state: string; batch?: string }[] };
    const entries = queue.entries.filter((e) => e.state === "merged");
    expect(entries.map((e) => e.task).sort()).toEqual(DEMO_PLAN.map((t) => t.id).sort());
    const batches = new Set(reviewed.map((t) => entries.find((e) => e.task === t.id)?.batch));
    expect(batches.size).toBe(1);
    expect([...batches][0]).toBeDefined();

    // The demo project's tests pass on the target branch, checked out on its own.
    const checkout = path.join(makeTempDir("flotilla-demo-main-"), "main");
    mkdirSync(checkout);
    execFileSync("sh", ["-c", `git -C "${root}" archive main | tar -x -C "${checkout}"`]);
    const output = execFileSync(process.execPath, ["--test"], { cwd: checkout, encoding: "utf8" });
    expect(output).toMatch(/# pass 10\b/);
    expect(output).toMatch(/# fail 0\b/);
  }, 300_000);
});
