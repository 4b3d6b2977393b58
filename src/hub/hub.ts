import type { AgentRecord, AgentStatus, Config } from "../core/schema.js";
import { compilePatterns } from "../core/status.js";
import { FlotillaError, describeError } from "../core/errors.js";
import { buildLaunch, resolveRuntime } from "../runtimes/profiles.js";
import { noticeGate, type NoticeOutcome } from "./notice-gate.js";
import type { Project } from "../store/project.js";
import type { HubBackend } from "./backend.js";
import { assertNothingToLose } from "../git/worktrees.js";
import {
  STOPPED_STATUSES as STOPPED,
  createAgent,
  hangUp,
  inspectAgent,
  markAgent,
  reconcileAgents,
  removeAgent,
  respawnAgent,
  stopAgent,
} from "./lifecycle.js";
import { toWireError, type AgentView, type HubCommand, type HubEvent } from "./protocol.js";
import { AgentSession } from "./session.js";
import { createProjectWatcher, type ProjectWatcher } from "./project-watcher.js";
import { releaseTaskOf } from "./task-release.js";
import type { HubContext, HubRunner, HubRunnerFactory } from "./runner.js";

/** Default pty size, in cells, before any client has laid the pane out. */
const DEFAULT_SIZE = { cols: 80, rows: 24 };

/**
 * The hub: owns every agent's pty and screen model, keeps `.flotilla/state.json` in step
 * with them, and speaks only `HubCommand`/`HubEvent`, so a socket can carry it unchanged.
 *
 * Agents recorded as `starting` (spawned by the CLI, or respawned) are launched by the
 * hub; the hub watches `.flotilla/` so `flotilla spawn` from another terminal shows up live.
 * Everything else that lives in the hub (mail delivery, the merge queue, …) is a
 * `HubRunner` from the list the hub is given.
 */
export class Hub implements HubBackend {
  private readonly sessions = new Map<string, AgentSession>();
  private records = new Map<string, AgentRecord>();
  /** Launches made, by `launchKey`: each spawn or respawn is launched once, however often state.json is re-read. */
  private readonly launched = new Set<string>();
  private readonly listeners = new Set<(event: HubEvent) => void>();
  /** Pane sizes each attached client asked for; the most recently active client's apply. */
  private readonly clientSizes = new Map<string, Map<string, { cols: number; rows: number }>>();
  private activeClient: string | undefined;
  /** The one watcher of `.flotilla/`, shared with every runner. */
  private readonly watcher: ProjectWatcher;
  private unwatchState: (() => void) | undefined;
  private readonly runners: HubRunner[];
  private reloadTimer: NodeJS.Timeout | undefined;
  private reloading: Promise<void> = Promise.resolve();
  private persistChain: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** Runners whose `start` resolved (only these get hooks and `dispose`). */
  private readonly started: HubRunner[] = [];

  /** `runners`: the runner factories to run, in start order (usually `HUB_RUNNERS`). */
  constructor(
    readonly project: Project,
    private config: Config,
    runners: readonly HubRunnerFactory[] = [],
  ) {
    this.watcher = createProjectWatcher(project.paths.dir);
    this.runners = runners.map((make) => make());
  }

  /**
   * Adopts the recorded agents, starts every agent waiting to start, and begins watching
   * the state file. An agent recorded as running belonged to an earlier hub that is gone:
   * its pty died with that hub, so it is `lost` (any process of it still dying is hung up).
   */
  async start(): Promise<void> {
    for (const agent of (await this.project.readState()).agents) {
      // Only the very process the earlier hub launched (pid and start time), never a reused pid.
      if (!STOPPED.includes(agent.status)) hangUp(agent);
    }
    await reconcileAgents(this.project, () => false);
    await this.reload();
    const context = this.runnerContext();
    for (const runner of this.runners) {
      if (this.disposed) return;
      await runner.start(context);
      this.started.push(runner);
    }
    this.unwatchState = this.watcher.subscribe("", (file) => {
      if (file === "state.json") this.scheduleReload();
    });
    // Without a watch (no directory), CLI changes show up on the next command instead.
    await this.watcher.refresh("");
  }

