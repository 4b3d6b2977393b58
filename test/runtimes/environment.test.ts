import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureHub, isProcessAlive, stopHub } from "../../src/hub/daemon.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { agentBaseEnvironment, isOuterTerminalVariable } from "../../src/runtimes/environment.js";
import { initProject } from "../../src/hub/init.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo } from "../e2e/harness.js";
import { waitUntil } from "../hub/fake-backend.js";

/** What a shell inside tmux inside kitty (or WezTerm, iTerm2, screen) has. */
const OUTER = {
  TMUX: "/tmp/tmux-1000/default,1234,0",
  TMUX_PANE: "%3",
  STY: "1234.pts-0.host",
  TERM: "tmux-256color",
  TERM_PROGRAM: "tmux",
  TERM_PROGRAM_VERSION: "3.3a",
  KITTY_WINDOW_ID: "1",
  KITTY_PID: "99",
  WEZTERM_PANE: "0",
  ITERM_SESSION_ID: "w0t0p0",
  LC_TERMINAL: "iTerm2",
  COLUMNS: "80",
  LINES: "24",
  CLAUDECODE: "1",
  FLOTILLA_AGENT: "someone-else",
};

describe("agent environment", () => {
  it("drops the outer terminal's variables and says it runs in Flotilla's xterm", () => {
    const env = agentBaseEnvironment({ ...OUTER, HOME: "/home/u", PATH: "/bin", LANG: "C.UTF-8" });
    for (const key of Object.keys(OUTER)) {
      if (!["TERM", "TERM_PROGRAM"].includes(key)) expect(env, key).not.toHaveProperty(key);
    }
    expect(env).toMatchObject({
      TERM: "xterm-256color",
      COLORTERM: "truecolor",
      TERM_PROGRAM: "flotilla",
      HOME: "/home/u",
      PATH: "/bin",
      LANG: "C.UTF-8",
    });
    expect(isOuterTerminalVariable("TMUX_PANE")).toBe(true);
    expect(isOuterTerminalVariable("EDITOR")).toBe(false);
  });

  const hubs: number[] = [];
  afterAll(() => {
    for (const pid of hubs) if (isProcessAlive(pid)) process.kill(pid, "SIGKILL");
  });

  it("an agent of a hub started from inside tmux sees none of tmux's variables", async () => {
    const entry = path.resolve("dist/hub/main.js");
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
    const repo = makeRepo("flotilla-env-");
    const { project } = await initProject(repo);
    const out = path.join(repo, "agent-env.txt");
    const config = JSON.parse(readFileSync(project.paths.config, "utf8"));
    config.runtimes = {
      envdump: {
        command: "/bin/sh",
        args: ["-c", `env > ${out}.tmp && mv ${out}.tmp ${out}; sleep 30`],
        prompt: { mode: "none" },
      },
    };
    writeFileSync(project.paths.config, JSON.stringify(config));
    await trustConfig(project.root, await project.readConfig()); // a config that defines runtimes needs the user's trust
    await createAgent(project, { name: "dump", runtime: "envdump" });
    const env: NodeJS.ProcessEnv = { ...process.env, ...OUTER };
    delete env.XDG_RUNTIME_DIR;
    const hub = await ensureHub(project, { entry: entry, env });
    hubs.push(hub.pid);
    try {
      await waitUntil(() => existsSync(out), "the agent to write its environment", 20_000);
      const seen = Object.fromEntries(
        readFileSync(out, "utf8")
          .split("\n")
          .filter((line) => line.includes("="))
          .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
      );
      for (const key of Object.keys(seen)) {
        expect(key.startsWith("TMUX") || key.startsWith("KITTY_") || key === "STY", key).toBe(
          false,
        );
      }
      expect(seen).toMatchObject({
        TERM: "xterm-256color",
        COLORTERM: "truecolor",
        TERM_PROGRAM: "flotilla",
        FLOTILLA_AGENT: "dump",
      });
      expect(seen).not.toHaveProperty("TERM_PROGRAM_VERSION");
      expect(seen).not.toHaveProperty("WEZTERM_PANE");
      expect(seen).not.toHaveProperty("CLAUDECODE");
    } finally {
      await stopHub(project, { env });
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
