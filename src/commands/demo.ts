import type { Command } from "commander";

/** Registers `demo`. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("open the cockpit on a throwaway repository with three scripted demo agents")
    .option("--dir <path>", "where to create the demo repository (default: a new temp directory)")
    .option("--no-up", "create the repository and agents, but do not open the cockpit")
    .action(async (options: { dir?: string; up: boolean }) => {
      const { mkdtempSync, mkdirSync, readdirSync } = await import("node:fs");
      const os = await import("node:os");
      const path = await import("node:path");
      const { FlotillaError } = await import("../core/errors.js");
      const { createDemoRepo } = await import("../demo/repo.js");
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
      for (const task of demo.tasks) {
        await createAgent(project, {
          name: task.name,
          runtime: "demo",
          prompt: task.prompt,
          role: "worker",
        });
        process.stdout.write(`  spawned ${task.name}: ${task.prompt}\n`);
      }
      if (!options.up) {
        process.stdout.write(`Open it with: cd ${demo.root} && flotilla up\n`);
        return;
      }
      const { attachCockpit } = await import("./up.js");
      process.on("exit", () => {
        process.stdout.write(
          `The demo repository is kept at ${demo.root}; each agent's work is on its branch (git -C ${demo.root} log --all --oneline).\n`,
        );
      });
      await attachCockpit(project, { start: true });
    });
}
