import { afterEach, describe, expect, it } from "vitest";
import type { AgentStatus } from "../../src/core/schema.js";
import { compilePatterns } from "../../src/core/status.js";
import { AgentSession } from "../../src/hub/session.js";

async function waitFor<T>(probe: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const sessions: AgentSession[] = [];
afterEach(() => {
  for (const session of sessions.splice(0)) session.dispose();
});

/** A session running `script` under sh in a real pty; `statuses` collects what it reports. */
function run(script: string, options: { idleAfterMs?: number; debounceMs?: number } = {}) {
  const statuses: AgentStatus[] = [];
  const session = new AgentSession(
    "probe",
    { cols: 60, rows: 10 },
    100,
    compilePatterns(["Proceed\\? \\(y/n\\)"]),
    options.idleAfterMs ?? 60_000,
    {
      output: () => undefined,
      status: (status) => statuses.push(status),
      started: () => undefined,
    },
    Date.now,
    0,
    options.debounceMs ?? 0,
  );
  sessions.push(session);
  session.start({
    file: "/bin/sh",
    args: ["-c", script],
    cwd: "/",
    env: { PATH: "/usr/bin:/bin" },
  });
  return { session, statuses };
}

describe("AgentSession status", () => {
  it("does not count the echo of the user's typing as the agent working", async () => {
    // The tty echoes what is typed; the program itself prints nothing until a line arrives.
    const { session, statuses } = run('read line; sleep 1; echo "answer to $line"; sleep 30');
    await waitFor(() => statuses.includes("idle"));
    session.write("hello");
    await waitFor(() => session.screen.text().includes("hello"));
    expect(session.currentStatus).toBe("idle");
    expect(statuses).not.toContain("working");
    // Output that comes later, on its own, is work.
    session.write("\r");
    await waitFor(() => session.screen.text().includes("answer to hello"));
    await waitFor(() => statuses.includes("working"));
  });

  it("takes the status the agent reports (hooks) over the output clock", async () => {
    const { session, statuses } = run("sleep 30");
    await waitFor(() => statuses.includes("idle"));
    session.report("working");
    expect(session.currentStatus).toBe("working");
    session.report("waiting");
    expect(session.currentStatus).toBe("waiting");
    // Answering with Enter ends a reported wait.
    session.write("\r");
    await waitFor(() => session.currentStatus === "idle");
    expect(statuses).toEqual(["idle", "working", "waiting", "idle"]);
  });

  it("debounces: a prompt that flickers away and back reports waiting once", async () => {
    const { session, statuses } = run("sleep 30", { debounceMs: 300 });
    await waitFor(() => statuses.includes("idle"));
    session.report("waiting");
    await waitFor(() => session.currentStatus === "waiting");
    session.report("working");
    session.report("waiting");
    session.report("idle");
    await waitFor(() => session.currentStatus === "idle");
    expect(statuses).toEqual(["idle", "waiting", "idle"]);
  });
});
