import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CLI, PREFIX, TerminalDriver, makeRepo, runCli, stopHub } from "./harness.js";

const DEMO_AGENT = path.resolve(path.dirname(CLI), "demo", "agent.js");

/** A repo with `alice`, a scripted demo agent that reports worker_done, and `sh`, a shell. */
function repoWithMailingAgent(): string {
  const repo = makeRepo();
  expect(runCli(["init"], repo).status).toBe(0);
  const script = path.join(repo, ".flotilla", "alice-script.json");
  writeFileSync(
    script,
    JSON.stringify({
      steps: [
        { do: "say", text: "Validating the form..." },
        {
          do: "mail",
          to: "cockpit",
          subject: "Worker done: form validation",
          body: "Implemented and tested.",
          type: "worker_done",
        },
        { do: "say", text: "Reported to the cockpit." },
      ],
    }),
  );
  const configPath = path.join(repo, ".flotilla", "config.json");
  const config = JSON.parse(readFileSync(configPath, "utf8"));
  config.runtimes = {
    scripted: {
      command: process.execPath,
      args: [DEMO_AGENT, "--script", script],
      prompt: { mode: "none" },
    },
    bash: {
      command: "bash",
      args: ["--norc", "--noprofile"],
      env: { PS1: "$ " },
      prompt: { mode: "none" },
    },
  };
  config.idleAfterMs = 300;
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  if (runCli(["trust"], repo).status !== 0) throw new Error("flotilla trust failed");
  expect(runCli(["spawn", "alice", "--runtime", "scripted"], repo).status).toBe(0);
  expect(runCli(["spawn", "sh", "--runtime", "bash"], repo).status).toBe(0);
  return repo;
}

describe("mail in the cockpit", () => {
  let driver: TerminalDriver | undefined;
  let repo: string | undefined;
  afterEach(() => {
    driver?.dispose();
    if (repo) stopHub(repo);
  });

  it("shows an agent's worker_done in its pane title, the status bar and the inbox; notifies idle agents", async () => {
    repo = repoWithMailingAgent();
    driver = new TerminalDriver(["up"], repo, { cols: 140, rows: 40 });
    const d = driver;
    await d.waitFor("Reported to the cockpit.");
    // The pane title says the agent is done; the status bar counts the cockpit's unread mail.
    await d.waitFor(
      (t) => /alice · scripted · flotilla\/alice · \w+ ✔ done/.test(t) && t.includes("✉ 1"),
    );

    d.type(PREFIX + "m");
    const inbox = await d.waitFor((t) => t.includes("Inbox") && t.includes("worker_done"));
    expect(inbox).toContain("alice");
    expect(inbox).toContain("worker_done");
    d.type("\r"); // open the thread: marks it read
    await d.waitFor("Implemented and tested.");
    d.type("q"); // back to the list, now read
    await d.waitFor((t) => !t.includes("Implemented and tested.") && t.includes("0 unread"));
    d.type("q"); // close the inbox
    await d.waitFor(
      (t) => !t.includes("Implemented and tested.") && !/✉ 1 /.test(t.split("\n").at(-1)!),
    );

    // Mail to an idle shell agent is shown in its pane title, never typed: in a shell a typed
    // line is a command (issue 8 item 15). Nothing of the body reaches its terminal.
    const sent = runCli(
      ["mail", "send", "--to", "sh", "--subject", "Spec update", "--body", "secret body \x1b[2J"],
      repo,
    );
    expect(sent.status).toBe(0);
    const screen = await d.waitFor((t) => /sh · bash · flotilla\/sh · \w+ ✉ 1/.test(t));
    // sh's pane only: alice (not a shell) may get a notice of her own, e.g. the merge queue's
    // "nothing to merge" reply to her worker_done.
    const lines = screen.split("\n");
    const title = lines.findIndex((line) => line.includes("sh · bash"));
    const left = lines[title]!.indexOf("sh · bash") - 3;
    const shPane = lines.map((line) => line.slice(left)).join("\n");
    expect(shPane).toContain("sh · bash");
    expect(shPane).not.toContain("You have 1 new message(s)");
    expect(screen).not.toContain("secret body");
  });
});
