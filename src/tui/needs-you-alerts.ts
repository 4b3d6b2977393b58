import type { AlertsConfig } from "../core/agent-config.js";
import type { AgentStatus } from "../core/schema.js";
import type { HubLink } from "../hub/link.js";
import type { AgentView, HubEvent } from "../hub/protocol.js";
import { bell, mailAlert, notificationFor } from "./notify.js";
import { nextWaitChangeIn } from "./wait-summary.js";

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

  /** Since when each waiting agent waits, ms: when the status bar's times next change. */
  private readonly since = new Map<string, number>();
  private tick: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  /**
   * Listens to `hub`'s events until {@link close}; writes alerts to `terminal`; calls
   * `redraw` when the waiting times the status bar shows (`wait-summary.ts`) change.
   */
  constructor(
    private readonly terminal: { write(data: string): void },
    hub: Pick<HubLink, "onEvent">,
    private readonly options: {
      alerts?: AlertsConfig;
      env?: NodeJS.ProcessEnv;
      now?: () => number;
    },
    private readonly redraw: () => void = () => undefined,
  ) {
    this.unsubscribe = hub.onEvent((event) => this.event(event));
  }

  /** Takes a hub event: agent lists and `status` (a wait may begin), `mail`, `removed`. */
  event(event: HubEvent): void {
    if (event.type === "status") this.status(event.name, event.status);
    else if (event.type === "mail") this.mail(event.summary.latest);
    else if (event.type === "removed") this.forget(event.name);
    else if (event.type === "agents") for (const agent of event.agents) this.seen(agent);
    else if (event.type === "agent") this.seen(event.agent);
    else return;
    this.schedule();
  }

  /** Stops listening and ticking. */
  close(): void {
    this.unsubscribe();
    clearTimeout(this.tick);
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
      this.since.delete(name);
      return;
    }
    if (!this.since.has(name)) this.since.set(name, this.clock());
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
    for (const map of [this.statuses, this.lastAlert, this.bellsSeen, this.since]) map.delete(name);
    this.announced.delete(name);
  }

  /** An agent as a list gives it: its status and since when it waits, without alerting. */
  private seen(agent: AgentView): void {
    this.statuses.set(agent.name, agent.status);
    if (agent.status !== "waiting") this.since.delete(agent.name);
    else {
      const since = agent.waitingSince !== undefined ? Date.parse(agent.waitingSince) : NaN;
      this.since.set(agent.name, Number.isNaN(since) ? this.clock() : since);
    }
  }

  /** Arms one timer for the next change of a waiting time; none while nobody waits. */
  private schedule(): void {
    clearTimeout(this.tick);
    this.tick = undefined;
    const delay = nextWaitChangeIn([...this.since.values()], this.clock());
    if (delay === undefined) return;
    this.tick = setTimeout(() => {
      this.redraw();
      this.schedule();
    }, delay + 1);
    this.tick.unref?.();
  }

  private clock(): number {
    return (this.options.now ?? Date.now)();
  }

  private alert(name: string, what: string): void {
    const now = this.clock();
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
