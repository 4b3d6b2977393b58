import { execFileSync } from "node:child_process";

import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { TerminalDriver, stopHub } from "./harness.js";
import { makeTempDir } from "../git/temp-repo.js";

describe("flotilla demo, end to end", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  afterEach(() => {
    driver?.dispose();
    if (repo) stopHub(repo);
  });

  it("runs three demo agents; alice reaches her question, gets y, and commits on her branch", async () => {
    repo = path.join(makeTempDir("flotilla-demo-e2e-"), "demo");
    driver = new TerminalDriver(
      ["demo", "--dir", repo],
      os.tmpdir(),
      { cols: 160, rows: 48 },
      {
        FLOTILLA_DEMO_SPEED: "20",
      },
    );
    const d = driver;
    await d.waitFor(
      (t) => t.includes(" alice ") && t.includes(" bob ") && t.includes(" carol "),
      30_000,
    );
    // alice's pane is focused: her permission question shows and she is `waiting`.
    await d.waitFor(/alice · demo · flotilla\/alice · waiting/, 30_000);
    await d.waitFor("(y/n)");
    d.type("y");
    await d.waitFor("Script finished", 60_000);

    const git = (...args: string[]) => execFileSync("git", args, { cwd: repo!, encoding: "utf8" });
    expect(git("log", "-1", "--format=%B", "flotilla/alice")).toMatch(/Flotilla-Agent: alice/);
    expect(git("rev-list", "--count", "main..flotilla/alice").trim()).toBe("1");
    // Nothing landed on main, and the other agents, still waiting, committed nothing.
    expect(git("rev-list", "--count", "main..flotilla/bob").trim()).toBe("0");
  });
});
