import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { HubLink, PaneScreens } from "../../../src/hub/link.js";
import type { AgentView, HubCommand, HubEvent } from "../../../src/hub/protocol.js";
import { MergeQueueStore } from "../../../src/merge/queue.js";
import { runQueue } from "../../../src/merge/run.js";
import { readLog, readSnapshot } from "../../../src/merge/snapshot.js";
import { PaneScreen } from "../../../src/terminal/pane-screen.js";
import { Cockpit } from "../../../src/tui/cockpit.js";
import type { MergeQueueSource } from "../../../src/tui/views/merge-queue.js";
import { removeTempRepos } from "../../git/temp-repo.js";
import { agentWith, gateScript, makeMergeProject, type MergeFixture } from "../../merge/fixture.js";
import { XtermSink } from "../../terminal/helpers.js";

const PREFIX = "\x02";
const COLS = 140;
const ROWS = 40;

/** A hub that answers `list` with its agents and can emit events (what the runner sends). */
class FakeHub implements HubLink {
  private listeners = new Set<(event: HubEvent) => void>();
  constructor(readonly agents: AgentView[]) {}
  send(): void {}
  request(command: HubCommand): Promise<unknown> {
    return Promise.resolve(command.type === "list" ? this.agents : null);
  }
  onEvent(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(event: HubEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

class Screens implements PaneScreens {
  readonly map = new Map<string, PaneScreen>();
  constructor(names: string[]) {
    for (const name of names)
      this.map.set(name, new PaneScreen({ cols: 60, rows: 30, scrollback: 10 }));
  }
  get(name: string): PaneScreen | undefined {
    return this.map.get(name);
  }
  whenParsed(name: string, done: () => void): void {
    const screen = this.map.get(name);
    if (screen) screen.whenParsed(done);
    else done();
  }
  dispose(): void {
    for (const screen of this.map.values()) screen.dispose();
  }
}

/** The source run-cockpit.ts gives the view, over the fixture's real queue. */
function source(fx: MergeFixture): MergeQueueSource {
  const store = new MergeQueueStore(fx.project);
  return {
    read: () => readSnapshot(store),
    log: (id) => readLog(store, id),
    act: async (id, action) => {
      if (action === "up" || action === "down") {
        await store.move(id, action === "up" ? -1 : 1);
        return `moved ${id}`;
      }
      return `${action} ${id}: now ${(await store[action](id)).state}`;
    },
  };
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const clean of cleanups.splice(0)) clean();
  removeTempRepos();
});

async function startCockpit(fx: MergeFixture) {
  const agents = (await fx.project.readState()).agents.map((a) => ({ ...a }) as AgentView);
  const hub = new FakeHub(agents);
  const screens = new Screens(agents.map((a) => a.name));
  const sink = new XtermSink(COLS, ROWS);
  const cockpit = new Cockpit(
    { write: (data) => sink.write(data), size: () => ({ cols: COLS, rows: ROWS }) },
    hub,
    screens,
    {
      prefix: PREFIX,
      title: "flotilla · test",
      runtimes: ["shell"],
      onQuit: () => undefined,
      services: { mergeQueue: source(fx) },
    },
  );
  await cockpit.start();
  cleanups.push(() => {
    cockpit.close();
    screens.dispose();
  });
  cleanups.push(() => sink.screen.dispose());
  const text = async (): Promise<string> => {
    cockpit.renderNow();
    const grid = await sink.grid();
    const lines: string[] = [];
    for (let y = 0; y < grid.rows; y++) {
      let line = "";
      for (let x = 0; x < grid.cols; x++) line += grid.get(x, y).ch || " ";
      lines.push(line);
    }
    return lines.join("\n");
  };
  /** Waits for `check` on the screen, poking the view with a hub event between tries. */
  let revision = 0;
  const until = async (check: (t: string) => boolean, what: string): Promise<string> => {
    const end = Date.now() + 20_000;
    for (;;) {
      const t = await text();
      if (check(t)) return t;
      if (Date.now() > end) throw new Error(`never saw ${what}; screen:\n${t}`);
      hub.emit({ type: "merge", revision: ++revision }); // as the runner does
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { cockpit, hub, text, until };
}

describe("the merge queue view (prefix g)", () => {
  it("lists entries by state, shows the running gate live, and retries and drops entries", async () => {
    const fx = await makeMergeProject({ merge: { batch: 1 } });
    const release = path.join(fx.gates, "release");
    const gate = gateScript(
      fx,
      "slow",
      `echo "checking the merged tree"; while [ ! -e '${release}' ]; do sleep 0.05; done; echo "all good"`,
    );
    await fx.project.configDoc.update((c) => {
      c.gates = [{ name: "slow", command: gate, timeoutMs: 60_000 }];
    });
    await agentWith(fx, "alice", "a.txt", "a\n");
    await agentWith(fx, "bob", "b.txt", "b\n");
    const store = new MergeQueueStore(fx.project);
    await store.enqueue("alice");
    await store.enqueue("bob");
    const rig = await startCockpit(fx);
    rig.cockpit.input(PREFIX + "g");
    let screen = await rig.until((t) => t.includes("Merge queue"), "the view");
    expect(screen).toMatch(/m1\s+queued\s+alice\s+flotilla\/alice\s+1 file/);
    expect(screen).toMatch(/m2\s+queued\s+bob/);

    const run = runQueue(fx.project);
    cleanups.push(() => writeFileSync(release, ""));
    screen = await rig.until(
      (t) => /gate slow \d+ s/.test(t) && t.includes("checking the merged tree"),
      "the running gate with its output",
    );
    expect(screen).toMatch(/m1\s+gating\s+alice/);
    // Drop bob while alice gates: he never lands.
    rig.cockpit.input("j");
    rig.cockpit.input("d");
    await rig.until((t) => /m2\s+dropped/.test(t), "m2 dropped");
    writeFileSync(release, "");
    await run;
    screen = await rig.until((t) => /m1\s+merged\s+alice/.test(t), "m1 merged");
    expect((await store.get("m2")).state).toBe("dropped");
    // The hub's runner puts the entry's state in alice's pane title.
    rig.hub.emit({ type: "agent", agent: { ...rig.hub.agents[0]!, merge: "merge: merged" } });
    await rig.until(
      (t) => /alice · shell · flotilla\/alice · \w+ · merge: merged/.test(t),
      "the title badge",
    );
    // Retry bob: back in the queue.
    const rows = screen.split("\n");
    expect(rows.some((r) => r.includes("▸") && r.includes("m2"))).toBe(true);
    rig.cockpit.input("r");
    await rig.until((t) => /m2\s+queued\s+bob/.test(t), "m2 queued again");
    expect((await store.get("m2")).state).toBe("queued");
    // Waiting entries are listed above landed ones: m1 is now below m2. Enter opens its
    // log; q goes back; q closes.
    screen = await rig.text();
    expect(screen.indexOf("m2 ")).toBeLessThan(screen.indexOf("m1 "));
    rig.cockpit.input("j");
    rig.cockpit.input("\r");
    screen = await rig.until((t) => t.includes("m1 log"), "m1's log");
    expect(screen).toContain("all good");
    rig.cockpit.input("q");
    await rig.until((t) => t.includes("Merge queue") && !t.includes("m1 log"), "the list again");
    rig.cockpit.input("q");
    await rig.until((t) => !t.includes("Merge queue"), "the view closed");
    expect(existsSync(release)).toBe(true);
  }, 120_000);
});
