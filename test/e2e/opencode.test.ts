import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../wait-for.js";
import { makeRepo, runCli, TerminalDriver } from "./harness.js";
import { cleanUpRun, findRealCli, makeCliHome, readJsonLines } from "./real-cli.js";

/**
 * The real OpenCode from npm (opencode-ai, 1.18.33 when written) in a Flotilla pane, its
 * status from Flotilla's plugin. Found through OPENCODE_E2E_BIN, on PATH, or in /tmp/clis
 * (where scripts/capture-cli-screens.mjs says to install the CLIs); skipped, loudly,
 * without it (.ci/run installs the pinned version and sets OPENCODE_E2E_BIN).
 *
 * Offline and with no provider configured, OpenCode still starts, loads plugins, and on
 * `--prompt` creates a session and goes busy (retrying the unreachable API); Esc twice
 * interrupts it, and it goes idle. That is the whole working → idle path of the plugin,
 * proven here; permission and question prompts need a model that asks (see
 * test/runtimes/opencode-plugin.test.ts for those, from OpenCode's own event shapes).
 */
const opencode = findRealCli("OPENCODE_E2E_BIN", "opencode");
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

const readLines = (file: string): Line[] => readJsonLines<Line>(file);

describe.skipIf(!opencode)("the real OpenCode in a pane", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  let home: string | undefined;
  afterEach(() => cleanUpRun(driver, repo, home));

  it("reports working and idle through its plugin, keeps the user's own config, and leaves the worktree clean", async () => {
    repo = makeRepo("flotilla-opencode-");
    const made = makeCliHome("opencode", opencode ?? "");
    home = made.home;
    const { bin, tmp } = made;
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
      TMPDIR: tmp,
      // Offline for real: with any plugin configured, OpenCode 1.18.33 first installs
      // @opencode-ai/plugin into ~/.config/opencode through npm's Arborist and waits for it
      // (npm's 5-minute timeout where the network drops packets, as on a CI machine; a
      // run there never got a session). npm's own `offline` setting, which OpenCode's npm
      // config loader reads from the environment, makes that install fail at once ("background
      // dependency install failed" in its log) and the plugins load. The models.dev fetch
      // (10 s timeout) is skipped too.
      npm_config_offline: "true",
      OPENCODE_DISABLE_MODELS_FETCH: "1",
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
