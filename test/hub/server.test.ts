import { spawnSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectHub, type HubConnection } from "../../src/hub/client.js";
import type { HubEvent } from "../../src/hub/protocol.js";
import { startHubServer, type HubServer, type HubServerOptions } from "../../src/hub/server.js";
import { FakeBackend, RawClient, waitUntil } from "./fake-backend.js";
import { PROTOCOL_VERSION } from "../../src/hub/wire.js";
import { makeTempDir } from "../git/temp-repo.js";

let dir: string;
let socketPath: string;
const servers: HubServer[] = [];
const connections: HubConnection[] = [];
const raws: RawClient[] = [];

beforeEach(() => {
  dir = makeTempDir("flotilla-server-");
  socketPath = path.join(dir, "run", "hub.sock");
});

afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  for (const raw of raws.splice(0)) raw.socket.destroy();
  for (const server of servers.splice(0)) await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serve(
  backend = new FakeBackend(),
  extra: Partial<HubServerOptions> = {},
): Promise<{ backend: FakeBackend; server: HubServer; lines: string[] }> {
  const lines: string[] = [];
  const server = await startHubServer({ socketPath, backend, log: (l) => lines.push(l), ...extra });
  servers.push(server);
  return { backend, server, lines };
}

async function connect(): Promise<HubConnection> {
  const connection = await connectHub(socketPath, { cols: 120, rows: 40, client: "test" });
  connections.push(connection);
  return connection;
}

async function raw(): Promise<RawClient> {
  const client = new RawClient(socketPath);
  raws.push(client);
  await client.connected();
  return client;
}

/** A raw client sends `bytes` after hello; it must get an error frame and be closed, while `other` still works. */
async function expectOnlyThatConnectionClosed(
  send: (client: RawClient) => void,
  error: RegExp,
): Promise<void> {
  const { server } = await serve();
  const other = await connect();
  const bad = await raw();
  send(bad);
  await waitUntil(() => bad.closed, "the bad connection to close");
  const errors = bad.messages<{ message: string }>("error");
  expect(errors).toHaveLength(1);
  expect(errors[0]?.message).toMatch(error);
  const answer = await other.request({ type: "list" });
  expect(answer).toMatchObject({ type: "result", ok: true });
  expect(server.clientCount()).toBe(1);
}

