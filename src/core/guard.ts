import { inScope } from "./scope.js";

/**
 * `flotilla guard`'s decision, pure: may this Claude Code tool call write where it wants?
 *
 * Input is Claude Code's `PreToolUse` hook payload (code.claude.com/docs/en/hooks, "PreToolUse
 * input"): `{ session_id, transcript_path, cwd, permission_mode, hook_event_name:
 * "PreToolUse", tool_name, tool_input, tool_use_id }`, where `tool_input` is the tool's own
 * arguments: `Write {file_path, content}`, `Edit {file_path, old_string, new_string,
 * replace_all}`, `MultiEdit {file_path, edits}`, `NotebookEdit {notebook_path, new_source,
 * …}`, `Bash {command, description, timeout}`. File paths are absolute.
 *
 * Rules: a read-only role (scout, reviewer) writes nothing; anyone else writes only inside
 * its worktree and, when the task declares a scope, inside that scope. Scratch space
 * (`/tmp/…`, `/dev/null` and the other `/dev/` streams) is allowed unless it lies inside the
 * project (the main checkout and the other agents' worktrees are never scratch). Bash commands are
 * checked best effort: redirections (`>`, `>>`), `tee`, `touch`, `mkdir`, `rm`, `rmdir`,
 * `mv`, `cp`, `ln`, `install`, `sed -i`, `truncate`, `dd of=` and, for read-only roles, git
 * commands that change the repository are recognised; anything cleverer (a script that
 * writes, `python -c`, variables in paths) is not, which is why the merge queue's scope
 * check stays the last line.
 */

/** The tools that write a file named in their input. */
export const WRITE_TOOLS: ReadonlySet<string> = new Set([
  "Write",
  "Edit",
  "MultiEdit",
  "NotebookEdit",
]);

/** The hook matcher the guard is installed with (the tools it judges). */
export const GUARD_MATCHER = "Write|Edit|MultiEdit|NotebookEdit|Bash";

/** The command Claude Code's `PreToolUse` hook runs (the agent's PATH has `flotilla`). */
export const GUARD_COMMAND = "flotilla guard";

/**
 * The entry that installs the guard in Claude Code's settings, under `hooks.PreToolUse`
 * (the shape of code.claude.com/docs/en/hooks): the write tools and Bash, 10 s timeout.
 */
export function guardHookEntry(): {
  matcher: string;
  hooks: Array<{ type: "command"; command: string; timeout: number }>;
} {
  return {
    matcher: GUARD_MATCHER,
    hooks: [{ type: "command", command: GUARD_COMMAND, timeout: 10 }],
  };
}

/** The parts of a `PreToolUse` payload the guard reads. */
export interface GuardInput {
  tool_name: string;
  tool_input: Record<string, unknown>;
  cwd?: string;
}

/** Who is asking and what it may touch. Paths absolute, `/`-separated. */
export interface GuardPolicy {
  /** The agent's worktree root. */
  worktree: string;
  /** The main checkout's root (every agent's worktree is under it): never scratch space. */
  root?: string;
  /** The task's scope globs (relative to the worktree); empty: the whole worktree. */
  scope: readonly string[];
  /** Role name, for messages. */
  role: string;
  readOnly: boolean;
  /** Task id, for messages. */
  task?: string;
}

/** The guard's answer: allow, or deny with a reason the agent reads. */
export type GuardDecision = { allow: true } | { allow: false; reason: string };

