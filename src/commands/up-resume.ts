import { plural } from "../core/plural.js";
import { describeError } from "../core/errors.js";
import type { Project } from "../store/project.js";

/**
 * What `up` does with agents that were lost (their processes died with an earlier hub: a
 * reboot, a SIGKILLed hub): `ask` once on the terminal, `resume` all (`up --resume`), or
 * `keep` them lost (`up --no-resume`).
 */
export type LostAgentsChoice = "ask" | "resume" | "keep";

/** Where `offerResume` asks and reports (the terminal's stderr, or a test's). */
export interface ResumeIo {
  /** Asks a yes/no question whose default is yes; `undefined` when there is no one to ask. */
  ask(question: string): Promise<boolean | undefined>;
  /** Writes one line of report (no newline needed). */
  say(line: string): void;
}

/**
 * Offers to resume every `lost` agent of `project` in one step, right after `up` started
 * its hub (which marked the agents of the earlier hub lost). Each resumed agent goes through
 * the respawn path (`respawnAgent`, as `flotilla respawn` does): it is recorded `starting`
 * with its conversation resumed, and the hub launches it with the runtime's resume form.
 * An agent that cannot be resumed (worktree gone, untrusted runtime) is named with the
 * reason and left lost; nothing else is changed. Returns the names resumed.
 */
export async function offerResume(
  project: Project,
  choice: LostAgentsChoice,
  io: ResumeIo,
): Promise<string[]> {
  if (choice === "keep") return [];
  const lost = (await project.readState()).agents.filter((agent) => agent.status === "lost");
  if (lost.length === 0) return [];
  if (choice === "ask") {
    const names = lost.map((agent) => agent.name).join(", ");
    const was = lost.length === 1 ? "was" : "were";
    const answer = await io.ask(
      `${plural(lost.length, "agent")} ${was} lost (${names}): resume their conversations? [Y/n] `,
    );
    if (answer !== true) return [];
  }
  const [{ respawnAgent }, { assertRuntimeTrusted }] = await Promise.all([
    import("../hub/lifecycle.js"),
    import("../store/trust.js"),
  ]);
  const config = await project.readConfig();
  const resumed: string[] = [];
  for (const agent of lost) {
    try {
      assertRuntimeTrusted(project.root, config, agent.runtime);
      await respawnAgent(project, agent.name);
      resumed.push(agent.name);
    } catch (error) {
      io.say(`not resumed: ${agent.name}: ${describeError(error)}`);
    }
  }
  if (resumed.length > 0) io.say(`resuming ${resumed.join(", ")}`);
  return resumed;
}

/**
 * Asks on this process's terminal (stdin, stderr): Enter or y/yes is yes, n/no is no, and
 * anything else asks again. End of input is no. `undefined` without a terminal.
 * @throws FlotillaError TERMINAL when the user presses Ctrl-C (the question is cancelled).
 */
export async function askOnTerminal(question: string): Promise<boolean | undefined> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  const [{ createInterface }, { FlotillaError }] = await Promise.all([
    import("node:readline/promises"),
    import("../core/errors.js"),
  ]);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const aborted = new AbortController();
  let interrupted = false;
  rl.on("SIGINT", () => {
    interrupted = true;
    aborted.abort();
  });
  rl.on("close", () => aborted.abort());
  try {
    for (;;) {
      const answer = (await rl.question(question, { signal: aborted.signal })).trim();
      if (/^(y(es)?)?$/i.test(answer)) return true;
      if (/^no?$/i.test(answer)) return false;
    }
  } catch (error) {
    if (!aborted.signal.aborted) throw error;
    process.stderr.write("\n");
    if (interrupted)
      throw new FlotillaError(
        "TERMINAL",
        "cancelled: the lost agents stay lost (flotilla respawn <name> resumes one)",
      );
    return false;
  } finally {
    rl.close();
  }
}
