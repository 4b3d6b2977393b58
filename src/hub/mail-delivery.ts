import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import {
  checkMailboxName,
  COCKPIT,
  planNotices,
  type MailType,
  type UnreadSummary,
} from "../core/mail.js";
import { describeError } from "../core/errors.js";
import { sanitizeLine } from "../core/sanitize.js";
import type { AgentStatus, RuntimeProfile } from "../core/schema.js";
import { removeLegacyClaudeSettings } from "../runtimes/claude-hooks.js";
import { MailStore, type StoredMail } from "../store/mail-store.js";
import type { AgentView, HubEvent, MailHeadline, MailReaction, MailSummary } from "./protocol.js";
import { createProjectWatcher, type ProjectWatcher } from "./project-watcher.js";
import type { NoticeOutcome } from "./notice-gate.js";
import type { HubContext, HubRunner } from "./runner.js";

/**
 * Mail delivery inside the hub: watches `.flotilla/mail/`, tells idle agents they have mail
 * by typing a one-line notice into their pty, and reports unread counts and the messages the
 * cockpit reacts to (urgent mail for the human, `worker_done`, `error`, `escalation`).
 *
 * Watching, through the hub's shared `ProjectWatcher`: the mail directory (new mailboxes
 * appear there) and each mailbox's `new/` (a message arrives or is read: the store renames
 * files in and out of it). Non-recursive, so it works on every platform Node 20 supports. Events are coalesced for
 * {@link DEFAULT_DEBOUNCE_MS}; nothing runs while no mail moves (no polling timer).
 */

/** Quiet time after a file event before the mailboxes are read again, in ms. */
export const DEFAULT_DEBOUNCE_MS = 50;

/**
 * How often a held notice (another program had the pty's foreground) is tried again, in
 * ms. The timer runs only while a notice is held; `/proc` has no event for a foreground
 * change, and a status change of the agent tries at once too.
 */
export const DEFAULT_HELD_RETRY_MS = 500;

/** What delivery needs to know about one agent (a subset of `AgentRecord`). */
export interface DeliveryAgent {
  name: string;
  runtime: string;
  status: AgentStatus;
}

export type { MailHeadline, MailReaction, MailSummary } from "./protocol.js";

/** How {@link MailDelivery} reaches the world; everything it touches comes through here. */
export interface MailDeliveryOptions {
  /** The project (only `paths.mail` is used). */
  project: { paths: { mail: string } };
  /** The store to read; defaults to one on `project.paths.mail`. */
  store?: MailStore;
  /** The agents the hub runs, with their current status. Called on every pass. */
  getAgents(): readonly DeliveryAgent[];
  /**
   * Types `text` into the agent's pty (the notice plus `\r`) and says whether it did (see
   * `NoticeOutcome`; nothing returned counts as `typed`). A `held` notice is tried again
   * until typed. May throw; reported to `onError`.
   */
  typeInto(name: string, text: string): NoticeOutcome | void;
  /** Receives a summary whenever counts change or something new is to be announced. */
  notify(summary: MailSummary): void;
  /** The runtime's profile (its `mailNotice` template), or `undefined` for an unknown one. */
  profileFor(runtime: string): RuntimeProfile | undefined;
  /** Clock for the default store's read times. */
  now?: () => Date;
  /** Coalescing window for file events, in ms (default {@link DEFAULT_DEBOUNCE_MS}). */
  debounceMs?: number;
  /** Retry period of held notices, in ms (default {@link DEFAULT_HELD_RETRY_MS}). */
  heldRetryMs?: number;
  /**
   * Statuses in which an agent is typed a notice (default `["idle"]`). `waiting` is left out
   * on purpose: a waiting agent is usually showing a permission prompt, and the notice's
   * text and its Enter would answer it.
   */
  noticeStatuses?: readonly AgentStatus[];
  /** Errors of a pass (unreadable directory, failed typing); default: ignored. */
  onError?(error: unknown): void;
  /** The watcher to subscribe through (the hub's shared one); default: a private one. */
  watcher?: ProjectWatcher;
}

