import { describe, expect, it } from "vitest";
import { compilePatterns, deriveStatus } from "../../src/core/status.js";
import { builtinRuntimes } from "../../src/runtimes/profiles.js";
import { PaneScreen } from "../../src/terminal/pane-screen.js";
import { loadCliFixtures } from "./cli-fixtures.js";

// The real first screens of Claude Code, Codex, Gemini CLI and OpenCode, captured by
// scripts/capture-cli-screens.mjs (rerun it against a newer version and commit the result).
const fixtures = loadCliFixtures();
const runtimes = builtinRuntimes({ SHELL: "/bin/sh" });
const AGENT_CLIS = ["claude", "codex", "gemini", "opencode"];

function statusOf(runtime: string, screenText: string, exited = false) {
  const profile = runtimes[runtime];
  if (!profile) throw new Error(`no runtime ${runtime}`);
  return deriveStatus({
    exited,
    started: true,
    // Long quiet: only the screen decides between waiting and idle.
    lastOutputAt: 0,
    now: 60_000,
    screenText,
    waitingPatterns: compilePatterns(profile.waitingPatterns),
    idleAfterMs: 3000,
  });
}

describe("real CLI screens (test/fixtures/clis)", () => {
  it("has the trust, login or API-key screen of every agent CLI, and idle prompts", () => {
    const clis = new Set(fixtures.map((fixture) => fixture.cli));
    for (const cli of AGENT_CLIS) expect(clis).toContain(cli);
    for (const cli of ["claude", "codex", "gemini"]) {
      expect(
        fixtures.filter((f) => f.cli === cli && f.expect === "waiting").length,
      ).toBeGreaterThan(0);
    }
    for (const cli of AGENT_CLIS) {
      expect(fixtures.filter((f) => f.cli === cli && f.expect === "idle").length).toBeGreaterThan(
        0,
      );
    }
  });

  for (const fixture of fixtures) {
    it(`${fixture.cli} ${fixture.version} ${fixture.screen} shows ${fixture.expect}`, () => {
      expect(statusOf(fixture.cli, fixture.text, fixture.expect === "exited")).toBe(fixture.expect);
    });
  }

  it("no waiting pattern of any runtime matches another CLI's idle prompt", () => {
    const idle = fixtures.filter((fixture) => fixture.expect === "idle");
    for (const [name, profile] of Object.entries(runtimes)) {
      for (const pattern of compilePatterns(profile.waitingPatterns)) {
        for (const fixture of idle) {
          expect(pattern.test(fixture.text), `${name} /${pattern.source}/ on ${fixture.file}`).toBe(
            false,
          );
        }
      }
    }
  });

  it("each screen renders in a PaneScreen as captured", async () => {
    for (const fixture of fixtures) {
      const lines = fixture.text.split("\n");
      const screen = new PaneScreen({ cols: 100, rows: 30, scrollback: 0 });
      screen.write(lines.join("\r\n"));
      await screen.flush();
      const shown = screen.text().split("\n").slice(0, lines.length);
      expect(
        shown.map((line) => line.trimEnd()),
        fixture.file,
      ).toEqual(lines.map((line) => line.trimEnd()));
      screen.dispose();
    }
  });
});
