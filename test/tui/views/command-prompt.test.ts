import { describe, expect, it } from "vitest";
import { PREFIX, startCockpit } from "../cockpit-rig.js";

const runtimes = ["shell", "claude", "codex"];

describe("the command prompt (prefix :)", () => {
  it("completes command names, agent names, runtimes and layouts with Tab", async () => {
    const rig = await startCockpit(["alice", "albert", "bob"], {
      cols: 100,
      options: { runtimes },
    });
    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("la\t");
    expect(await rig.text()).toContain(":layout ▏");
    rig.cockpit.input("main\t");
    // Two layouts start with main: extended to their common part, both listed.
    const listed = await rig.text();
    expect(listed).toContain(":layout main-▏");
    expect(listed).toContain("main-horizontal  main-vertical");
    rig.cockpit.input("v\t\r");
    await rig.until((t) => !t.includes(":layout"), "the prompt closed");
    const [a, b] = ["alice", "albert"].map((n) => rig.hub.lastSize(n));
    expect(a!.cols).toBeGreaterThan(b!.cols); // main-vertical: alice is the main pane

    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("kill al\t");
    expect(await rig.text()).toContain("alice  albert");
    rig.cockpit.input("b\t");
    expect(await rig.text()).toContain(":kill albert ▏");
    rig.cockpit.input("\r");
    expect(rig.hub.requests).toContainEqual({ type: "kill", name: "albert" });

    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("spawn carol cl\t--model opus write the docs\r");
    expect(rig.hub.requests).toContainEqual({
      type: "spawn",
      name: "carol",
      runtime: "claude",
      model: "opus",
      prompt: "write the docs",
    });
    expect(rig.hub.typed("alice")).toBe("");
  });

  it("sends a line to an agent's pane, and shows errors as a one-line notice", async () => {
    const rig = await startCockpit(["alice", "bob"], { options: { runtimes } });
    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("send bob npm test\r");
    expect(rig.hub.typed("bob")).toBe("npm test\r");
    expect(rig.hub.typed("alice")).toBe("");

    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("kill zed\r");
    await rig.until((t) => t.includes("kill: no agent named zed (agents: alice, bob)"), "error");
    expect(rig.hub.requests.some((c) => c.type === "kill")).toBe(false);

    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("frobnicate\r");
    await rig.until((t) => t.includes("unknown command frobnicate"), "unknown command");

    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("spawn carol vim\r");
    await rig.until((t) => t.includes("unknown runtime vim"), "unknown runtime");

    // Esc leaves without running anything; keys reach the pane again.
    rig.cockpit.input(PREFIX + ":");
    rig.cockpit.input("kill alice");
    rig.cockpit.input("\x1b");
    await rig.until((t) => !t.includes(":kill"), "the prompt closed");
    rig.cockpit.input("x");
    expect(rig.hub.typed("alice")).toBe("x");
    expect(rig.hub.requests.some((c) => c.type === "kill")).toBe(false);
  });
});
