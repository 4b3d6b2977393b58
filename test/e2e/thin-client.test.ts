import { realpathSync } from "node:fs";
import os from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, PREFIX, TerminalDriver, repoWithShells, runCli, stopHub } from "./harness.js";

describe("the thin client", () => {
  const drivers: TerminalDriver[] = [];
  let repo: string | undefined;
  const open = (args: string[], cwd = repo!): TerminalDriver => {
    const driver = new TerminalDriver(args, cwd, { cols: 120, rows: 40 });
    drivers.push(driver);
    return driver;
  };
  afterEach(() => {
    for (const driver of drivers.splice(0)) driver.dispose();
    if (repo) stopHub(repo);
    repo = undefined;
  });

  it("attaches with --dir from anywhere, and the detach hint says the command that works there", async () => {
    repo = repoWithShells(["sh"]);
    const inside = open(["up"]);
    await inside.waitFor("$ ");
    inside.type(PREFIX + "d");
    expect(await inside.waitExit()).toBe(0);
    // No `flotilla` on PATH here: the hint names the way this Flotilla was run.
    const program = `node ${realpathSync(CLI)}`;
    expect(inside.raw).toContain(`\`${program} attach\` brings the cockpit back`);

    const elsewhere = open(["attach", "--dir", repo], os.tmpdir());
    await elsewhere.waitFor("$ ");
    elsewhere.type("echo from-elsewhere\r");
    await elsewhere.waitFor(/^┃from-elsewhere/m);
    elsewhere.type(PREFIX + "d");
    expect(await elsewhere.waitExit()).toBe(0);
    expect(elsewhere.raw).toContain(`\`${program} attach --dir ${repo}\` brings the cockpit back`);
  });

  it("up --in-process: the same cockpit with the hub in this process; it cannot detach, and quit stops all", async () => {
    repo = repoWithShells(["sh"]);
    const d = open(["up", "--in-process"]);
    await d.waitFor((t) => t.includes(" sh ") && t.includes("$ "));
    d.type("echo in-$((2*3))\r");
    await d.waitFor(/^┃in-6/m);
    // Its hub serves the socket too: the CLI reaches it.
    expect(JSON.parse(runCli(["hub", "status", "--json"], repo).stdout).state).toBe("running");
    d.type(PREFIX + "d");
    await d.waitFor("cannot detach");
    d.type(PREFIX + "q");
    await d.waitFor("Quit the cockpit?");
    d.type("y");
    expect(await d.waitExit()).toBe(0);
    expect(d.raw).toContain("the hub and its agents stopped");
    expect(d.term.buffer.active.type).toBe("normal");
    expect(runCli(["hub", "status", "--json"], repo).stdout).toContain('"state": "stopped"');
  });

  it("restores the terminal on SIGHUP (the terminal closed) and leaves the hub running", async () => {
    repo = repoWithShells(["sh"]);
    const d = open(["up"]);
    await d.waitFor("$ ");
    d.proc.kill("SIGHUP");
    await d.waitExit();
    expect(d.term.buffer.active.type).toBe("normal");
    const tail = d.raw.slice(d.raw.lastIndexOf("\x1b[?1049h"));
    for (const reset of ["\x1b[?1049l", "\x1b[?1000l", "\x1b[?2004l", "\x1b[?25h"])
      expect(tail).toContain(reset);
    expect(JSON.parse(runCli(["hub", "status", "--json"], repo).stdout).state).toBe("running");
  });
});
