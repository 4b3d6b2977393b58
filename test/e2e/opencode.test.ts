import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { findExecutable } from "../../src/runtimes/profiles.js";
import { waitFor } from "../wait-for.js";
import { makeRepo, runCli, stopHub, TerminalDriver } from "./harness.js";

/**
 * The real OpenCode from npm (opencode-ai, 1.18.33 when written) in a Flotilla pane, its
 * status from Flotilla's plugin. Found through OPENCODE_E2E_BIN, on PATH, or in /tmp/clis
 * (where scripts/capture-cli-screens.mjs says to install the CLIs); skipped, loudly,
 * without it (CI does not install it: .ci/run fetches Claude Code only).
 *
 * Offline and with no provider configured, OpenCode still starts, loads plugins, and on
 * `--prompt` creates a session and goes busy (retrying the unreachable API); Esc twice
 * interrupts it, and it goes idle. That is the whole working → idle path of the plugin,
 * proven here; permission and question prompts need a model that asks (see
 * test/runtimes/opencode-plugin.test.ts for those, from OpenCode's own event shapes).
 */
function findOpencode(): string | undefined {
  const candidates = [process.env.OPENCODE_E2E_BIN, findExecutable("opencode", process.env.PATH)];
  return candidates.find((file): file is string => file !== undefined && existsSync(file));
}

const opencode = findOpencode();
if (!opencode) {
  const message =
    "the real opencode is not installed: npm i --prefix DIR opencode-ai@1.18.33 and set OPENCODE_E2E_BIN=DIR/node_modules/.bin/opencode";
  console.warn(`SKIPPED test/e2e/opencode.test.ts: ${message}`);
}

interface Line {
  source?: string;
  type?: string;
  properties?: { sessionID?: string; status?: { type?: string } };
}

function readLines(file: string): Line[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Line);
}

describe.skipIf(!opencode)("the real OpenCode in a pane", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  let home: string | undefined;
  afterEach(() => {
    driver?.dispose();
    if (repo) stopHub(repo);
    for (const dir of [home, repo]) {
      if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
    }
  });

  it("reports working and idle through its plugin, keeps the user's own config, and leaves the worktree clean", async () => {
    repo = makeRepo("flotilla-opencode-");
    home = mkdtempSync(path.join(os.tmpdir(), "flotilla-opencode-home-"));
    const bin = path.join(home, "bin");
    mkdirSync(bin);
    mkdirSync(path.join(home, "tmp"));
    execFileSync("ln", ["-s", opencode ?? "", path.join(bin, "opencode")]);
    // The user's own OPENCODE_CONFIG_CONTENT, with a plugin of theirs: both must load.
    const marker = path.join(home, "their-plugin-loaded");
    const theirPlugin = path.join(home, "their-plugin.js");
    writeFileSync(
      theirPlugin,
      `import { writeFileSync } from "node:fs";\n` +
        `export const Theirs = async () => { writeFileSync(${JSON.stringify(marker)}, "yes"); return {}; };\n`,
    );
    const env = {
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      XDG_DATA_HOME: path.join(home, ".local", "share"),
      XDG_STATE_HOME: path.join(home, ".local", "state"),
      XDG_CACHE_HOME: path.join(home, ".cache"),
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      // OpenCode (Bun) unpacks native libraries into the temp dir: keep them in home.
      TMPDIR: path.join(home, "tmp"),
      OPENCODE_CONFIG_CONTENT: JSON.stringify({
        autoupdate: false,
        plugin: [pathToFileURL(theirPlugin).href],
      }),
    };
    expect(runCli(["init"], repo, env).status).toBe(0);
    const spawned = runCli(["spawn", "bob", "--runtime", "opencode", "-p", "say hi"], repo, env);
    expect(spawned.stderr).toBe("");
    const worktree = path.join(repo, ".flotilla", "worktrees", "bob");
    const events = path.join(repo, ".flotilla", "agent-events", "bob.jsonl");

    driver = new TerminalDriver(["up"], repo, { cols: 120, rows: 40 }, env);
    // --prompt submits at once: a session is created and goes busy (no provider answers).
    const busy = await waitFor(
      () =>
        readLines(events).find(
          (line) => line.type === "session.status" && line.properties?.status?.type === "busy",
        ),
      { timeoutMs: 60_000, what: "the plugin's session.status busy line" },
    );
    const session = busy.properties?.sessionID ?? "";
    expect(session).toMatch(/^ses_/);
    expect(readLines(events).some((line) => line.type === "session.created")).toBe(true);
    await driver.waitFor(/bob[^\n]*· working/, 30_000);
    expect(existsSync(marker)).toBe(true);

    // Esc, then Esc again ("esc again to interrupt"): the turn stops and the session idles.
    await waitFor(
      async () => {
        driver?.type("\x1b");
        return readLines(events).some((line) => line.type === "session.idle");
      },
      { timeoutMs: 30_000, intervalMs: 700, what: "session.idle after Esc Esc" },
    );
    await driver.waitFor(/bob[^\n]*· idle/, 30_000);

    // The session id is the agent's conversation, confirmed: respawn resumes it (--session).
    const state = JSON.parse(readFileSync(path.join(repo, ".flotilla", "state.json"), "utf8"));
    const record = state.agents.find((agent: { name: string }) => agent.name === "bob");
    expect(record.conversation).toBe(session);
    expect(record.conversationConfirmed).toBe(true);

    // Nothing of Flotilla's in the worktree, nothing installed beside the plugin or in the
    // project.
    expect(
      execFileSync("git", ["status", "--porcelain", "--ignored"], {
        cwd: worktree,
        encoding: "utf8",
      }),
    ).toBe("");
    expect(existsSync(path.join(repo, ".flotilla", "opencode", "node_modules"))).toBe(false);
    expect(existsSync(path.join(repo, "node_modules"))).toBe(false);
  }, 240_000);
});
