import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { AgentStatus } from "../../src/core/schema.js";

/** Where scripts/capture-cli-screens.mjs writes the real CLIs' screens. */
export const FIXTURE_DIR = path.resolve(import.meta.dirname, "../fixtures/clis");

/** One captured screen: `# <cli> <version> · <scenario> · expect <status>` then the text. */
export interface CliFixture {
  cli: string;
  screen: string;
  version: string;
  scenario: string;
  expect: AgentStatus;
  /** The screen's text, one line per row (as `PaneScreen.text()` gives it, trailing rows cut). */
  text: string;
  file: string;
}

/** Every fixture under {@link FIXTURE_DIR}, sorted by CLI and screen name. */
export function loadCliFixtures(): CliFixture[] {
  const fixtures: CliFixture[] = [];
  for (const cli of readdirSync(FIXTURE_DIR).sort()) {
    for (const name of readdirSync(path.join(FIXTURE_DIR, cli)).sort()) {
      if (!name.endsWith(".txt")) continue;
      const file = path.join(FIXTURE_DIR, cli, name);
      const [header = "", ...lines] = readFileSync(file, "utf8").replace(/\n$/, "").split("\n");
      const match = /^# (\S+) (\S+) · (\S+) · expect (\S+)$/.exec(header);
      if (!match) throw new Error(`${file}: bad header ${JSON.stringify(header)}`);
      fixtures.push({
        cli,
        screen: name.replace(/\.txt$/, ""),
        version: match[2] ?? "",
        scenario: match[3] ?? "",
        expect: match[4] as AgentStatus,
        text: lines.join("\n"),
        file,
      });
    }
  }
  return fixtures;
}