/** Decides one tool call (see the module comment). */
export function decide(input: GuardInput, policy: GuardPolicy): GuardDecision {
  const cwd = input.cwd && input.cwd.startsWith("/") ? input.cwd : policy.worktree;
  if (WRITE_TOOLS.has(input.tool_name)) {
    const raw = input.tool_input.file_path ?? input.tool_input.notebook_path;
    if (typeof raw !== "string" || raw.length === 0) return { allow: true };
    if (policy.readOnly) return deny(readOnlyReason(policy, `${input.tool_name} ${raw}`));
    return checkTarget(resolvePath(cwd, raw), policy, `${input.tool_name} ${raw}`);
  }
  if (input.tool_name === "Bash") {
    const command = input.tool_input.command;
    if (typeof command !== "string") return { allow: true };
    const writes = shellWrites(command);
    if (policy.readOnly) {
      const first = writes.targets[0] ?? writes.gitWrites[0];
      if (first !== undefined)
        return deny(readOnlyReason(policy, `the shell command writes (${first})`));
      return { allow: true };
    }
    let dir = cwd;
    for (const target of writes.targets) {
      if (target.startsWith("cd:")) {
        dir = resolvePath(dir, target.slice(3));
        continue;
      }
      const decision = checkTarget(
        resolvePath(dir, target),
        policy,
        `the shell command writes ${target}`,
      );
      if (!decision.allow) return decision;
    }
  }
  return { allow: true };
}

function deny(reason: string): GuardDecision {
  return { allow: false, reason };
}

function readOnlyReason(policy: GuardPolicy, what: string): string {
  return `Flotilla guard: blocked ${what}: your role (${policy.role}) is read-only${policy.task ? ` for task ${policy.task}` : ""}. Do not change files; report what you found by mail (flotilla mail send --to cockpit --type result ...).`;
}

function checkTarget(target: string, policy: GuardPolicy, what: string): GuardDecision {
  const rel = relativeTo(policy.worktree, target);
  const inProject = policy.root !== undefined && relativeTo(policy.root, target) !== undefined;
  if (rel === undefined && isScratch(target) && !inProject) return { allow: true };
  if (rel === undefined)
    return deny(
      `Flotilla guard: blocked ${what}: ${target} is outside your worktree ${policy.worktree}. Work only inside your own worktree (your branch); ask your coordinator by mail if you need something elsewhere.`,
    );
  if (rel === "" || rel === ".git" || rel.startsWith(".git/"))
    return deny(
      `Flotilla guard: blocked ${what}: write to git's own files with git commands instead.`,
    );
  if (!inScope(rel, policy.scope))
    return deny(
      `Flotilla guard: blocked ${what}: ${rel} is outside the scope of ${policy.task ?? "your task"} (${policy.scope.join(", ")}). Change only files in that scope; if the task needs this file, ask your coordinator by mail (flotilla mail send --to cockpit --type question ...).`,
    );
  return { allow: true };
}

function isScratch(target: string): boolean {
  return target === "/tmp" || target.startsWith("/tmp/") || target.startsWith("/dev/");
}

/** `target` relative to `root` (both absolute), or `undefined` when it is outside. */
export function relativeTo(root: string, target: string): string | undefined {
  const base = normalizePath(root);
  const full = normalizePath(target);
  if (full === base) return "";
  return full.startsWith(base === "/" ? "/" : `${base}/`) ? full.slice(base.length + 1) : undefined;
}

/** `p` made absolute against `cwd` and normalized (`.`, `..`, repeated slashes); POSIX. */
export function resolvePath(cwd: string, p: string): string {
  const expanded = p === "~" || p.startsWith("~/") ? `/~home${p.slice(1)}` : p;
  return normalizePath(expanded.startsWith("/") ? expanded : `${cwd}/${expanded}`);
}

