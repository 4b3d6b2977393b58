import * as pty from "node-pty";
import { afterEach, describe, expect, it } from "vitest";
import { isShellCommand, mayTypeNotice } from "../../src/hub/notice-gate.js";
import { procTable } from "../../src/hub/processes.js";
import { waitFor } from "../wait-for.js";

/** Real ptys, as the hub runs agents: who owns the terminal's foreground decides. */
const terms: pty.IPty[] = [];
afterEach(() => {
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
