import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createHub, type Hub } from "../../src/hub/hub.js";
import { createAgent } from "../../src/hub/lifecycle.js";
import { initProject } from "../../src/hub/init.js";
import { trustConfig } from "../../src/store/trust.js";
import { makeRepo } from "../e2e/harness.js";
import { waitUntil } from "../hub/fake-backend.js";

let hub: Hub | undefined;
const cleanup: (() => void)[] = [];
afterEach(async () => {
  if (hub) await hub.shutdown(10_000);
  hub = undefined;
  for (const done of cleanup.splice(0).reverse()) {
    // A hub's last writes (its event log) may land while the folder is being removed.
    for (let attempt = 0; ; attempt++) {
      try {
        done();
        break;
      } catch (error) {
        if (attempt >= 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
});

/** A repo with local, git-ignored files a worktree lacks: .env, secrets/, node_modules/. */
async function repoWithLocalFiles(config: Record<string, unknown> = {}) {
  const repo = makeRepo("flotilla-setup-");
  cleanup.push(() =>
    rmSync(repo, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }),
  );
  const git = (...args: string[]) => execFileSync("git", args, { cwd: repo, stdio: "ignore" });
  writeFileSync(path.join(repo, ".gitignore"), ".env\nsecrets/\nnode_modules/\n*.local.json\n");
  writeFileSync(path.join(repo, ".worktreeinclude"), "# local config\n.env\nsecrets/\n");
  git("add", ".");
  git("commit", "-q", "-m", "ignore local files");
  writeFileSync(path.join(repo, ".env"), "API_TOKEN=abc\n");
  mkdirSync(path.join(repo, "secrets"));
  writeFileSync(path.join(repo, "secrets", "key.pem"), "KEY\n");
  mkdirSync(path.join(repo, "node_modules", "x"), { recursive: true });
  writeFileSync(path.join(repo, "node_modules", "x", "index.js"), "");
  mkdirSync(path.join(repo, "config"));
  writeFileSync(path.join(repo, "config", "app.local.json"), "{}");
  const { project } = await initProject(repo);
  const doc = JSON.parse(readFileSync(project.paths.config, "utf8"));
  Object.assign(doc, config);
  writeFileSync(project.paths.config, JSON.stringify(doc));
  await trustConfig(project.root, await project.readConfig()); // a config that defines runtimes needs the user's trust
  return { repo, project };
}

describe("worktree set-up", () => {
  it("copies .worktreeinclude and worktree.include files into each new worktree, and gives each agent its own port", async () => {
    const { project } = await repoWithLocalFiles({
      worktree: { include: ["*.local.json"] },
    });
    const a = await createAgent(project, { name: "a", runtime: "shell" });
    const b = await createAgent(project, { name: "b", runtime: "shell" });
    expect(a.copiedFiles).toEqual([".env", "config/app.local.json", "secrets/key.pem"]);
    expect(readFileSync(path.join(a.worktree, ".env"), "utf8")).toBe("API_TOKEN=abc\n");
    expect(existsSync(path.join(a.worktree, "secrets", "key.pem"))).toBe(true);
    expect(existsSync(path.join(a.worktree, "node_modules"))).toBe(false);
    expect(existsSync(path.join(b.worktree, "config", "app.local.json"))).toBe(true);
    expect(a.port).toBe(4100);
    expect(b.port).toBe(4101);
    // The copies are ignored files: the worktree is still clean.
    expect(
      execFileSync("git", ["status", "--porcelain"], { cwd: a.worktree, encoding: "utf8" }),
    ).toBe("");
  });

  async function runAgent(setup: string) {
    const { repo, project } = await repoWithLocalFiles();
    const marker = path.join(repo, "agent-ran");
    const agent = path.join(repo, "agent.sh");
    writeFileSync(
      agent,
      `#!/bin/sh\necho "agent on port $FLOTILLA_PORT"; : > ${marker}; exec sleep 30\n`,
    );
    chmodSync(agent, 0o755);
    const doc = JSON.parse(readFileSync(project.paths.config, "utf8"));
    doc.worktree = { setup };
    doc.runtimes = { probe: { command: agent, prompt: { mode: "none" } } };
    writeFileSync(project.paths.config, JSON.stringify(doc));
    await trustConfig(project.root, await project.readConfig());
    const record = await createAgent(project, { name: "s", runtime: "probe" });
    hub = await createHub(project);
    const session = hub.session("s");
    if (!session) throw new Error("no session");
    return { session, marker, record };
  }

  it("runs worktree.setup in the agent's pane before the agent starts", async () => {
    const { session, marker, record } = await runAgent("echo installing deps; touch installed");
    await waitUntil(() => existsSync(marker), "the agent to start", 20_000);
    await waitUntil(() => session.screen.text().includes("agent on port 4100"), "agent output");
    const text = session.screen.text();
    expect(text).toContain("flotilla: setting up this worktree: echo installing deps");
    expect(text.indexOf("installing deps")).toBeLessThan(text.indexOf("agent on port"));
    expect(existsSync(path.join(record.worktree, "installed"))).toBe(true);
  });

  it("shows a failed set-up clearly and does not start the agent", async () => {
    const { session, marker } = await runAgent("echo cannot install; exit 3");
    await waitUntil(() => session.currentStatus === "exited", "the pane to exit", 20_000);
    await waitUntil(() => session.screen.text().includes("worktree.setup failed"), "the error");
    expect(session.screen.text()).toContain("worktree.setup failed (exit 3)");
    expect(session.screen.text()).toContain("The agent was not started");
    expect(existsSync(marker)).toBe(false);
  });
});
