import { describe, expect, it } from "vitest";
import { AlertsConfig } from "../../src/core/agent-config.js";
import { NeedsYouAlerts } from "../../src/tui/needs-you-alerts.js";
import { startCockpit } from "./cockpit-rig.js";

const BEL = "\x07";
const ITERM = { TERM_PROGRAM: "iTerm.app" };

/** Alerts writing to a list, on a clock the test moves. */
function alertsRig(config: Partial<AlertsConfig> = {}) {
  const written: string[] = [];
  const clock = { now: 1_000 };
  const alerts = new NeedsYouAlerts(
    { write: (data) => written.push(data) },
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
