#!/usr/bin/env node
// Captures the first screens of the real agent CLIs as text fixtures for Flotilla's status
// rules (test/fixtures/clis/<cli>/<screen>.txt).
//
// Usage:
//   npm i --prefix /tmp/clis @anthropic-ai/claude-code @openai/codex @google/gemini-cli opencode-ai
//   node scripts/capture-cli-screens.mjs --bin /tmp/clis/node_modules/.bin [--only claude] [--dry-run]
//
// Each CLI runs in a real pty (node-pty, 100×30, TERM=xterm-256color) read through
// @xterm/headless, as Flotilla's hub does, with a throwaway HOME (pre-set per scenario: e.g.
// Claude Code's onboarding done, so its trust dialog shows) and a throwaway git repository as
// its working directory; nothing of yours is read or written. Every scenario is a list of
// steps: wait until the screen holds a marker (and output has settled), save the screen, then
// optionally type keys and go on. A fixture's first line is a header naming the CLI, its
// version, the scenario and what the screen shows, e.g.
//   # claude 2.1.197 · trust · expect waiting
// and test/runtimes/fixtures.test.ts checks every status rule against every fixture: the
// `expect` word is the status the screen must give. Rerun this against a newer CLI version
// and commit the changed fixtures; a failing fixture test then shows which rule to rewrite.
// No CLI can log in here, so each stops at its trust, login or API-key screen, or (with a
// fake API key) at its idle prompt. A step whose marker never shows is reported and skipped.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import xtermHeadless from "@xterm/headless";
import * as pty from "node-pty";

const { Terminal } = xtermHeadless;
const COLS = 100;
const ROWS = 30;
const SETTLE_MS = 1200;
const STEP_TIMEOUT_MS = 45_000;

const { values: opts } = parseArgs({
  options: {
    bin: { type: "string", default: "/tmp/clis/node_modules/.bin" },
    out: { type: "string", default: path.resolve(import.meta.dirname, "../test/fixtures/clis") },
    only: { type: "string" },
    "dry-run": { type: "boolean", default: false },
  },
});

const FAKE_ANTHROPIC_KEY = "sk-ant-api03-" + "x".repeat(80) + "-flotillaAA";

/**
 * Scenarios per CLI. `home(dir, repo)` pre-sets the throwaway HOME; `env` is added to the
 * environment; each step waits for `until` (a regex on the screen text), saves it as
 * `<screen>.txt` when `screen` is given, then types `keys`.
 */
const SCENARIOS = {
  claude: [
    {
      // Offline, a first run (no ~/.claude.json) says it cannot reach Anthropic and exits.
      name: "first-run",
      home: () => undefined,
      steps: [
        {
          until: /Unable to connect|theme|Let's get started/i,
          screen: "first-run",
          expect: "exited",
          allowExit: true,
        },
      ],
    },
    {
      name: "trust",
      home: (home, repo) => writeClaudeOnboarded(home, repo, { trusted: false }),
      steps: [
        { until: /trust this folder/i, screen: "trust", expect: "waiting" },
        { keys: "\r", until: /for shortcuts/i, screen: "idle-not-logged-in", expect: "idle" },
      ],
    },
    {
      name: "api-key",
      home: (home, repo) => writeClaudeOnboarded(home, repo, { trusted: true }),
      env: { ANTHROPIC_API_KEY: FAKE_ANTHROPIC_KEY },
      steps: [
        { until: /Do you want to use this API key/i, screen: "api-key", expect: "waiting" },
        // "No" is the default for a detected key: move up to "Yes" and accept.
        { keys: "\x1b[A\r", until: /for shortcuts/i, screen: "idle", expect: "idle" },
      ],
    },
  ],
  codex: [
    {
      name: "login",
      home: () => undefined,
      steps: [
        { until: /Sign in with ChatGPT/i, screen: "login", expect: "waiting" },
        { keys: "\r", until: /Finish signing in/i, screen: "browser-sign-in", expect: "waiting" },
      ],
    },
    {
      name: "api-key",
      home: () => undefined,
      steps: [
        { until: /Sign in with ChatGPT/i },
        {
          keys: "\x1b[B\x1b[B\r",
          until: /API key|provider/i,
          screen: "sign-in-another-way",
          expect: "waiting",
        },
        { keys: "\r", until: /API key/i, screen: "api-key", expect: "waiting" },
      ],
    },
    {
      // With a key in auth.json, in a git repository (as every agent worktree is), Codex
      // asks nothing and shows its prompt.
      name: "authed",
      home: (home) => writeCodexApiKey(home),
      steps: [{ until: /Ask Codex to do anything/i, screen: "idle", expect: "idle" }],
    },
  ],
  gemini: [
    {
      name: "trust",
      home: () => undefined,
      steps: [
        { until: /Do you trust the files in this folder/i, screen: "trust", expect: "waiting" },
        {
          keys: "\r",
          until: /How would you like to authenticate/i,
          screen: "auth",
          expect: "waiting",
        },
        { keys: "\x1b[B\r", until: /API Key/i, screen: "api-key", expect: "waiting" },
      ],
    },
    {
      name: "with-key",
      home: () => undefined,
      env: { GEMINI_API_KEY: "AIzaSyFlotillaFakeKey000000000000000000" },
      steps: [
        { until: /Do you trust the files in this folder/i },
        {
          keys: "\r",
          until: /Existing API key detected/i,
          screen: "auth-key-detected",
          expect: "waiting",
        },
        {
          keys: "\r",
          until: /Enter Gemini API Key/i,
          screen: "api-key-prefilled",
          expect: "waiting",
        },
        { keys: "\r", until: /Type your message/i, screen: "idle", expect: "idle" },
      ],
    },
  ],
  opencode: [
    {
      name: "first-run",
      home: () => undefined,
      steps: [{ until: /Ask anything/i, screen: "idle", expect: "idle" }],
    },
  ],
};

