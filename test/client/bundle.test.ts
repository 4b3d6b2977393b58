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

/** Inputs of each output of the hub's build (the daemon, its cockpits, their shared chunks). */
function hubOutputs(): Record<string, string[]> {
  const file = path.resolve(import.meta.dirname, "../../dist/hub.meta.json");
  const meta = JSON.parse(readFileSync(file, "utf8")) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  return Object.fromEntries(
    Object.entries(meta.outputs).map(([output, { inputs }]) => [output, Object.keys(inputs)]),
  );
}

describe("the hub's bundles", () => {
  it("compile zod once per hub: the daemon and its cockpits share one chunk of it", () => {
    const holders = Object.entries(hubOutputs())
      .filter(([, inputs]) =>
        inputs.some((input) => input.endsWith("node_modules/zod/v4/core/core.js")),
      )
      .map(([output]) => output);
    expect(holders).toHaveLength(1);
    expect(holders[0]).toMatch(/^dist\/chunks\//);
  });

  it("carry React's production build, not its development build", () => {
    const react = Object.values(hubOutputs())
      .flat()
      .filter((input) => /node_modules\/react(-reconciler)?\/cjs\//.test(input));
    expect(react.some((input) => input.includes("react-reconciler.production"))).toBe(true);
    expect(react.filter((input) => input.includes(".development."))).toEqual([]);
  });

  it("keep Ink, react-reconciler and yoga out of the cockpit bundle: they load after the first frame", () => {
    const outputs = hubOutputs();
    const cockpit = outputs["dist/tui/cockpit-factory.bundle.js"] ?? [];
    expect(cockpit).toContain("dist/tui/cockpit.js");
    for (const heavy of ["ink", "react-reconciler", "yoga-layout"]) {
      expect(cockpit.filter((input) => input.includes(`node_modules/${heavy}/`))).toEqual([]);
    }
    // Ink is in a chunk of its own, which the daemon does not import either.
    const daemon = outputs["dist/daemon.bundle.js"] ?? [];
    expect(daemon.filter((input) => input.includes("node_modules/ink/"))).toEqual([]);
    const inkChunks = Object.entries(outputs).filter(([, inputs]) =>
      inputs.some((input) => input.includes("node_modules/ink/build/render-to-string.js")),
    );
    expect(inkChunks.map(([output]) => output)).toEqual([expect.stringMatching(/^dist\/chunks\//)]);
  });
});
