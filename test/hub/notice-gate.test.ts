import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as pty from "node-pty";
import { afterEach, describe, expect, it } from "vitest";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { initProject } from "../../src/hub/init.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { MailDelivery, MailRunner } from "../../src/hub/mail-delivery.js";
import { isShellCommand, mayTypeNotice, noticeGate } from "../../src/hub/notice-gate.js";
import { procTable } from "../../src/hub/processes.js";
import { MailStore } from "../../src/store/mail-store.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo, makeTempDir } from "../git/temp-repo.js";
import { makeProject } from "../store/mail-fixture.js";
import { waitFor } from "../wait-for.js";

/** Real ptys, as the hub runs agents: who owns the terminal's foreground decides. */
const terms: pty.IPty[] = [];
const deliveries: MailDelivery[] = [];
const hubs: Hub[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.shutdown();
  for (const delivery of deliveries.splice(0)) delivery.dispose();
  for (const term of terms.splice(0)) term.kill("SIGKILL");
});

function open(file: string, args: string[]): pty.IPty {
  const term = pty.spawn(file, args, {
    cols: 80,
    rows: 24,
    env: process.env as Record<string, string>,
  });
  terms.push(term);
  return term;
}

// A "runtime" that starts a program in the foreground of its terminal, as a shell runs vim.
const HANDS_OVER = [
  "-c",
  [
    "import os, signal, time",
    "signal.signal(signal.SIGTTOU, signal.SIG_IGN)",
    "pid = os.fork()",
    "if pid == 0:",
    "    os.setpgid(0, 0)",
    "    os.tcsetpgrp(0, os.getpgrp())",
    "    print('editor open', flush=True)",
    "    time.sleep(60)",
    "else:",
    "    os.waitpid(pid, 0)",
  ].join("\n"),
];

describe("mail notices are typed only into the runtime itself (issue 8 item 15)", () => {
  it("item 15: types into a runtime that owns its terminal's foreground", async () => {
    const term = open("sleep", ["60"]);
    await waitFor(() => procTable(term.pid)?.tpgid === term.pid, { what: "the pty to settle" });
    expect(mayTypeNotice({ pid: term.pid, command: "sleep" })).toBe(true);
  });

  it("item 15: never types while another program (an editor) holds the foreground", async () => {
    const term = open("python3", HANDS_OVER);
    let screen = "";
    term.onData((d) => (screen += d));
    await waitFor(() => screen.includes("editor open"), { what: "the editor to take over" });
    expect(procTable(term.pid)?.tpgid).not.toBe(term.pid);
    expect(mayTypeNotice({ pid: term.pid, command: "python3" })).toBe(false);
  });

  it("item 15: never types into a shell, where a line is a command", async () => {
    const term = open("bash", ["--norc", "--noprofile"]);
    await waitFor(() => procTable(term.pid)?.tpgid === term.pid, { what: "bash to own its pty" });
    expect(mayTypeNotice({ pid: term.pid, command: "/bin/bash" })).toBe(false);
    expect(isShellCommand("/usr/bin/zsh")).toBe(true);
    expect(isShellCommand("claude")).toBe(false);
  });
});

/**
 * A "runtime" that hands its terminal's foreground to an "editor" until `flag` exists, then
 * takes the foreground back (as a shell does when vim quits) and echoes each line it reads.
 */
function editorUntil(flag: string): string[] {
  return [
    "-c",
    [
      "import os, signal, sys, time",
      "signal.signal(signal.SIGTTOU, signal.SIG_IGN)",
      "pid = os.fork()",
      "if pid == 0:",
      "    os.setpgid(0, 0)",
      "    os.tcsetpgrp(0, os.getpgrp())",
      "    print('editor open', flush=True)",
      `    while not os.path.exists(${JSON.stringify(flag)}): time.sleep(0.05)`,
      "    os._exit(0)",
      "os.waitpid(pid, 0)",
      "os.tcsetpgrp(0, os.getpgrp())",
      "print('runtime back', flush=True)",
      "for line in sys.stdin: print('runtime got: ' + line.strip(), flush=True)",
    ].join("\n"),
  ];
}

