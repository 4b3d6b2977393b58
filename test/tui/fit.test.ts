import { describe, expect, it } from "vitest";
import { PREFIX, startCockpit } from "./cockpit-rig.js";

/** The screen's text with runs of spaces and box-drawing borders as single spaces. */
const flat = (screen: string): string => screen.replace(/[│┃║╔╗╚╝═]/g, " ").replace(/\s+/g, " ");

describe.each([80, 100, 120])("dialogs and notices at %i columns", (cols) => {
  it("shows the whole quit dialog, with and without a hub to detach from", async () => {
    const detachable = await startCockpit(["alice", "bob"], {
      cols,
      options: { onDetach: () => undefined },
    });
    detachable.cockpit.input(PREFIX + "q");
    const leave = flat(await detachable.until((t) => t.includes("Leave the cockpit?"), "quit"));
    expect(leave).toContain(
      "d: detach: agents keep running in the hub; you are told how to come back",
    );
    expect(leave).toContain("s: stop the hub and its 2 running agents, then quit");

    const names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"];
    const own = await startCockpit(names, { cols, rows: 40 });
    own.cockpit.input(PREFIX + "q");
    const quit = flat(await own.until((t) => t.includes("Quit the cockpit?"), "quit"));
    expect(quit).toContain("9 agents still running will be stopped:");
    expect(quit).toContain("alice, bob, carol, dave, erin, frank, grace, heidi, ivan");
    expect(quit).toContain(
      "Worktrees and branches are kept; `flotilla respawn <name>` restarts one.",
    );
  });

  it("shows a long notice whole in the status bar, over the hints", async () => {
    const rig = await startCockpit(["alice", "bob", "carol"], { cols });
    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("kill zed\r");
    const screen = await rig.until((t) => t.includes("no agent named"), "the notice");
    const bar = screen.split("\n").at(-1) ?? "";
    expect(bar).toContain("kill: no agent named zed (agents: alice, bob, carol)");
  });

  it("says what size a too-small terminal needs", async () => {
    const rig = await startCockpit(["alice", "bob"], { cols, rows: 5 });
    const screen = flat(await rig.until((t) => t.includes("Terminal too small"), "the message"));
    expect(screen).toContain(`need at least 24x6 for 2 panes; now ${cols}x5`);
  });
});

describe("a terminal far too small", () => {
  it("still shows the size it needs, wrapped", async () => {
    const rig = await startCockpit(["alice", "bob", "carol", "dave"], { cols: 18, rows: 8 });
    const screen = flat(await rig.text());
    expect(screen).toContain("need at least");
    expect(screen).toContain("24x11");
    expect(screen).toContain("now 18x8");
  });

  it("says 1 agent, not 1 agents", async () => {
    const rig = await startCockpit(["alice"]);
    expect(await rig.text()).toContain("· 1 agent ·");
  });
});

describe("the status bar without a notice", () => {
  it.each([60, 70, 80])(
    "at %i columns keeps the counts whole and a column before the hints, dropping hints from the start",
    async (cols) => {
      const names = ["alice", "bob", "carol", "dave", "erin"];
      const rig = await startCockpit(names, { cols, rows: 30 });
      const bar = (await rig.text()).split("\n").at(-1) ?? "";
      expect(bar).toMatch(/^ flotilla · \S+ · 5 agents · /);
      const hints = /\s(Ctrl-b: .*?)\s*$/.exec(bar)?.[1];
      expect(hints, bar).toBeDefined();
      expect(hints).toMatch(/\? help$/);
      expect(bar).not.toContain("…");
    },
  );
});

describe("fitHints", () => {
  it("drops whole hints from the start and keeps the prefix", async () => {
    const { fitHints } = await import("../../src/tui/status-line.js");
    const hints = "Ctrl-b: z zoom  n new  d detach  ? help";
    expect(fitHints(hints, 100)).toBe(hints);
    expect(fitHints(hints, 26)).toBe("Ctrl-b: d detach  ? help");
    expect(fitHints(hints, 15)).toBe("Ctrl-b: ? help");
    expect(fitHints(hints, 10)).toBe("");
    expect(fitHints("Tab complete · Enter run · Esc cancel", 24)).toBe("Enter run · Esc cancel");
  });
});