/** Codex's ~/.codex/auth.json holding an API key, so it skips its login menu. */
function writeCodexApiKey(home) {
  mkdirSync(path.join(home, ".codex"), { recursive: true });
  writeFileSync(
    path.join(home, ".codex", "auth.json"),
    JSON.stringify({ OPENAI_API_KEY: "sk-proj-flotilla-fake-key-0000000000000000" }),
  );
}

/** Claude Code's ~/.claude.json with onboarding done and the repo trusted or not. */
function writeClaudeOnboarded(home, repo, { trusted }) {
  const config = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: "2.1.197",
    theme: "dark",
    projects: { [repo]: { hasTrustDialogAccepted: trusted, projectOnboardingSeenCount: 1 } },
  };
  writeFileSync(path.join(home, ".claude.json"), JSON.stringify(config, null, 2));
}

function version(bin, cli) {
  try {
    const out = execFileSync(path.join(bin, cli), ["--version"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    return (out.match(/\d+\.\d+\.\d+/) ?? ["unknown"])[0];
  } catch {
    return undefined;
  }
}

function makeRepo(root) {
  const repo = path.join(root, "repo");
  mkdirSync(repo);
  const git = (...args) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  git("init", "-q", "-b", "main");
  writeFileSync(path.join(repo, "README.md"), "# scratch repo\n");
  git("add", ".");
  git("-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-q", "-m", "init");
  return repo;
}

function screenText(term) {
  const buffer = term.buffer.active;
  const lines = [];
  for (let y = 0; y < term.rows; y++)
    lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? "");
  while (lines.length > 0 && lines[lines.length - 1].trim() === "") lines.pop();
  return lines.join("\n");
}

/** Runs one scenario; returns the screens captured as { screen, expect, text }. */
async function runScenario(bin, cli, scenario) {
  const root = mkdtempSync(path.join(os.tmpdir(), `flotilla-capture-${cli}-`));
  const home = path.join(root, "home");
  mkdirSync(home);
  const repo = makeRepo(root);
  scenario.home(home, repo);
  const env = {
    PATH: `${bin}:/usr/local/bin:/usr/bin:/bin`,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local/share"),
    XDG_STATE_HOME: path.join(home, ".local/state"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    TERM: "xterm-256color",
    COLORTERM: "truecolor",
    LANG: "C.UTF-8",
    ...scenario.env,
  };
  const term = new Terminal({ cols: COLS, rows: ROWS, allowProposedApi: true, scrollback: 0 });
  const proc = pty.spawn(path.join(bin, cli), [], {
    name: "xterm-256color",
    cols: COLS,
    rows: ROWS,
    cwd: repo,
    env,
  });
  let lastOutput = Date.now();
  let exited = false;
  proc.onData((data) => {
    lastOutput = Date.now();
    term.write(data);
  });
  // Answer the terminal queries a real terminal would (cursor position, device attributes).
  term.onData((data) => proc.write(data));
  proc.onExit(() => (exited = true));
  const captured = [];
  try {
    for (const step of scenario.steps) {
      if (step.keys) {
        // Keys one at a time, as typed: a TUI may read a burst as a paste.
        for (const key of step.keys.match(/\x1b\[[A-D]|[^]/g) ?? []) {
          proc.write(key);
          await new Promise((resolve) => setTimeout(resolve, 150));
        }
        lastOutput = Date.now();
      }
      const deadline = Date.now() + STEP_TIMEOUT_MS;
      let text = "";
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        await new Promise((resolve) => term.write("", resolve));
        text = screenText(term);
        const settled = Date.now() - lastOutput > SETTLE_MS;
        if (settled && step.until.test(text)) break;
        if (exited && step.allowExit && step.until.test(text)) break;
        if (exited || Date.now() > deadline) {
          console.error(
            `${cli}/${scenario.name}: ${step.screen ?? "step"} not reached (${exited ? "exited" : "timeout"}); screen:\n${text}\n`,
          );
          return captured;
        }
      }
      if (step.screen) captured.push({ screen: step.screen, expect: step.expect, text });
    }
    return captured;
  } finally {
    try {
      proc.kill("SIGKILL");
    } catch {
      // already gone
    }
    term.dispose();
    // The CLI may still be writing its HOME while it dies.
    await new Promise((resolve) => setTimeout(resolve, 500));
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  }
}

for (const [cli, scenarios] of Object.entries(SCENARIOS)) {
  if (opts.only && opts.only !== cli) continue;
  const v = version(opts.bin, cli);
  if (!v) {
    console.error(`${cli}: not installed in ${opts.bin}; skipped`);
    continue;
  }
  for (const scenario of scenarios) {
    for (const shot of await runScenario(opts.bin, cli, scenario)) {
      const header = `# ${cli} ${v} · ${scenario.name} · expect ${shot.expect}`;
      const body = `${header}\n${shot.text}\n`;
      if (opts["dry-run"]) {
        console.log(`----- ${cli}/${shot.screen}\n${body}`);
        continue;
      }
      const dir = path.join(opts.out, cli);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, `${shot.screen}.txt`), body);
      console.log(
        `wrote ${path.relative(process.cwd(), path.join(dir, `${shot.screen}.txt`))} (${cli} ${v})`,
      );
    }
  }
}