  /** What every runner is handed at start (see `HubContext`). */
  private runnerContext(): HubContext {
    return {
      project: this.project,
      config: () => this.config,
      agents: () => this.agents(),
      profileFor: (runtime) => {
        try {
          return resolveRuntime(this.config, runtime);
        } catch {
          return undefined;
        }
      },
      typeInto: (name, text) => this.typeNotice(name, text),
      broadcast: (event) => this.broadcast(event),
      notify: (text) => this.broadcast({ type: "notice", level: "error", text }),
      watcher: this.watcher,
      reportStatus: (name, status) => this.sessions.get(name)?.report(status),
      updateAgent: (name, patch) => this.persist(name, patch),
      stopAgent: (name) => this.stopForRunner(name),
    };
  }

  /** A runner's stop (see `HubContext.stopAgent`): the process only, no task release. */
  private async stopForRunner(name: string): Promise<void> {
    const session = this.sessions.get(name);
    if (!session?.isRunning) return;
    session.kill();
    await stopAgent(this.project, name);
    await session.exited;
    await this.reload();
  }

  /** Every agent as clients see it, in creation order. */
  agents(): AgentView[] {
    return [...this.records.values()].map((record) => this.view(record));
  }

  /** The live session of `name`, if the hub runs it (for in-process clients and tests). */
  session(name: string): AgentSession | undefined {
    return this.sessions.get(name);
  }

