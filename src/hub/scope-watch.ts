import { describeError } from "../core/errors.js";
import { isIgnoredPath, parseStatusZ } from "../core/git-status.js";
import { isLive } from "../core/mail.js";
import { filesOutsideScope } from "../core/merge-queue.js";
import { sanitizeLine } from "../core/sanitize.js";
import type { AgentStatus } from "../core/schema.js";
import { inScope } from "../core/scope.js";
import { tryGit } from "../merge/git.js";
import type { AgentView } from "./protocol.js";
import type { HubContext, HubRunner } from "./runner.js";
import { createTreeWatch, type TreeWatch } from "./tree-watch.js";

/**
 * The live out-of-scope watcher (issue 12 item 5), for every runtime, as a hub runner: while
 * an agent with a declared scope runs, the files changed in its worktree (tracked changes,
 * new untracked files, and what its branch's commits changed since it left the target) are
 * matched against its scope with the merge queue's matcher (`filesOutsideScope` + picomatch,
 * `core/scope.ts`). The count of files outside it is put in the agent's pane title
 * (`AgentView.outOfScope`: `⚠ 2 out of scope`) and goes when they are back in scope (or
 * gone); each file that newly falls outside gets one `scope.outside` event in events.jsonl and
 * is named in a notice to clients.
 *
 * Cost, with many agents: one `fs.watch` per directory git does not ignore (see
 * `tree-watch.ts`) plus one on the worktree's git directory (commits, `git add`), and no git
 * call and no timer while nothing changes. A change starts one scan `debounceMs` later (two
 * git calls: `status`, `diff`), at most {@link MAX_PARALLEL_SCANS} agents at a time. Where a
 * watch cannot be set (out of inotify watches), that agent is scanned every `pollMs` instead.
 */

/** Agents scanned at once, across the hub (each scan runs two git processes). */
export const MAX_PARALLEL_SCANS = 2;

/** Options of {@link ScopeWatchRunner}; times in ms. */
export interface ScopeWatchOptions {
  /** Wait after the first change before scanning, so a burst of writes costs one scan. */
  debounceMs?: number;
  /** The fallback poll's period, for an agent whose worktree cannot be watched. */
  pollMs?: number;
}

interface Watched {
  name: string;
  worktree: string;
  base: string;
  tree: TreeWatch | undefined;
  gitWatch: TreeWatch | undefined;
  poll: NodeJS.Timeout | undefined;
  timer: NodeJS.Timeout | undefined;
  scanning: boolean;
  again: boolean;
  /** Paths that changed since the last scan (for new directories to watch). */
  pending: Set<string>;
  ignored: Set<string>;
  /** Files outside the scope at the last scan. */
  outside: Set<string>;
  /** Its watches are set (or it polls). */
  ready: boolean;
  stopped: boolean;
}

/** The runner (see the module comment). */
export class ScopeWatchRunner implements HubRunner {
  readonly name = "scope-watch";
  private context: HubContext | undefined;
  private readonly watched = new Map<string, Watched>();
  /** Files outside scope per agent, kept after the agent stops (its branch still has them). */
  private readonly counts = new Map<string, number>();
  private readonly debounceMs: number;
  private readonly pollMs: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private disposed = false;
  /** Scans started (tests and measurements). */
  scans = 0;

  constructor(options: ScopeWatchOptions = {}) {
    this.debounceMs = options.debounceMs ?? 300;
    this.pollMs = options.pollMs ?? 5000;
  }

  async start(context: HubContext): Promise<void> {
    this.context = context;
    // Not awaited: the hub serves clients while the worktrees are walked and scanned.
    for (const agent of context.agents()) this.consider(agent.name, agent.status);
  }

  onAgentStatus(name: string, status: AgentStatus): void {
    this.consider(name, status);
  }

  decorateAgent(view: AgentView): AgentView {
    const count = this.counts.get(view.name);
    return count ? { ...view, outOfScope: count } : view;
  }

