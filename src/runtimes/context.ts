import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { sanitizeForTerminal } from "../core/sanitize.js";
import type { ContextDelivery, RuntimeProfile } from "../core/schema.js";
import { runGitIn } from "../git/git.js";

/**
 * Text for an agent's context (the memory primer; the tasks issue's briefs use the same
 * path) delivered through each runtime's own mechanism, as its profile's `context` says
 * (see `ContextDelivery` in core/schema.ts). The text is kept at
 * `<worktree>/.flotilla/context.md`, which the repository's `info/exclude` line
 * `/.flotilla/` keeps out of git in every worktree, so delivering never dirties a worktree.
 */

/** Where an agent's context text is kept, relative to its worktree. */
export const CONTEXT_FILE = path.join(".flotilla", "context.md");

/** What delivering context adds to a launch, and the files it needs in the worktree. */
export interface ContextPlan {
  /** Extra arguments, placed before the first prompt. */
  args: string[];
  env: Record<string, string>;
  /** Files to write, paths relative to the worktree. */
  files: { path: string; content: string }[];
}

/**
 * The plan for delivering `text` to a runtime with `profile` in `worktree` (pure): the
 * canonical `.flotilla/context.md` and `FLOTILLA_CONTEXT` always; then per `profile.context`
 * a flag (Claude Code `--append-system-prompt <text>`, Codex `-c developer_instructions=
 * "<text>"`), or a file the runtime reads (Gemini CLI's `GEMINI.md`), or nothing more.
 * The text is stripped of terminal control characters first.
 */
export function deliverContext(
  profile: Pick<RuntimeProfile, "context">,
  worktree: string,
  text: string,
): ContextPlan {
  const clean = cleanText(text);
  const plan: ContextPlan = {
    args: [],
    env: { FLOTILLA_CONTEXT: path.join(worktree, CONTEXT_FILE) },
    files: [{ path: CONTEXT_FILE, content: clean }],
  };
  const delivery: ContextDelivery = profile.context;
  if (delivery.mode === "flag")
    plan.args.push(delivery.flag, fillTemplate(delivery.template, clean));
  else if (delivery.mode === "file") {
    const target = path.normalize(delivery.path);
    if (target !== CONTEXT_FILE) plan.files.push({ path: target, content: clean });
    if (delivery.flag) plan.args.push(delivery.flag, target);
  }
  return plan;
}

/** `template` with `{text}` → the text, `{toml}` → the text as a TOML basic string. */
function fillTemplate(template: string, text: string): string {
  return template.replace(/\{(text|toml)\}/g, (_, kind: string) =>
    kind === "toml" ? tomlString(text) : text,
  );
}

/**
 * `text` as a TOML basic string: JSON's escaping is valid TOML (`\"`, `\\`, `\n`, `\uXXXX`…)
 * except that TOML also wants DEL escaped.
 */
export function tomlString(text: string): string {
  return JSON.stringify(text).replace(/\x7f/g, "\\u007F");
}

function cleanText(text: string): string {
  // Lone surrogates cannot be encoded (TOML, argv as UTF-8): replace them.
  return sanitizeForTerminal(
    text.replace(
      /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "\ufffd",
    ),
  );
}

/** The context text kept for the agent in `worktree`, or `undefined` when there is none. */
export function readAgentContext(worktree: string): string | undefined {
  const file = path.join(worktree, CONTEXT_FILE);
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8");
}

/** What {@link writeAgentContext} did. */
export interface ContextWrite {
  plan: ContextPlan;
  /** Files written, absolute. */
  written: string[];
  /** A file the profile names that is tracked in the repository, so was not written. */
  skipped: string[];
}

/**
 * Writes the context files of {@link deliverContext} into `worktree` (atomically: temp file
 * + rename). A file outside `.flotilla/` is first added to the repository's `info/exclude`
 * (shared by all its worktrees) unless already ignored, and is skipped, not written, when
 * the repository tracks that path (a tracked file is never changed); the agent still gets
 * `.flotilla/context.md` then.
 * @throws FlotillaError INVALID_INPUT when a profile path leaves the worktree.
 */
export async function writeAgentContext(
  profile: Pick<RuntimeProfile, "context">,
  worktree: string,
  text: string,
): Promise<ContextWrite> {
  const plan = deliverContext(profile, worktree, text);
  const written: string[] = [];
  const skipped: string[] = [];
  for (const file of plan.files) {
    if (path.isAbsolute(file.path) || file.path.split(path.sep).includes(".."))
      throw new FlotillaError(
        "INVALID_INPUT",
        `runtime context path "${file.path}" must stay inside the worktree (a relative path without "..")`,
      );
    const target = path.join(worktree, file.path);
    if (file.path !== CONTEXT_FILE && !file.path.startsWith(`.flotilla${path.sep}`)) {
      if (await isTracked(worktree, file.path)) {
        skipped.push(target);
        continue;
      }
      await ensureIgnored(worktree, file.path);
    }
    mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, file.content);
    renameSync(tmp, target);
    written.push(target);
  }
  return { plan, written, skipped };
}

/** `git <args>` in `worktree`: whether it exited 0, and its stdout. */
async function git(worktree: string, args: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    return { ok: true, out: await runGitIn(worktree, args) };
  } catch {
    return { ok: false, out: "" };
  }
}

async function isTracked(worktree: string, file: string): Promise<boolean> {
  return (await git(worktree, ["ls-files", "--error-unmatch", "--", file])).ok;
}

/** Adds `/<file>` to the repository's `info/exclude` unless git already ignores the path. */
async function ensureIgnored(worktree: string, file: string): Promise<void> {
  if ((await git(worktree, ["check-ignore", "-q", "--no-index", "--", file])).ok) return;
  const common = await git(worktree, ["rev-parse", "--path-format=absolute", "--git-common-dir"]);
  const commonDir = common.out.trim();
  if (!commonDir)
    throw new FlotillaError(
      "GIT_FAILED",
      `${worktree} is not a git worktree: cannot keep ${file} out of git`,
    );
  const exclude = path.join(commonDir, "info", "exclude");
  const current = existsSync(exclude) ? readFileSync(exclude, "utf8") : "";
  const line = `/${file.split(path.sep).join("/")}`;
  const separator = current.length === 0 || current.endsWith("\n") ? "" : "\n";
  mkdirSync(path.dirname(exclude), { recursive: true });
  writeFileSync(
    exclude,
    `${current}${separator}# flotilla: agent context file (memory primer) for a runtime that reads it\n${line}\n`,
  );
}