  subscribe(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  handle(command: HubCommand, clientId: string, reply: (event: HubEvent) => void): void {
    const respond = (work: Promise<unknown>): void => {
      const id = "id" in command ? command.id : undefined;
      work.then(
        (value) => id !== undefined && reply({ type: "result", id, ok: true, value }),
        (error: unknown) => {
          if (id !== undefined) reply({ type: "result", id, ok: false, error: toWireError(error) });
          else this.broadcast({ type: "notice", level: "error", text: describeError(error) });
        },
      );
    };
    switch (command.type) {
      case "input":
        this.activate(clientId);
        this.sessions.get(command.name)?.write(command.data);
        return;
      case "resize": {
        let sizes = this.clientSizes.get(clientId);
        const firstLayout = !sizes || sizes.size === 0;
        if (!sizes) this.clientSizes.set(clientId, (sizes = new Map()));
        sizes.set(command.name, { cols: command.cols, rows: command.rows });
        // A client laying out its panes for the first time has just attached: it is the
        // most recently active one, as in tmux.
        if (firstLayout) this.activate(clientId);
        else if (clientId === this.activeClient) this.applySize(command.name);
        return;
      }
      case "list":
        respond(Promise.resolve(this.agents()));
        for (const runner of this.started)
          for (const event of runner.replay?.() ?? []) reply(event);
        return;
      case "spawn":
        respond(this.spawn(command));
        return;
      case "kill":
        respond(this.kill(command.name, command.clean ?? false, command.force ?? false));
        return;
      case "respawn":
        respond(this.respawn(command.name));
        return;
    }
  }

  clientAttached(clientId: string): void {
    if (!this.clientSizes.has(clientId)) this.clientSizes.set(clientId, new Map());
  }

  clientDetached(clientId: string): void {
    this.clientSizes.delete(clientId);
    if (this.activeClient !== clientId) return;
    this.activeClient = undefined;
    const remaining = [...this.clientSizes.entries()].filter(([, sizes]) => sizes.size > 0);
    const last = remaining[remaining.length - 1];
    if (last) this.activate(last[0]);
  }

  /** Makes `clientId` the most recently active client: its pane sizes apply to the ptys. */
  private activate(clientId: string): void {
    // A client with no panes laid out (a CLI command such as `send`) never sets sizes.
    if (this.activeClient === clientId || !this.clientSizes.get(clientId)?.size) return;
    this.activeClient = clientId;
    for (const name of this.clientSizes.get(clientId)?.keys() ?? []) this.applySize(name);
  }

  private sizeFor(name: string): { cols: number; rows: number } | undefined {
    const active = this.activeClient
      ? this.clientSizes.get(this.activeClient)?.get(name)
      : undefined;
    if (active) return active;
    for (const sizes of this.clientSizes.values()) {
      const size = sizes.get(name);
      if (size) return size;
    }
    return undefined;
  }

  private applySize(name: string): void {
    const session = this.sessions.get(name);
    const size = this.sizeFor(name);
    if (!session || !size) return;
    if (session.screen.cols === size.cols && session.screen.rows === size.rows) return;
    session.resize(size.cols, size.rows);
    this.broadcast({ type: "resized", name, cols: size.cols, rows: size.rows });
  }

  /**
   * Types a notice into an agent: the text, then Enter a moment later, so a TUI that
   * treats a burst of input as a paste still submits it.
   */
  private typeNotice(name: string, text: string): NoticeOutcome {
    const session = this.sessions.get(name);
    if (!session) return "never";
    // Only into the runtime itself in the foreground, never a shell or a program it runs.
    const record = this.records.get(name);
    let command = "";
    try {
      command = record ? resolveRuntime(this.config, record.runtime).command : "";
    } catch {
      return "never";
    }
    const outcome = noticeGate({ pid: session.pid, command });
    if (outcome !== "typed") return outcome;
    const line = text.replace(/\r$/, "");
    session.write(line);
    setTimeout(() => session.write("\r"), 50).unref();
    return "typed";
  }

  /** Kills every agent's process and stops watching. */
  dispose(): void {
    this.disposed = true;
    for (const runner of this.started.splice(0).reverse()) {
      try {
        runner.dispose();
      } catch {
        // One runner failing to stop must not keep the others (or the ptys) alive.
      }
    }
    this.unwatchState?.();
    this.watcher.close();
    clearTimeout(this.reloadTimer);
    for (const session of this.sessions.values()) session.dispose();
  }

  /** Waits until queued state writes are on disk (for an orderly exit). */
  async flush(): Promise<void> {
    await this.reloading;
    await this.persistChain;
  }

  /**
   * Orderly stop: hangs up every agent, waits up to `graceMs` for them to exit so their
   * exit is recorded (`exited`, not `lost`), then disposes.
   */
  async shutdown(graceMs = 2000): Promise<void> {
    const running = [...this.sessions.values()].filter((session) => session.isRunning);
    for (const session of running) session.kill();
    const grace = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(running.map((session) => session.exited)), grace]);
    await this.flush();
    this.dispose();
  }

  private async spawn(command: Extract<HubCommand, { type: "spawn" }>): Promise<AgentView> {
    const record = await createAgent(this.project, {
      name: command.name,
      runtime: command.runtime,
      prompt: command.prompt,
      base: command.base,
      role: command.role,
      model: command.model,
      effort: command.effort,
    });
    await this.reload();
    return this.view(this.records.get(record.name) ?? record);
  }

  /**
   * Stops an agent (its worktree and branch stay). With `clean`, also removes its worktree;
   * unless `force`, that is refused before anything is stopped when work would be lost.
   */
  private async kill(name: string, clean: boolean, force: boolean): Promise<void> {
    if (clean && !force) {
      const { record, inspection, target } = await inspectAgent(this.project, name);
      assertNothingToLose(record, inspection, target);
    }
    const released = await releaseTaskOf(this.project, name);
    if (released) this.broadcast({ type: "notice", level: "info", text: released.text });
    const session = this.sessions.get(name);
    session?.kill();
    await stopAgent(this.project, name);
    if (session?.isRunning) await session.exited;
    if (clean) {
      await removeAgent(this.project, name, { clean: true, force });
      session?.dispose();
      this.sessions.delete(name);
    }
    await this.reload();
  }

  private async respawn(name: string): Promise<void> {
    if (this.sessions.get(name)?.isRunning)
      throw new FlotillaError("INVALID_INPUT", `agent "${name}" is still running: kill it first`);
    await respawnAgent(this.project, name);
    await this.reload();
  }

  private scheduleReload(): void {
    if (this.disposed) return;
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.reload(), 30);
  }

  /** Re-reads state.json, starts agents waiting to start, and tells clients what changed. */
  private reload(): Promise<void> {
    this.reloading = this.reloading.then(async () => {
      if (this.disposed) return;
      let state;
      try {
        state = await this.project.readState();
        this.config = await this.project.readConfig();
      } catch (error) {
        this.broadcast({ type: "notice", level: "error", text: describeError(error) });
        return;
      }
      const next = new Map(state.agents.map((agent) => [agent.name, agent]));
      for (const name of this.records.keys()) {
        if (!next.has(name)) {
          this.sessions.get(name)?.dispose();
          this.sessions.delete(name);
          this.broadcast({ type: "removed", name });
        }
      }
      const previous = this.records;
      this.records = next;
      for (const record of next.values()) {
        if (
          record.status === "starting" &&
          !this.sessions.get(record.name)?.isRunning &&
          !this.launched.has(launchKey(record))
        ) {
          this.launch(record);
        }
        const before = previous.get(record.name);
        if (!before || JSON.stringify(before) !== JSON.stringify(record)) {
          this.broadcast({ type: "agent", agent: this.view(record) });
        }
      }
    });
    return this.reloading;
  }

  private launch(record: AgentRecord): void {
    this.launched.add(launchKey(record));
    const previous = this.sessions.get(record.name);
    previous?.dispose();
    let profile;
    let launch;
    try {
      profile = resolveRuntime(this.config, record.runtime);
      launch = buildLaunch(this.project, record, this.config);
    } catch (error) {
      profile = undefined;
      launch = { file: "", args: [], cwd: record.worktree, env: {}, problem: describeError(error) };
    }
    let patterns: RegExp[] = [];
    try {
      patterns = compilePatterns(profile?.waitingPatterns ?? []);
    } catch (error) {
      this.broadcast({ type: "notice", level: "error", text: describeError(error) });
    }
    const name = record.name;
    const session = new AgentSession(
      name,
      this.sizeFor(name) ?? DEFAULT_SIZE,
      this.config.scrollback,
      patterns,
      this.config.idleAfterMs,
      {
        output: (data, seq) => this.broadcast({ type: "output", name, seq, data }),
        status: (status, exitCode) => this.onStatus(name, status, exitCode),
        started: (pid) => this.persist(name, { pid, startedAt: new Date().toISOString() }),
      },
      Date.now,
      previous?.outputSeq ?? 0,
    );
    this.sessions.set(name, session);
    if (!launch.problem) {
      for (const runner of this.started) {
        runner.prepareAgent?.(record, profile).catch((error: unknown) =>
          this.broadcast({
            type: "notice",
            level: "error",
            text: `${runner.name} hook: ${describeError(error)}`,
          }),
        );
      }
    }
    session.start(launch);
    this.project.log("agent.started", {
      agent: name,
      detail: { pid: session.pid, problem: launch.problem },
    });
  }

  private onStatus(name: string, status: AgentStatus, exitCode: number | null | undefined): void {
    const record = this.records.get(name);
    if (record) {
      record.status = status;
      if (status === "exited") record.exitCode = exitCode ?? null;
    }
    this.broadcast({ type: "status", name, status, exitCode });
    for (const runner of this.started) runner.onAgentStatus?.(name, status);
    if (status === "exited") {
      this.project.log("agent.exited", { agent: name, detail: { exitCode } });
      this.persist(name, { status, exitCode: exitCode ?? null, endedAt: new Date().toISOString() });
    } else {
      this.persist(name, { status });
    }
  }

  /** Queues a state write for `name` (serialized, so writes never race each other). */
  private persist(name: string, patch: Partial<AgentRecord>): void {
    const record = this.records.get(name);
    if (record) Object.assign(record, patch);
    this.persistChain = this.persistChain
      .then(() => markAgent(this.project, name, patch))
      .catch((error: unknown) => {
        this.broadcast({ type: "notice", level: "error", text: describeError(error) });
      });
  }

  private view(record: AgentRecord): AgentView {
    const session = this.sessions.get(record.name);
    let view: AgentView = session
      ? { ...record, status: session.currentStatus, pid: session.pid ?? record.pid }
      : { ...record };
    for (const runner of this.started) view = runner.decorateAgent?.(view) ?? view;
    return view;
  }

  private broadcast(event: HubEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

/**
 * Builds and starts the hub for `project` with `runners` (the composition roots pass
 * `HUB_RUNNERS`; tests may pass fewer).
 */
/** What identifies one launch of an agent: its launchId (records of older versions: name and creation time). */
function launchKey(record: AgentRecord): string {
  return record.launchId ?? `${record.name}@${record.createdAt}`;
}

export async function createHub(
  project: Project,
  runners: readonly HubRunnerFactory[] = [],
): Promise<Hub> {
  const hub = new Hub(project, await project.readConfig(), runners);
  await hub.start();
  return hub;
}
