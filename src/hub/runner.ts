import type { AgentRecord, AgentStatus, Config, RuntimeProfile } from "../core/schema.js";
import type { Project } from "../store/project.js";
import type { AgentView, HubEvent } from "./protocol.js";
import type { ProjectWatcher } from "./project-watcher.js";
import type { NoticeOutcome } from "./notice-gate.js";

/**
 * What the hub hands every runner at start: the project, the hub's live view of its agents,
 * ways to reach agents and clients, and the one shared watcher of `.flotilla/`. Everything
 * here is safe to call at any time until the runner is disposed.
 */
export interface HubContext {
  readonly project: Project;
  /** The config the hub runs with now (re-read with state.json; do not cache it). */
  config(): Config;
  /** Every agent as clients see it, in creation order, with live status. */
  agents(): readonly AgentView[];
  /** The runtime profile named `runtime` under the current config; `undefined` if unknown. */
  profileFor(runtime: string): RuntimeProfile | undefined;
  /**
   * Types `text` into `name`'s pty, then Enter a moment later (so a TUI that treats a burst
   * of input as a paste still submits it). A trailing `\r` in `text` is dropped. Nothing
   * happens when the hub runs no pane for `name`. Typed only while the runtime itself holds
   * the pty's foreground, never into a shell: the outcome says which (see `noticeGate`).
   */
  typeInto(name: string, text: string): NoticeOutcome | void;
  /** Sends `event` to every attached client. */
  broadcast(event: HubEvent): void;
  /** Shows `text` to every attached client as an error notice (one line). */
  notify(text: string): void;
  /** The hub's one watcher of `.flotilla/` (see `ProjectWatcher`). */
  readonly watcher: ProjectWatcher;
  /**
   * A status `name` reported itself (its CLI's hooks): it outranks the pane's output clock
   * (see `AgentSession.report`). Nothing happens when the hub runs no pane for `name`.
   */
  reportStatus(name: string, status: "working" | "waiting" | "idle"): void;
  /** Queues a change of `name`'s record in state.json, serialized with the hub's own writes. */
  updateAgent(name: string, patch: Partial<Omit<AgentRecord, "name">>): void;
  /**
   * Stops `name`'s process as `flotilla kill` does (hang-up, recorded `exited`; its worktree,
   * branch and task claim stay). Resolves once it is recorded; nothing happens for an agent
   * the hub does not run.
   */
  stopAgent(name: string): Promise<void>;
}

/**
 * A hub runner: one module that lives inside the hub (mail delivery, the merge queue, the
 * task loop, watchers of memory or tasks) and reacts to files and agents. The hub calls:
 *
 * 1. `start(context)` once, in list order, after it adopted the recorded agents and before
 *    it serves clients; the hub waits for it (a runner that rejects stops the hub's start).
 * 2. `onAgentStatus(name, status)` after every status change of an agent the hub runs (its
 *    own record already says `status`, so `context.agents()` agrees).
 * 3. `prepareAgent(agent, profile)` before launching an agent's pty (e.g. to write hooks
 *    into its worktree); a rejection is shown to clients as an error notice, the agent
 *    still starts.
 * 4. `decorateAgent(view)` whenever it builds an `AgentView` for clients, to fill fields the
 *    runner owns (mail fills `unread`). Must be cheap and synchronous.
 * 5. `replay()` when a client lists the agents (a newly attached client): the events that
 *    bring it up to date with this runner (e.g. the last `mail` summary), sent right after
 *    the agent list.
 * 6. `dispose()` once when the hub stops; nothing of the runner may run afterwards.
 *
 * Adding a runner is one module plus one line in `HUB_RUNNERS` (src/hub/runners.ts); the
 * hub itself is not edited. Example, a runner that announces each new file in
 * `.flotilla/inbox-drop/`:
 *
 * ```ts
 * export class DropWatcher implements HubRunner {
 *   readonly name = "drops";
 *   private unsubscribe = (): void => undefined;
 *   async start(context: HubContext): Promise<void> {
 *     this.unsubscribe = context.watcher.subscribe("inbox-drop", (file) => {
 *       if (file) context.broadcast({ type: "notice", level: "info", text: `dropped ${file}` });
 *     });
 *     await context.watcher.refresh("inbox-drop");
 *   }
 *   dispose(): void {
 *     this.unsubscribe();
 *   }
 * }
 * // src/hub/runners.ts
 * export const HUB_RUNNERS = [() => new MailRunner(), () => new DropWatcher()];
 * ```
 */
export interface HubRunner {
  /** Short name used in error notices and logs, e.g. "mail", "merge-queue". */
  readonly name: string;
  start(context: HubContext): Promise<void>;
  onAgentStatus?(name: string, status: AgentStatus): void;
  prepareAgent?(agent: AgentRecord, profile: RuntimeProfile | undefined): Promise<void>;
  decorateAgent?(view: AgentView): AgentView;
  replay?(): HubEvent[];
  dispose(): void;
}

/** Makes a fresh runner; the hub makes one of each per hub (tests make several hubs). */
export type HubRunnerFactory = () => HubRunner;
