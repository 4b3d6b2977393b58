import { describe, expect, it } from "vitest";
import { AlertsConfig } from "../../src/core/agent-config.js";
import { NeedsYouAlerts } from "../../src/tui/needs-you-alerts.js";
import { formatWait, nextWaitChangeIn, waitingSummary } from "../../src/tui/wait-summary.js";
import { agentView, startCockpit } from "./cockpit-rig.js";

const BEL = "\x07";
const ITERM = { TERM_PROGRAM: "iTerm.app" };

/** Alerts writing to a list, on a clock the test moves. */
function alertsRig(config: Partial<AlertsConfig> = {}) {
  const written: string[] = [];
  const clock = { now: 1_000 };
  const alerts = new NeedsYouAlerts(
    { write: (data) => written.push(data) },
    { onEvent: () => () => undefined },
    { alerts: AlertsConfig.parse(config), env: ITERM, now: () => clock.now },
  );
  return { alerts, written, clock };
}

describe("NeedsYouAlerts", () => {
  it("rings and notifies once when an agent starts waiting, not again while it waits", () => {
    const { alerts, written } = alertsRig();
    alerts.status("alice", "working");
    expect(written).toEqual([]);
    alerts.status("alice", "waiting");
    expect(written).toEqual([`${BEL}\x1b]9;Flotilla: alice needs you${BEL}`]);
    alerts.status("alice", "waiting");
    alerts.screen("alice", 0);
    alerts.screen("alice", 1); // its bell during the announced wait: no news
    expect(written).toHaveLength(1);
  });

  it("a bell outside a wait alerts, at most once per agent in debounceMs", () => {
    const { alerts, written, clock } = alertsRig({ debounceMs: 30_000 });
    alerts.screen("bob", 0);
    alerts.screen("bob", 1);
    expect(written).toEqual([`${BEL}\x1b]9;Flotilla: bob rang the bell${BEL}`]);
    clock.now += 1_000;
    alerts.screen("bob", 2); // a program ringing in a loop
    alerts.status("bob", "waiting"); // and the wait it rang for
    expect(written).toHaveLength(1);
    clock.now += 30_000;
    alerts.status("bob", "idle");
    alerts.status("bob", "waiting");
    expect(written).toHaveLength(2);
    alerts.screen("carol", 5);
    alerts.screen("carol", 3); // a rebuilt screen counts from less: no bell
    expect(written).toHaveLength(2);
  });

  it("does what notify.alerts says: waiting, bell and mail each off", () => {
    const { alerts, written } = alertsRig({ waiting: false, bell: false, mail: false });
    alerts.status("alice", "waiting");
    alerts.screen("alice", 0);
    alerts.screen("alice", 1);
    alerts.mail({ from: "bob", subject: "prod down", priority: "urgent" });
    expect(written).toEqual([]);
    const on = alertsRig();
    on.alerts.mail({ from: "bob", subject: "prod down", priority: "urgent" });
    on.alerts.mail({ from: "bob", subject: "fyi", priority: "normal" });
    expect(on.written).toEqual([`${BEL}\x1b]9;Flotilla: urgent mail from bob: prod down${BEL}`]);
  });
});

describe("cockpit alerts", () => {
  const bells = (writes: string[]) => writes.filter((w) => w.startsWith(BEL)).length;

  it("rings the real terminal when an agent starts waiting and when a pane rings", async () => {
    const rig = await startCockpit(["alice", "bob"], {
      options: { alerts: AlertsConfig.parse({ debounceMs: 0 }) },
    });
    await rig.output("bob", "ready\r\n");
    rig.hub.emit({ type: "status", name: "alice", status: "waiting" });
    expect(bells(rig.sink.writes)).toBe(1);
    await rig.output("bob", "done\x07");
    await rig.until(() => bells(rig.sink.writes) === 2, "a second alert");
    rig.hub.emit({ type: "status", name: "alice", status: "working" });
    rig.hub.emit({ type: "status", name: "alice", status: "waiting" });
    expect(bells(rig.sink.writes)).toBe(3);
  });
});

describe("waiting times", () => {
  const now = Date.parse("2026-12-01T12:00:00.000Z");
  const ago = (ms: number) => new Date(now - ms).toISOString();

  it("names the waiting agents longest first with how long each has waited", () => {
    const agents = [
      agentView("alice", { status: "waiting", waitingSince: ago(30_000) }),
      agentView("bob", { status: "working" }),
      agentView("carol", { status: "waiting", waitingSince: ago(5 * 60_000 + 10_000) }),
      agentView("dave", { status: "waiting", waitingSince: ago(3 * 3_600_000) }),
      agentView("erin", { status: "waiting" }),
    ];
    expect(waitingSummary(agents, now)).toBe(" · 4 waiting: dave 3h, carol 5m, alice <1m, …");
    expect(waitingSummary(agents.slice(0, 2), now)).toBe(" · 1 waiting: alice <1m");
    expect(waitingSummary([agentView("bob")], now)).toBe("");
    expect([formatWait(59_999), formatWait(60_000), formatWait(3 * 86_400_000)]).toEqual([
      "<1m",
      "1m",
      "3d",
    ]);
  });

  it("changes at most once a minute: the next change is the next minute (or hour) boundary", () => {
    expect(nextWaitChangeIn([], now)).toBeUndefined();
    expect(nextWaitChangeIn([now - 10_000], now)).toBe(50_000);
    expect(nextWaitChangeIn([now - 2 * 3_600_000 - 60_000, now - 90_000], now)).toBe(30_000);
    expect(nextWaitChangeIn([now - 2 * 3_600_000 - 60_000], now)).toBe(3_540_000);
  });

  it("shows in the cockpit's status bar and moves on as time passes", async () => {
    // The bar reads the real clock: waits measured from it.
    let clock = Date.now();
    const since = new Date(clock - 4 * 60_000).toISOString();
    const waiting = agentView("alice", { status: "waiting", waitingSince: since });
    const rig = await startCockpit([waiting, "bob"], { cols: 160, options: { now: () => clock } });
    rig.hub.emit({ type: "agents", agents: [waiting, agentView("bob")] });
    await rig.until((t) => /1 waiting: alice [45]m/.test(t), "alice's wait in the bar");
    rig.hub.emit({ type: "status", name: "bob", status: "waiting" });
    await rig.until((t) => /2 waiting: alice [45]m, bob <1m/.test(t), "both waits, longest first");
    clock += 60_000; // the alerts' own clock; the bar reads the real one
    rig.hub.emit({ type: "status", name: "alice", status: "working" });
    await rig.until((t) => t.includes("1 waiting: bob <1m"), "bob alone");
  });
});
