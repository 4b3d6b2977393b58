import { spawn, type ChildProcess } from "node:child_process";
import { appendFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { describeError } from "../core/errors.js";
import { AgentScreen, emphasize, paint, stripControls } from "./screen.js";
import type {
  AskStep,
  CommitStep,
  DemoScript,
  EditStep,
  MailStep,
  RunStep,
  Step,
  ThinkStep,
} from "./script.js";

/** Typed input, one chunk per call (raw mode gives one key per chunk); null once input ends. */
export interface KeySource {
  readKey(): Promise<string | null>;
}

/** Everything a script run touches, handed in so tests can use a captured screen. */
export interface RunnerContext {
  screen: AgentScreen;
  keys: KeySource;
  /** The agent's worktree: edits, runs and commits happen here. */
  cwd: string;
  /** Environment for commands the script runs. */
  env: NodeJS.ProcessEnv;
  /** Time divisor: 10 runs `think`/`wait` ten times faster. Must be > 0. */
  speed: number;
  /** Agent name for the status line and the commit trailer (`$FLOTILLA_AGENT`). */
  agent: string;
}

/** How a script run ended: all steps done, stopped by a failed step, or an `exit` step. */
export type ScriptOutcome =
  { kind: "done" } | { kind: "stopped"; reason: string } | { kind: "exit"; code: number };

/** Braille spinner frames, one per 80 ms tick. */
export const SPINNER_FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const SPINNER_COLORS = ["magenta", "magenta", "blue", "cyan", "cyan", "blue"] as const;
const FRAME_MS = 80;
/** Lines of an edit shown as a preview. */
const PREVIEW_LINES = 8;

/** A step that failed in a way that ends the script (bad edit, failed commit, failed run). */
class StepFailure extends Error {}

/**
 * Runs demo scripts step by step on an `AgentScreen`, keeping a status line
 * (`◆ alice · validation · step 3/8 · thinking`) at the bottom.
 */
export class ScriptRunner {
  private state = "starting";
  private stepLabel = "";
  private spinnerLine: string | undefined;
  private child: ChildProcess | undefined;
  private readonly color: boolean;

  constructor(
    private readonly ctx: RunnerContext,
    private readonly scriptName: string,
  ) {
    this.color = ctx.screen.tty;
  }

  /** Runs every step; resolves when the script is done, stopped, or reached `exit`. */
  async run(script: DemoScript): Promise<ScriptOutcome> {
    try {
      const total = script.steps.length;
      for (const [index, step] of script.steps.entries()) {
        this.stepLabel = `step ${index + 1}/${total}`;
        const outcome = await this.runStep(step);
        if (outcome) return outcome;
      }
      return { kind: "done" };
    } catch (error) {
      if (error instanceof StepFailure) return { kind: "stopped", reason: error.message };
      throw error;
    } finally {
      this.spinnerLine = undefined;
      this.stepLabel = "";
    }
  }

  /** Kills a command the script is running, if any (on SIGINT/SIGTERM). */
  abort(): void {
    if (this.child && this.child.exitCode === null) this.child.kill("SIGTERM");
  }

  /** The status line text for the current state. */
  statusLine(state = this.state): string {
    const parts = [this.ctx.agent, this.scriptName, this.stepLabel, state].filter(Boolean);
    return paint(this.color, "gray", `◆ ${parts.join(" · ")}`);
  }

  private setState(state: string): void {
    this.state = state;
    this.drawLive();
  }

  private drawLive(): void {
    const lines = this.spinnerLine === undefined ? [] : [this.spinnerLine];
    this.ctx.screen.setLive([...lines, this.statusLine()]);
  }

  private async runSteps(steps: Step[] | undefined): Promise<ScriptOutcome | undefined> {
    for (const step of steps ?? []) {
      const outcome = await this.runStep(step);
      if (outcome) return outcome;
    }
    return undefined;
  }

  private async runStep(step: Step): Promise<ScriptOutcome | undefined> {
    switch (step.do) {
      case "think":
        await this.think(step);
        return undefined;
      case "say":
        this.say(step.text, step.color ?? "default");
        return undefined;
      case "ask":
        return this.ask(step);
      case "edit":
        await this.edit(step);
        return undefined;
      case "run": {
        const passed = await this.runCommand(step);
        return this.runSteps(passed ? step.ifPassed : step.ifFailed);
      }
      case "commit":
        await this.commit(step);
        return undefined;
      case "mail":
        await this.mail(step);
        return undefined;
      case "wait":
        this.setState("working");
        await this.sleep(step.ms);
        return undefined;
      case "exit":
        return { kind: "exit", code: step.code ?? 0 };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms / this.ctx.speed));
  }

  private async think(step: ThinkStep): Promise<void> {
    const label = stripControls(step.label ?? "Thinking");
    const started = Date.now();
    let frame = 0;
    const tick = (): void => {
      const glyph = SPINNER_FRAMES[frame % SPINNER_FRAMES.length] ?? "*";
      const hue = SPINNER_COLORS[Math.floor(frame / 3) % SPINNER_COLORS.length] ?? "magenta";
      const seconds = Math.floor(((Date.now() - started) * this.ctx.speed) / 1000);
      this.spinnerLine = `${paint(this.color, hue, glyph)} ${paint(this.color, "bold", `${label}…`)} ${paint(this.color, "gray", `(${seconds}s)`)}`;
      this.drawLive();
      frame += 1;
    };
    this.state = "thinking";
    tick();
    const timer = setInterval(tick, FRAME_MS);
    try {
      await this.sleep(step.ms);
    } finally {
      clearInterval(timer);
      this.spinnerLine = undefined;
      this.drawLive();
    }
  }

  /** Prints `text` as one message: a bullet on the first line, the rest indented. */
  private say(text: string, color: Parameters<typeof emphasize>[2]): void {
    const lines = text.split("\n").map((line) => emphasize(this.color, stripControls(line), color));
    const bullet = paint(this.color, "cyan", "●");
    this.ctx.screen.print(
      lines.map((line, i) => (i === 0 ? `${bullet} ${line}` : `  ${line}`)).join("\n"),
    );
    this.setState("working");
  }

  private async ask(step: AskStep): Promise<ScriptOutcome | undefined> {
    const question = stripControls(step.question);
    const prompt = `${paint(this.color, "yellow", "?")} ${paint(this.color, "bold", question)} (y/n) `;
    this.state = "waiting for you";
    const { screen } = this.ctx;
    if (screen.tty) screen.setLive([this.statusLine(), prompt], true);
    else screen.print(prompt);
    let answer: boolean | undefined;
    while (answer === undefined) {
      const keys = await this.ctx.keys.readKey();
      // End of input declines; otherwise the first y or n typed decides, other keys are ignored.
      // Escape sequences (arrows, focus reports) may contain letters but are not answers.
      const decided =
        keys === null ? "n" : keys.startsWith("\x1b") ? undefined : /[yn]/i.exec(keys)?.[0];
      if (decided !== undefined) answer = decided.toLowerCase() === "y";
    }
    // The answered question is printed without "(y/n)", so only a pending question shows it.
    const mark = answer ? paint(this.color, "green", "✔") : paint(this.color, "red", "✘");
    screen.print(`${mark} ${question} ${paint(this.color, "gray", answer ? "yes" : "no")}`);
    this.setState("working");
    return this.runSteps(answer ? step.yes : step.no);
  }

  private async edit(step: EditStep): Promise<void> {
    const path = join(this.ctx.cwd, step.file);
    let before: string | undefined;
    try {
      before = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT")
        throw new StepFailure(describeError(error));
    }
    let after: string;
    let preview: string[];
    if (step.content !== undefined) {
      after = step.content;
      preview = step.content.split("\n").map((line) => `+ ${line}`);
    } else if (step.append !== undefined) {
      after = (before ?? "") + step.append;
      preview = step.append.split("\n").map((line) => `+ ${line}`);
    } else {
      const { find, with: replacement } = step.replace ?? { find: "", with: "" };
      if (before === undefined || !before.includes(find)) {
        this.failLine(`Update(${step.file}) failed: text to replace not found`);
        throw new StepFailure(`edit ${step.file}: text to replace not found`);
      }
      after = before.replace(find, () => replacement);
      preview = [
        ...find.split("\n").map((line) => `- ${line}`),
        ...replacement.split("\n").map((line) => `+ ${line}`),
      ];
    }
    try {
      await mkdir(dirname(path), { recursive: true });
      if (step.append !== undefined) await appendFile(path, step.append);
      else await writeFile(path, after);
    } catch (error) {
      this.failLine(`Update(${step.file}) failed: ${describeError(error)}`);
      throw new StepFailure(`edit ${step.file}: ${describeError(error)}`);
    }
    // Blank lines that only separate the appended text from what was there are noise.
    while (preview[0] === "+ ") preview.shift();
    while (preview.at(-1) === "+ ") preview.pop();
    const verb = before === undefined ? "Create" : "Update";
    const added = preview.filter((line) => line.startsWith("+")).length;
    const removed = preview.length - added;
    const summary = [
      added && `added ${added} line${added === 1 ? "" : "s"}`,
      removed && `removed ${removed}`,
    ]
      .filter(Boolean)
      .join(", ");
    const shown = preview.slice(0, PREVIEW_LINES).map((line) => {
      const style = line.startsWith("+") ? "green" : "red";
      return `    ${paint(this.color, style, stripControls(line))}`;
    });
    if (preview.length > PREVIEW_LINES)
      shown.push(paint(this.color, "gray", `    … ${preview.length - PREVIEW_LINES} more lines`));
    this.ctx.screen.print(
      [
        `${paint(this.color, "green", "●")} ${paint(this.color, "bold", `${verb}(${step.file})`)}`,
        `  ${paint(this.color, "gray", `⎿ ${summary || "no change"}`)}`,
        ...shown,
      ].join("\n"),
    );
  }

  /** Runs the step's command; true when it exited 0. */
  private async runCommand(step: RunStep): Promise<boolean> {
    const args = step.args ?? [];
    const shown = [step.command, ...args].map(shownArg).join(" ");
    this.ctx.screen.print(
      `${paint(this.color, "blue", "●")} ${paint(this.color, "bold", `Run(${stripControls(shown)})`)}`,
    );
    this.setState(`running ${step.command}`);
    const command = step.command === "node" ? process.execPath : step.command;
    const env = { ...this.ctx.env, ...(this.color ? { FORCE_COLOR: "1" } : {}) };
    const result = await this.spawnStreaming(command, args, env, (line) =>
      this.ctx.screen.print(`  ${paint(this.color, "gray", "│")} ${line}`),
    );
    if (result.code === 0) {
      this.ctx.screen.print(
        `  ${paint(this.color, "green", "✔ passed")} ${paint(this.color, "gray", "(exit 0)")}`,
      );
      this.setState("working");
      return true;
    }
    const why = result.error ?? `exit ${result.code ?? result.signal ?? "?"}`;
    this.ctx.screen.print(
      `  ${paint(this.color, "red", "✘ failed")} ${paint(this.color, "gray", `(${why})`)}`,
    );
    this.setState("working");
    if (step.mustPass !== false && step.ifFailed === undefined)
      throw new StepFailure(`${shown} failed (${why})`);
    return false;
  }

  private async commit(step: CommitStep): Promise<void> {
    this.setState("committing");
    const git = (args: string[], env = this.ctx.env) => capture("git", args, this.ctx.cwd, env);
    const add = await git(["add", "-A"]);
    if (add.code !== 0) this.gitFailure("git add", add);
    const staged = await git(["diff", "--cached", "--quiet"]);
    if (staged.code === 0) {
      this.ctx.screen.print(`${paint(this.color, "yellow", "●")} Nothing to commit`);
      this.setState("working");
      return;
    }
    const env = { ...this.ctx.env };
    const identity = await git(["config", "user.email"]);
    if (identity.code !== 0 || identity.stdout.trim() === "") {
      // A fresh CI machine has no git identity; the demo must still commit.
      env.GIT_AUTHOR_NAME ??= `${this.ctx.agent} (flotilla demo)`;
      env.GIT_AUTHOR_EMAIL ??= `${this.ctx.agent}@flotilla.invalid`;
      env.GIT_COMMITTER_NAME ??= env.GIT_AUTHOR_NAME;
      env.GIT_COMMITTER_EMAIL ??= env.GIT_AUTHOR_EMAIL;
    }
    const trailer = `Flotilla-Agent: ${this.ctx.agent}`;
    const commit = await git(["commit", "--quiet", "-m", step.message, "-m", trailer], env);
    if (commit.code !== 0) this.gitFailure("git commit", commit);
    const head = await git(["log", "-1", "--format=%h"]);
    const branch = await git(["branch", "--show-current"]);
    const where = `${branch.stdout.trim() || "detached HEAD"} ${head.stdout.trim()}`;
    this.ctx.screen.print(
      `${paint(this.color, "green", "●")} ${paint(this.color, "bold", "Commit")} ${paint(this.color, "gray", `[${where}]`)} ${stripControls(step.message.split("\n")[0] ?? "")}`,
    );
    this.setState("working");
  }

  private gitFailure(what: string, result: CaptureResult): never {
    const detail = (result.stderr || result.stdout).trim().split("\n")[0] ?? "";
    this.failLine(`${what} failed: ${stripControls(detail || result.error || "unknown error")}`);
    throw new StepFailure(`${what} failed`);
  }

  private async mail(step: MailStep): Promise<void> {
    this.setState("sending mail");
    const args = mailSendArgs(step);
    const result = await capture("flotilla", args, this.ctx.cwd, this.ctx.env, 15_000);
    if (result.code === 0) {
      this.ctx.screen.print(
        `${paint(this.color, "magenta", "●")} ${paint(this.color, "bold", "Mail")} to ${stripControls(step.to)}: ${stripControls(step.subject)}`,
      );
    } else {
      const why =
        result.error ??
        ((result.stderr || result.stdout).trim().split("\n")[0] || `exit ${result.code}`);
      this.ctx.screen.print(
        `${paint(this.color, "yellow", "⚠")} mail to ${stripControls(step.to)} not sent: ${stripControls(why)}`,
      );
    }
    this.setState("working");
  }

  private failLine(text: string): void {
    this.ctx.screen.print(`${paint(this.color, "red", "✘")} ${text}`);
  }

  /** Runs a command, calling `onLine` for each output line (stdout and stderr). */
  private spawnStreaming(
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    onLine: (line: string) => void,
  ): Promise<CaptureResult> {
    return new Promise((resolve) => {
      const child = spawn(command, args, {
        cwd: this.ctx.cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      this.child = child;
      const flushers = [child.stdout, child.stderr].map((stream) => {
        let pending = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          pending += chunk;
          const lines = pending.split("\n");
          pending = lines.pop() ?? "";
          for (const line of lines) onLine(cleanOutputLine(line));
        });
        return () => {
          if (pending !== "") onLine(cleanOutputLine(pending));
          pending = "";
        };
      });
      let error: string | undefined;
      child.on("error", (err) => {
        error =
          (err as NodeJS.ErrnoException).code === "ENOENT"
            ? `${command}: command not found`
            : describeError(err);
      });
      child.on("close", (code, signal) => {
        this.child = undefined;
        for (const flush of flushers) flush();
        resolve({ code, signal, stdout: "", stderr: "", error });
      });
    });
  }
}

