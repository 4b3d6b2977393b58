import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { COMMAND_MODULES } from "../src/program.js";
import { cleanEnv, makeRepo } from "./git/temp-repo.js";

const DIST = path.resolve(import.meta.dirname, "../dist");
/** tsc's CLI entry, every module as its own file (scripts/post-build.mjs keeps it). */
const MODULES_CLI = path.join(DIST, "cli.modules.js");
const bundleOf = (module: string): string =>
  path.join(DIST, "commands", `${path.basename(module, ".js")}.bundle.js`);

/** What a CLI run shows: exit code, stdout, stderr. */
async function run(
  entry: string,
  args: string[],
  cwd = DIST,
  env: NodeJS.ProcessEnv = cleanEnv(),
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [entry, ...args], {
      cwd,
      env,
      encoding: "utf8",
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? "", stderr: failed.stderr ?? "" };
  }
}

describe("the build's one-file bundle of each command module (npm run build)", () => {
  it("shows each command's help as the CLI of separate modules does", async () => {
    const pairs = COMMAND_MODULES.flatMap((module) =>
      module.names.map(async (name) => {
        const [bundled, modules] = await Promise.all([
          run(bundleOf(module.module), [name, "--help"]),
          run(MODULES_CLI, [name, "--help"]),
        ]);
        return { name, bundled, modules };
      }),
    );
    for (const { name, bundled, modules } of await Promise.all(pairs)) {
      expect(bundled, name).toEqual(modules);
      expect(bundled.stdout, name).toMatch(/^Usage: flotilla \S*/);
    }
  });

  it("runs ls, mail send and mail list in a project as the CLI of separate modules does", async () => {
    const root = makeRepo();
    mkdirSync(path.join(root, ".flotilla"));
    writeFileSync(path.join(root, ".flotilla", "config.json"), "{}\n");
    const agent = {
      name: "alice",
      runtime: "shell",
      role: "builder",
      worktree: path.join(root, "alice"),
      branch: "flotilla/alice",
      base: "0",
      status: "idle",
      createdAt: "2026-01-01T00:00:00.000Z",
    };
    writeFileSync(
      path.join(root, ".flotilla", "state.json"),
      JSON.stringify({ version: 1, agents: [agent] }),
    );
    const agents = bundleOf("./commands/agents.js");
    const mail = bundleOf("./commands/mail.js");
    const asAlice = cleanEnv({ FLOTILLA_AGENT: "alice" });
    for (const [entry, args, env] of [
      [agents, ["ls", "--json"], cleanEnv()],
      [mail, ["mail", "send", "--to", "bob", "--subject", "s", "--body", "b"], asAlice],
      [mail, ["mail", "send", "--to", "cockpit", "--subject", "s", "--body", "b"], asAlice],
      [mail, ["mail", "list", "--json"], cleanEnv()],
    ] as const) {
      const bundled = await run(entry, [...args], root, env);
      const modules = await run(MODULES_CLI, [...args], root, env);
      // Mail ids and ages differ from one run to the next; the rest must not.
      const same = (text: string): string =>
        text.replace(/[0-9a-z]{11}-[0-9a-z]{4,32}/g, "<id>").replace(/"age(Ms)?": \d+/g, "<age>");
      expect({ ...bundled, stdout: same(bundled.stdout) }, args.join(" ")).toEqual({
        ...modules,
        stdout: same(modules.stdout),
      });
    }
  });
});
