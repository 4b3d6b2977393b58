import { describe, expect, it } from "vitest";
import { attachCommand } from "../../src/client/attach.js";

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
