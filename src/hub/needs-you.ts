import { spawn } from "node:child_process";
import type { NotifyConfig } from "../core/agent-config.js";
import type { AgentStatus } from "../core/schema.js";

/**
 * Needs-you routing in the hub: remembers since when each agent waits, and runs the user's
 * `notify.command` once per wait (when an agent turns `waiting`), with the event as JSON on
 * its stdin, so it can be forwarded to ntfy, a chat or a desktop notifier. The command runs
 * detached through `/bin/sh -c`, is killed after `notify.timeoutMs`, and its failure is
 * reported through `onError`, never thrown.
 */

/** What `notify.command` reads on stdin. */
export interface NeedsYouEvent {
  agent: string;
  status: AgentStatus;
  /** Why: `permission_prompt`, `elicitation_dialog`, `screen` (a waiting pattern), `bell`. */
  reason: string;
  /** When the wait began, ISO-8601. */
  since: string;
  /** How long it has waited so far, in ms (0 when it has just begun). */
  waitedMs: number;
  /** The project's main checkout. */
  project: string;
}

/** Runs `command` with `input` on stdin; resolves with a problem description, or undefined. */
export type RunNotify = (
  command: string,
  input: string,
  timeoutMs: number,
) => Promise<string | undefined>;

export class NeedsYou {
  private readonly waitingSince = new Map<string, number>();
  private readonly reasons = new Map<string, string>();

  constructor(
    private readonly options: {
      project: string;
      config: () => NotifyConfig;
      onError: (message: string) => void;
      run?: RunNotify;
      now?: () => number;
    },
  ) {}

  /** Agents waiting now, longest first, with since when (ms since the epoch). */
  waiting(): { agent: string; since: number }[] {
    return [...this.waitingSince.entries()]
      .map(([agent, since]) => ({ agent, since }))
      .sort((a, b) => a.since - b.since);
  }

  /** The reason the next wait of `agent` will carry (a hook said why). */
  noteReason(agent: string, reason: string): void {
    this.reasons.set(agent, reason);
  }

  /**
   * Takes an agent's (debounced) status change. Entering `waiting` starts a wait and runs
   * the notify command once; leaving it ends the wait. Returns the wait's start when one
   * began now.
   */
  onStatus(agent: string, status: AgentStatus): number | undefined {
    const now = (this.options.now ?? Date.now)();
    if (status !== "waiting") {
      this.waitingSince.delete(agent);
      this.reasons.delete(agent);
      return undefined;
    }
    if (this.waitingSince.has(agent)) return undefined;
    this.waitingSince.set(agent, now);
    const command = this.options.config().command;
    if (command !== undefined) {
      const event: NeedsYouEvent = {
        agent,
        status,
        reason: this.reasons.get(agent) ?? "screen",
        since: new Date(now).toISOString(),
        waitedMs: 0,
        project: this.options.project,
      };
      const run = this.options.run ?? runDetached;
      void run(command, JSON.stringify(event) + "\n", this.options.config().timeoutMs).then(
        (problem) => {
          if (problem !== undefined) this.options.onError(`notify.command: ${problem}`);
        },
      );
    }
    return now;
  }

  forget(agent: string): void {
    this.waitingSince.delete(agent);
    this.reasons.delete(agent);
  }
}

/** `/bin/sh -c command` in its own process group, `input` on stdin, killed at the timeout. */
export const runDetached: RunNotify = (command, input, timeoutMs) =>
  new Promise((resolve) => {
    let child;
    try {
      child = spawn("/bin/sh", ["-c", command], {
        detached: true,
        stdio: ["pipe", "ignore", "ignore"],
      });
    } catch (error) {
      resolve(`could not start: ${(error as Error).message}`);
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone already
      }
      resolve(`timed out after ${timeoutMs} ms (killed): ${command}`);
    }, timeoutMs);
    timer.unref();
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve(`could not start: ${error.message}`);
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(undefined);
      else resolve(`exited with ${signal ?? `code ${code}`}: ${command}`);
    });
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(input);
    child.unref();
  });