function normalizePath(p: string): string {
  const out: string[] = [];
  for (const part of p.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return `/${out.join("/")}`;
}

/** What a shell command writes, as far as {@link shellWrites} can tell. */
export interface ShellWrites {
  /** Paths written, in order, with `cd:<dir>` entries where the command changes directory. */
  targets: string[];
  /** Git subcommands that change the repository (`git commit`, …). */
  gitWrites: string[];
}

const GIT_WRITES = new Set([
  "add",
  "commit",
  "reset",
  "checkout",
  "switch",
  "merge",
  "rebase",
  "push",
  "pull",
  "stash",
  "apply",
  "am",
  "cherry-pick",
  "revert",
  "rm",
  "mv",
  "restore",
  "clean",
  "tag",
  "branch",
]);

/**
 * The paths a shell command plainly writes (best effort, see the module comment): split on
 * `;`, `&&`, `||`, `|` and newlines, words split with quotes honoured.
 */
export function shellWrites(command: string): ShellWrites {
  const targets: string[] = [];
  const gitWrites: string[] = [];
  for (const segment of splitCommands(command)) {
    const words = segment.words;
    for (const redirect of segment.redirects) targets.push(redirect);
    const [name, ...args] = stripPrefixes(words);
    if (name === undefined) continue;
    const operands = args.filter((a) => !a.startsWith("-"));
    switch (name) {
      case "cd":
        if (operands[0] !== undefined) targets.push(`cd:${operands[0]}`);
        break;
      case "tee":
      case "touch":
      case "mkdir":
      case "rm":
      case "rmdir":
      case "truncate":
        targets.push(...operands);
        break;
      case "mv":
      case "cp":
      case "ln":
      case "install": {
        // The destination, and for mv also the sources (they disappear).
        const dest = operands[operands.length - 1];
        if (name === "mv") targets.push(...operands.slice(0, -1));
        if (dest !== undefined && operands.length >= 2) targets.push(dest);
        break;
      }
      case "sed":
        if (args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith("--in-place")))
          targets.push(...operands.slice(1));
        break;
      case "dd":
        for (const a of args) if (a.startsWith("of=")) targets.push(a.slice(3));
        break;
      case "git": {
        const sub = args.find((a) => !a.startsWith("-"));
        if (sub !== undefined && GIT_WRITES.has(sub)) gitWrites.push(`git ${sub}`);
        break;
      }
    }
  }
  return { targets, gitWrites };
}

/** Drops `sudo`, `env A=b`, leading `A=b` assignments and `command`/`builtin`. */
function stripPrefixes(words: string[]): string[] {
  let i = 0;
  while (i < words.length) {
    const w = words[i] ?? "";
    if (w === "sudo" || w === "command" || w === "builtin" || w === "env" || w === "nohup") i++;
    else if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(w)) i++;
    else break;
  }
  return words.slice(i);
}

interface Segment {
  words: string[];
  redirects: string[];
}

/** Splits `command` into simple commands with their words and output-redirection targets. */
function splitCommands(command: string): Segment[] {
  const segments: Segment[] = [];
  let words: string[] = [];
  let redirects: string[] = [];
  let word = "";
  let inWord = false;
  let pendingRedirect = false;
  const endWord = (): void => {
    if (!inWord) return;
    if (pendingRedirect) {
      redirects.push(word);
      pendingRedirect = false;
    } else words.push(word);
    word = "";
    inWord = false;
  };
  const endSegment = (): void => {
    endWord();
    if (words.length > 0 || redirects.length > 0) segments.push({ words, redirects });
    words = [];
    redirects = [];
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (c === "'" || c === '"') {
      const close = command.indexOf(c, i + 1);
      const end = close === -1 ? command.length : close;
      word += command.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === "\\" && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (c === " " || c === "\t") endWord();
    else if (c === "\n" || c === ";" || c === "|" || c === "&") {
      // `>&2`, `2>&1`: a file-descriptor duplication, not a file.
      if (c === "&" && pendingRedirect && !inWord) {
        pendingRedirect = false;
        while (i + 1 < command.length && /[0-9-]/.test(command[i + 1]!)) i++;
        continue;
      }
      endSegment();
    } else if (c === ">") {
      // `2>`, `&>`: the digit or & before belongs to the operator.
      if (inWord && /^[0-9]$/.test(word)) {
        word = "";
        inWord = false;
      } else endWord();
      if (command[i + 1] === ">") i++;
      if (command[i + 1] === "|") i++;
      pendingRedirect = true;
    } else if (c === "<") {
      endWord();
      // An input redirection: skip its operand (a here-doc's word too).
      while (command[i + 1] === "<") i++;
      pendingRedirect = false;
      let j = i + 1;
      while (command[j] === " ") j++;
      while (j < command.length && !/[\s;|&]/.test(command[j]!)) j++;
      i = j - 1;
    } else {
      word += c;
      inWord = true;
    }
  }
  endSegment();
  return segments;
}
