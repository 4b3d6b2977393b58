import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../wait-for.js";
import { CLI, TerminalDriver, repoWithShells, stopHub } from "./harness.js";

/** Runs the built CLI without blocking the event loop (the pty needs it); resolves its exit. */
function runCliAsync(args: string[], cwd: string): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { ...process.env, FLOTILLA_ROOT: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("exit", (code) => resolve({ status: code ?? 1, output }));
  });
}

describe("hub stop while up is starting", () => {
  const drivers: TerminalDriver[] = [];
  let repo: string | undefined;
  afterEach(() => {
    for (const driver of drivers.splice(0)) driver.dispose();
    if (repo) stopHub(repo);
    repo = undefined;
  });

  it("item 17: `hub stop` run while `up` starts the hub: both end, each with a clear line, and the terminal is given back", async () => {
    repo = repoWithShells(["sh1", "sh2"]);
    const up = new TerminalDriver(["up"], repo, { cols: 120, rows: 40 });
    drivers.push(up);
    // `up` holds the hub record's lock while it starts the hub: `hub stop` queues behind it
    // and stops the hub the moment `up` lets go, while `up` is still attaching.
    const lock = path.join(repo, ".flotilla", "hub.json.lock");
    await waitFor(() => existsSync(lock) || up.exitCode !== undefined, {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: "up to start the hub",
    });
    const stop = await runCliAsync(["hub", "stop", "-y"], repo);
    expect(stop.status).toBe(0);
    expect(stop.output).toMatch(/^(hub stopped \(pid \d+\)|no hub was running)/);
    if (stop.output.startsWith("no hub was running")) {
      // `hub stop` came first: `up` started its hub after it; stopping that one ends `up` too.
      await up.waitFor(" sh1 ", 30_000);
      expect((await runCliAsync(["hub", "stop", "-y"], repo)).status).toBe(0);
    }
    // The old cockpit hung here after "write EPIPE", in raw mode on the alternate screen.
    const code = await up.waitExit(30_000);
    expect(up.raw).toMatch(/hub connection closed|the hub and its agents stopped/);
    expect(up.raw).not.toMatch(/at .*\.js:\d+/); // no stack trace
    // Told it was stopped (the hub's goodbye) is an orderly end; a connection lost is not.
    expect(code).toBe(/hub connection closed/.test(up.raw) ? 1 : 0);
    expect(up.term.buffer.active.type).toBe("normal");
  }, 90_000);
});
