import { afterEach, describe, expect, it } from "vitest";
import {
  PREFIX,
  runCli,
  TerminalDriver,
  columnOf,
  paneColumns,
  repoWithShells,
  stopHub,
} from "./harness.js";

describe("the cockpit, end to end", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  afterEach(() => {
    driver?.dispose();
    if (repo) stopHub(repo);
  });

  it("shows three live panes, takes typing, moves focus, zooms, scrolls, resizes and quits cleanly", async () => {
    repo = repoWithShells();
    driver = new TerminalDriver(["up"], repo, { cols: 160, rows: 48 });
    const d = driver;
    await d.waitFor((t) => t.includes(" sh1 ") && t.includes(" sh2 ") && t.includes(" sh3 "));
    await d.waitFor((t) => (t.match(/\$ /g) ?? []).length >= 3);

    // Typing goes to the focused pane (the first) and its output appears there only.
    d.type("echo hello-$((6*7))\r");
    let rows = (await d.waitFor("hello-42")).split("\n");
    expect((rows.join("\n").match(/hello-42/g) ?? []).length).toBe(1);
    const [s1, e1] = paneColumns(rows, "sh1");
    const col = columnOf(rows, "hello-42");
    expect(col).toBeGreaterThan(s1);
    expect(col).toBeLessThan(e1);

    // Prefix + right arrow moves focus to the pane on the right.
    d.type(PREFIX + "\x1b[C");
    d.type("echo second-$((1+1))\r");
    rows = (await d.waitFor("second-2")).split("\n");
    const [s2, e2] = paneColumns(rows, "sh2");
    const col2 = columnOf(rows, "second-2");
    expect(col2).toBeGreaterThan(s2);
    expect(col2).toBeLessThan(e2);
    expect(s2).toBeGreaterThanOrEqual(e1 - 1);

    // Zoom shows only the focused pane, at full width; again restores the grid.
    d.type(PREFIX + "z");
    await d.waitFor((t) => t.includes("[zoom]") && !t.includes(" sh1 "));
    rows = await d.screen();
    const [zs, ze] = paneColumns(rows, "sh2");
    expect(ze - zs).toBe(160);
    d.type(PREFIX + "z");
    await d.waitFor((t) => t.includes(" sh1 ") && t.includes(" sh3 ") && !t.includes("[zoom]"));

    // Scrollback: print more lines than fit, page up, see early lines, leave with q.
    d.type("seq 1 400\r");
    await d.waitFor(/^.*\b400\b/m);
    d.type(PREFIX + "[");
    await d.waitFor("[copy 0/");
    for (let i = 0; i < 30; i++) d.type("\x1b[5~");
    // The top of the history ("1" alone on a pane row) comes into view.
    const scrolled = await d.waitFor(/[┃│]1 +[┃│]/);
    expect(scrolled).toMatch(/\[copy [1-9]\d*\/\d+\]/);
    d.type("q");
    await d.waitFor((t) => !t.includes("[copy"));

    // Resizing the terminal resizes the pty of every pane.
    d.resize(120, 40);
    // Once the new layout is drawn (two panes of 60 columns on top), the ptys have it too.
    await d.waitFor((t) => {
      const rows = t.split("\n");
      const [start, end] = paneColumns(rows, "sh1");
      return end - start === 60 && rows[0]!.length <= 120;
    });
    d.type("clear; echo cols=$(tput cols)\r");
    rows = (await d.waitFor(/cols=\d+/)).split("\n");
    const [rs, re] = paneColumns(rows, "sh2");
    const cols = Number(/cols=(\d+)/.exec(rows.join("\n"))![1]);
    expect(cols).toBe(re - rs - 2);

    // Too small: a clear message instead of a broken layout; growing back restores.
    d.resize(30, 8);
    await d.waitFor("Terminal too small");
    d.resize(120, 40);
    await d.waitFor((t) => t.includes(" sh1 ") && !t.includes("Terminal too small"));

    // Quit asks: detach, or stop the hub and its agents; "s" stops everything.
    d.type(PREFIX + "q");
    await d.waitFor("Leave the cockpit?");
    d.type("s");
    expect(await d.waitExit()).toBe(0);
    expect(d.raw).toContain("the hub and its agents stopped");
    expect(runCli(["hub", "status", "--json"], repo).stdout).toContain('"state": "stopped"');
    expect(d.term.buffer.active.type).toBe("normal");
    const tail = d.raw.slice(d.raw.lastIndexOf("\x1b[?1049h"));
    for (const reset of ["\x1b[?1049l", "\x1b[?1000l", "\x1b[?1006l", "\x1b[?2004l", "\x1b[?25h"]) {
      expect(tail).toContain(reset);
    }
  });

  it("spawns an agent from the dialog and kills one after confirmation", async () => {
    repo = repoWithShells(["first"]);
    driver = new TerminalDriver(["up"], repo, { cols: 120, rows: 40 });
    const d = driver;
    await d.waitFor(" first ");
    d.type(PREFIX + "n");
    await d.waitFor("Spawn an agent");
    // Typed fast, as one chunk: name, Tab, "b" picks bash from the runtime list, Enter.
    d.type("second\tb\r");
    await d.waitFor(
      (t) => t.includes(" second · bash · flotilla/second ") && !t.includes("Spawn an agent"),
    );
    expect(runCli(["ls", "--json"], repo).stdout).toContain('"name": "second"');

    d.type(PREFIX + "x");
    await d.waitFor("Kill agent second?");
    d.type("y");
    await d.waitFor(/second · bash · flotilla\/second · exited/);
  });

  it("restores the terminal when killed with SIGTERM", async () => {
    repo = repoWithShells(["only"]);
    driver = new TerminalDriver(["up"], repo, { cols: 100, rows: 30 });
    await driver.waitFor(" only ");
    driver.proc.kill("SIGTERM");
    await driver.waitExit();
    expect(driver.term.buffer.active.type).toBe("normal");
    expect(driver.raw.slice(driver.raw.lastIndexOf("\x1b[?1049h"))).toContain("\x1b[?1049l");
  });
});
