import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { findExecutable } from "../../src/runtimes/profiles.js";
import { makeRepo, runCli, stopHub, TerminalDriver } from "./harness.js";

/**
 * The real Claude Code from npm in a Flotilla pane. CI installs it (.ci/run puts
 * @anthropic-ai/claude-code in a cache and sets CLAUDE_E2E_BIN); elsewhere it is found
 * on PATH or in /tmp/clis (where the capture script's instructions install it). Without it
 * this test fails under CI and is skipped, loudly, on a developer's machine.
 */
function findClaude(): string | undefined {
  const candidates = [
    process.env.CLAUDE_E2E_BIN,
    findExecutable("claude", process.env.PATH),
    "/tmp/clis/node_modules/.bin/claude",
  ];
  return candidates.find((file): file is string => file !== undefined && existsSync(file));
}

const claude = findClaude();
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
  afterEach(() => {
    driver?.dispose();
    if (repo) stopHub(repo);
    for (const dir of [home, repo]) {
      if (dir) rmSync(dir, { recursive: true, force: true, maxRetries: 10 });
    }
  });

  it("shows its trust dialog as waiting, with no hooks warning, and leaves the worktree clean", async () => {
    repo = makeRepo("flotilla-claude-");
    home = mkdtempSync(path.join(os.tmpdir(), "flotilla-claude-home-"));
    // Onboarding done (else it asks for a theme, and offline it exits), the worktree not yet
    // trusted: so it shows the trust dialog (fields from scripts/capture-cli-screens.mjs).
    writeFileSync(
      path.join(home, ".claude.json"),
      JSON.stringify({ hasCompletedOnboarding: true, theme: "dark" }),
    );
    const bin = path.join(home, "bin");
    mkdirSync(bin);
    execFileSync("ln", ["-s", claude ?? "", path.join(bin, "claude")]);
    // Its own temp dir too: Claude Code makes $TMPDIR/claude-<uid>, removed with the home.
    const tmp = path.join(home, "tmp");
    mkdirSync(tmp);
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
