import type { DemoScript } from "./script.js";
import { docsScript } from "./scripts/docs.js";
import { handlerScript } from "./scripts/handler.js";
import { testsScript } from "./scripts/tests.js";
import { validationScript } from "./scripts/validation.js";

/**
 * The demo's work plan: what its scripted coordinator puts on the task board through the
 * real CLI (`flotilla task add`), who it slings each task to, and which built-in script that
 * worker plays. Data only; `scripts/coordinator.ts` and `scripts/review.ts` are made from it,
 * and `flotilla demo` starts the coordinator.
 */

/** One task of the demo plan, as `flotilla task add` gets it, and the worker that does it. */
export interface DemoPlanTask {
  /** The id `task add` gives it on the demo's fresh board (T1, T2, … in plan order). */
  id: string;
  /** Agent it is slung to (`flotilla sling <id> --name <agent>`); its branch is `flotilla/<agent>`. */
  agent: string;
  title: string;
  /** The spec, as text (`--spec`). */
  spec: string;
  /** File scope (`--scope`): literal paths, disjoint from every other task's. */
  scope: string[];
  /** The task's own gates (`--gate`), run by `flotilla done` after the project's. */
  gates: string[];
  /** Tasks it comes after (`--after`). */
  after: string[];
  /** Needs the reviewer's approval before its branch is enqueued (`--review`). */
  review: boolean;
  /** What the reviewer found, one line (its `--findings`). */
  finding?: string;
  /** Built-in script id the worker plays (picked from its sling prompt, which has the title). */
  scriptId: string;
  script: DemoScript;
}

/** The project gate the demo configures: run by every `flotilla done` and on every merge. */
export const DEMO_PROJECT_GATE = { name: "test", command: "node --test", timeoutMs: 120_000 };

/** The scripted coordinator `flotilla demo` starts (role coordinator). */
export const DEMO_COORDINATOR = {
  name: "lead",
  prompt: "Plan the sign-up form work: split it into tasks, sling workers, review and land them",
} as const;

/** The scripted reviewer the coordinator spawns (role reviewer). */
export const DEMO_REVIEWER = {
  name: "reviewer",
  prompt: "Review T1, T2 and T3 against their specs once their gates pass",
} as const;

/** The four tasks, in the order the coordinator adds them. T4 comes after T1. */
export const DEMO_PLAN: readonly DemoPlanTask[] = [
  {
    id: "T1",
    agent: "alice",
    title: "Validate the whole sign-up form",
    spec: "Add validateSignup(form) to src/form.js: one message per problem; test it in test/validate-signup.test.js.",
    scope: ["src/form.js", "test/validate-signup.test.js"],
    gates: ["node --test test/validate-signup.test.js"],
    after: [],
    review: true,
    finding: "T1: validateSignup reports every problem at once; its tests cover each rule.",
    scriptId: "validation",
    script: validationScript,
  },
  {
    id: "T2",
    agent: "bob",
    title: "Cover the form helpers with tests",
    spec: "Test isEmail's edge cases and slugify in test/form.test.js.",
    scope: ["test/form.test.js"],
    gates: ["node --test test/form.test.js"],
    after: [],
    review: true,
    finding:
      "T2: edge cases for isEmail and slugify; the R2-D2 slip was caught by the gate and fixed.",
    scriptId: "tests",
    script: testsScript,
  },
  {
    id: "T3",
    agent: "carol",
    title: "Document the form helpers in README.md",
    spec: "Replace the TODO in README.md's Usage section with an example and a table of the helpers.",
    scope: ["README.md"],
    gates: ["! grep -q TODO README.md"],
    after: [],
    review: true,
    finding: "T3: Usage documents all three helpers; no TODO is left.",
    scriptId: "docs",
    script: docsScript,
  },
  {
    id: "T4",
    agent: "dave",
    title: "Sign-up handler that uses validateSignup",
    spec: "Add handleSignup(form) in src/signup.js, built on validateSignup; test it in test/signup.test.js.",
    scope: ["src/signup.js", "test/signup.test.js"],
    gates: ["node --test test/signup.test.js"],
    after: ["T1"],
    review: false,
    scriptId: "handler",
    script: handlerScript,
  },
];

/** Branch of the agent a plan task is slung to. */
export function planBranch(task: Pick<DemoPlanTask, "agent">): string {
  return `flotilla/${task.agent}`;
}

/** `flotilla task add …` arguments for a plan task (without `flotilla`). */
export function taskAddArgs(task: DemoPlanTask): string[] {
  return [
    "task",
    "add",
    task.title,
    "--spec",
    task.spec,
    "--scope",
    task.scope.join(","),
    ...task.gates.flatMap((gate) => ["--gate", gate]),
    "--runtime",
    "demo",
    ...(task.after.length > 0 ? ["--after", task.after.join(",")] : []),
    ...(task.review ? ["--review"] : []),
  ];
}