const REACTIONS: Partial<Record<MailType, MailReaction["kind"]>> = {
  worker_done: "done",
  error: "alert",
  escalation: "alert",
};

/**
 * Watches the mail store and delivers notices; see the module comment. Call
 * {@link start} once, {@link onStatusChange} whenever an agent's status changes, and
 * {@link dispose} at the end.
 *
 * Rules:
 * - A notice goes to an agent whose status is in `noticeStatuses`, has unread mail, and got
 *   mail since its last notice (one notice per burst; see `planNotices`). Its text is the
 *   runtime's `mailNotice` or the default, one line, sanitized; never a message body.
 * - After a notice, the agent gets no other one until the hub reports a status change for
 *   it (it is reading its mail), so a second message arriving meanwhile does not type into
 *   a prompt that is busy.
 * - A busy agent gets its notice when it turns idle (`onStatusChange`).
 * - A notice held because another program had the pty's foreground (vim opened from the
 *   runtime) is typed once the runtime has it back, while the agent is still idle and
 *   still has unread mail; a newer notice replaces it.
 * - Mail already unread at `start()` is counted but never announced (`latest`, reactions).
 *   Agents are still told about it when idle: it is unread and they were not told.
 * - A message read within the debounce window of its arrival is never seen, so it causes
 *   no reaction.
 */
export class MailDelivery {
  private readonly store: MailStore;
  private readonly debounceMs: number;
  private readonly noticeStatuses: ReadonlySet<AgentStatus>;
  private readonly watcher: ProjectWatcher;
  /** Whether `watcher` is this delivery's own (closed on dispose). */
  private readonly ownsWatcher: boolean;
  /** Unsubscribe functions of the directories watched, by absolute path. */
  private readonly watched = new Map<string, () => void>();
  private timer: NodeJS.Timeout | undefined;
  private scanning = false;
  private rescan = false;
  private started = false;
  private disposed = false;
  private waiters: Array<() => void> = [];
  /** Ids of unread messages seen in any `new/` by the last pass. */
  private seen = new Set<string>();
  private summaries: Record<string, UnreadSummary> = {};
  private lastNoticed: Record<string, string> = {};
  /** Agents typed a notice and not heard from since. */
  private readonly awaitingTurn = new Set<string>();
  /** Notices not typed because another program held the pty's foreground, by agent. */
  private readonly held = new Map<string, string>();
  private heldTimer: NodeJS.Timeout | undefined;
  private lastCounts = "";
  /** Parsed unread messages per mailbox by id (`null`: a file that could not be read). */
  private readonly cache = new Map<string, Map<string, StoredMail | null>>();

  constructor(private readonly options: MailDeliveryOptions) {
    this.store =
      options.store ??
      new MailStore(options.project.paths.mail, options.now ? { now: options.now } : {});
    this.debounceMs = options.debounceMs ?? DEFAULT_DEBOUNCE_MS;
    this.noticeStatuses = new Set(options.noticeStatuses ?? ["idle"]);
    this.ownsWatcher = !options.watcher;
    this.watcher = options.watcher ?? createProjectWatcher(this.store.dir);
  }

  /**
   * Creates the mail directory if needed, starts watching, reads every mailbox once and
   * reports the counts through `notify` (with no `latest` and no reactions). Resolves after
   * that first report. Idle agents with unread mail are typed their notice.
   */
  async start(): Promise<void> {
    if (this.started || this.disposed) return;
    await this.run();
    this.started = true;
  }

  /**
   * Tells delivery that `name` now has `status` (call it after the hub's own record
   * changed, so `getAgents()` agrees). An agent turning idle with unread mail it was not
   * told about gets its notice now.
   */
  onStatusChange(name: string, status: AgentStatus): void {
    if (this.disposed || !this.started) return;
    this.awaitingTurn.delete(name);
    if (!this.noticeStatuses.has(status)) return;
    if (this.held.has(name)) this.retryHeld(name, status);
    // A pass due reads getAgents() itself, after fresher file state; one under way may have
    // read it already, so it runs once more.
    if (this.timer) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.deliverNotices(name, status);
  }

