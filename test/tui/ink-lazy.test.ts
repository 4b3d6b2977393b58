import { describe, expect, it } from "vitest";
import { inkRenderToString } from "../../src/tui/ink.js";
import { PREFIX, startCockpit } from "./cockpit-rig.js";

/**
 * Ink (dialogs, views, notes) loads after the cockpit's first frame (src/tui/ink.ts). This
 * file is the only one whose cockpit starts before Ink has loaded: each test file runs in a
 * fresh module graph, so Ink is unloaded here until the cockpit asks for it.
 */
describe("the cockpit before Ink has loaded", () => {
  it("draws its first frame without Ink, and a dialog asked for meanwhile once Ink is in", async () => {
    const rig = await startCockpit(["alice", "bob"], { cols: 100, rows: 30, inkLoaded: false });
    // The first frame is drawn: pane frames and the status bar are painted without Ink.
    expect(inkRenderToString()).toBeUndefined();
    const first = await rig.text();
    expect(first).toContain("alice");
    expect(first).toContain("bob");
    // Help opened at once (before the load has finished) comes up by itself when it has.
    rig.cockpit.input(PREFIX + "?");
    const screen = await rig.until((text) => /Keys \(/.test(text), "the help dialog");
    expect(inkRenderToString()).toBeDefined();
    expect(screen).toContain("move focus to the pane on the left");
  });
});
