#!/usr/bin/env node
/**
 * Flotilla's scripted demo agent: `node dist/demo/agent.js [--script file.json] [prompt…]`.
 * It behaves like a real coding agent in a pty (colours, hidden cursor, spinner, a status
 * line, a y/n permission question read in raw mode) while playing a demo script, so the
 * cockpit, `npm run demo` and the end-to-end tests have an agent that needs no AI CLI.
 * After the script it stays idle waiting for input, unless the script ended with `exit`.
 */
import { basename } from "node:path";
import { describeError, isFlotillaError } from "../core/errors.js";
import { AGENT_USAGE, parseAgentArgs, parseSpeed, resolveAgentScript } from "./options.js";
import { ScriptRunner, type KeySource } from "./runner.js";
import { AgentScreen, paint, stripControls } from "./screen.js";

/**
 * Stdin as keys: hands chunks to a pending `readKey`, or to the idle prompt. Keys typed at a
 * terminal before a question is shown are dropped (nobody approves an unseen question);
 * piped input is queued, so `echo y | agent.js` answers the first question.
 */
class KeyInput implements KeySource {
  private waiter: ((key: string | null) => void) | undefined;
  private readonly queued: string[] = [];
  private ended = false;
  /** Receives keys nobody is waiting for (the idle prompt). */
  onSpareKey: ((key: string) => void) | undefined;
  /** Called for Ctrl-C (raw mode delivers it as a byte, not as SIGINT). */
  onInterrupt: () => void = () => undefined;

  constructor(private readonly queueEarlyKeys: boolean) {}

  push(chunk: string): void {
    if (chunk.includes("\x03")) return this.onInterrupt();
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter(chunk);
    else if (this.onSpareKey) this.onSpareKey(chunk);
    else if (this.queueEarlyKeys) this.queued.push(...chunk);
  }

  end(): void {
    this.ended = true;
    this.waiter?.(null);
    this.waiter = undefined;
  }

  readKey(): Promise<string | null> {
    const next = this.queued.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

const SIGNAL_CODES: Partial<Record<NodeJS.Signals, number>> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGTERM: 143,
};

async function main(): Promise<void> {
  const options = parseAgentArgs(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${AGENT_USAGE}\n`);
    return;
  }
  const speed = parseSpeed(process.env.FLOTILLA_DEMO_SPEED);
  const { script, name } = await resolveAgentScript(options, process.env);
  const agent = process.env.FLOTILLA_AGENT?.trim() || "demo";

  const { stdin, stdout } = process;
  const tty = Boolean(stdout.isTTY);
  const screen = new AgentScreen(
    { write: (text) => void stdout.write(text), columns: () => stdout.columns ?? 80 },
    tty,
  );
  const keys = new KeyInput(!stdin.isTTY);
  const runner = new ScriptRunner(
    { screen, keys, cwd: process.cwd(), env: process.env, speed, agent },
    name,
  );
  let finished = false;
  const finish = (code: number, message?: string): never => {
    if (!finished) {
      finished = true;
      runner.abort();
      if (message) screen.print(message);
      screen.close();
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    }
    process.exit(code);
  };

  keys.onInterrupt = () => finish(130, paint(tty, "gray", "Interrupted."));
  for (const signal of Object.keys(SIGNAL_CODES) as NodeJS.Signals[]) {
    process.on(signal, () => finish(SIGNAL_CODES[signal] ?? 1));
  }
  process.on("uncaughtException", (error) =>
    finish(1, `demo agent crashed: ${describeError(error)}`),
  );
  process.on("exit", () => screen.close());
  stdout.on("resize", () => {
    try {
      screen.redraw();
    } catch {
      // A resize must never take the agent down; the next draw repairs the live area.
    }
  });
  stdout.on("error", () => finish(1));

  if (stdin.isTTY) stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.on("data", (chunk: string) => keys.push(chunk));
  stdin.on("end", () => keys.end());
  stdin.resume();

  screen.open();
  screen.print(
    [
      `${paint(tty, "magenta", "✻")} ${paint(tty, "bold", "Flotilla demo agent")} ${paint(tty, "gray", `· ${agent} · script ${name} · ${basename(process.cwd())}`)}`,
      ...(options.prompt ? [`${paint(tty, "gray", ">")} ${stripControls(options.prompt)}`] : []),
      "",
    ].join("\n"),
  );

  const outcome = await runner.run(script);
  if (outcome.kind === "exit") return finish(outcome.code);
  screen.print(
    outcome.kind === "done"
      ? `${paint(tty, "green", "✔")} Script finished. ${paint(tty, "gray", "Idle, waiting for input.")}`
      : `${paint(tty, "red", "✘")} Stopped: ${stripControls(outcome.reason)}. ${paint(tty, "gray", "Idle, waiting for input.")}`,
  );
  idle(screen, keys, runner.statusLine(outcome.kind === "done" ? "idle" : "stopped"), () =>
    finish(0),
  );
}

/**
 * Waits like a real agent whose work is done: a prompt that echoes what is typed and answers
 * each line, Ctrl-D on an empty line exits. No timers run, so an idle agent costs no CPU.
 */
function idle(screen: AgentScreen, keys: KeyInput, status: string, exit: () => void): void {
  let line = "";
  const tty = screen.tty;
  const draw = (): void => screen.setLive([status, `${paint(tty, "gray", ">")} ${line}`], true);
  keys.onSpareKey = (chunk) => {
    if (chunk.startsWith("\x1b")) return; // arrows and other sequences: nothing to move through
    for (const char of chunk) {
      if (char === "\x04" && line === "") return exit();
      if (char === "\r" || char === "\n") {
        if (line.trim() !== "") {
          screen.print(`${paint(tty, "gray", ">")} ${line}`);
          screen.print(
            `${paint(tty, "cyan", "●")} I'm a scripted demo agent and my script is finished; I can't take new tasks.`,
          );
        }
        line = "";
      } else if (char === "\x7f" || char === "\b") {
        line = line.slice(0, -1);
      } else {
        line += stripControls(char);
      }
    }
    draw();
  };
  draw();
  // Keeps the process alive even when stdin has ended (piped input); costs nothing.
  setInterval(() => undefined, 1 << 30);
}

main().catch((error: unknown) => {
  process.stderr.write(`flotilla demo agent: ${describeError(error)}\n`);
  if (!isFlotillaError(error) && process.env.FLOTILLA_DEBUG) console.error(error);
  process.exitCode = isFlotillaError(error) ? 1 : 70;
});
