import type { Task, TaskGate } from "./tasks.js";

/**
 * Role templates and the brief an agent gets when a task is slung to it. Pure: the store
 * (`store/roles.ts`) reads `.flotilla/roles/<role>.md` overrides; these are the built-in
 * defaults. A template is markdown; `{agent}`, `{task}` and `{title}` are filled in.
 */

/** The built-in role templates by name. */
export const DEFAULT_ROLES: Readonly<Record<string, string>> = {
  builder: [
    "# Role: builder",
    "",
    "You are {agent}, a builder on a Flotilla team, working on task {task} ({title}) in your own git worktree and branch.",
    "- Change only files inside the task's scope (below). Writes outside it are blocked; if the task truly needs a file outside it, ask your coordinator by mail instead of working around the block.",
    "- Commit your work on your branch (small commits, honest messages). Leave no uncommitted changes.",
    "- When the work is complete and committed, run `flotilla done`. It runs the quality gates in your worktree; only when they pass is your branch sent to the merge queue. If a gate fails, read its output, fix the cause, commit, and run `flotilla done` again.",
  ].join("\n"),
  scout: [
    "# Role: scout",
    "",
    "You are {agent}, a scout on a Flotilla team, exploring for task {task} ({title}).",
    "- You are read-only: do not create, edit or delete files (writes are blocked). Read, search and run read-only commands.",
    '- Report what you found by mail to your coordinator (or the cockpit): `flotilla mail send --to cockpit --type result --subject "…" --body "…"`.',
    "- Then run `flotilla done` (with nothing to commit, it only reports you finished).",
  ].join("\n"),
  reviewer: [
    "# Role: reviewer",
    "",
    "You are {agent}, a reviewer on a Flotilla team, reviewing task {task} ({title}).",
    "- You are read-only: do not change files (writes are blocked).",
    "- Review the branch named in the spec against the spec, line by line: correctness, tests, scope. Do not rubber-stamp: name at least what you checked.",
    '- Send one `result` mail with your verdict and findings: `flotilla mail send --to cockpit --type result --subject "Review T…: approve|changes" --payload \'{"verdict":"approve"}\' --body "findings…"` (verdict `approve` or `changes`).',
  ].join("\n"),
  coordinator: [
    "# Role: coordinator",
    "",
    "You are {agent}, the coordinator of a Flotilla team.",
    '- Split the work into bounded tasks with disjoint file scopes, a spec and gates: `flotilla task add "title" --spec "…" --scope "src/x/**" --gate "npm test" [--after T1]`.',
    "- Fan them out: `flotilla sling --all-ready --runtime claude --max 4` (or `flotilla sling T1`). Overlapping scopes are refused: such tasks must run one after another.",
    "- Watch the board (`flotilla task ls`) and your mail (`flotilla mail check`); workers report `worker_done`, the merge queue lands their branches, dependants become ready.",
    "- Do not write code yourself.",
  ].join("\n"),
};

/** Fills `{agent}`, `{task}` and `{title}` in a role template. */
export function fillRole(
  template: string,
  fields: { agent: string; task: string; title: string },
): string {
  return template.replace(
    /\{(agent|task|title)\}/g,
    (_, key: "agent" | "task" | "title") => fields[key],
  );
}

/** What a brief is made of (see {@link composeBrief}). */
export interface BriefParts {
  agent: string;
  task: Pick<Task, "id" | "title" | "scope" | "role" | "after">;
  /** The role template, already filled. */
  role: string;
  /** The spec's text (read from `specPath` when the task names a file). */
  spec: string;
  /** Project gates then the task's own, in the order `flotilla done` runs them. */
  gates: readonly Pick<TaskGate, "name" | "command">[];
  /** The memory primer's markdown, if any. */
  primer?: string;
  /** Why the previous attempt failed, for a retry. */
  previousFailure?: string;
  /**
   * For a retry in a new worktree (a task slung again after its worker was stopped): the
   * branch that holds the previous attempt's commits. Unset: the retry runs in the same
   * worktree.
   */
  previousBranch?: string;
  attempt: number;
}

/**
 * The brief for one run of a task, as markdown for the agent's context: the role's
 * instructions, the task and its spec, the scope, the gates, how to use `flotilla mail`,
 * `flotilla done` and `flotilla memory`, the memory primer, and on a retry why the last
 * attempt failed.
 */
export function composeBrief(parts: BriefParts): string {
  const { task } = parts;
  const scope =
    task.scope.length > 0
      ? task.scope.map((glob) => `- \`${glob}\``).join("\n")
      : "- (no scope declared: keep to what the spec needs)";
  const gates =
    parts.gates.length > 0
      ? parts.gates.map((g) => `- ${g.name}: \`${g.command}\``).join("\n")
      : "- (no gates configured: `flotilla done` still checks your work is committed)";
  const sections = [
    `# Flotilla brief: ${task.id} — ${task.title}`,
    parts.role,
    ...(parts.previousFailure !== undefined
      ? [
          `## This is attempt ${parts.attempt}: the previous one failed`,
          parts.previousBranch !== undefined
            ? `This worktree is new; the previous attempt's commits, if any, are on branch \`${parts.previousBranch}\`. It failed because:`
            : "Your worktree holds the previous attempt's commits. It failed because:",
          "```",
          parts.previousFailure,
          "```",
          "Fix that first.",
        ]
      : []),
    "## Spec",
    parts.spec.trim().length > 0 ? parts.spec.trim() : "(no spec given: the title is the task)",
    "## Scope (files you may change; globs relative to your worktree's root)",
    scope,
    "## Quality gates (run by `flotilla done` in your worktree; all must pass)",
    gates,
    "## How to work with Flotilla",
    [
      '- `flotilla mail check` reads your mail; `flotilla mail send --to cockpit --subject "…" --body "…"` asks the human (use `--type question`).',
      "- `flotilla done` when finished and committed: gates run; on success the merge queue takes your branch. Never claim you are done without it.",
      '- `flotilla done --learned "…"` also records what the next agent should know.',
      '- `flotilla memory search "…"` finds what earlier agents recorded; `flotilla memory record <domain> --type convention --text "…"` adds to it.',
    ].join("\n"),
    ...(parts.primer !== undefined && parts.primer.trim().length > 0
      ? ["## What the team has learned (memory)", parts.primer.trim()]
      : []),
  ];
  return sections.join("\n\n") + "\n";
}
