import { afterEach, describe, expect, it } from "vitest";
import { MergeQueueStore } from "../../src/merge/queue.js";
import { enqueueOnWorkerDone, VIA_DONE } from "../../src/merge/worker-done.js";
import { MailStore } from "../../src/store/mail-store.js";
import { removeTempRepos } from "../git/temp-repo.js";
import { addAgent, agentWith, makeMergeProject } from "./fixture.js";

afterEach(() => removeTempRepos());

describe("worker_done → the merge queue", () => {
  it("enqueues the sender's branch, with the payload's task", async () => {
    const fx = await makeMergeProject();
    await agentWith(fx, "alice", "a.txt", "a\n");
    const result = await enqueueOnWorkerDone(fx.project, "enqueue", "alice", {
      branch: "flotilla/alice",
      task: "T7",
    });
    expect(result?.kind).toBe("enqueued");
    const [entry] = (await new MergeQueueStore(fx.project).read()).entries;
    expect(entry).toMatchObject({
      agent: "alice",
      branch: "flotilla/alice",
      task: "T7",
      state: "queued",
    });
  });

  it("an agent with no new commits is told so by mail and not enqueued", async () => {
    const fx = await makeMergeProject();
    await addAgent(fx, "bob");
    const result = await enqueueOnWorkerDone(fx.project, "enqueue", "bob", {
      branch: "flotilla/bob",
    });
    expect(result?.kind).toBe("nothing");
    expect((await new MergeQueueStore(fx.project).read()).entries).toEqual([]);
    const [mail] = (await new MailStore(fx.project.paths.mail).list("bob")).messages;
    expect(mail?.subject).toBe("Nothing to merge");
    expect(mail?.body).toContain("has no commits that main does not already have");
  });

  it("leaves the worker_done of flotilla done alone: done enqueues, or a reviewer approves", async () => {
    const fx = await makeMergeProject();
    await agentWith(fx, "alice", "a.txt", "a\n");
    const payload = { branch: "flotilla/alice", task: "T1", via: VIA_DONE };
    expect(await enqueueOnWorkerDone(fx.project, "enqueue", "alice", payload)).toBeUndefined();
    expect((await new MergeQueueStore(fx.project).read()).entries).toEqual([]);
    expect((await new MailStore(fx.project.paths.mail).list("alice")).messages).toEqual([]);
  });

  it("does nothing when merge.onWorkerDone is off", async () => {
    const fx = await makeMergeProject();
    await agentWith(fx, "alice", "a.txt", "a\n");
    expect(await enqueueOnWorkerDone(fx.project, "off", "alice", {})).toBeUndefined();
    expect((await new MergeQueueStore(fx.project).read()).entries).toEqual([]);
  });
});
