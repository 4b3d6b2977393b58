import { afterEach, describe, expect, it } from "vitest";
import { PREFIX, TerminalDriver, paneText, repoWithShells, stopHub } from "./harness.js";

/** SGR mouse report at 0-based cell (x, y) of the outer terminal. */
const mouse = (b: number, x: number, y: number, final = "M") =>
  `\x1b[<${b};${x + 1};${y + 1}${final}`;

/** The `[copy n/m]` indicator's figures, or undefined when not in copy mode. */
function indicator(text: string): { offset: number; total: number } | undefined {
  const m = /\[copy (\d+)\/(\d+)\]/.exec(text);
  return m ? { offset: Number(m[1]), total: Number(m[2]) } : undefined;
}

describe("copy mode, end to end (real ptys)", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  afterEach(() => {
    driver?.dispose();
    if (repo) stopHub(repo);
  });

  it("keeps the view on the same lines while the pane goes on printing", async () => {
    // A pane that prints a numbered tick every 20 ms, for ever.
    repo = repoWithShells([], {
      ticker: "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.02; done",
    });
    driver = new TerminalDriver(["up"], repo, { cols: 100, rows: 30 });
    const d = driver;
    await d.waitFor(/tick [1-9]\d{2}\b/); // 100 ticks and more
    d.type(PREFIX + "[");
    // Copy mode anchors at once, so the offset grows before PgUp is read: wait for the page.
    const topTick = (t: string) =>
      Number(/tick (\d+)/.exec(paneText(t.split("\n"), "ticker")[0] ?? "")?.[1]);
    const entered = topTick(await d.waitFor("[copy "));
    d.type("\x1b[5~");
    const first = await d.waitFor((t) => (indicator(t)?.offset ?? 0) > 0 && topTick(t) < entered);
    const shown = paneText(first.split("\n"), "ticker");
    const start = indicator(first)!;
    // The ticker goes on: wait until 40 more lines have gone into the scrollback.
    const later = await d.waitFor((t) => (indicator(t)?.total ?? 0) >= start.total + 40);
    expect(paneText(later.split("\n"), "ticker")).toEqual(shown);
    const now = indicator(later)!;
    // The offset grew with the scrollback: the view is as far from the oldest line as before.
    expect(now.total - now.offset).toBe(start.total - start.offset);
    d.type("q");
    await d.waitFor((t) => !t.includes("[copy"));
  });

  it("scrolls less with the wheel (alternate screen, no mouse mode) and copies a mouse drag", async () => {
    repo = repoWithShells([], { pager: "seq 1 500 | less" });
    driver = new TerminalDriver(["up"], repo, { cols: 100, rows: 30 });
    const d = driver;
    const top = (text: string) => paneText(text.split("\n"), "pager")[0]?.trim();
    await d.waitFor((t) => t.includes(" pager ") && top(t) === "1");
    // Two notches down: less gets six Down arrows and moves six lines.
    d.type(mouse(65, 20, 10));
    d.type(mouse(65, 20, 10));
    await d.waitFor((t) => top(t) === "7");
    d.type(mouse(64, 20, 10));
    await d.waitFor((t) => top(t) === "4");
    expect(await d.text()).not.toContain("[copy");

    // Drag over the pane's first two rows ("4" and "5"): copied with OSC 52.
    const rows = await d.screen();
    const y = rows.findIndex((r) => r.includes(" pager ")) + 1;
    d.type(mouse(0, 1, y) + mouse(32, 1, y + 1) + mouse(0, 1, y + 1, "m"));
    await d.waitFor("copied 3 characters");
    const copied = [...d.raw.matchAll(/\x1b\]52;c;([A-Za-z0-9+/=]*)\x07/g)].map((m) =>
      Buffer.from(m[1] ?? "", "base64").toString("utf8"),
    );
    expect(copied).toEqual(["4\n5"]);
  });
});
