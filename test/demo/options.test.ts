import { describe, expect, it } from "vitest";
import { parseAgentArgs, parseSpeed, resolveAgentScript } from "../../src/demo/options.js";
import { DEMO_COORDINATOR, DEMO_PLAN, DEMO_REVIEWER } from "../../src/demo/plan.js";
import { firstPrompt } from "../../src/hub/sling.js";
import { pickBuiltinScript } from "../../src/demo/scripts/index.js";

describe("demo agent arguments", () => {
  it("takes --script and joins the rest into the prompt", () => {
    expect(parseAgentArgs(["--script", "s.json", "fix", "the", "bug"])).toEqual({
      scriptFile: "s.json",
      prompt: "fix the bug",
      help: false,
    });
    expect(parseAgentArgs(["--script=s.json"]).scriptFile).toBe("s.json");
    expect(parseAgentArgs(["add --verbose flag"]).prompt).toBe("add --verbose flag");
    expect(parseAgentArgs(["--", "--not-an-option"]).prompt).toBe("--not-an-option");
    expect(parseAgentArgs(["--help"]).help).toBe(true);
  });

  it("refuses --script without a file and unknown options", () => {
    expect(() => parseAgentArgs(["--script"])).toThrow("--script needs a file");
    expect(() => parseAgentArgs(["--fast"])).toThrow("unknown option --fast");
  });

  it("reads FLOTILLA_DEMO_SPEED as a divisor", () => {
    expect(parseSpeed(undefined)).toBe(1);
    expect(parseSpeed("")).toBe(1);
    expect(parseSpeed("10")).toBe(10);
    expect(parseSpeed("0.5")).toBe(0.5);
    for (const bad of ["0", "-2", "fast", "Infinity"]) {
      expect(() => parseSpeed(bad)).toThrow(`FLOTILLA_DEMO_SPEED must be a positive number`);
    }
  });
});

describe("built-in script choice", () => {
  it.each(DEMO_PLAN.map((task) => [task.agent, task] as const))(
    "picks %s's script from the prompt sling gives it",
    (_, task) => {
      for (const mode of ["flag", "none"]) {
        expect(pickBuiltinScript(firstPrompt(task, mode)).id).toBe(task.scriptId);
        expect(pickBuiltinScript(firstPrompt(task, mode)).script).toBe(task.script);
      }
    },
  );

  it("picks the coordinator's and the reviewer's scripts from their prompts", () => {
    expect(pickBuiltinScript(DEMO_COORDINATOR.prompt).id).toBe("coordinator");
    expect(pickBuiltinScript(DEMO_REVIEWER.prompt).id).toBe("review");
  });

  it("falls back to explore, which edits nothing", () => {
    const builtin = pickBuiltinScript("refactor the payment service");
    expect(builtin.id).toBe("explore");
    expect(JSON.stringify(builtin.script)).not.toMatch(/"do":"(edit|commit)"/);
  });

  it("takes a name from FLOTILLA_DEMO_SCRIPT over the prompt, and refuses unknown names", async () => {
    const picked = await resolveAgentScript(
      { prompt: "write tests", help: false },
      { FLOTILLA_DEMO_SCRIPT: "docs" },
    );
    expect(picked.name).toBe("docs");
    await expect(
      resolveAgentScript({ prompt: "", help: false }, { FLOTILLA_DEMO_SCRIPT: "nope" }),
    ).rejects.toThrow(
      'no built-in demo script "nope": use one of coordinator, review, handler, validation, tests, docs, explore',
    );
  });

  it("treats a FLOTILLA_DEMO_SCRIPT ending in .json as a file", async () => {
    await expect(
      resolveAgentScript({ prompt: "", help: false }, { FLOTILLA_DEMO_SCRIPT: "missing.json" }),
    ).rejects.toThrow("demo script missing.json: no such file");
  });
});
