import { spawnSync } from "node:child_process";
import { rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connectHub, type HubConnection } from "../../src/hub/client.js";
import type { HubEvent } from "../../src/hub/protocol.js";
import { startHubServer, type HubServer, type HubServerOptions } from "../../src/hub/server.js";
import type { CockpitFactory, TerminalClient } from "../../src/hub/cockpits.js";
import { encodeBinaryFrame } from "../../src/hub/framing.js";
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
    const answer = await connection.request({ type: "list" });
    expect(answer).toMatchObject({ type: "result", ok: true, value: [] });
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

  it("sends CLI clients every event but pane output (nothing there reads it)", async () => {
    const { backend } = await serve();
    const cli = await connect();
    const seen: HubEvent[] = [];
    cli.onEvent((e) => seen.push(e));
    backend.output("alpha", "not for the CLI");
    backend.emit({ type: "status", name: "alpha", status: "idle" });
    await waitUntil(() => seen.length === 1, "the status event");
    expect(seen).toEqual([{ type: "status", name: "alpha", status: "idle" }]);
  });
});

/**
 * A cockpit factory for transport tests: each cockpit records the keys and sizes it got,
 * and draws what the test tells it to (`draw`), or "FULL <n>" on a redraw.
 */
class FakeCockpits {
  readonly clients: TerminalClient[] = [];
  readonly keys = new Map<string, string>();
  readonly redraws = new Map<string, number>();
  readonly sizes = new Map<string, { cols: number; rows: number }[]>();
  readonly closed: string[] = [];
  readonly factory: CockpitFactory = async (client) => {
    this.clients.push(client);
    client.terminal.write(`FIRST ${client.id}`);
    return {
      input: (keys) => this.keys.set(client.id, (this.keys.get(client.id) ?? "") + keys),
      resize: () =>
        this.sizes.set(client.id, [...(this.sizes.get(client.id) ?? []), client.terminal.size()]),
      redraw: () => {
        const count = (this.redraws.get(client.id) ?? 0) + 1;
        this.redraws.set(client.id, count);
        client.terminal.write(`FULL ${count}`);
      },
      close: () => this.closed.push(client.id),
    };
  };

  /** Every cockpit draws `data`. */
  draw(data: string): void {
    for (const client of this.clients) client.terminal.write(data);
  }
}

async function terminalClient(extra: Record<string, unknown> = {}): Promise<RawClient> {
  const client = await raw();
  client.sendHello(PROTOCOL_VERSION, {
    terminal: { term: "xterm-256color", termProgram: "WezTerm", colorterm: "truecolor" },
    ...extra,
  });
  await waitUntil(() => client.drawn().includes("FIRST"), "the first frame");
  return client;
}

function binary(text: string): Buffer {
  return encodeBinaryFrame(text);
}

describe("terminal clients: the hub draws, the client relays", () => {
  it("gives each terminal its own cockpit: keys and sizes in, its drawing out as binary frames", async () => {
    const cockpits = new FakeCockpits();
    await serve(new FakeBackend(), { cockpits: cockpits.factory });
    const a = await terminalClient();
    const b = await terminalClient();
    const [ca, cb] = cockpits.clients;
    expect(ca?.env).toEqual({
      TERM: "xterm-256color",
      TERM_PROGRAM: "WezTerm",
      COLORTERM: "truecolor",
    });
    expect(ca?.terminal.size()).toEqual({ cols: 100, rows: 30 });
    a.socket.write(binary("ls\r"));
    b.socket.write(binary("é\x02d"));
    await waitUntil(() => cockpits.keys.size === 2, "both cockpits' keys");
    expect(cockpits.keys.get(ca!.id)).toBe("ls\r");
    expect(cockpits.keys.get(cb!.id)).toBe("é\x02d");
    a.sendFrame({ type: "size", cols: 80, rows: 24 });
    await waitUntil(() => cockpits.sizes.has(ca!.id), "the resize");
    expect(cockpits.sizes.get(ca!.id)).toEqual([{ cols: 80, rows: 24 }]);
    expect(cb?.terminal.size()).toEqual({ cols: 100, rows: 30 });
    // Drawing is bytes, never JSON events.
    expect(
      a.received.filter((m) => !Buffer.isBuffer(m)).map((m) => (m as { type: string }).type),
    ).toEqual(["welcome"]);
  });

  it("detach says bye to that client only and closes its cockpit", async () => {
    const cockpits = new FakeCockpits();
    const { server } = await serve(new FakeBackend(), { cockpits: cockpits.factory });
    const a = await terminalClient();
    await terminalClient();
    cockpits.clients[0]!.detach();
    await waitUntil(() => a.closed, "the detached client to be hung up");
    expect(a.messages("bye")).toEqual([{ type: "bye", reason: "detach" }]);
    expect(cockpits.closed).toEqual([cockpits.clients[0]!.id]);
    expect(server.clientCount()).toBe(1);
  });

  it('a client in the hub\'s own process cannot detach; closing the hub says bye "stopped"', async () => {
    const cockpits = new FakeCockpits();
    const { server } = await serve(new FakeBackend(), { cockpits: cockpits.factory });
    const own = await terminalClient({ pid: process.pid });
    expect(cockpits.clients[0]?.canDetach).toBe(false);
    servers.splice(servers.indexOf(server), 1);
    await server.close();
    expect(own.messages("bye")).toEqual([{ type: "bye", reason: "stopped" }]);
    expect(cockpits.closed).toHaveLength(1);
  });

  it("a hub without cockpits refuses a terminal client with a clear error", async () => {
    await serve();
    const client = await raw();
    client.sendHello(PROTOCOL_VERSION, { terminal: {} });
    await waitUntil(() => client.closed, "the refusal");
    expect(client.messages<{ message: string }>("error")[0]?.message).toMatch(/no cockpit/);
  });

  it("a terminal that stops reading gets its frames skipped, then one full redraw; the other is not held up", async () => {
    const cockpits = new FakeCockpits();
    const { lines } = await serve(new FakeBackend(), {
      cockpits: cockpits.factory,
      slowClientBytes: 64 * 1024,
    });
    const slow = await terminalClient();
    const fast = await terminalClient();
    slow.socket.pause(); // stops reading: the kernel buffer fills, then the hub's queue grows
    const chunk = "x".repeat(32 * 1024);
    let frames = 0;
    while (!lines.some((l) => l.includes("slow"))) {
      cockpits.draw(`<${++frames}>` + chunk);
      await waitUntil(
        () => fast.lastFrame.startsWith(`<${frames}>`),
        `frame ${frames} on the fast client`,
      );
      if (frames > 2_000) throw new Error("the hub never noticed the slow client");
    }
    // More frames while it is slow: skipped for it, every one delivered to the other.
    for (let i = 0; i < 20; i++) {
      cockpits.draw(`<${++frames}>` + chunk);
      await waitUntil(
        () => fast.lastFrame.startsWith(`<${frames}>`),
        `frame ${frames} on the fast client`,
      );
    }
    expect(cockpits.redraws.size).toBe(0);

    slow.socket.resume();
    await waitUntil(() => slow.lastFrame === "FULL 1", "the slow client's full redraw");
    const drawn = slow.drawn();
    expect(drawn).not.toContain(`<${frames}>`);
    expect(drawn.endsWith("FULL 1")).toBe(true);
    expect(cockpits.redraws.get(cockpits.clients[1]!.id)).toBeUndefined();
  });
});

