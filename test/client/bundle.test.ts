import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/** What the build's esbuild metafile says went into the thin client's bundle. */
function bundleInputs(): string[] {
  const file = path.resolve(import.meta.dirname, "../../dist/client/attach.meta.json");
  const meta = JSON.parse(readFileSync(file, "utf8")) as { inputs: Record<string, unknown> };
  return Object.keys(meta.inputs);
}

describe("the thin client's bundle", () => {
  it("holds none of ink, react, @xterm/headless or zod (the hub draws; the client is a pipe)", () => {
    const inputs = bundleInputs();
    expect(inputs).toContain("dist/client/attach.js");
    for (const heavy of ["ink", "react", "@xterm/headless", "@xterm", "zod"]) {
      expect(inputs.filter((input) => input.includes(`node_modules/${heavy}/`))).toEqual([]);
    }
    // Nothing of the cockpit, the screens or the wire schemas either.
    expect(
      inputs.filter((input) => /dist\/(tui|hub\/wire|terminal\/pane-screen)/.test(input)),
    ).toEqual([]);
  });
});
