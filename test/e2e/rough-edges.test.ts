import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ensureHub } from "../../src/hub/daemon.js";
import { Project } from "../../src/store/project.js";
import { removeTempRepos } from "../git/temp-repo.js";
import { TerminalDriver, repoWithShells, runCli, stopHub } from "./harness.js";

const entry = path.resolve("dist/hub/main.js");
const repos: string[] = [];
afterEach(() => {
  for (const repo of repos.splice(0)) stopHub(repo);
  removeTempRepos();
});

/** The STATUS cell of `name`'s row in `flotilla ls`. */
function lsLine(repo: string, name: string): string {
  const ls = runCli(["ls"], repo);
  expect(ls.status).toBe(0);
  return ls.stdout.split("\n").find((line) => line.startsWith(`${name} `)) ?? "";
}

describe("rough edges a newcomer hit (issue 13 item 5)", () => {
  it("ls says an agent no hub runs is stopped, and how to start it", async () => {
    const repo = repoWithShells(["sh1"]);
    repos.push(repo);
    expect(lsLine(repo, "sh1")).toContain("stopped — run flotilla up");
    await ensureHub(new Project(repo), { entry });
    const deadline = Date.now() + 30_000;
    while (lsLine(repo, "sh1").includes("starting") && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lsLine(repo, "sh1")).not.toContain("stopped");
  });

  it("hub stop answered n is not an error; without a terminal it says to pass -y", async () => {
    const repo = repoWithShells(["sh1"]);
    repos.push(repo);
    await ensureHub(new Project(repo), { entry });
    const asked = new TerminalDriver(["hub", "stop"], repo, { cols: 100, rows: 10 });
    await asked.waitFor("[y/N]");
    asked.proc.write("n\r");
    expect(await asked.waitExit(20_000)).toBe(0);
    const said = await asked.text();
    expect(said).toContain("not stopped: the hub and sh1 keep running");
    expect(said).not.toContain("flotilla:");
    expect(said).not.toContain("-y");
    expect(JSON.parse(runCli(["hub", "status", "--json"], repo).stdout).state).toBe("running");

    const scripted = runCli(["hub", "stop"], repo);
    expect(scripted.status).toBe(1);
    expect(scripted.stderr).toContain("pass -y");
  });
});