  /** Resolves once no pass is due or running (for tests and orderly shutdown). */
  settled(): Promise<void> {
    if (!this.timer && !this.scanning) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops watching; no callback runs afterwards. */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    for (const unsubscribe of this.watched.values()) unsubscribe();
    this.watched.clear();
    if (this.ownsWatcher) this.watcher.close();
    this.releaseWaiters();
  }

  /**
   * The unread messages of `box` (whose `new/` is `dir`), newest first. A file in `new/` never
   * changes (it is renamed in whole and renamed out when read), so each is parsed once and
   * kept while it stays there: a pass costs a directory listing plus the new arrivals.
   */
  private async readUnread(box: string, dir: string): Promise<StoredMail[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as { code?: string }).code === "ENOENT") names = [];
      else throw error;
    }
    const known = this.cache.get(box) ?? new Map<string, StoredMail | null>();
    const next = new Map<string, StoredMail | null>();
    for (const name of names) {
      if (!name.endsWith(".json")) continue;
      const id = name.slice(0, -".json".length);
      let message = known.get(id);
      if (message === undefined) {
        // Unreadable or invalid files (null) are skipped, like the store's listing does.
        const found = await this.store.find(box, id).catch(() => undefined);
        if (found && found.folder !== "new") continue; // read meanwhile
        message = found ?? null;
      }
      next.set(id, message);
    }
    this.cache.set(box, next);
    return [...next.values()]
      .filter((m): m is StoredMail => m !== null)
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /**
   * Makes `dir` if needed and watches it, again if it was removed and made anew since the
   * last pass (the shared watcher checks the inode).
   */
  private async ensureWatched(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true });
    if (this.disposed) return;
    if (!this.watched.has(dir))
      this.watched.set(
        dir,
        this.watcher.subscribe(dir, () => this.schedule()),
      );
    await this.watcher.refresh(dir);
  }

  private schedule(): void {
    if (this.disposed || this.timer) return;
    // Not reset by later events: a steady stream of mail still gets passes every window.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, this.debounceMs);
  }

  private async run(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = true;
    try {
      do {
        this.rescan = false;
        try {
          await this.pass();
        } catch (error) {
          this.options.onError?.(error);
        }
      } while (this.rescan && !this.disposed);
    } finally {
      this.scanning = false;
      if (!this.timer) this.releaseWaiters();
    }
  }

  /** Reads every mailbox's `new/`, then types notices and reports. */
  private async pass(): Promise<void> {
    if (this.disposed) return;
    await this.ensureWatched(this.store.dir);
    const boxes = await this.store.mailboxes();
    // A mailbox removed by hand leaves a watcher on nothing: drop it (re-made if it returns).
    const wanted = new Set(boxes.map((box) => path.join(this.store.dir, box, "new")));
    for (const [dir, unsubscribe] of this.watched)
      if (dir !== this.store.dir && !wanted.has(dir)) {
        unsubscribe();
        this.watched.delete(dir);
      }
    const unread: Record<string, StoredMail[]> = {};
    for (const box of boxes) {
      const dir = path.join(this.store.dir, box, "new");
      await this.ensureWatched(dir);
      // Listed after the watch is set, so nothing renamed in between is missed.
      unread[box] = await this.readUnread(box, dir);
    }
    for (const box of this.cache.keys()) if (!(box in unread)) this.cache.delete(box);
    if (this.disposed) return;

    const fresh: Array<{ box: string; message: StoredMail }> = [];
    const current = new Set<string>();
    const summaries: Record<string, UnreadSummary> = {};
    for (const [box, messages] of Object.entries(unread)) {
      const newest = messages[0];
      if (newest)
        summaries[box] = {
          count: messages.length,
          newestId: newest.id,
          // Names typed into a pty must be names (a hand-written file can say anything).
          senders: [...new Set(messages.map((m) => m.from))].filter(
            (from) => checkMailboxName(from) === undefined,
          ),
        };
      for (const message of messages) {
        current.add(message.id);
        if (!this.seen.has(message.id)) fresh.push({ box, message });
      }
    }
    // Read messages never come back to new/, so only what is unread now needs remembering.
    this.seen = current;
    this.summaries = summaries;

    this.deliverNotices();
    this.emit(this.started ? fresh : []);
  }

  /**
   * Runs `planNotices` on the latest summaries and types what it says. `changed`/`status`
   * override what `getAgents()` says for one agent (a status change not yet recorded).
   */
  private deliverNotices(changed?: string, status?: AgentStatus): void {
    for (const name of this.awaitingTurn) if (!this.summaries[name]) this.awaitingTurn.delete(name);
    // planNotices types to idle and waiting agents; present exactly the eligible ones as idle.
    const agents = this.options.getAgents().map((agent) => {
      const now = agent.name === changed && status !== undefined ? status : agent.status;
      const eligible = this.noticeStatuses.has(now) && !this.awaitingTurn.has(agent.name);
      return {
        name: agent.name,
        runtime: agent.runtime,
        status: eligible ? ("idle" as const) : ("working" as const),
      };
    });
    const { notices, lastNoticed } = planNotices({
      agents,
      unread: this.summaries,
      lastNoticed: this.lastNoticed,
      templateFor: (runtime) => this.options.profileFor(runtime)?.mailNotice,
    });
    this.lastNoticed = lastNoticed;
    for (const notice of notices) {
      const text = sanitizeLine(notice.text).trim();
      if (!text) continue;
      this.held.delete(notice.agent);
      this.typeNotice(notice.agent, `${text}\r`);
    }
    this.retryHeld(changed, status);
  }

  /** Types one notice; a `held` one is kept for {@link retryHeld}. */
  private typeNotice(name: string, text: string): void {
    let outcome: NoticeOutcome | void;
    try {
      outcome = this.options.typeInto(name, text);
    } catch (error) {
      this.options.onError?.(error);
      return;
    }
    if (outcome === "held") this.held.set(name, text);
    // Typed: its turn is awaited. Never typed: not awaited either, or it would block later
    // notices (a shell gets none typed; the pane title shows its mail).
    else if (outcome !== "never") this.awaitingTurn.add(name);
  }

  /**
   * Tries the held notices again (of agent `only`, else all) and keeps a timer while any
   * is still held. A held notice is dropped once its agent has no unread mail or is gone;
   * it waits while the agent is not in `noticeStatuses`. `status` overrides `getAgents()`
   * for `only`.
   */
  private retryHeld(only?: string, status?: AgentStatus): void {
    if (this.heldTimer) clearTimeout(this.heldTimer);
    this.heldTimer = undefined;
    if (this.disposed || this.held.size === 0) return;
    const statuses = new Map(this.options.getAgents().map((a) => [a.name, a.status]));
    if (only !== undefined && status !== undefined) statuses.set(only, status);
    for (const [name, text] of [...this.held]) {
      const now = statuses.get(name);
      if (now === undefined || !this.summaries[name]) {
        this.held.delete(name);
        continue;
      }
      if (!this.noticeStatuses.has(now) || this.awaitingTurn.has(name)) continue;
      if (only !== undefined && name !== only) continue;
      this.held.delete(name);
      this.typeNotice(name, text);
    }
    if (this.held.size === 0) return;
    this.heldTimer = setTimeout(
      () => this.retryHeld(),
      this.options.heldRetryMs ?? DEFAULT_HELD_RETRY_MS,
    );
    this.heldTimer.unref?.();
  }

  /**
   * Emits a summary when the counts changed, on the first pass, or when `fresh` (messages
   * unread and not seen before) holds something to announce.
   */
  private emit(fresh: ReadonlyArray<{ box: string; message: StoredMail }>): void {
    const unread: Record<string, number> = {};
    for (const agent of this.options.getAgents()) unread[agent.name] = 0;
    for (const [box, summary] of Object.entries(this.summaries))
      if (box !== COCKPIT) unread[box] = summary.count;
    const cockpitUnread = this.summaries[COCKPIT]?.count ?? 0;

    const reactions: MailReaction[] = [];
    const reacted = new Set<string>();
    const forCockpit: StoredMail[] = [];
    const oldestFirst = [...fresh].sort((a, b) => (a.message.id < b.message.id ? -1 : 1));
    for (const { box, message } of oldestFirst) {
      if (box === COCKPIT) forCockpit.push(message);
      const kind = REACTIONS[message.type];
      // One message reaches several mailboxes under one id: react once.
      if (kind && message.from !== COCKPIT && !reacted.has(message.id)) {
        reacted.add(message.id);
        reactions.push({ agent: message.from, kind, id: message.id, type: message.type });
      }
    }
    const pick = forCockpit.filter((m) => m.priority === "urgent").at(-1) ?? forCockpit.at(-1);
    const latest: MailHeadline | undefined = pick && {
      id: pick.id,
      from: sanitizeLine(pick.from),
      subject: sanitizeLine(pick.subject),
      type: pick.type,
      priority: pick.priority,
    };

    const counts = JSON.stringify([Object.entries(unread).sort(), cockpitUnread]);
    const first = this.lastCounts === "";
    if (!first && counts === this.lastCounts && !latest && reactions.length === 0) return;
    this.lastCounts = counts;
    try {
      this.options.notify({ unread, cockpitUnread, ...(latest ? { latest } : {}), reactions });
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  private releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/**
 * Prepares an agent's worktree when it is started: its mail hooks now reach Claude Code
 * through `--settings` (see `runtimes/claude-hooks.ts`), so all that is left to do is to
 * remove the `<worktree>/.claude/settings.local.json` earlier versions wrote there, when it
 * holds nothing but Flotilla's hooks. Returns the removed file's path, else `undefined`.
 */
export async function prepareAgentMail(
  runtime: string,
  profile: RuntimeProfile | undefined,
  worktree: string,
): Promise<string | undefined> {
  const command = profile ? path.basename(profile.command) : undefined;
  if (runtime !== "claude" && command !== "claude") return undefined;
  return removeLegacyClaudeSettings(worktree)
    ? path.join(worktree, ".claude", "settings.local.json")
    : undefined;
}

/**
 * Mail delivery as a hub runner (the hub's first): runs a {@link MailDelivery} on the hub's
 * shared watcher, keeps the last summary for clients that attach later (`replay`), fills
 * each agent's `unread` count, and installs Claude Code's mail hooks before an agent starts.
 */
export class MailRunner implements HubRunner {
  readonly name = "mail";
  private delivery: MailDelivery | undefined;
  /** The last summary (unread counts), without its one-off reactions. */
  private summary: MailSummary = { unread: {}, cockpitUnread: 0, reactions: [] };

  async start(context: HubContext): Promise<void> {
    this.delivery = new MailDelivery({
      project: context.project,
      watcher: context.watcher,
      getAgents: () => context.agents(),
      typeInto: (name, text) => context.typeInto(name, text),
      notify: (summary) => {
        this.summary = { ...summary, reactions: [] };
        context.broadcast({ type: "mail", summary });
      },
      profileFor: (runtime) => context.profileFor(runtime),
      onError: (error) => context.notify(`mail: ${describeError(error)}`),
    });
    await this.delivery.start();
  }

  onAgentStatus(name: string, status: AgentStatus): void {
    this.delivery?.onStatusChange(name, status);
  }

  async prepareAgent(
    agent: { runtime: string; worktree: string },
    profile: RuntimeProfile | undefined,
  ): Promise<void> {
    await prepareAgentMail(agent.runtime, profile, agent.worktree);
  }

  decorateAgent(view: AgentView): AgentView {
    return { ...view, unread: this.summary.unread[view.name] ?? 0 };
  }

  replay(): HubEvent[] {
    return [{ type: "mail", summary: this.summary }];
  }

  dispose(): void {
    this.delivery?.dispose();
  }
}
