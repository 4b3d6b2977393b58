import { planBranch, type DemoPlanTask } from "../plan.js";
import type { DemoScript } from "../script.js";

/**
 * The demo's reviewer (role reviewer, read-only), made from the plan: waits with
 * `flotilla task wait --for review` until every task that needs review has passed its
 * worker's `flotilla done`, reads their branches' commits, and after the human's y approves
 * them in one `flotilla task review --approve`, which enqueues them together (one batch).
 */
export function reviewScript(plan: readonly DemoPlanTask[]): DemoScript {
  const reviewed = plan.filter((task) => task.review);
  const ids = reviewed.map((task) => task.id);
  const list = ids.length > 1 ? `${ids.slice(0, -1).join(", ")} and ${ids.at(-1)}` : ids.join("");
  const findings = reviewed.map((task) => task.finding ?? `${task.id}: checked`).join(" ");
  return {
    name: "review",
    steps: [
      {
        do: "say",
        text: `I review ${list} once their workers' \`flotilla done\` has passed; nothing of theirs is queued before I approve.`,
      },
      { do: "run", command: "flotilla", args: ["task", "wait", ...ids, "--for", "review"] },
      { do: "think", ms: 2500, label: "Reading the branches against their specs" },
      {
        do: "run",
        command: "git",
        args: ["log", "--oneline", "^main", ...reviewed.map(planBranch)],
        mustPass: false,
      },
      { do: "say", text: reviewed.map((task) => task.finding ?? task.id).join("\n") },
      {
        do: "ask",
        question: `Approve ${list} for the merge queue?`,
        yes: [
          {
            do: "run",
            command: "flotilla",
            args: ["task", "review", ...ids, "--approve", "--findings", findings],
          },
          {
            do: "say",
            text: "Approved: the merge queue takes the branches as **one batch** and gates them together.",
            color: "green",
          },
        ],
        no: [
          {
            do: "say",
            text: `Not approved: the branches stay out of the queue (\`flotilla task review ${ids.join(" ")} --changes --findings "…"\` tells the workers what to fix).`,
            color: "yellow",
          },
        ],
      },
    ],
  };
}
