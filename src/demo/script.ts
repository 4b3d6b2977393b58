import { readFile } from "node:fs/promises";
import { isAbsolute, normalize, sep } from "node:path";
import * as z from "../core/zod.js";
import { FlotillaError, firstZodIssue } from "../core/errors.js";

/**
 * Demo scripts: what the built-in scripted agent (`dist/demo/agent.js`) does, as JSON data
 * so users and tests can write their own. A script is `{ name?, steps: Step[] }`; every step
 * is an object whose `do` field names its kind:
 *
 * ```json
 * { "name": "hello", "steps": [
 *   { "do": "think", "ms": 1500, "label": "Reading src/form.js" },
 *   { "do": "say", "text": "I will add **validation**.", "color": "cyan" },
 *   { "do": "ask", "question": "Edit src/form.js?",
 *     "yes": [{ "do": "edit", "file": "src/form.js", "append": "export const x = 1;\n" }],
 *     "no":  [{ "do": "say", "text": "Leaving it alone." }] },
 *   { "do": "run", "command": "node", "args": ["--test"] },
 *   { "do": "commit", "message": "Add x" },
 *   { "do": "mail", "to": "lead", "subject": "done", "body": "x added", "type": "worker_done" },
 *   { "do": "wait", "ms": 500 },
 *   { "do": "exit", "code": 0 }
 * ] }
 * ```
 */

/** Colours a `say` step may use. */
export const SayColor = z.enum([
  "default",
  "red",
  "green",
  "yellow",
  "blue",
  "magenta",
  "cyan",
  "gray",
]);
export type SayColor = z.infer<typeof SayColor>;

/** Milliseconds at speed 1; divided by `FLOTILLA_DEMO_SPEED` when run. */
const Millis = z.number().check(z.int(), z.gte(0), z.lte(600_000));

/** A path relative to the agent's worktree that cannot escape it. */
const RelativeFile = z.string().check(
  z.minLength(1),
  z.refine((file) => !isAbsolute(file) && !normalize(file).split(sep).includes(".."), {
    message: "must be a path inside the worktree (relative, without '..')",
  }),
);

/** Pauses with an animated spinner and `label` (default "Thinking"). */
export interface ThinkStep {
  do: "think";
  ms: number;
  label?: string;
}
/** Prints `text` (may span lines; `**bold**` and `` `code` `` are emphasised). */
export interface SayStep {
  do: "say";
  text: string;
  color?: SayColor;
}
/** Prints `question` ending in "(y/n)", waits for one key y or n, then runs `yes` or `no`. */
export interface AskStep {
  do: "ask";
  question: string;
  yes?: Step[];
  no?: Step[];
}
/** Writes one file in the worktree: exactly one of `content`, `append` or `replace`. */
export interface EditStep {
  do: "edit";
  file: string;
  content?: string;
  append?: string;
  /** `find` must occur in the file; its first occurrence becomes `with`. */
  replace?: { find: string; with: string };
}
/**
 * Runs `command args…` in the worktree (no shell), streaming its output. When it fails and
 * `mustPass` is not false (and there are no `ifFailed` steps), the script stops there and
 * the agent goes idle. `ifPassed` / `ifFailed` run after it, by its outcome (exit 0 or not),
 * and the script goes on: a gate that fails can be fixed and run again.
 */
export interface RunStep {
  do: "run";
  command: string;
  args?: string[];
  mustPass?: boolean;
  ifPassed?: Step[];
  ifFailed?: Step[];
}
/** `git add -A && git commit` with a `Flotilla-Agent: <$FLOTILLA_AGENT>` trailer. */
export interface CommitStep {
  do: "commit";
  message: string;
}
/** Runs `flotilla mail send` from PATH; a failure prints a warning and the script goes on. */
export interface MailStep {
  do: "mail";
  to: string;
  subject: string;
  body: string;
  type: string;
}
/** Pauses silently. */
export interface WaitStep {
  do: "wait";
  ms: number;
}
/** Ends the agent with `code` (default 0) instead of idling after the last step. */
export interface ExitStep {
  do: "exit";
  code?: number;
}

/** One step of a demo script. */
export type Step =
  ThinkStep | SayStep | AskStep | EditStep | RunStep | CommitStep | MailStep | WaitStep | ExitStep;

