import { afterEach, describe, expect, it } from "vitest";
import { MergeQueueRunner } from "../../src/hub/merge-queue-runner.js";
import { createProjectWatcher } from "../../src/hub/project-watcher.js";
import type { AgentView, HubEvent } from "../../src/hub/protocol.js";
import type { HubContext } from "../../src/hub/runner.js";
import { MergeQueueStore } from "../../src/merge/queue.js";
import { sendMail } from "../../src/store/mail-store.js";
import { git, removeTempRepos } from "../git/temp-repo.js";
import { addAgent, agentWith, makeMergeProject, type MergeFixture } from "../merge/fixture.js";

const runners: MergeQueueRunner[] = [];
afterEach(async () => {
  for (const runner of runners.splice(0)) runner.dispose();
  removeTempRepos();
});

/** A hub context over the real project and the real shared watcher; events are recorded. */
async function start(fx: MergeFixture) {
  const events: HubEvent[] = [];
  const notices: string[] = [];
  const watcher = createProjectWatcher(fx.project.paths.dir);
  const agents = async (): Promise<AgentView[]> =>
    (await fx.project.readState()).agents.map((a) => ({ ...a }));
  let current = await agents();
  const config = await fx.project.readConfig();
  const context: HubContext = {
    project: fx.project,
    config: () => config,
    agents: () => current,
    profileFor: () => undefined,
    typeInto: () => undefined,
    broadcast: (event) => events.push(event),
    notify: (text) => notices.push(text),
    reportStatus: () => undefined,
    updateAgent: () => undefined,
    stopAgent: () => Promise.resolve(),
    watcher,
  };
  const runner = new MergeQueueRunner();
  runners.push(runner);
  await runner.start(context);
  return {
    runner,
    events,
    notices,
    refreshAgents: async () => {
      current = await agents();
    },
    close: () => watcher.close(),
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the merge-queue hub runner", () => {
  it("enqueues on worker_done, lands the branch by itself, and says so in the agent's pane title", async () => {
    const fx = await makeMergeProject({ gates: [{ name: "true", command: "true" }] });
    await agentWith(fx, "alice", "a.txt", "a\n");
    const hub = await start(fx);
    try {
      await sendMail(fx.project, {
        from: "alice",
        to: "cockpit",
        subject: "done",
        body: "a.txt is in",
        type: "worker_done",
        payload: { branch: "flotilla/alice", files: ["a.txt"] },
      });
      const store = new MergeQueueStore(fx.project);
      await waitFor(
        async () => (await store.read()).entries[0]?.state === "merged",
        "alice to land",
      );
      expect(git(fx.root, "show", "main:a.txt")).toBe("a");
      await waitFor(
        () =>
          hub.events.some(
            (e) =>
              e.type === "agent" && e.agent.name === "alice" && e.agent.merge === "merge: merged",
          ),
        "alice's title to say merged",
      );
      expect(hub.events.some((e) => e.type === "merge")).toBe(true);
      const view = hub.runner.decorateAgent({ ...(await fx.project.readState()).agents[0]! });
      expect(view.merge).toBe("merge: merged");
    } finally {
      hub.close();
    }
  });

  it("answers a worker_done with nothing to merge by mail, and enqueues nothing", async () => {
    const fx = await makeMergeProject();
    await addAgent(fx, "bob");
    const hub = await start(fx);
    try {
      await sendMail(fx.project, {
        from: "bob",
        to: "cockpit",
        subject: "done",
        body: "nothing really",
        type: "worker_done",
        payload: { branch: "flotilla/bob" },
      });
      const { MailStore } = await import("../../src/store/mail-store.js");
      const inbox = new MailStore(fx.project.paths.mail);
      await waitFor(
        async () =>
          (await inbox.list("bob")).messages.some((m) => m.subject === "Nothing to merge"),
        "bob to be told",
      );
      expect((await new MergeQueueStore(fx.project).read()).entries).toEqual([]);
    } finally {
      hub.close();
    }
  });
});
