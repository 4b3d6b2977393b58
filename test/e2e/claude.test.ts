import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeRepo, runCli, TerminalDriver } from "./harness.js";
import { cleanUpRun, findRealCli, makeCliHome } from "./real-cli.js";

/**
 * The real Claude Code from npm in a Flotilla pane. CI installs it (.ci/run puts
 * @anthropic-ai/claude-code in a cache and sets CLAUDE_E2E_BIN); elsewhere it is found
 * on PATH or in /tmp/clis (where the capture script's instructions install it). Without it
 * this test fails under CI and is skipped, loudly, on a developer's machine.
 */
const claude = findRealCli("CLAUDE_E2E_BIN", "claude");
if (!claude) {
  const message =
    "the real claude is not installed: npm i --prefix /tmp/clis @anthropic-ai/claude-code (or set CLAUDE_E2E_BIN)";
  if (process.env.CI) throw new Error(`test/e2e/claude.test.ts: ${message}`);
  console.warn(`SKIPPED test/e2e/claude.test.ts: ${message}`);
}

describe.skipIf(!claude)("the real Claude Code in a pane", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  let home: string | undefined;
  afterEach(() => cleanUpRun(driver, repo, home));

  it("shows its trust dialog as waiting, with no hooks warning, and leaves the worktree clean", async () => {
    repo = makeRepo("flotilla-claude-");
    const made = makeCliHome("claude", claude ?? "");
    home = made.home;
    const { bin, tmp } = made;
    // Onboarding done (else it asks for a theme, and offline it exits), the worktree not yet
    // trusted: so it shows the trust dialog (fields from scripts/capture-cli-screens.mjs).
    writeFileSync(
      path.join(home, ".claude.json"),
      JSON.stringify({ hasCompletedOnboarding: true, theme: "dark" }),
    );
    // Its own temp dir (home/tmp): Claude Code makes $TMPDIR/claude-<uid>.
    const env = {
      HOME: home,
      TMPDIR: tmp,
      XDG_CONFIG_HOME: path.join(home, ".config"),
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      // Inside tmux, say: none of it may reach the agent.
      TMUX: "/tmp/tmux-0/default,1,0",
      TERM_PROGRAM: "tmux",
    };
    expect(runCli(["init"], repo, env).status).toBe(0);
    const spawned = runCli(["spawn", "alice", "--runtime", "claude", "-p", "say hi"], repo, env);
    expect(spawned.stderr).toBe("");
    const worktree = path.join(repo, ".flotilla", "worktrees", "alice");

    driver = new TerminalDriver(["up"], repo, { cols: 120, rows: 40 }, env);
    const screen = await driver.waitFor(/trust this folder/, 60_000);
    await driver.waitFor(/alice[^\n]*· waiting/, 30_000);
    expect(screen).not.toMatch(/hooks/i);
    expect(screen).not.toMatch(/tmux/i);

    // Nothing of Flotilla's in the worktree: git status is clean, and Claude Code got its
    // settings from outside it.
    expect(
      execFileSync("git", ["status", "--porcelain"], { cwd: worktree, encoding: "utf8" }),
    ).toBe("");
    expect(
      existsSync(path.join(repo, ".flotilla", "agents", "alice", "claude-settings.json")),
    ).toBe(true);

    // An untouched agent is removed without --force.
    const killed = runCli(["kill", "alice", "--clean"], repo, env);
    expect(killed.stderr).toBe("");
    expect(killed.status).toBe(0);
    expect(existsSync(worktree)).toBe(false);
  });
});
