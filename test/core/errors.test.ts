import { describe, expect, it } from "vitest";
import { FlotillaError, exitCodeFor } from "../../src/core/errors.js";

describe("exitCodeFor (the CLI's exit status, README: 1 for an error a user can act on)", () => {
  it("is 1 for a FlotillaError, a git failure, a refused file and a held lock", () => {
    expect(exitCodeFor(new FlotillaError("UNKNOWN_AGENT", "no agent named bob"))).toBe(1);
    // What src/git/git.ts throws: git's own stderr as a plain Error.
    expect(exitCodeFor(new Error("fatal: 'flotilla/bob' is already checked out"))).toBe(1);
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open 'x'"), {
      code: "ENOENT",
    });
    expect(exitCodeFor(enoent)).toBe(1);
    expect(
      exitCodeFor(Object.assign(new Error("Lock file is already being held"), { code: "ELOCKED" })),
    ).toBe(1);
    expect(exitCodeFor("a thrown string")).toBe(1);
  });

  it("is 70 (EX_SOFTWARE) only for a bug", () => {
    expect(exitCodeFor(new TypeError("cannot read properties of undefined"))).toBe(70);
    expect(exitCodeFor(new RangeError("Invalid array length"))).toBe(70);
    expect(exitCodeFor(new ReferenceError("x is not defined"))).toBe(70);
  });
});