describe("limits on the socket (issue 8 item 16)", () => {
  it("item 16: a resize beyond what a terminal can be is refused, the hub keeps serving", async () => {
    await expectOnlyThatConnectionClosed((bad) => {
      bad.sendHello();
      bad.sendFrame({
        type: "command",
        command: { type: "resize", name: "alpha", cols: 10_000, rows: 10_000 },
      });
    }, /too_big|less than or equal|<=/i);
  });

  it("item 16: a connection that never says hello is closed", async () => {
    await serve(new FakeBackend(), { helloTimeoutMs: 200 });
    const silent = await raw();
    await waitUntil(() => silent.closed, "the silent connection to close");
    expect(silent.messages<{ message: string }>("error")[0]?.message).toMatch(/no hello/);
  });

  it("item 16: a big frame before hello is refused at once", async () => {
    await serve();
    const bad = await raw();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(8 * 1024 * 1024, 0);
    bad.socket.write(header);
    await waitUntil(() => bad.closed, "the connection to close");
    expect(bad.messages<{ message: string }>("error")[0]?.message).toMatch(/exceeds/);
  });

  it("item 16: partial frames are capped across connections, not only per connection", async () => {
    const { server } = await serve(new FakeBackend(), { maxTotalPendingBytes: 1024 * 1024 });
    const clients = [await raw(), await raw(), await raw()];
    for (const client of clients) {
      client.sendHello();
      await waitUntil(() => client.messages("welcome").length === 1, "welcome");
    }
    for (const client of clients) {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(4 * 1024 * 1024, 0); // a frame that never completes
      client.socket.write(Buffer.concat([header, Buffer.alloc(450 * 1024, 0x20)]));
    }
    await waitUntil(() => clients.some((c) => c.closed), "one connection to be dropped");
    expect(clients.filter((c) => c.closed).length).toBeGreaterThanOrEqual(1);
    const ok = await connect();
    expect(await ok.request({ type: "list" })).toMatchObject({ type: "result", ok: true });
    expect(server.clientCount()).toBeLessThanOrEqual(3);
  });
});

describe("a hub names its project (issue 8 item 11)", () => {
  it("item 11: a client refuses a hub of another project, naming both", async () => {
    const { realpathSync } = await import("node:fs");
    const root = realpathSync(makeTempDir("flotilla-original-"));
    await serve(new FakeBackend(), { project: { root, hubId: "h1" } });
    const mine = await connectHub(socketPath, { cols: 80, rows: 24, client: "t", root });
    connections.push(mine);
    const copy = makeTempDir("flotilla-copy-");
    const error = await connectHub(socketPath, {
      cols: 80,
      rows: 24,
      client: "t",
      root: copy,
    }).catch((e: unknown) => e as Error);
    expect((error as Error).message).toContain(`serves ${root}, not ${copy}`);
    const otherStart = await connectHub(socketPath, {
      cols: 80,
      rows: 24,
      client: "t",
      root,
      hubId: "h2",
    }).catch((e: unknown) => e as Error);
    expect((otherStart as Error).message).toContain("nothing was sent to it");
  });
});