describe("hub server", () => {
  it("welcomes a client, passes its size to the backend and answers its requests", async () => {
    const { backend } = await serve();
    const connection = await connect();
    expect(connection.hubPid).toBe(process.pid);
    expect([...backend.attached.values()]).toEqual([{ cols: 120, rows: 40 }]);
    const answer = await connection.request({ type: "snapshot", name: "alpha" });
    expect(answer).toMatchObject({ type: "snapshot", name: "alpha", data: "screen of alpha" });
    connection.send({ type: "input", name: "alpha", data: "ls\r" });
    await waitUntil(() => backend.commands.some((c) => c.command.type === "input"), "input");
    expect(backend.commands.at(-1)?.command).toEqual({
      type: "input",
      name: "alpha",
      data: "ls\r",
    });
  });

  it("broadcasts events to every client", async () => {
    const { backend } = await serve();
    const a = await connect();
    const b = await connect();
    const seen: HubEvent[][] = [[], []];
    a.onEvent((e) => seen[0]?.push(e));
    b.onEvent((e) => seen[1]?.push(e));
    backend.emit({ type: "notice", level: "info", text: "hello all" });
    await waitUntil(
      () => seen.every((list) => list.length === 1),
      "both clients to get the notice",
    );
    expect(seen[1]).toEqual([{ type: "notice", level: "info", text: "hello all" }]);
  });

  it("tells the backend when a client goes away", async () => {
    const { backend, server } = await serve();
    const connection = await connect();
    connection.close();
    await waitUntil(() => backend.detached.length === 1, "clientDetached");
    expect(server.clientCount()).toBe(0);
  });

  it("puts the socket, mode 0600, in a directory only the user can enter", async () => {
    await serve();
    expect(statSync(socketPath).isSocket()).toBe(true);
    expect(statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o700);
  });

  it("refuses to start a second server on a socket that answers", async () => {
    await serve();
    const first = await connect();
    await expect(serve()).rejects.toThrow(/a hub is already running for this project/);
    expect(await first.request({ type: "list" })).toMatchObject({ ok: true });
  });

  it("replaces a socket file nobody listens on (its server was SIGKILLed)", async () => {
    const script = `require("node:fs").mkdirSync(${JSON.stringify(path.dirname(socketPath))},{recursive:true});
      require("node:net").createServer().listen(${JSON.stringify(socketPath)}, () => process.kill(process.pid, "SIGKILL"));`;
    spawnSync(process.execPath, ["-e", script]);
    expect(statSync(socketPath).isSocket()).toBe(true);
    const { lines } = await serve();
    expect(lines).toContain(`removing stale socket ${socketPath}`);
    expect(await (await connect()).request({ type: "list" })).toMatchObject({ ok: true });
  });

  it("closes a client of another protocol version with a clear error, others keep working", async () => {
    await serve();
    const current = await connect();
    const other = PROTOCOL_VERSION + 1;
    await expect(connectHub(socketPath, { cols: 80, rows: 24, protocol: other })).rejects.toThrow(
      `hub speaks protocol ${PROTOCOL_VERSION}, client ${other}: restart the hub with \`flotilla hub stop\` (its agents stop; worktrees and branches stay) and run flotilla again`,
    );
    const old = await raw();
    old.sendHello(other);
    await waitUntil(() => old.closed, "the mismatched connection to close");
    expect(old.messages("welcome")).toEqual([]);
    expect(await current.request({ type: "list" })).toMatchObject({ ok: true });
  });

  it("closes only the connection that sends a 1 GiB length prefix", async () => {
    await expectOnlyThatConnectionClosed((bad) => {
      bad.sendHello();
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(1024 * 1024 * 1024, 0);
      bad.socket.write(prefix);
    }, /frame length 1073741824 exceeds/);
  });

  it("closes only the connection that sends garbage bytes", async () => {
    await expectOnlyThatConnectionClosed((bad) => {
      bad.socket.write(Buffer.from([0, 0, 0, 3, 0xff, 0xfe, 0xfd]));
    }, /not UTF-8 JSON/);
  });

  it("closes only the connection that sends an invalid command", async () => {
    await expectOnlyThatConnectionClosed((bad) => {
      bad.sendHello();
      bad.sendFrame({ type: "command", command: { type: "spawn", name: 42 } });
    }, /invalid message at command/);
  });

  it("closes a connection whose first message is not hello", async () => {
    await expectOnlyThatConnectionClosed((bad) => {
      bad.sendFrame({ type: "command", command: { type: "list", id: 1 } });
    }, /expected hello/);
  });

  it("survives a client that sends half a frame and hangs up", async () => {
    const { server, lines } = await serve();
    const other = await connect();
    const bad = await raw();
    bad.sendHello();
    bad.socket.end(Buffer.from([0, 0, 0, 100, 123]));
    await waitUntil(() => bad.closed, "the half-frame connection to close");
    await waitUntil(() => lines.some((l) => l.includes("ended inside a frame")), "the log line");
    expect(await other.request({ type: "list" })).toMatchObject({ ok: true });
    expect(server.clientCount()).toBe(1);
  });

  it("refuses shutdown when the host did not allow it, and runs onShutdown when it did", async () => {
    let asked = "";
    await serve(new FakeBackend(), { onShutdown: (id) => (asked = id) });
    const connection = await connect();
    connection.shutdownHub();
    await waitUntil(() => asked !== "", "onShutdown");
    expect(asked).toMatch(/^c\d+$/);
  });

  it("keeps a slow client from blocking others, then sends it a snapshot instead of the missed output", async () => {
    const { backend, lines } = await serve(new FakeBackend(), { slowClientBytes: 64 * 1024 });
    const fast = await connect();
    const fastOutputs: number[] = [];
    fast.onEvent((e) => e.type === "output" && fastOutputs.push(e.seq));
    const slow = await raw();
    slow.sendHello();
    await waitUntil(() => slow.messages("welcome").length === 1, "welcome");
    slow.socket.pause(); // stops reading: the kernel buffer fills, then the hub's queue grows

    const total = 150;
    const chunk = "x".repeat(32 * 1024);
    for (let i = 1; i <= total; i++) {
      backend.output("alpha", chunk);
      await waitUntil(() => fastOutputs.length === i, `the fast client to get output ${i}`);
    }
    await waitUntil(
      () => lines.some((l) => l.includes("slow")),
      "the hub to notice the slow client",
    );
    backend.emit({ type: "status", name: "alpha", status: "idle" });
    await waitUntil(() => fastOutputs.length === total, "all output on the fast client");

    slow.socket.resume();
    await waitUntil(
      () => slow.events().some((e) => e.type === "snapshot"),
      "the slow client's snapshot",
    );
    const events = slow.events();
    const outputs = events.flatMap((e) => (e.type === "output" ? [e.seq] : []));
    const snapshotAt = events.findIndex((e) => e.type === "snapshot");
    expect(outputs.length).toBeLessThan(total);
    expect(outputs).toEqual(Array.from({ length: outputs.length }, (_, i) => i + 1));
    expect(events[snapshotAt]).toEqual({
      type: "snapshot",
      name: "alpha",
      seq: total,
      cols: 80,
      rows: 24,
      data: "screen of alpha",
    });
    // Non-output events were not dropped while the client was slow.
    expect(events.slice(0, snapshotAt).some((e) => e.type === "status")).toBe(true);

    // After the snapshot, output flows again from where the snapshot left off.
    backend.output("alpha", "after");
    await waitUntil(
      () => slow.events().some((e) => e.type === "output" && e.seq === total + 1),
      "new output",
    );
    expect(
      slow.events().filter((e) => e.type === "output" && e.seq > outputs.length && e.seq <= total),
    ).toEqual([]);
  });
});
