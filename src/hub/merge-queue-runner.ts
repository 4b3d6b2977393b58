import { describeError } from "../core/errors.js";
import { COCKPIT } from "../core/mail.js";
import { MAX_HANDLED_MAIL, titleBadge, type MergeQueueDoc } from "../core/merge-queue.js";
import { MergeQueueLoop } from "../merge/loop.js";
import { MergeQueueStore } from "../merge/queue.js";
import { enqueueOnWorkerDone } from "../merge/worker-done.js";
import { MailStore } from "../store/mail-store.js";
import type { AgentView } from "./protocol.js";
import type { HubContext, HubRunner } from "./runner.js";

/** How often a running gate's elapsed time and output are pushed to clients, in ms. */
const LIVE_MS = 1000;

/**
 * The merge queue inside the hub: runs it continuously (`MergeQueueLoop`: on enqueue, on a
 * target move, while held), enqueues an agent's branch when its `worker_done` mail reaches
 * the cockpit (`merge.onWorkerDone`), puts the state of each agent's newest entry in its pane
 * title (`AgentView.merge`), and tells clients when the queue changed (`merge` events; every
 * second while a gate runs, so the view's elapsed time and output stay live).
 */
export class MergeQueueRunner implements HubRunner {
  readonly name = "merge-queue";
  private context: HubContext | undefined;
  private loop: MergeQueueLoop | undefined;
  private store: MergeQueueStore | undefined;
  private readonly badges = new Map<string, string>();
  private readonly unsubscribe: Array<() => void> = [];
  private live: NodeJS.Timeout | undefined;
  private revision = 0;
  private checking: Promise<void> = Promise.resolve();
  private disposed = false;

  async start(context: HubContext): Promise<void> {
    this.context = context;
    const store = new MergeQueueStore(context.project);
    this.store = store;
    this.loop = new MergeQueueLoop(context.project, {
      watchQueueFile: false,
      onError: (error) => context.notify(describeError(error)),
    });
    // The cockpit's inbox may not exist yet: each level, when it changes, makes sure the
    // next one down is watched (a watch is set only on a directory that exists).
    const inbox = ["mail", "mail/cockpit", "mail/cockpit/new"];
    const watchInbox = async (): Promise<void> => {
      for (const dir of inbox) await context.watcher.refresh(dir);
    };
    this.unsubscribe.push(
      context.watcher.subscribe("", (name) => {
        if (name === null || name === "merge-queue.json") {
          this.loop?.kick();
          void this.refresh();
        }
        if (name === null || name === "mail") void watchInbox();
      }),
      ...inbox.map((dir) =>
        context.watcher.subscribe(dir, () => {
          void watchInbox();
          this.checkWorkerDone();
        }),
      ),
    );
    await context.watcher.refresh("");
    await watchInbox();
    // Not awaited: the hub's start (and its clients) must not wait for git or a first run.
    void this.refresh();
    this.loop.start().catch((error: unknown) => context.notify(describeError(error)));
    this.checkWorkerDone();
  }

  decorateAgent(view: AgentView): AgentView {
    const badge = this.badges.get(view.name);
    return badge === undefined ? view : { ...view, merge: badge };
  }

  dispose(): void {
    this.disposed = true;
    clearInterval(this.live);
    for (const off of this.unsubscribe.splice(0)) off();
    void this.loop?.dispose();
  }

  /** Re-reads the queue: new badges go to clients as `agent` events, then a `merge` event. */
  private async refresh(): Promise<void> {
    const context = this.context;
    if (!context || !this.store || this.disposed) return;
    let doc: MergeQueueDoc;
    try {
      doc = await this.store.read();
    } catch (error) {
      context.notify(`merge queue: ${describeError(error)}`);
      return;
    }
    for (const agent of context.agents()) {
      const badge = titleBadge(doc.entries, agent.name);
      if (badge === this.badges.get(agent.name)) continue;
      if (badge === undefined) this.badges.delete(agent.name);
      else this.badges.set(agent.name, badge);
      context.broadcast({ type: "agent", agent: this.decorateAgent(agent) });
    }
    this.revision += 1;
    context.broadcast({ type: "merge", revision: this.revision });
    const gating = doc.journal?.gate !== undefined;
    if (gating && !this.live) this.live = setInterval(() => void this.refresh(), LIVE_MS);
    if (!gating && this.live) {
      clearInterval(this.live);
      this.live = undefined;
    }
  }

  /** Acts once on each `worker_done` that reached the cockpit (remembered in the queue). */
  private checkWorkerDone(): void {
    this.checking = this.checking
      .then(() => this.handleWorkerDone())
      .catch((error) => {
        this.context?.notify(`merge queue: ${describeError(error)}`);
      });
  }

  private async handleWorkerDone(): Promise<void> {
    const context = this.context;
    const store = this.store;
    if (!context || !store || this.disposed) return;
    const mode = context.config().merge.onWorkerDone;
    if (mode === "off") return;
    const { messages } = await new MailStore(context.project.paths.mail).list(COCKPIT, {
      filter: { unread: true, type: "worker_done" },
    });
    const handled = new Set((await store.read()).handledMail);
    for (const message of [...messages].reverse()) {
      if (handled.has(message.id)) continue;
      try {
        const result = await enqueueOnWorkerDone(
          context.project,
          mode,
          message.from,
          message.payload,
        );
        if (result?.kind === "nothing")
          context.broadcast({
            type: "notice",
            level: "info",
            text: `merge queue: ${message.from} sent worker_done with nothing to merge (told by mail)`,
          });
      } catch (error) {
        context.notify(`merge queue: worker_done from ${message.from}: ${describeError(error)}`);
      }
      // Remembered after acting: a hub killed in between enqueues again (harmless: the entry
      // is updated in place), it never forgets one.
      await store.doc.update((doc) => {
        doc.handledMail = [...doc.handledMail, message.id].slice(-MAX_HANDLED_MAIL);
      });
    }
  }
}
