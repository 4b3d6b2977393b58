import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HubBackend } from "../../src/hub/backend.js";
import { connectHub } from "../../src/hub/client.js";
import { startHubServer, type HubServer } from "../../src/hub/server.js";
import { FakeBackend } from "./fake-backend.js";
import { makeTempDir } from "../git/temp-repo.js";

let dir: string;
let socketPath: string;
let server: HubServer | undefined;

beforeEach(() => {
  dir = makeTempDir("flotilla-client-");
  socketPath = path.join(dir, "hub.sock");
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe("hub client", () => {
  it("says clearly that no hub listens when the socket is missing", async () => {
    await expect(connectHub(socketPath, { cols: 80, rows: 24 })).rejects.toMatchObject({
      code: "HUB_UNAVAILABLE",
      message: `no hub is listening on ${socketPath}: start one with \`flotilla up\``,
    });
  });

  it("says the same when the socket file is left over but nothing listens", async () => {
    writeFileSync(socketPath, "");
    await expect(connectHub(socketPath, { cols: 80, rows: 24 })).rejects.toMatchObject({
      code: "HUB_UNAVAILABLE",
    });
  });

  it("correlates concurrent requests by id", async () => {
    server = await startHubServer({ socketPath, backend: new FakeBackend() });
    const connection = await connectHub(socketPath, { cols: 80, rows: 24 });
    const [a, b, c] = await Promise.all([
      connection.request({ type: "kill", name: "a" }),
      connection.request({ type: "list" }),
      connection.request({ type: "respawn", name: "c" }),
    ]);
    expect(a).toMatchObject({ type: "result", ok: true });
    expect(b).toMatchObject({ type: "result", ok: true, value: [] });
    expect(c).toMatchObject({ type: "result", ok: true });
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);
    connection.close();
  });

  it("times out a request the hub never answers", async () => {
    const silent: HubBackend = { handle: () => undefined, subscribe: () => () => undefined };
    server = await startHubServer({ socketPath, backend: silent });
    const connection = await connectHub(socketPath, { cols: 80, rows: 24 });
    await expect(connection.request({ type: "list" }, { timeoutMs: 50 })).rejects.toThrow(
      "the hub did not answer list within 50 ms",
    );
    connection.close();
  });

  it("fails pending requests and reports the close when the hub goes away", async () => {
    const silent: HubBackend = { handle: () => undefined, subscribe: () => () => undefined };
    server = await startHubServer({ socketPath, backend: silent });
    const connection = await connectHub(socketPath, { cols: 80, rows: 24 });
    const closed = new Promise<unknown>((resolve) => connection.onClose(resolve));
    const pending = connection.request({ type: "list" });
    await server.close();
    server = undefined;
    await expect(pending).rejects.toMatchObject({ code: "HUB_UNAVAILABLE" });
    await closed;
  });
});