/**
 * The argv for `flotilla mail send` (the mail command is built in parallel; this is the one
 * place that knows its flags).
 */
export function mailSendArgs(step: MailStep): string[] {
  return [
    "mail",
    "send",
    "--to",
    step.to,
    "--subject",
    step.subject,
    "--type",
    step.type,
    "--body",
    step.body,
  ];
}

/** An argument as a reader would type it: quoted when it holds spaces or shell characters. */
function shownArg(arg: string): string {
  return /^[\w@%+=:,./^-]+$/.test(arg) ? arg : JSON.stringify(arg);
}

/** Keeps colour (SGR) in a command's output line but drops other controls and `\r` overwrites. */
function cleanOutputLine(line: string): string {
  const lastCr = line.replace(/\r+$/, "").lastIndexOf("\r");
  const visible = lastCr >= 0 ? line.slice(lastCr + 1) : line.replace(/\r+$/, "");
  return visible
    .replace(/\x1b\[[0-9;?]*[A-Za-ln-z]/g, "")
    .replace(/\x1b(?!\[[0-9;]*m)/g, "")
    .replace(/[\x00-\x08\x0b-\x1a\x1c-\x1f\x7f]/g, "");
}

/** Outcome of a finished command. `error` is set when it could not start or timed out. */
interface CaptureResult {
  code: number | null;
  signal?: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  error?: string | undefined;
}

/** Runs a command to completion, collecting its output; never rejects. */
function capture(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs?: number,
): Promise<CaptureResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let error: string | undefined;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            error = `${command} took longer than ${timeoutMs / 1000}s`;
            child.kill("SIGTERM");
          }, timeoutMs);
    child.on("error", (err) => {
      error =
        (err as NodeJS.ErrnoException).code === "ENOENT"
          ? `${command}: command not found`
          : describeError(err);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, error });
    });
  });
}
