import type { Command } from "commander";

/** Registers `demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description(
      "the whole loop on a throwaway repository: a scripted coordinator adds tasks and slings workers, a reviewer approves, the merge queue lands them",
    )
    .option("--dir <path>", "where to create the demo repository (default: a new temp directory)")
    .option("--no-up", "create the repository and the coordinator, but do not open the cockpit")
    .action(async (options: { dir?: string; up: boolean }) => {
      const { mkdtempSync, mkdirSync, readdirSync } = await import("node:fs");
      const os = await import("node:os");
      const path = await import("node:path");
      const { FlotillaError } = await import("../core/errors.js");
      const { createDemoRepo } = await import("../demo/repo.js");
      const { DEMO_COORDINATOR, DEMO_PROJECT_GATE } = await import("../demo/plan.js");
      const { initProject } = await import("../hub/init.js");
      const { createAgent } = await import("../hub/lifecycle.js");

      let dir: string;
      if (options.dir) {
        dir = path.resolve(options.dir);
        mkdirSync(dir, { recursive: true });
        if (readdirSync(dir).length > 0) {
          throw new FlotillaError(
            "INVALID_INPUT",
            `${dir} is not empty: give --dir a new or empty directory`,
          );
        }
      } else {
        dir = mkdtempSync(path.join(os.tmpdir(), "flotilla-demo-"));
      }
      process.stdout.write(`Creating the demo repository in ${dir} ...\n`);
      const demo = await createDemoRepo(dir);
      const { project } = await initProject(demo.root);
      // Every `flotilla done` and every merged result runs the demo project's tests.
      await project.configDoc.update((config) => {
        config.gates = [DEMO_PROJECT_GATE];
      });
      // The coordinator does the rest through the CLI: tasks, slings, the reviewer.
      await createAgent(project, {
        name: DEMO_COORDINATOR.name,
        runtime: "demo",
        prompt: DEMO_COORDINATOR.prompt,
        role: "coordinator",
      });
      process.stdout.write(
        `  spawned ${DEMO_COORDINATOR.name} (coordinator): ${DEMO_COORDINATOR.prompt}\n`,
      );
      if (!options.up) {
        process.stdout.write(`Open it with: cd ${demo.root} && flotilla up\n`);
        return;
      }
      const { attachCockpit } = await import("./up.js");
      process.on("exit", () => {
        process.stdout.write(
          `The demo repository is kept at ${demo.root}: what landed is on main (git -C ${demo.root} log --oneline --graph main); flotilla task ls there shows the board.\n`,
        );
      });
      await attachCockpit(project, { start: true });
    });
}
