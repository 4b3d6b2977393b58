import { readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../wait-for.js";
import { PREFIX, TerminalDriver, paneText, repoWithShells, runCli, stopHub } from "./harness.js";

/**
 * Prints "tick N" every 100 ms, and writes N to `.tick` in its worktree: proof that an agent
 * works while no client is attached.
 */
const TICKER = 'i=0; while :; do i=$((i+1)); echo "tick $i"; echo $i > .tick; sleep 0.1; done';

/** The last tick the `ticker` agent wrote to its worktree (0 before the first). */
function fileTick(repo: string): number {
  try {
    return Number(
      readFileSync(path.join(repo, ".flotilla", "worktrees", "ticker", ".tick"), "utf8"),
    );
  } catch {
    return 0;
  }
}

function lastTick(text: string): number {
  const ticks = [...text.matchAll(/tick (\d+)/g)].map((m) => Number(m[1]));
  return ticks.length ? Math.max(...ticks) : 0;
}

function hubPid(repo: string): number {
  return JSON.parse(readFileSync(path.join(repo, ".flotilla", "hub.json"), "utf8")).pid;
}

describe("detach and reattach: the hub outlives the terminal", () => {
  const drivers: TerminalDriver[] = [];
  let repo: string | undefined;
  const open = (args: string[], size = { cols: 120, rows: 40 }): TerminalDriver => {
    const driver = new TerminalDriver(args, repo!, size);
    drivers.push(driver);
    return driver;
  };
  afterEach(() => {
    for (const driver of drivers.splice(0)) driver.dispose();
    if (repo) stopHub(repo);
    repo = undefined;
  });

  it("detaches with the prefix, keeps agents working, and reattaches to the same screen", async () => {
    repo = repoWithShells(["sh"], { ticker: TICKER });
    const first = open(["up"]);
    await first.waitFor((t) => t.includes(" sh ") && t.includes("tick 3"));
    first.type("echo before-detach\r");
    await first.waitFor(/^┃before-detach/m);
    const shellBefore = paneText(await first.screen(), "sh");
    const tickBefore = lastTick(await first.text());

    first.type(PREFIX + "d");
    expect(await first.waitExit()).toBe(0);
    expect(first.raw).toContain("detached");
    expect(first.term.buffer.active.type).toBe("normal");

    // While detached, the hub and its agents go on; `ls` and `hub status` still answer.
    const status = JSON.parse(runCli(["hub", "status", "--json"], repo).stdout);
    expect(status.state).toBe("running");
    const ls = JSON.parse(runCli(["ls", "--json"], repo).stdout) as Array<{
      name: string;
      status: string;
    }>;
    expect(ls.map((a) => a.status)).not.toContain("exited");
    // The agent keeps ticking while no client is attached.
    await waitFor(() => fileTick(repo!) > tickBefore + 3, { what: "ticks while detached" });

    const second = open(["attach"]);
    await second.waitFor((t) => t.includes(" sh ") && lastTick(t) > tickBefore + 3);
    // Panes are drawn one after another: wait for the shell's, then compare it in full.
    const same = JSON.stringify(shellBefore);
    await waitFor(async () => JSON.stringify(paneText(await second.screen(), "sh")) === same, {
      what: "the shell pane redrawn as it was",
    }).catch(() => undefined);
    expect(paneText(await second.screen(), "sh")).toEqual(shellBefore);
    second.type("echo after-attach\r");
    await second.waitFor(/^┃after-attach/m);
  });

  it("survives the client being killed (a dropped SSH session)", async () => {
    repo = repoWithShells(["sh"], { ticker: TICKER });
    const first = open(["up"]);
    await first.waitFor((t) => t.includes("tick 2") && t.includes("$ "));
    first.type("export MARK=kept-$((40+2)); echo marked\r");
    await first.waitFor(/^┃marked/m);
    first.proc.kill("SIGKILL");
    await first.waitExit();
    const tickAtKill = lastTick(await first.text());

    const second = open(["attach"]);
    await second.waitFor((t) => lastTick(t) > tickAtKill + 3);
    second.type("echo $MARK\r");
    await second.waitFor("kept-42");
  });

  it("serves two clients at once: input from either reaches the agent, both see output", async () => {
    repo = repoWithShells(["sh"]);
    const a = open(["up"], { cols: 120, rows: 40 });
    await a.waitFor("$ ");
    const b = open(["attach"], { cols: 100, rows: 30 });
    await b.waitFor("$ ");
    a.type("echo from-a-$((1+1))\r");
    await a.waitFor("from-a-2");
    await b.waitFor("from-a-2");
    b.type("echo from-b-$((2+2))\r");
    await b.waitFor("from-b-4");
    await a.waitFor("from-b-4");
    // The pty follows the most recently active client (b, 100 columns: 98 inside the frame).
    b.type("tput cols\r");
    await b.waitFor(/^\S?98\s*\S?$/m);
  });

  it("shows agents as lost after the hub is killed, and respawns them", async () => {
    repo = repoWithShells(["sh"]);
    const first = open(["up"]);
    await first.waitFor("$ ");
    process.kill(hubPid(repo), "SIGKILL");
    // The client sees its hub go away, says so, and restores the terminal.
    expect(await first.waitExit()).toBe(1);
    expect(first.raw).toContain("hub connection closed");
    expect(first.term.buffer.active.type).toBe("normal");

    const status = JSON.parse(runCli(["hub", "status", "--json"], repo).stdout);
    expect(status.state).toBe("stale");
    const second = open(["up"]);
    await second.waitFor(/ sh · bash · flotilla\/sh · lost /);
    await second.waitFor("sh is lost: its process ended with an earlier hub");
    second.type(PREFIX + "r");
    await second.waitFor((t) => /flotilla\/sh · (working|idle)/.test(t) && t.includes("$ "));
  });
});