/** A whole demo script. */
export interface DemoScript {
  name?: string;
  steps: Step[];
}

const ThinkSchema = z.strictObject({
  do: z.literal("think"),
  ms: Millis,
  label: z.optional(z.string().check(z.minLength(1))),
});
const SaySchema = z.strictObject({
  do: z.literal("say"),
  text: z.string(),
  color: z.optional(SayColor),
});
const AskSchema = z.strictObject({
  do: z.literal("ask"),
  question: z.string().check(z.minLength(1)),
  get yes() {
    return z.optional(z.array(StepSchema));
  },
  get no() {
    return z.optional(z.array(StepSchema));
  },
});
const EditSchema = z
  .strictObject({
    do: z.literal("edit"),
    file: RelativeFile,
    content: z.optional(z.string()),
    append: z.optional(z.string()),
    replace: z.optional(
      z.strictObject({ find: z.string().check(z.minLength(1)), with: z.string() }),
    ),
  })
  .check(
    z.refine(
      (edit) =>
        [edit.content, edit.append, edit.replace].filter((part) => part !== undefined).length === 1,
      { message: 'an edit needs exactly one of "content", "append" or "replace"' },
    ),
  );
const RunSchema = z.strictObject({
  do: z.literal("run"),
  command: z.string().check(z.minLength(1)),
  args: z.optional(z.array(z.string())),
  mustPass: z.optional(z.boolean()),
  get ifPassed() {
    return z.optional(z.array(StepSchema));
  },
  get ifFailed() {
    return z.optional(z.array(StepSchema));
  },
});
const CommitSchema = z.strictObject({
  do: z.literal("commit"),
  message: z.string().check(z.minLength(1)),
});
const MailSchema = z.strictObject({
  do: z.literal("mail"),
  to: z.string().check(z.minLength(1)),
  subject: z.string().check(z.minLength(1)),
  body: z.string(),
  type: z.string().check(z.minLength(1)),
});
const WaitSchema = z.strictObject({ do: z.literal("wait"), ms: Millis });
const ExitSchema = z.strictObject({
  do: z.literal("exit"),
  code: z.optional(z.number().check(z.int(), z.gte(0), z.lte(255))),
});

/** Zod schema of one step, discriminated by `do`. */
export const StepSchema: z.ZodMiniType<Step> = z.discriminatedUnion("do", [
  ThinkSchema,
  SaySchema,
  AskSchema,
  EditSchema,
  RunSchema,
  CommitSchema,
  MailSchema,
  WaitSchema,
  ExitSchema,
]);

/** Zod schema of a demo script. */
export const DemoScriptSchema: z.ZodMiniType<DemoScript> = z.strictObject({
  name: z.optional(z.string().check(z.minLength(1))),
  steps: z.array(StepSchema).check(z.minLength(1)),
});

/** `steps[2].yes[0].file` style path for an issue. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "script" : out;
}

/**
 * Validates an already-parsed JSON value as a demo script.
 * @param source where it came from, named in the error (a file path or "built-in foo").
 * @throws FlotillaError `INVALID_INPUT` naming the source, the first bad field and what is wrong,
 *   e.g. `demo script x.json: steps[1].ms: Invalid input: expected number, received undefined`.
 */
export function parseDemoScript(value: unknown, source = "demo script"): DemoScript {
  const result = DemoScriptSchema.safeParse(value);
  if (result.success) return result.data;
  const issue = firstZodIssue(result.error);
  const where = formatPath(issue.path);
  const what = issue.message;
  throw new FlotillaError("INVALID_INPUT", `${source}: ${where}: ${what}`);
}

/** Step kinds, in the order the docs list them. */
export const STEP_KINDS = [
  "think",
  "say",
  "ask",
  "edit",
  "run",
  "commit",
  "mail",
  "wait",
  "exit",
] as const;

/**
 * Reads and validates a demo script from a JSON file.
 * @throws FlotillaError `INVALID_INPUT` when the file is missing, is not JSON, or is not a
 *   valid script; the message names the path.
 */
export async function loadDemoScript(file: string): Promise<DemoScript> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(error);
    throw new FlotillaError("INVALID_INPUT", `demo script ${file}: ${reason}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `demo script ${file}: not valid JSON (${(error as Error).message})`,
      { cause: error },
    );
  }
  return parseDemoScript(json, `demo script ${file}`);
}
