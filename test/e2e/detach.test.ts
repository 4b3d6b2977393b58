import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../wait-for.js";
import {
  PREFIX,
  TerminalDriver,
  paneColumns,
  paneText,
  repoWithShells,
  runCli,
  stopHub,
} from "./harness.js";

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
    // The hub draws the reattached screen from its own panes: the shell's is as it was.
    const same = JSON.stringify(shellBefore);
    await waitFor(async () => JSON.stringify(paneText(await second.screen(), "sh")) === same, {
      what: "the shell pane redrawn as it was",
      timeoutMs: 15_000,
    });
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
    // The client restored its terminal itself: mouse and paste modes off, cursor shown.
    const tail = first.raw.slice(first.raw.lastIndexOf("\x1b[?1049h"));
    for (const reset of ["\x1b[?1049l", "\x1b[?1000l", "\x1b[?1006l", "\x1b[?2004l", "\x1b[?25h"])
      expect(tail).toContain(reset);

    const status = JSON.parse(runCli(["hub", "status", "--json"], repo).stdout);
    expect(status.state).toBe("stale");
    // --no-resume: this test respawns by hand (up's resume question is tested elsewhere).
    const second = open(["up", "--no-resume"]);
    await second.waitFor(/ sh · bash · flotilla\/sh · lost /);
    await second.waitFor("sh is lost: its process ended with an earlier hub");
    second.type(PREFIX + "r");
    await second.waitFor((t) => /flotilla\/sh · (working|idle)/.test(t) && t.includes("$ "));
  });

  it("two clients of different sizes each see a whole picture at their own size", async () => {
    repo = repoWithShells(["sh1", "sh2"]);
    const big = open(["up"], { cols: 140, rows: 44 });
    await big.waitFor((t) => t.includes(" sh1 ") && t.includes(" sh2 ") && t.includes("$ "));
    const small = open(["attach"], { cols: 90, rows: 26 });
    await small.waitFor((t) => t.includes(" sh1 ") && t.includes(" sh2 ") && t.includes("$ "));
    big.type("echo seen-by-$((1+1))\r");
    for (const [driver, size] of [
      [big, { cols: 140, rows: 44 }],
      [small, { cols: 90, rows: 26 }],
    ] as const) {
      await driver.waitFor("seen-by-2");
      const rows = await driver.screen();
      // Both panes side by side across this client's own width, framed, with a status bar.
      const [s1, e1] = paneColumns(rows, "sh1");
      const [s2, e2] = paneColumns(rows, "sh2");
      expect(s1).toBe(0);
      expect(e2).toBe(size.cols);
      expect(s2).toBeGreaterThanOrEqual(e1);
      const bottom = rows.findLastIndex((row) => row.startsWith("╰") || row.startsWith("┗"));
      expect(bottom).toBe(size.rows - 2);
      expect(rows[size.rows - 1]!.trim()).not.toBe("");
    }
  });

  it("a client that stops reading during a flood holds up no one, then gets the whole picture", async () => {
    const flood =
      "until [ -e stop ]; do seq 1 3000; done; clear; echo flood-finished; exec sleep 600";
    repo = repoWithShells(["sh"], { flood });
    const size = { cols: 120, rows: 40 };
    const fast = open(["up"], size);
    await fast.waitFor((t) => t.includes(" flood ") && t.includes("$ "));
    const slow = open(["attach"], size);
    await slow.waitFor((t) => t.includes(" flood ") && t.includes("$ "));
    const log = path.join(repo, ".flotilla", "hub.log");
    const hubLog = (): string => readFileSync(log, "utf8");
    slow.proc.pause(); // the slow client's terminal stops reading: its writes back up
    await waitFor(() => /slow \(\d+ bytes queued\); skipping its frames/.test(hubLog()), {
      what: "the hub to skip frames for the client that stopped reading",
      timeoutMs: 60_000,
    });
    // The other client's echo comes back while the flood goes on and the slow one is stuck.
    fast.type("echo still-$((6*7))\r");
    await fast.waitFor("still-42", 30_000);
    writeFileSync(path.join(repo, ".flotilla", "worktrees", "flood", "stop"), "");
    await fast.waitFor("flood-finished", 30_000);
    slow.proc.resume();
    await waitFor(() => hubLog().includes("caught up; one full redraw"), {
      what: "the full redraw once the slow client drains",
      timeoutMs: 30_000,
    });
    const want = JSON.stringify([
      paneText(await fast.screen(), "flood"),
      paneText(await fast.screen(), "sh"),
    ]);
    await waitFor(
      async () => {
        const rows = await slow.screen();
        return JSON.stringify([paneText(rows, "flood"), paneText(rows, "sh")]) === want;
      },
      { what: "the slow client's panes to match the other's", timeoutMs: 30_000 },
    );
  });

  it("reattaches to the screen cell for cell: alternate screen, colours, dim to bold, the pending-wrap cursor, focus and zoom", async () => {
    // A vim-like full-screen program: the alternate screen, coloured and bold text, a
    // change from dim straight to bold, and the cursor left waiting to wrap at the end.
    const vimLike = [
      "until [ -e go ]; do sleep 0.05; done",
      "printf '\\033[?1049h\\033[H\\033[1;7mtop-bar\\033[0m\\n'",
      "printf '\\033[38;5;208morange\\033[0m \\033[48;2;10;20;30;33mdeep\\033[0m\\n'",
      "printf '\\033[2mdim\\033[22;1mbold\\033[22m plain\\n'",
      'printf "\\033[$(tput lines);1H%s" "$(printf \'w%.0s\' $(seq 1 $(tput cols)))"',
      "exec sleep 600",
    ].join("; ");
    repo = repoWithShells(["sh"], { vim: vimLike });
    const size = { cols: 120, rows: 40 };
    const first = open(["up"], size);
    await first.waitFor((t) => t.includes(" vim ") && t.includes("$ "));
    // Focus the vim pane and zoom it (both must come back), then let it draw at that size.
    first.type(PREFIX + "o");
    first.type(PREFIX + "z");
    await first.waitFor((t) => t.includes(" vim ") && !t.includes(" sh "));
    writeFileSync(path.join(repo, ".flotilla", "worktrees", "vim", "go"), "");
    await first.waitFor((t) => t.includes("dimbold plain") && /w{110}/.test(t));
    // The title's status is the one thing that changes by itself (starting, working, idle):
    // compare once it has settled, as the program is silent from here on.
    await first.waitFor((t) => /vim [^\n]*· idle/.test(t), 20_000);
    const before = await cells(first);
    // What the hub draws is what the program wrote: "bold" right after "dim" is bold only.
    const buffer = first.term.buffer.active;
    const rows = await first.screen();
    const y = rows.findIndex((row) => row.includes("dimbold"));
    const bold = buffer.getLine(buffer.viewportY + y)!.getCell(rows[y]!.indexOf("dimbold") + 3)!;
    expect([bold.getChars(), !!bold.isBold(), !!bold.isDim()]).toEqual(["b", true, false]);
    first.type(PREFIX + "d");
    expect(await first.waitExit()).toBe(0);

    const second = open(["attach"], size);
    await second.waitFor((t) => t.includes(" vim ") && t.includes("dimbold"));
    const same = JSON.stringify(before);
    await waitFor(async () => JSON.stringify(await cells(second)) === same, {
      what: "the reattached screen to be cell for cell the same",
      timeoutMs: 15_000,
    }).catch(async (error: unknown) => {
      expect(await cells(second)).toEqual(before); // shows the difference
      throw error;
    });
    expect(await second.text()).not.toContain(" sh ");
  });

  it("a client killed with SIGKILL leaves the hub and the other client untouched", async () => {
    repo = repoWithShells(["sh"]);
    const a = open(["up"]);
    await a.waitFor("$ ");
    const b = open(["attach"], { cols: 100, rows: 30 });
    await b.waitFor("$ ");
    const pid = hubPid(repo);
    b.proc.kill("SIGKILL");
    await b.waitExit();
    a.type("echo alive-$((3+4))\r");
    await a.waitFor("alive-7");
    expect(hubPid(repo)).toBe(pid);
    expect(JSON.parse(runCli(["hub", "status", "--json"], repo).stdout).state).toBe("running");
  });
});

/**
 * Every cell of the screen but the status bar (which may show elapsed times): its text,
 * colours and attributes, plus where the cursor is.
 */
async function cells(driver: TerminalDriver): Promise<unknown> {
  await driver.screen();
  const buffer = driver.term.buffer.active;
  const rows: string[] = [];
  for (let y = 0; y < driver.term.rows - 1; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    let row = "";
    for (let x = 0; x < driver.term.cols; x++) {
      const cell = line?.getCell(x);
      if (!cell) continue;
      const attrs = [
        cell.getFgColorMode(),
        cell.getFgColor(),
        cell.getBgColorMode(),
        cell.getBgColor(),
        cell.isBold(),
        cell.isDim(),
        cell.isInverse(),
        cell.isItalic(),
        cell.isUnderline(),
      ].join(",");
      row += `${cell.getChars() || " "}[${attrs}]`;
    }
    rows.push(row);
  }
  return { rows, cursor: [buffer.cursorX, buffer.cursorY], type: buffer.type };
}
