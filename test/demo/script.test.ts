import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import { loadDemoScript, parseDemoScript } from "../../src/demo/script.js";
import { BUILTIN_SCRIPTS } from "../../src/demo/scripts/index.js";
import { makeTempDir } from "../git/temp-repo.js";

function reason(value: unknown): string {
  try {
    parseDemoScript(value, "my.json");
  } catch (error) {
    expect(isFlotillaError(error, "INVALID_INPUT")).toBe(true);
    return (error as Error).message;
  }
  throw new Error("script was accepted");
}

describe("demo script schema", () => {
  it.each(BUILTIN_SCRIPTS.map((builtin) => [builtin.id, builtin.script] as const))(
    "accepts the built-in %s script",
    (_, script) => {
      expect(parseDemoScript(JSON.parse(JSON.stringify(script)))).toEqual(script);
    },
  );

  it("accepts every step kind, nested under ask", () => {
    const script = {
      name: "all",
      steps: [
        { do: "think", ms: 10, label: "Reading" },
        { do: "say", text: "hi", color: "green" },
        {
          do: "ask",
          question: "Go?",
          yes: [
            { do: "edit", file: "a.txt", content: "a" },
            { do: "edit", file: "dir/b.txt", append: "b" },
            { do: "edit", file: "a.txt", replace: { find: "a", with: "c" } },
            { do: "run", command: "node", args: ["--test"], mustPass: false },
            { do: "commit", message: "m" },
            { do: "mail", to: "lead", subject: "s", body: "b", type: "worker_done" },
          ],
          no: [{ do: "exit", code: 2 }],
        },
        { do: "wait", ms: 0 },
        { do: "exit" },
      ],
    };
    expect(parseDemoScript(script)).toEqual(script);
  });

  it.each([
    [
      "a missing field",
      { steps: [{ do: "think" }] },
      "my.json: steps[0].ms: Invalid input: expected number",
    ],
    ["an unknown step", { steps: [{ do: "dance" }] }, "my.json: steps[0].do:"],
    ["a typo in a field", { steps: [{ do: "say", txt: "hi" }] }, "my.json: steps[0].text:"],
    [
      "an unknown extra field",
      { steps: [{ do: "say", text: "hi", colour: "red" }] },
      'Unrecognized key: "colour"',
    ],
    [
      "an unknown colour",
      { steps: [{ do: "say", text: "hi", color: "pink" }] },
      "my.json: steps[0].color:",
    ],
    ["no steps", { steps: [] }, "my.json: steps: Too small"],
    ["not an object", "hello", "my.json: script: Invalid input: expected object"],
    [
      "an edit escaping the worktree, deep in an ask",
      { steps: [{ do: "ask", question: "q", no: [{ do: "edit", file: "../x", content: "" }] }] },
      "my.json: steps[0].no[0].file: must be a path inside the worktree",
    ],
    [
      "an absolute edit path",
      { steps: [{ do: "edit", file: "/etc/passwd", content: "" }] },
      "inside the worktree",
    ],
    [
      "an edit with two actions",
      { steps: [{ do: "edit", file: "a", content: "", append: "" }] },
      'my.json: steps[0]: an edit needs exactly one of "content", "append" or "replace"',
    ],
    ["an edit with no action", { steps: [{ do: "edit", file: "a" }] }, "exactly one of"],
    ["a negative wait", { steps: [{ do: "wait", ms: -5 }] }, "my.json: steps[0].ms: Too small"],
    [
      "an exit code over 255",
      { steps: [{ do: "exit", code: 300 }] },
      "my.json: steps[0].code: Too big",
    ],
  ])("rejects %s with a message naming the field", (_, value, message) => {
    expect(reason(value)).toContain(message);
  });
});

describe("loadDemoScript", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  function file(content: string): string {
    const dir = makeTempDir("flotilla-script-");
    dirs.push(dir);
    writeFileSync(join(dir, "s.json"), content);
    return join(dir, "s.json");
  }

  it("reads a valid file", async () => {
    const path = file(JSON.stringify({ steps: [{ do: "say", text: "hi" }] }));
    expect(await loadDemoScript(path)).toEqual({ steps: [{ do: "say", text: "hi" }] });
  });

  it("names the file when it is missing, not JSON, or invalid", async () => {
    await expect(loadDemoScript("/nonexistent/s.json")).rejects.toThrow(
      "demo script /nonexistent/s.json: no such file",
    );
    const notJson = file("{ steps: ");
    await expect(loadDemoScript(notJson)).rejects.toThrow(`demo script ${notJson}: not valid JSON`);
    const invalid = file(JSON.stringify({ steps: [{ do: "wait" }] }));
    await expect(loadDemoScript(invalid)).rejects.toThrow(`demo script ${invalid}: steps[0].ms:`);
  });
});
