import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { geminiAcceptsSystemFile } from "../../src/runtimes/gemini-hooks.js";
import { waitFor } from "../wait-for.js";
import { git } from "../git/temp-repo.js";
import { runCli, TerminalDriver } from "./harness.js";
import { cleanUpRun, findRealCli, makeCliHome, readJsonLines } from "./real-cli.js";

/**
 * The real Gemini CLI from npm (@google/gemini-cli, 0.61.0 when written) in a Flotilla
 * pane, its status from Flotilla's hooks. Found through GEMINI_E2E_BIN, on PATH, or in
 * /tmp/clis.
 *
 * Gemini CLI loads the system defaults file carrying the hooks only when it and every
 * directory above it are owned by root and not writable by group or others (see
 * src/runtimes/gemini-hooks.ts), so the project must live in such a place, which no temp
 * dir is (/tmp is world-writable): this test runs only as root with
 * GEMINI_E2E_SECURE_DIR naming a root-owned directory (e.g. `mkdir -m 700
 * /root/flotilla-e2e`), and is skipped, loudly, otherwise.
 *
 * Offline with a made-up API key, Gemini CLI still runs a whole turn when a BeforeModel
 * hook answers for the model (`decision: "block"` with an `llm_response`, its documented
 * synthetic response): the user's own hook here, beside Flotilla's, so SessionStart,
 * BeforeAgent and AfterAgent all fire for real. A tool permission (Notification) needs a
 * model asking for a tool, which a synthetic response cannot (its parts are text only).
 */
const gemini = findRealCli("GEMINI_E2E_BIN", "gemini");
const secure = process.env.GEMINI_E2E_SECURE_DIR;
const usable =
  secure !== undefined &&
  existsSync(secure) &&
  statSync(secure).isDirectory() &&
  geminiAcceptsSystemFile(path.join(secure, "probe", "x.json"));
if (!gemini || !usable) {
  const message = !gemini
    ? "the real gemini is not installed: npm i --prefix /tmp/clis @google/gemini-cli (or set GEMINI_E2E_BIN)"
    : "needs root and GEMINI_E2E_SECURE_DIR, a root-owned directory not writable by others (Gemini CLI loads its system defaults file only from one)";
  console.warn(`SKIPPED test/e2e/gemini.test.ts: ${message}`);
}

interface Line {
  source?: string;
  hook_event_name?: string;
  session_id?: string;
}

const readLines = (file: string): Line[] => readJsonLines<Line>(file);

describe.skipIf(!gemini || !usable)("the real Gemini CLI in a pane", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  let home: string | undefined;
  afterEach(() => cleanUpRun(driver, repo, home));

  it("reports its session, working and idle through its hooks, beside the user's own", async () => {
    repo = mkdtempSync(path.join(secure ?? "", "flotilla-gemini-"));
    git(repo, "init", "-q", "-b", "main");
    git(repo, "config", "user.email", "test@example.com");
    git(repo, "config", "user.name", "Test");
    writeFileSync(path.join(repo, "README.md"), "hi\n");
    git(repo, "add", "README.md");
    git(repo, "commit", "-q", "-m", "init");
    const made = makeCliHome("gemini", gemini ?? "");
    home = made.home;
    const { bin, tmp } = made;
    const worktree = path.join(repo, ".flotilla", "worktrees", "carol");

    // The user's settings: API-key auth, the worktree trusted (hooks run only in trusted
    // folders), and their own BeforeModel hook answering for the model.
    const mock = path.join(home, "mock-model.sh");
    const answer = {
      decision: "block",
      reason: "offline test",
      hookSpecificOutput: {
        hookEventName: "BeforeModel",
        llm_response: {
          candidates: [
            { content: { role: "model", parts: ["Hi from the mock."] }, finishReason: "STOP" },
          ],
        },
      },
    };
    writeFileSync(mock, `cat >/dev/null\nprintf '%s' '${JSON.stringify(answer)}'\n`);
    mkdirSync(path.join(home, ".gemini"));
    writeFileSync(
      path.join(home, ".gemini", "settings.json"),
      JSON.stringify({
        security: { auth: { selectedType: "gemini-api-key" } },
        hooks: {
          BeforeModel: [
            { matcher: "*", hooks: [{ type: "command", command: `sh ${mock}`, timeout: 10000 }] },
          ],
        },
      }),
    );
    writeFileSync(
      path.join(home, ".gemini", "trustedFolders.json"),
      JSON.stringify({ [worktree]: "TRUST_FOLDER" }),
    );
    // The user's own system defaults file, with a hook of theirs: it must still run.
    const marker = path.join(home, "their-defaults-hook-ran");
    const theirDefaults = path.join(repo, "their-system-defaults.json");
    writeFileSync(
      theirDefaults,
      JSON.stringify({
        hooks: {
          SessionStart: [
            {
              matcher: "*",
              hooks: [{ type: "command", command: `cat >/dev/null; touch ${marker}` }],
            },
          ],
        },
      }),
    );
    const env = {
      HOME: home,
      TMPDIR: tmp,
      PATH: `${bin}:${process.env.PATH ?? "/usr/bin:/bin"}`,
      GEMINI_API_KEY: "AIzaSyFlotillaFakeKey000000000000000000",
      GEMINI_CLI_SYSTEM_DEFAULTS_PATH: theirDefaults,
    };
    expect(runCli(["init"], repo, env).status).toBe(0);
    const spawned = runCli(
      ["spawn", "carol", "--runtime", "gemini", "--model", "gemini-2.5-flash", "-p", "say hi"],
      repo,
      env,
    );
    expect(spawned.stderr).toBe("");
    const events = path.join(repo, ".flotilla", "agent-events", "carol.jsonl");

    driver = new TerminalDriver(["up"], repo, { cols: 120, rows: 40 }, env);
    const done = await waitFor(
      () => readLines(events).find((line) => line.hook_event_name === "AfterAgent"),
      { timeoutMs: 90_000, what: "Gemini CLI's AfterAgent hook line" },
    );
    const names = readLines(events).map((line) => line.hook_event_name);
    expect(names.slice(0, 2)).toEqual(["SessionStart", "BeforeAgent"]);
    expect(readLines(events).every((line) => line.source === "gemini")).toBe(true);
    await driver.waitFor(/carol[^\n]*· idle/, 30_000);
    const screen = await driver.text();
    expect(screen).toContain("Hi from the mock.");
    expect(screen).not.toMatch(/Security Warning/);
    expect(existsSync(marker)).toBe(true);

    // The session is the one Flotilla chose with --session-id, now confirmed.
    const state = JSON.parse(readFileSync(path.join(repo, ".flotilla", "state.json"), "utf8"));
    const record = state.agents.find((agent: { name: string }) => agent.name === "carol");
    expect(done.session_id).toBe(record.conversation);
    expect(record.conversationConfirmed).toBe(true);

    expect(
      execFileSync("git", ["status", "--porcelain", "--ignored"], {
        cwd: worktree,
        encoding: "utf8",
      }),
    ).toBe("");
  }, 240_000);
});
