import { describe, expect, it } from "vitest";
import { isIgnoredPath, parseStatusZ } from "../../src/core/git-status.js";

describe("git status --porcelain -z", () => {
  it("lists changed paths (both sides of a rename) and ignored ones apart", () => {
    const text = [
      " M README.md",
      "R  docs/new.md",
      "docs/old.md",
      "?? src/a b.ts",
      "!! node_modules/",
      "!! x.log",
      "",
    ].join("\0");
    expect(parseStatusZ(text)).toEqual({
      changed: ["README.md", "docs/new.md", "docs/old.md", "src/a b.ts"],
      ignored: ["node_modules/", "x.log"],
    });
  });

  it("a path inside an ignored directory is ignored; a sibling with the same prefix is not", () => {
    const ignored = new Set(["node_modules/", "x.log"]);
    expect(isIgnoredPath("node_modules/pkg/index.js", ignored)).toBe(true);
    expect(isIgnoredPath("node_modules", ignored)).toBe(true);
    expect(isIgnoredPath("x.log", ignored)).toBe(true);
    expect(isIgnoredPath("node_modules2/a.js", ignored)).toBe(false);
    expect(isIgnoredPath("src/x.log", ignored)).toBe(false);
  });
});
