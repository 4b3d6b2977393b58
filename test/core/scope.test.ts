import { describe, expect, it } from "vitest";
import { inScope, scopesOverlap } from "../../src/core/scope.js";

describe("file scopes", () => {
  it("matches files against globs; no scope allows everything", () => {
    expect(inScope("src/form/input.ts", ["src/form/**"])).toBe(true);
    expect(inScope("src/api/x.ts", ["src/form/**"])).toBe(false);
    expect(inScope("docs/forms.md", ["docs/forms.md"])).toBe(true);
    expect(inScope(".eslintrc", ["*"])).toBe(true);
    expect(inScope("anything", [])).toBe(true);
  });

  it("finds overlaps conservatively: disjoint directories and extensions are disjoint", () => {
    expect(scopesOverlap(["src/form/**"], ["docs/forms.md"])).toBe(false);
    expect(scopesOverlap(["src/form/**"], ["src/api/**"])).toBe(false);
    expect(scopesOverlap(["src/**/*.ts"], ["src/**/*.md"])).toBe(false);
    expect(scopesOverlap(["src/form/**"], ["src/form/input.ts"])).toBe(true);
    expect(scopesOverlap(["src/**"], ["src/form/**"])).toBe(true);
    expect(scopesOverlap(["docs/a.md"], ["docs/a.md"])).toBe(true);
    expect(scopesOverlap(["docs/a.md"], ["docs/b.md"])).toBe(false);
    // Cannot prove disjoint: counted as overlapping.
    expect(scopesOverlap(["**/form*"], ["src/**"])).toBe(true);
    expect(scopesOverlap([], ["src/**"])).toBe(true);
  });
});
