import { describe, expect, it } from "vitest";
import { inScope, scopesOverlap } from "../../src/core/scope.js";
import { addTask, TaskBoard } from "../../src/core/tasks.js";
import { DEMO_PLAN, taskAddArgs } from "../../src/demo/plan.js";
import { coordinatorScript } from "../../src/demo/scripts/coordinator.js";
import { reviewScript } from "../../src/demo/scripts/review.js";
import type { Step } from "../../src/demo/script.js";

/** Every step of a script, nested ones included, in order. */
function flatten(steps: readonly Step[]): Step[] {
  return steps.flatMap((step) => [
    step,
    ...(step.do === "ask" ? [...flatten(step.yes ?? []), ...flatten(step.no ?? [])] : []),
    ...(step.do === "run"
      ? [...flatten(step.ifPassed ?? []), ...flatten(step.ifFailed ?? [])]
      : []),
  ]);
}

/** The argv of each `flotilla …` run step, joined by spaces. */
function flotillaRuns(steps: readonly Step[]): string[] {
  return flatten(steps).flatMap((step) =>
    step.do === "run" && step.command === "flotilla" ? [(step.args ?? []).join(" ")] : [],
  );
}

describe("the demo plan", () => {
  it("gets the ids T1… in order on a fresh board, and T4 waits for T1", () => {
    const board = TaskBoard.parse({});
    const now = new Date();
    const added = DEMO_PLAN.map((task) =>
      addTask(
        board,
        { title: task.title, spec: task.spec, scope: task.scope, after: task.after },
        now,
      ),
    );
    expect(added.map((task) => task.id)).toEqual(DEMO_PLAN.map((task) => task.id));
    expect(added.map((task) => task.state)).toEqual(["ready", "ready", "ready", "blocked"]);
  });

  it("has disjoint scopes, and each worker script edits only files in its own", () => {
    for (const a of DEMO_PLAN)
      for (const b of DEMO_PLAN)
        if (a !== b) expect(scopesOverlap(a.scope, b.scope), `${a.id} and ${b.id}`).toBe(false);
    for (const task of DEMO_PLAN) {
      const edits = flatten(task.script.steps).flatMap((step) =>
        step.do === "edit" ? [step.file] : [],
      );
      expect(edits.length).toBeGreaterThan(0);
      for (const file of edits) expect(inScope(file, task.scope), `${task.id}: ${file}`).toBe(true);
    }
  });

  it("makes every worker finish with flotilla done, and none mail worker_done by hand", () => {
    for (const task of DEMO_PLAN) {
      expect(flotillaRuns(task.script.steps)).toContain("done");
      expect(flatten(task.script.steps).some((step) => step.do === "mail")).toBe(false);
    }
  });

  it("has the coordinator add every task, sling the ready ones, then wait for T1 before T4", () => {
    const runs = flotillaRuns(coordinatorScript(DEMO_PLAN).steps);
    const adds = runs.filter((run) => run.startsWith("task add"));
    expect(adds).toEqual(DEMO_PLAN.map((task) => taskAddArgs(task).join(" ")));
    expect(adds[3]).toContain("--after T1");
    expect(adds.filter((run) => run.endsWith("--review"))).toHaveLength(3);
    const at = (run: string) => runs.indexOf(run);
    for (const name of ["T1 --name alice", "T2 --name bob", "T3 --name carol"])
      expect(at(`sling ${name}`)).toBeGreaterThan(at(adds[3]!));
    expect(
      runs.some((run) => run.startsWith("spawn reviewer --runtime demo --role reviewer")),
    ).toBe(true);
    expect(at("task wait T1")).toBeGreaterThan(at("sling T3 --name carol"));
    expect(at("sling T4 --name dave")).toBeGreaterThan(at("task wait T1"));
    expect(at("task wait T1 T2 T3 T4")).toBeGreaterThan(at("sling T4 --name dave"));
  });

  it("has the reviewer wait for the reviewed tasks, then approve them in one command", () => {
    const runs = flotillaRuns(reviewScript(DEMO_PLAN).steps);
    expect(runs[0]).toBe("task wait T1 T2 T3 --for review");
    expect(runs[1]).toMatch(/^task review T1 T2 T3 --approve --findings T1: /);
  });
});