  /** Resolves once every watched agent's watches are set and no scan waits or runs (tests). */
  async settled(): Promise<void> {
    for (;;) {
      const busy = [...this.watched.values()].some(
        (w) => !w.ready || w.scanning || w.timer !== undefined,
      );
      if (!busy) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Directories watched now, across every agent (measurements). */
  get watchCount(): number {
    let n = 0;
    for (const w of this.watched.values()) n += (w.tree?.size ?? 0) + (w.gitWatch?.size ?? 0);
    return n;
  }

  dispose(): void {
    this.disposed = true;
    for (const w of this.watched.values()) this.stop(w);
    this.watched.clear();
  }

  private agent(name: string): AgentView | undefined {
    return this.context?.agents().find((a) => a.name === name);
  }

  /** Starts watching a live agent with a scope; stops watching one that stopped. */
  private consider(name: string, status: AgentStatus): void {
    if (this.disposed) return;
    const current = this.watched.get(name);
    if (!isLive(status)) {
      if (current) {
        this.stop(current);
        this.watched.delete(name);
      }
      return;
    }
    if (current) return;
    const agent = this.agent(name);
    if (!agent || (agent.scope ?? []).length === 0) return;
    const w: Watched = {
      name,
      worktree: agent.worktree,
      base: agent.base,
      tree: undefined,
      gitWatch: undefined,
      poll: undefined,
      timer: undefined,
      scanning: false,
      again: false,
      pending: new Set(),
      ignored: new Set(),
      outside: new Set(),
      ready: false,
      stopped: false,
    };
    this.watched.set(name, w);
    void this.begin(w);
  }

  /** The first scan (it says what is ignored), then the watches. */
  private async begin(w: Watched): Promise<void> {
    await this.scan(w);
    if (w.stopped) return;
    try {
      const tree = createTreeWatch(w.worktree, {
        skip: (dir) => isIgnoredPath(dir, w.ignored),
        onEvent: (file) => this.changed(w, file),
      });
      w.tree = tree;
      await tree.start();
      const gitDir = await tryGit(w.worktree, ["rev-parse", "--absolute-git-dir"]);
      if (gitDir.code === 0 && !w.stopped) {
        // HEAD, index (git add, commit) and the reflog live here; lock files come and go.
        const gitWatch = createTreeWatch(gitDir.stdout.trim(), {
          skip: (dir) => dir !== "logs",
          onEvent: (file) => {
            if (file === null || !file.endsWith(".lock")) this.schedule(w);
          },
        });
        w.gitWatch = gitWatch;
        await gitWatch.start();
      }
    } catch (error) {
      if (w.stopped) return;
      w.tree?.close();
      w.gitWatch?.close();
      w.tree = w.gitWatch = undefined;
      this.context?.notify(
        `scope watch: cannot watch ${w.name}'s worktree (${describeError(error)}); checking it every ${Math.round(this.pollMs / 1000)} s instead`,
      );
      w.poll = setInterval(() => this.schedule(w), this.pollMs);
      w.poll.unref?.();
    }
    w.ready = true;
    // A change between the first scan and the watches being set.
    this.schedule(w);
  }

  private changed(w: Watched, file: string | null): void {
    if (file !== null) {
      // Ignored files (build output, logs) change nothing git would report.
      if (isIgnoredPath(file, w.ignored)) return;
      w.pending.add(file);
    }
    this.schedule(w);
  }

  private schedule(w: Watched): void {
    if (w.stopped || this.disposed) return;
    if (w.scanning) {
      w.again = true;
      return;
    }
    if (w.timer) return;
    w.timer = setTimeout(() => {
      w.timer = undefined;
      void this.scan(w);
    }, this.debounceMs);
    w.timer.unref?.();
  }

  private async scan(w: Watched): Promise<void> {
    if (w.stopped || this.disposed) return;
    w.scanning = true;
    await this.slot();
    try {
      do {
        w.again = false;
        const pending = [...w.pending];
        w.pending.clear();
        await this.scanOnce(w);
        if (w.tree && pending.length > 0 && !w.stopped) {
          // Directories that appeared: watched now, and scanned again in case files were
          // written in them before their watch was set.
          if ((await w.tree.discover(pending)) > 0) w.again = true;
        }
      } while (w.again && !w.stopped && !this.disposed);
    } catch (error) {
      if (!w.stopped) this.context?.notify(`scope watch: ${w.name}: ${describeError(error)}`);
    } finally {
      this.release();
      w.scanning = false;
    }
  }

  private async scanOnce(w: Watched): Promise<void> {
    const agent = this.agent(w.name);
    if (!agent) {
      // Removed: its worktree is gone with it.
      this.stop(w);
      this.watched.delete(w.name);
      this.counts.delete(w.name);
      return;
    }
    this.scans += 1;
    const status = await tryGit(
      w.worktree,
      ["status", "--porcelain", "-z", "--untracked-files=all", "--ignored=matching"],
      { env: { GIT_OPTIONAL_LOCKS: "0" } },
    );
    if (status.code !== 0) return; // the worktree is being removed; its watch breaks soon
    const { changed, ignored } = parseStatusZ(status.stdout);
    w.ignored = new Set(ignored);
    const target = this.context!.config().targetBranch;
    let diff = await tryGit(w.worktree, [
      "diff",
      "--name-only",
      "-z",
      "--no-renames",
      `refs/heads/${target}...HEAD`,
      "--",
    ]);
    if (diff.code !== 0)
      diff = await tryGit(w.worktree, [
        "diff",
        "--name-only",
        "-z",
        "--no-renames",
        `${w.base}...HEAD`,
        "--",
      ]);
    const committed = diff.code === 0 ? diff.stdout.split("\0").filter((f) => f.length > 0) : [];
    const scope = agent.scope ?? [];
    const outside = new Set(
      filesOutsideScope([...new Set([...changed, ...committed])], scope, inScope),
    );
    const fresh = [...outside].filter((f) => !w.outside.has(f)).sort();
    w.outside = outside;
    for (const file of fresh)
      this.context!.project.log("scope.outside", { agent: w.name, detail: { file, scope } });
    if (fresh.length > 0) {
      const shown = fresh.slice(0, 3).map(sanitizeLine).join(", ");
      this.context!.broadcast({
        type: "notice",
        level: "error",
        text: `⚠ ${w.name} changed ${shown}${fresh.length > 3 ? ` and ${fresh.length - 3} more` : ""} outside its scope (${scope.map(sanitizeLine).join(", ")})`,
      });
    }
    if ((this.counts.get(w.name) ?? 0) !== outside.size) {
      if (outside.size === 0) this.counts.delete(w.name);
      else this.counts.set(w.name, outside.size);
      const view = this.agent(w.name);
      if (view) this.context!.broadcast({ type: "agent", agent: this.decorateAgent(view) });
    }
  }

  private stop(w: Watched): void {
    w.stopped = true;
    clearTimeout(w.timer);
    w.timer = undefined;
    clearInterval(w.poll);
    w.tree?.close();
    w.gitWatch?.close();
  }

  private async slot(): Promise<void> {
    if (this.running < MAX_PARALLEL_SCANS) {
      this.running += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}
