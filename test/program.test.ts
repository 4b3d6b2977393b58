import path from "node:path";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram, COMMAND_MODULES } from "../src/program.js";

const argvFor = (...words: string[]): string[] => ["node", "flotilla", ...words];

/** A command's help and that of every subcommand under it, as `--help` prints them. */
function helpTree(command: Command): string[] {
  return [command.helpInformation(), ...command.commands.flatMap(helpTree)];
}

function topLevel(program: Command, name: string): Command | undefined {
  return program.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

describe("the CLI registers only the command it runs", () => {
  it("knows which module registers every command and alias of the whole program", async () => {
    const whole = await buildProgram(argvFor());
    const registered = whole.commands.flatMap((c) => [c.name(), ...c.aliases()]).sort();
    const named = COMMAND_MODULES.flatMap((m) => m.names);
    expect([...named].sort()).toEqual(registered);
    expect(new Set(named).size).toBe(named.length);
  });

  it("names, for each module, the file and the export its load() gives", async () => {
    for (const command of COMMAND_MODULES) {
      const name = /^\.\/commands\/([\w-]+)\.js$/.exec(command.module)?.[1];
      expect(name, command.module).toBeDefined();
      const file = path.resolve(import.meta.dirname, "../src/commands", `${name}.ts`);
      const module = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      expect(module[command.register], command.module).toBe(await command.load());
    }
  });

  it("gives each command the options, arguments, subcommands and help it has in the whole program", async () => {
    const whole = await buildProgram(argvFor("--help"));
    for (const name of COMMAND_MODULES.flatMap((m) => m.names)) {
      const alone = await buildProgram(argvFor(name, "--whatever"));
      const command = topLevel(alone, name);
      expect(command, name).toBeDefined();
      expect(helpTree(command!), name).toEqual(helpTree(topLevel(whole, name)!));
    }
  });

  it("registers everything for help, no command, or a command it does not know (for 'did you mean')", async () => {
    const count = COMMAND_MODULES.flatMap((m) => m.names).length;
    for (const argv of [argvFor(), argvFor("--help"), argvFor("help", "ls"), argvFor("lss")]) {
      const program = await buildProgram(argv);
      expect(program.commands.flatMap((c) => [c.name(), ...c.aliases()])).toHaveLength(count);
    }
    const ls = await buildProgram(argvFor("ls"));
    expect(ls.commands.map((c) => c.name())).toEqual(["init", "spawn", "kill", "ls", "respawn"]);
  });

  it("prints the version without loading any command", async () => {
    let out = "";
    const program = (await buildProgram(argvFor("--version")))
      .exitOverride()
      .configureOutput({ writeOut: (text) => void (out += text) });
    expect(program.commands).toEqual([]);
    await expect(program.parseAsync(argvFor("--version"))).rejects.toMatchObject({
      code: "commander.version",
    });
    expect(out).toBe("0.1.0\n");
  });
});
