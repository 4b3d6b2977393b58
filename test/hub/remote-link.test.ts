import { afterEach, describe, expect, it } from "vitest";
import { FlotillaError } from "../../src/core/errors.js";
import type { HubConnection, HubReply } from "../../src/hub/client.js";
import type { HubCommand, HubEvent } from "../../src/hub/protocol.js";
import { RemoteHub } from "../../src/hub/remote-link.js";
import { waitFor } from "../wait-for.js";

/** A hub connection the test drives: it records commands and answers when told to. */
class FakeConnection implements HubConnection {
  readonly hubPid = 1;
  readonly sent: HubCommand[] = [];
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private readonly waiting: Array<{ command: HubCommand; resolve(reply: HubReply): void }> = [];
  private nextId = 1;

  send(command: HubCommand): void {
    this.sent.push(command);
  }
  request(command: HubCommand): Promise<HubReply> {
    return new Promise((resolve) => this.waiting.push({ command, resolve }));
  }
  onEvent(listener: (event: HubEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  onClose(): () => void {
    return () => undefined;
  }
  shutdownHub(): void {}
  close(): void {}

  /** Events from the hub, in order, to every listener. */
  emit(event: HubEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
  /** The requests not answered yet. */
  pending(type: HubCommand["type"]): HubCommand[] {
    return this.waiting.filter((w) => w.command.type === type).map((w) => w.command);
  }
  /** Answers the oldest pending snapshot request for `name` as the hub does (event + reply). */
  answerSnapshot(name: string, seq: number, data: string, cols = 40, rows = 6): void {
    const index = this.waiting.findIndex(
      (w) => w.command.type === "snapshot" && w.command.name === name,
    );
    const [waiter] = this.waiting.splice(index, 1);
    const snapshot = { type: "snapshot", id: this.nextId++, name, seq, cols, rows, data } as const;
    this.emit(snapshot);
    waiter!.resolve(snapshot);
  }
  /** Answers the oldest pending request with a result. */
  answer(reply: Omit<Extract<HubReply, { type: "result" }>, "type" | "id">): void {
    const waiter = this.waiting.shift()!;
    waiter.resolve({ type: "result", id: this.nextId++, ...reply });
  }
}

const output = (name: string, seq: number, data: string): HubEvent => ({
  type: "output",
  name,
  seq,
  data,
});

async function textOf(remote: RemoteHub, name: string): Promise<string> {
  const screen = remote.get(name);
  if (!screen) return "";
  await screen.flush();
  return screen.text();
}

describe("RemoteHub", () => {
  let remote: RemoteHub | undefined;
  afterEach(() => remote?.dispose());

  it("draws the snapshot, then only the output after the snapshot's seq, in order", async () => {
    const connection = new FakeConnection();
    remote = new RemoteHub(connection, 100);
    const attached = remote.attach(["alice"]);
    expect(connection.pending("snapshot")).toMatchObject([{ name: "alice", scrollback: 0 }]);
    // Output arriving while the snapshot is on its way: seq 4 and 5 are in the snapshot.
    connection.emit(output("alice", 4, "four\r\n"));
    connection.emit(output("alice", 5, "five\r\n"));
    connection.emit(output("alice", 6, "six\r\n"));
    connection.answerSnapshot("alice", 5, "snap\r\n");
    await attached;
    connection.emit(output("alice", 6, "six again\r\n")); // a repeat: dropped
    connection.emit(output("alice", 7, "seven\r\n"));
    const text = await textOf(remote, "alice");
    expect(text.split("\n").map((line) => line.trimEnd())).toEqual(
      expect.arrayContaining(["snap", "six", "seven"]),
    );
    expect(text).not.toContain("four");
    expect(text).not.toContain("five");
    expect(text).not.toContain("again");
    expect(text.indexOf("snap")).toBeLessThan(text.indexOf("six"));
    expect(text.indexOf("six")).toBeLessThan(text.indexOf("seven"));
    expect(remote.get("alice")).toMatchObject({ cols: 40, rows: 6 });
  });

  it("keeps the mirror of a respawned agent and follows its seq onwards", async () => {
    const connection = new FakeConnection();
    remote = new RemoteHub(connection, 100);
    const attached = remote.attach(["bob"]);
    connection.answerSnapshot("bob", 10, "before\r\n");
    await attached;
    connection.emit(output("bob", 11, "last words\r\n"));
    // Respawned: the hub's new session continues bob's seq, and the agent event must not
    // start the mirror over (no second snapshot).
    connection.emit({
      type: "agent",
      agent: {
        name: "bob",
        runtime: "shell",
        worktree: "/tmp/w",
        branch: "flotilla/bob",
        status: "starting",
        createdAt: new Date(0).toISOString(),
      } as Extract<HubEvent, { type: "agent" }>["agent"],
    });
    expect(connection.pending("snapshot")).toHaveLength(0);
    connection.emit(output("bob", 12, "back again\r\n"));
    const text = await textOf(remote, "bob");
    expect(text).toContain("last words");
    expect(text).toContain("back again");
  });

  it("starts a new agent's mirror from a snapshot when the hub announces it", async () => {
    const connection = new FakeConnection();
    remote = new RemoteHub(connection, 100);
    connection.emit(output("carol", 1, "too early\r\n")); // no mirror yet: ignored
    connection.emit({
      type: "agent",
      agent: {
        name: "carol",
        runtime: "shell",
        worktree: "/tmp/c",
        branch: "flotilla/carol",
        status: "starting",
        createdAt: new Date(0).toISOString(),
      } as Extract<HubEvent, { type: "agent" }>["agent"],
    });
    await waitFor(() => connection.pending("snapshot").length === 1);
    connection.answerSnapshot("carol", 1, "hello\r\n");
    connection.emit(output("carol", 2, "world\r\n"));
    const text = await textOf(remote, "carol");
    expect(text).toContain("hello");
    expect(text).toContain("world");
    expect(text).not.toContain("too early");
  });

  it("loads the whole scrollback only when asked, keeping later output", async () => {
    const connection = new FakeConnection();
    remote = new RemoteHub(connection, 500);
    const attached = remote.attach(["dave"]);
    connection.answerSnapshot("dave", 3, "visible\r\n");
    await attached;
    const loading = remote.loadScrollback("dave");
    expect(connection.pending("snapshot")).toMatchObject([{ name: "dave", scrollback: 500 }]);
    connection.emit(output("dave", 4, "during\r\n"));
    connection.answerSnapshot("dave", 3, "history\r\nvisible\r\n");
    await loading;
    const text = await textOf(remote, "dave");
    expect(text).toContain("history");
    expect(text).toContain("during");
  });

  it("rethrows a failed request as a FlotillaError with the hub's code", async () => {
    const connection = new FakeConnection();
    remote = new RemoteHub(connection, 100);
    const request = remote.link.request({ type: "kill", name: "nobody" });
    connection.answer({
      ok: false,
      error: { code: "UNKNOWN_AGENT", message: 'no agent "nobody"' },
    });
    const error = await request.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlotillaError);
    expect(error).toMatchObject({ code: "UNKNOWN_AGENT", message: 'no agent "nobody"' });
  });
});
