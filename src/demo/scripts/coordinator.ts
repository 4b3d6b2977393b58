import { DEMO_REVIEWER, taskAddArgs, type DemoPlanTask } from "../plan.js";
import type { DemoScript, Step } from "../script.js";

const flotilla = (...args: string[]): Step => ({ do: "run", command: "flotilla", args });

/**
 * The demo's coordinator (role coordinator), made from the plan: after the human's y it puts
 * the tasks on the board (`flotilla task add`, scopes, gates, `--after`, `--review`), slings
 * every task that is ready, spawns the reviewer, waits with `flotilla task wait` for each
 * dependency to land before slinging its dependant, waits for every task to be done, and
 * shows the target's merges. Everything goes through the real CLI, as an AI coordinator's
 * would; a failing command stops the script (the task loop escalates failed tasks).
 */
export function coordinatorScript(plan: readonly DemoPlanTask[]): DemoScript {
  const first = plan.filter((task) => task.after.length === 0);
  const later = plan.filter((task) => task.after.length > 0);
  const reviewed = plan.filter((task) => task.review).map((task) => task.id);
  const listing = plan
    .map(
      (task) =>
        `${task.id} ${task.agent.padEnd(6)}${task.title}${task.after.length > 0 ? ` (after ${task.after.join(", ")})` : ""}${task.review ? ", reviewed" : ""}`,
    )
    .join("\n");
  return {
    name: "coordinator",
    steps: [
      { do: "think", ms: 3000, label: "Reading the repository" },
      {
        do: "say",
        text: "The sign-up form needs validation, tests, docs, and a submit handler built on the validation.\nI'll split it into tasks with **disjoint file scopes**; the handler waits for the validation:",
      },
      { do: "say", text: listing, color: "cyan" },
      {
        do: "ask",
        question: `Add these ${plan.length} tasks, sling ${first.length} workers and a reviewer?`,
        yes: [
          ...plan.map((task) => flotilla(...taskAddArgs(task))),
          ...first.map((task) => flotilla("sling", task.id, "--name", task.agent)),
          ...(reviewed.length > 0
            ? [
                flotilla(
                  "spawn",
                  DEMO_REVIEWER.name,
                  "--runtime",
                  "demo",
                  "--role",
                  "reviewer",
                  "--prompt",
                  DEMO_REVIEWER.prompt,
                ),
              ]
            : []),
          ...later.flatMap((task): Step[] => [
            {
              do: "say",
              text: `${task.id} is blocked until ${task.after.join(", ")} lands; waiting for it.`,
            },
            flotilla("task", "wait", ...task.after),
            flotilla("sling", task.id, "--name", task.agent),
          ]),
          flotilla("task", "wait", ...plan.map((task) => task.id)),
          {
            do: "run",
            command: "git",
            args: ["log", "--oneline", "--first-parent", "main"],
          },
          {
            do: "say",
            text: `All ${plan.length} tasks landed on **main**, each through its gates and the merge queue.`,
            color: "green",
          },
        ],
        no: [{ do: "say", text: "Okay, nothing is planned.", color: "yellow" }],
      },
    ],
  };
}
