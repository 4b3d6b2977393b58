import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { attachCommand } from "../../src/client/attach.js";
import { selfCommand } from "../../src/client/self-command.js";

describe("the detach hint's command", () => {
  it("is plain `flotilla attach` inside the project, and names the project with --dir outside it", () => {
    expect(attachCommand("/home/me/repo", "/home/me/repo")).toBe("flotilla attach");
    expect(attachCommand("/home/me/repo", "/home/me/repo/src/lib")).toBe("flotilla attach");
    expect(attachCommand("/home/me/repo", "/home/me/repo-two")).toBe(
      "flotilla attach --dir /home/me/repo",
    );
    expect(attachCommand("/tmp/flotilla-demo-x1/signup form", "/home/me")).toBe(
      "flotilla attach --dir '/tmp/flotilla-demo-x1/signup form'",
    );
  });
});

describe("selfCommand: how the hint names Flotilla", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "flotilla-self-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is `flotilla` when that name on PATH is this script, through a symlink as npm link makes", () => {
    const script = path.join(dir, "clone", "dist", "cli.js");
    mkdirSync(path.dirname(script), { recursive: true });
    writeFileSync(script, "");
    mkdirSync(path.join(dir, "bin"));
    symlinkSync(script, path.join(dir, "bin", "flotilla"));
    expect(selfCommand(script, `/nonexistent:${path.join(dir, "bin")}`)).toBe("flotilla");
  });

  it("is `node <script>` when PATH has no flotilla or another one, and `npx flotilla` inside node_modules", () => {
    const script = path.join(dir, "my clone", "dist", "cli.js");
    mkdirSync(path.dirname(script), { recursive: true });
    writeFileSync(script, "");
    mkdirSync(path.join(dir, "bin"));
    writeFileSync(path.join(dir, "bin", "flotilla"), ""); // someone else's flotilla
    expect(selfCommand(script, path.join(dir, "bin"))).toBe(`node '${script}'`);
    const installed = path.join(dir, "app", "node_modules", "flotilla", "dist", "cli.js");
    mkdirSync(path.dirname(installed), { recursive: true });
    writeFileSync(installed, "");
    expect(selfCommand(installed, "")).toBe("npx flotilla");
    expect(attachCommand("/r", "/elsewhere", "npx flotilla")).toBe("npx flotilla attach --dir /r");
  });
});