describe("a notice held while another program has the foreground (issue 8 item 15)", () => {
  it("item 15: is typed once the runtime has its terminal's foreground back", async () => {
    const root = makeProject([]);
    const flag = path.join(root, "editor-closed");
    const term = open("python3", editorUntil(flag));
    let screen = "";
    term.onData((d) => (screen += d));
    await waitFor(() => screen.includes("editor open"), { what: "the editor to take over" });

    const outcomes: string[] = [];
    const store = new MailStore(path.join(root, ".flotilla", "mail"));
    const delivery = new MailDelivery({
      project: { paths: { mail: store.dir } },
      getAgents: () => [{ name: "alice", runtime: "python3", status: "idle" }],
      // What the hub does (hub.ts typeNotice): type only what the gate lets through.
      typeInto: (_name, text) => {
        const outcome = noticeGate({ pid: term.pid, command: "python3" });
        outcomes.push(outcome);
        if (outcome === "typed") term.write(text);
        return outcome;
      },
      notify: () => undefined,
      profileFor: () => undefined,
      heldRetryMs: 50,
    });
    deliveries.push(delivery);
    await delivery.start();
    await store.send({ from: "bob", to: "alice", subject: "hello", body: "" }, ["alice"]);
    await waitFor(() => outcomes.length >= 2, { what: "the notice to be tried (and held)" });
    expect(outcomes.every((o) => o === "held")).toBe(true);
    expect(screen).not.toContain("new message");

    writeFileSync(flag, ""); // the editor quits
    await waitFor(() => existsSync(flag) && screen.includes("runtime back"), {
      what: "the runtime to get its terminal back",
    });
    await waitFor(() => screen.includes("runtime got: You have 1 new message(s) from bob"), {
      what: "the held notice to reach the runtime",
    });
    expect(outcomes.filter((o) => o === "typed")).toHaveLength(1);
  });
});

/**
 * Like {@link editorUntil}, but the "editor" reads its terminal as vim does (what it gets goes
 * to `editorGot`) and the runtime appends each line it reads to `runtimeGot`.
 */
function readingEditorUntil(flag: string, editorGot: string, runtimeGot: string): string[] {
  return [
    "-c",
    [
      "import os, select, signal, sys",
      "signal.signal(signal.SIGTTOU, signal.SIG_IGN)",
      "pid = os.fork()",
      "if pid == 0:",
      "    os.setpgid(0, 0)",
      "    os.tcsetpgrp(0, os.getpgrp())",
      "    print('editor open', flush=True)",
      `    while not os.path.exists(${JSON.stringify(flag)}):`,
      "        if select.select([0], [], [], 0.05)[0]:",
      `            open(${JSON.stringify(editorGot)}, 'a').write(os.read(0, 4096).decode())`,
      "    os._exit(0)",
      "os.waitpid(pid, 0)",
      "os.tcsetpgrp(0, os.getpgrp())",
      "print('runtime back', flush=True)",
      `for line in sys.stdin: open(${JSON.stringify(runtimeGot)}, 'a').write(line)`,
    ].join("\n"),
  ];
}

describe("a notice held by the hub itself (issue 8 item 15)", () => {
  it("item 15: a real hub never types into an editor in the foreground, and types the held notice once the runtime is back", async () => {
    const { project } = await initProject(makeRepo());
    const dir = makeTempDir("flotilla-editor-");
    const flag = path.join(dir, "editor-closed");
    const editorGot = path.join(dir, "editor-got");
    const runtimeGot = path.join(dir, "runtime-got");
    const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
    config.runtimes = {
      editor: {
        command: "python3",
        args: readingEditorUntil(flag, editorGot, runtimeGot),
        prompt: { mode: "none" },
      },
    };
    config.idleAfterMs = 200;
    writeFileSync(project.paths.config, JSON.stringify(config));
    await trustConfig(project.root, await project.readConfig());
    const hub = await createHub(project, [() => new MailRunner()]);
    hubs.push(hub);
    const unread: number[] = [];
    hub.subscribe((event) => {
      if (event.type === "mail") unread.push(event.summary.unread["ed"] ?? 0);
    });
    await createAgent(project, { name: "ed", runtime: "editor" });
    // The runtime is idle, and the "editor" it started holds its terminal's foreground.
    await waitFor(
      () => {
        const pid = hub.session("ed")?.pid;
        const info = pid === undefined ? undefined : procTable(pid);
        const idle = hub.agents().find((a) => a.name === "ed")?.status === "idle";
        return idle && info !== undefined && info.tpgid !== info.pgrp;
      },
      { what: "ed to be idle with the editor in the foreground" },
    );
    const store = new MailStore(project.paths.mail);
    await store.send({ from: "bob", to: "ed", subject: "hello", body: "" }, ["ed"]);
    // The pass that reports ed's unread mail has already tried its notice (and held it).
    await waitFor(() => unread.includes(1), { what: "the hub to see ed's mail" });

    writeFileSync(flag, ""); // the editor quits; the runtime takes its terminal back
    await waitFor(
      () =>
        existsSync(runtimeGot) &&
        readFileSync(runtimeGot, "utf8").includes("You have 1 new message(s) from bob"),
      { what: "the held notice to reach the runtime" },
    );
    expect(existsSync(editorGot)).toBe(false);
  });
});
