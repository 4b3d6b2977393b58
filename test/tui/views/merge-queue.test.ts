import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AgentView } from "../../../src/hub/protocol.js";
import { MergeQueueStore } from "../../../src/merge/queue.js";
import { runQueue } from "../../../src/merge/run.js";
import { readLog, readSnapshot } from "../../../src/merge/snapshot.js";
import type { MergeQueueSource } from "../../../src/tui/views/merge-queue.js";
import { removeTempRepos } from "../../git/temp-repo.js";
import { agentWith, gateScript, makeMergeProject, type MergeFixture } from "../../merge/fixture.js";
import { PREFIX, startCockpit as startRig } from "../cockpit-rig.js";

const COLS = 140;
const ROWS = 40;

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

/** The shared rig at 140×40 over the fixture's agents, with the view's source on its queue. */
async function startCockpit(fx: MergeFixture) {
  const agents = (await fx.project.readState()).agents.map((a) => ({ ...a }) as AgentView);
  const rig = await startRig(agents, {
    cols: COLS,
    rows: ROWS,
    screenSize: { cols: 60, rows: 30, scrollback: 10 },
    options: { services: { mergeQueue: source(fx) } },
  });
  /** Waits for `check` on the screen, poking the view with a hub event between tries. */
  let revision = 0;
  const poke = () => rig.hub.emit({ type: "merge", revision: ++revision }); // as the runner does
  const until = (check: (t: string) => boolean, what: string) => rig.until(check, what, { poke });
  return { ...rig, until };
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
