import type { Command } from "commander";
import type { Project } from "../store/project.js";

/** Registers `up` and `attach`. */
export function registerUpCommands(program: Command): void {
  program
    .command("up")
    .description(
      "open the cockpit: starts this project's hub (which runs the agents) if needed and attaches",
    )
    .option(
      "--in-process",
      "run the hub inside this cockpit process instead of a daemon (agents stop when it quits)",
    )
    .addHelpText(
      "after",
      "\nKeys: prefix (default Ctrl-b) then ? shows every binding; everything else goes to the focused pane.\nPrefix d detaches; the agents keep running and `flotilla attach` brings you back.",
    )
    .action(async (options: { inProcess?: boolean }) => {
      const { openProject } = await import("../store/project.js");
      const project = openProject();
      await assertAgentsTrusted(project);
      if (options.inProcess) await runCockpit(project);
      else await attachCockpit(project, { start: true });
    });

  program
    .command("attach")
    .description("attach to this project's running hub: every pane as it was")
    .action(async () => {
      const { openProject } = await import("../store/project.js");
      await attachCockpit(openProject(), { start: false });
    });
}

/**
 * Refuses to start agents whose runtime this project's config defines while that config is
 * not trusted (see `flotilla trust`); built-in runtimes need nothing.
 * @throws FlotillaError UNTRUSTED_CONFIG showing the command and how to allow it.
 */
async function assertAgentsTrusted(project: Project): Promise<void> {
  const { assertRuntimeTrusted } = await import("../store/trust.js");
  const config = await project.readConfig();
  for (const agent of (await project.readState()).agents) {
    if (agent.status === "exited" || agent.status === "lost") continue;
    assertRuntimeTrusted(project.root, config, agent.runtime);
  }
}

type RunCockpit = typeof import("../tui/run-cockpit.js");

/**
 * Loads the cockpit side of Flotilla with chalk forced to full colour: Ink's colours come
 * from chalk, which decides once at import, and the cockpit always owns a colour terminal.
 * The variable is put back at once so no agent inherits it. The build bundles this side
 * (Ink, React, the hub client, the compositor) into one file, which loads several times
 * faster than ~200 separate modules; the modules themselves are the fallback.
 */
async function loadCockpit(): Promise<RunCockpit> {
  const hadForce = process.env.FORCE_COLOR;
  process.env.FORCE_COLOR = "3";
  try {
    const bundle = "../tui/run-cockpit.bundle.js";
    return await (import(bundle) as Promise<RunCockpit>).catch(
      () => import("../tui/run-cockpit.js"),
    );
  } finally {
    if (hadForce === undefined) delete process.env.FORCE_COLOR;
    else process.env.FORCE_COLOR = hadForce;
  }
}

/**
 * Attaches a cockpit in this terminal to `project`'s hub daemon, starting the hub first when
 * `start` is set (see `run-cockpit.ts`). Never resolves: the process exits on detach or quit.
 */
export async function attachCockpit(project: Project, options: { start: boolean }): Promise<void> {
  // Taken before loadCockpit touches FORCE_COLOR: a hub started from here inherits this.
  const env = { ...process.env };
  await (await loadCockpit()).attachCockpit(project, { ...options, env });
}

/** Opens the cockpit with the hub inside this process (`up --in-process`). */
export async function runCockpit(project: Project): Promise<void> {
  await (await loadCockpit()).runCockpit(project);
}
