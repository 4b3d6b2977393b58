import { describe, expect, it } from "vitest";
import { FlotillaError, exitCodeFor, isFlotillaError } from "../../src/core/errors.js";

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

describe("a FlotillaError from another copy of the module (issue 8 item 17)", () => {
  it("item 17: is known by its name and code, as the cockpit bundle's own copy throws it", async () => {
    // A second instance of the module, as the cockpit bundle carries its own.
    // By a variable, so the query (which makes vite load the module again) needs no types.
    const again = "../../src/core/errors.js?copy";
    const copy = (await import(again)) as typeof import("../../src/core/errors.js");
    const error = new copy.FlotillaError("HUB_UNAVAILABLE", "no hub is running");
    expect(error instanceof FlotillaError).toBe(false); // really another class
    expect(isFlotillaError(error)).toBe(true);
    expect(isFlotillaError(error, "HUB_UNAVAILABLE")).toBe(true);
    expect(isFlotillaError(error, "PROTOCOL")).toBe(false);
    expect(exitCodeFor(error)).toBe(1);
    // A look-alike without a code is not one.
    expect(isFlotillaError(Object.assign(new Error("x"), { name: "FlotillaError" }))).toBe(false);
  });
});
