import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import { slingRefusal, slingTask } from "../../src/hub/sling.js";
import { buildLaunch } from "../../src/runtimes/profiles.js";
import { MemoryStore } from "../../src/store/memory-store.js";
import { removeTempRepos } from "../git/temp-repo.js";
import { gitStatus, makeTaskProject } from "./task-fixture.js";

afterAll(() => removeTempRepos());

const GATES = [{ name: "unit", command: "npm test", timeoutMs: 60_000 }];

describe("sling", () => {
  it("claude: the brief (role, spec, scope, gates, primer) reaches the agent through --append-system-prompt; the worktree stays clean", async () => {
    const { root, project, tasks } = await makeTaskProject({ gates: GATES });
    const config = await project.readConfig();
    await MemoryStore.forProject(root, config).record(
      { domain: "forms", type: "convention", text: "Validation errors use the FieldError class" },
      { author: "cockpit" },
    );
    await tasks.add({
      title: "Form validation",
      spec: "Validate the sign-up form: email and password rules.",
      scope: ["src/form/**"],
      gates: [{ name: "lint", command: "npm run lint", timeoutMs: 60_000 }],
      memory: ["forms"],
    });
    const result = await slingTask(project, "T1", { runtime: "claude" });
    expect(result.agent).toMatchObject({
      name: "t1-form-validation",
      runtime: "claude",
      role: "builder",
      task: "T1",
      scope: ["src/form/**"],
      status: "starting",
    });
    const board = await tasks.read();
    expect(board.tasks[0]).toMatchObject({
      state: "claimed",
      assignee: "t1-form-validation",
      attempts: 1,
    });

    const launch = buildLaunch(project, result.agent, await project.readConfig(), {
      PATH: "/usr/bin:/bin",
    });
    const flag = launch.args.indexOf("--append-system-prompt");
    expect(flag).toBeGreaterThanOrEqual(0);
    const brief = launch.args[flag + 1] ?? "";
    expect(brief).toContain("# Role: builder");
    expect(brief).toContain("Validate the sign-up form");
    expect(brief).toContain("- `src/form/**`");
    expect(brief).toContain("unit: `npm test`");
    expect(brief).toContain("lint: `npm run lint`");
    expect(brief).toContain("flotilla done");
    expect(brief).toContain("flotilla mail");
    expect(brief).toContain("flotilla memory");
    expect(brief).toContain("Validation errors use the FieldError class");
    expect(launch.env.FLOTILLA_TASK).toBe("T1");
    expect(launch.args[launch.args.length - 1]).toMatch(/^Flotilla task T1: Form validation\./);
    expect(gitStatus(result.agent.worktree)).toBe("");
  });

  it("runs the task's agent with the task's model and effort (task add --model/--effort), not on the fallback runtime", async () => {
    const { project, tasks } = await makeTaskProject();
    await tasks.add({
      title: "Tidy",
      model: "opus",
      effort: "high",
      runtime: "claude",
      scope: ["src/**"],
    });
    const { agent } = await slingTask(project, "T1");
    expect(agent).toMatchObject({ runtime: "claude", model: "opus", effort: "high" });
    const launch = buildLaunch(project, agent, await project.readConfig(), {
      PATH: "/usr/bin:/bin",
    });
    expect(launch.args.join(" ")).toContain("--model opus --effort high");
    // On its fallback runtime (another CLI, other model names) neither is passed.
    await tasks.add({
      title: "Docs",
      model: "opus",
      effort: "high",
      fallback: "opencode",
      scope: ["docs/**"],
    });
    const file = project.paths.tasks;
    const board = JSON.parse(readFileSync(file, "utf8"));
    board.tasks[1].onFallback = true;
    writeFileSync(file, JSON.stringify(board));
    const fallback = await slingTask(project, "T2", { runtime: "opencode" });
    expect(fallback.agent.model).toBeUndefined();
    expect(fallback.agent.effort).toBeUndefined();
  });

  it("a runtime without hooks or flags (opencode) gets the brief in $FLOTILLA_CONTEXT, and the worktree stays clean", async () => {
    const { project, tasks } = await makeTaskProject();
    await tasks.add({
      title: "Docs for forms",
      spec: "Document the form helpers.",
      scope: ["docs/forms.md"],
    });
    const result = await slingTask(project, "T1", { runtime: "opencode" });
    const launch = buildLaunch(project, result.agent, await project.readConfig(), {
      PATH: "/usr/bin:/bin",
    });
    const file = launch.env.FLOTILLA_CONTEXT ?? "";
    expect(file).toBe(path.join(result.agent.worktree, ".flotilla", "context.md"));
    const brief = readFileSync(file, "utf8");
    expect(brief).toContain("Document the form helpers.");
    expect(brief).toContain("- `docs/forms.md`");
    expect(launch.args.join(" ")).toContain("Read your brief first: .flotilla/context.md");
    expect(gitStatus(result.agent.worktree)).toBe("");
  });

  it("refuses a task whose scope overlaps a running task's; --force starts it with a warning; disjoint scopes run side by side", async () => {
    const { project, tasks } = await makeTaskProject();
    await tasks.add({ title: "form", scope: ["src/form/**"] });
    await tasks.add({ title: "input", scope: ["src/form/input.ts"] });
    await tasks.add({ title: "docs", scope: ["docs/**"] });
    await slingTask(project, "T1", { runtime: "shell" });
    let error: unknown;
    try {
      await slingTask(project, "T2", { runtime: "shell" });
    } catch (e) {
      error = e;
    }
    expect(isFlotillaError(error, "INVALID_INPUT")).toBe(true);
    expect((error as Error).message).toMatch(
      /T2's scope \(src\/form\/input\.ts\) may overlap T1's \(src\/form\/\*\*\)/,
    );
    const afterRefusal = await tasks.read();
    expect(afterRefusal.tasks[1]).toMatchObject({ state: "ready", attempts: 0 });
    expect((await project.readState()).agents.map((a) => a.name)).toEqual(["t1-form"]);

    await slingTask(project, "T3", { runtime: "shell" });
    const forced = await slingTask(project, "T2", { runtime: "shell", force: true });
    expect(forced.warnings[0]).toMatch(/may overlap T1's/);
  });

  it("--max bounds how many run at once", async () => {
    const { project, tasks } = await makeTaskProject();
    await tasks.add({ title: "a", scope: ["a/**"] });
    await tasks.add({ title: "b", scope: ["b/**"] });
    await slingTask(project, "T1", { runtime: "shell", max: 1 });
    await expect(slingTask(project, "T2", { runtime: "shell", max: 1 })).rejects.toThrow(
      /--max is 1/,
    );
    expect(existsSync(path.join(project.paths.worktrees, "t2-b"))).toBe(false);
  });

  it("only a coordinator (or the human) may sling, unless config allows the role", async () => {
    const { project } = await makeTaskProject({ tasks: { slingRoles: ["lead"] } });
    const config = await project.readConfig();
    expect(slingRefusal({}, config)).toBeUndefined();
    expect(slingRefusal({ FLOTILLA_ROLE: "coordinator" }, config)).toBeUndefined();
    expect(slingRefusal({ FLOTILLA_ROLE: "lead" }, config)).toBeUndefined();
    expect(slingRefusal({ FLOTILLA_ROLE: "builder" }, config)).toMatch(
      /only a coordinator may sling/,
    );
  });
});
