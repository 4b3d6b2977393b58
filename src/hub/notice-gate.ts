import path from "node:path";
import { isForegroundOwner, procTable, type ProcessTable } from "./processes.js";

/**
 * Whether a mail notice may be typed into an agent's pty. Typing is input: it goes to
 * whatever program reads the terminal. So a notice is typed only when the pty's foreground
 * process group is the runtime's own process (not vim or a pager it started), and never into
 * a shell, where a line is a command (zsh runs a `#` line too): shells show the notice in the
 * pane title and the status bar (the unread count), which every agent gets anyway.
 */

/** Interactive shells by command name: a line typed into one runs. */
const SHELLS = new Set([
  "sh",
  "bash",
  "zsh",
  "fish",
  "dash",
  "ksh",
  "mksh",
  "tcsh",
  "csh",
  "nu",
  "pwsh",
  "xonsh",
  "elvish",
]);

/** True when `command` (a path or a bare name) runs an interactive shell. */
export function isShellCommand(command: string): boolean {
  return SHELLS.has(path.basename(command).replace(/^-/, ""));
}

/**
 * What became of a notice handed to an agent's pty:
 * - `typed`: it was typed.
 * - `held`: not typed because another program (an editor, a pager) holds the pty's
 *   foreground; it may be typed once the runtime has the foreground again.
 * - `never`: not typed and never will be (a shell, no pane, an unknown runtime).
 */
export type NoticeOutcome = "typed" | "held" | "never";

/**
 * Whether a notice may be typed now into the pty whose child is `pid`, running `command`:
 * `typed` when it is not a shell and the runtime's process group owns the terminal's
 * foreground, `held` when another program's group does, `never` for a shell or no process.
 */
export function noticeGate(
  agent: { pid: number | undefined; command: string },
  table: ProcessTable = procTable,
): NoticeOutcome {
  if (agent.pid === undefined || isShellCommand(agent.command)) return "never";
  if (isForegroundOwner(agent.pid, table)) return "typed";
  const info = table(agent.pid);
  return info === undefined || info.state === "Z" ? "never" : "held";
}

/**
 * True when a notice may be typed into the pty whose child is `pid`, running `command`:
 * not a shell, and the runtime's process group owns the terminal's foreground.
 */
export function mayTypeNotice(
  agent: { pid: number | undefined; command: string },
  table: ProcessTable = procTable,
): boolean {
  return noticeGate(agent, table) === "typed";
}
