import type { AlertsConfig } from "../core/agent-config.js";
import type { AgentStatus } from "../core/schema.js";
import type { HubEvent } from "../hub/protocol.js";
import { bell, mailAlert, notificationFor } from "./notify.js";

/**
 * The cockpit's "needs you" alerts on the real terminal: urgent mail, an agent that starts
 * waiting for the human (a permission prompt, a question, a waiting pattern on its screen)
 * and an agent that rings the bell (BEL) all write the bell plus a desktop notification
 * (OSC 9 / 777, where the terminal shows one; see `notify.ts`). Per agent: one alert per
 * wait (a bell during a wait already announced says nothing new), and none within
 * `debounceMs` of the last, so a program ringing in a loop or a prompt that flickers rings
 * once. Configured by `notify.alerts` (see `AlertsConfig`).
 */
export class NeedsYouAlerts {
  private readonly statuses = new Map<string, AgentStatus>();
  /** When each agent last alerted, ms (the cockpit's clock). */
  private readonly lastAlert = new Map<string, number>();
  /** Agents whose current wait has been announced. */
  private readonly announced = new Set<string>();
  private readonly bellsSeen = new Map<string, number>();

  constructor(
    private readonly terminal: { write(data: string): void },
    private readonly options: {
      alerts?: AlertsConfig;
      env?: NodeJS.ProcessEnv;
      now?: () => number;
    },
  ) {}

  /** Takes a hub event: `status` (a wait may begin), `mail` (urgent mail), `removed`. */
  event(event: HubEvent): void {
    if (event.type === "status") this.status(event.name, event.status);
    else if (event.type === "mail") this.mail(event.summary.latest);
    else if (event.type === "removed") this.forget(event.name);
  }

  /** Urgent mail reached the cockpit (see `mailAlert`); never debounced: each is news. */
  mail(headline: { from: string; subject: string; priority: string } | undefined): void {
    if (this.config().mail) this.emit(mailAlert(headline, this.options.env ?? {}));
  }

  /** Agent `name`'s status changed to `status` (a hub `status` event). */
  status(name: string, status: AgentStatus): void {
    const before = this.statuses.get(name);
    this.statuses.set(name, status);
    if (status !== "waiting") {
      this.announced.delete(name);
      return;
    }
    if (before === "waiting" || !this.config().waiting) return;
    this.alert(name, "needs you");
  }

  /**
   * Pane `name`'s screen after new output, with its bell count so far (`PaneScreen.bellCount`):
   * a rise is a bell. A count that falls (a screen rebuilt) only resets what was seen.
   */
  screen(name: string, bellCount: number): void {
    const seen = this.bellsSeen.get(name);
    this.bellsSeen.set(name, bellCount);
    if (seen === undefined || bellCount <= seen || !this.config().bell) return;
    if (this.announced.has(name)) return; // this wait already rang
    this.alert(name, "rang the bell");
  }

  /** An agent was removed: forget it. */
  forget(name: string): void {
    for (const map of [this.statuses, this.lastAlert, this.bellsSeen]) map.delete(name);
    this.announced.delete(name);
  }

  private alert(name: string, what: string): void {
    const now = (this.options.now ?? Date.now)();
    if (this.statuses.get(name) === "waiting") this.announced.add(name);
    const last = this.lastAlert.get(name);
    if (last !== undefined && now - last < this.config().debounceMs) return;
    this.lastAlert.set(name, now);
    this.emit(bell() + notificationFor(this.options.env ?? {}, `Flotilla: ${name} ${what}`, ""));
  }

  private emit(data: string): void {
    if (data.length > 0) this.terminal.write(data);
  }

  private config(): AlertsConfig {
    return this.options.alerts ?? DEFAULT_ALERTS;
  }
}

const DEFAULT_ALERTS: AlertsConfig = { mail: true, waiting: true, bell: true, debounceMs: 30_000 };
