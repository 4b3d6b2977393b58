import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import { Config, State } from "../../src/core/schema.js";
import { JsonDocument } from "../../src/store/json-store.js";
import { makeTempDir } from "../git/temp-repo.js";

function tempFile(name: string): string {
  return path.join(makeTempDir("flotilla-json-"), name);
}

const agent = {
  name: "alice",
  runtime: "claude",
  worktree: "/repo/.flotilla/worktrees/alice",
  branch: "flotilla/alice",
  base: "0123456789abcdef",
  status: "working" as const,
  pid: 4242,
  createdAt: "2026-11-21T04:00:00.000Z",
};

describe("JsonDocument (state.json, config.json)", () => {
  it("reads a missing file as the schema's defaults", async () => {
    const config = await new JsonDocument(tempFile("config.json"), Config).read();
    expect(config).toMatchObject({ scrollback: 10_000, keys: { prefix: "C-b" }, runtimes: {} });
  });

  it("round-trips a state through an update, filling defaults and leaving no temp file", async () => {
    const file = tempFile("state.json");
    const doc = new JsonDocument(file, State);
    await doc.update((state) => {
      state.agents.push({ ...agent, role: "worker" });
    });
    const read = await doc.read();
    expect(read.agents).toEqual([{ ...agent, role: "worker" }]);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(read);
    expect(readdirSync(path.dirname(file))).toEqual(["state.json"]);
  });

  it("serializes concurrent updates: none is lost", async () => {
    const doc = new JsonDocument(tempFile("state.json"), State);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        doc.update((state) => {
          state.agents.push({ ...agent, name: `agent${i}`, role: "worker" });
        }),
      ),
    );
    const names = (await doc.read()).agents.map((a) => a.name);
    expect(new Set(names)).toEqual(new Set(Array.from({ length: 20 }, (_, i) => `agent${i}`)));
  });

  it("reports a file that is not JSON with its path, and leaves it untouched", async () => {
    const file = tempFile("state.json");
    writeFileSync(file, '{"agents": [');
    const doc = new JsonDocument(file, State);
    const error = await doc.read().catch((e: unknown) => e);
    expect(isFlotillaError(error, "INVALID_STATE_FILE")).toBe(true);
    expect((error as Error).message).toContain(file);
    await expect(doc.update(() => undefined)).rejects.toThrow(/not valid JSON/);
    expect(readFileSync(file, "utf8")).toBe('{"agents": [');
  });

  it("reports a file that breaks the schema with the field at fault, and leaves it untouched", async () => {
    const file = tempFile("state.json");
    const text = JSON.stringify({ agents: [{ ...agent, status: "dancing" }] });
    writeFileSync(file, text);
    const error = await new JsonDocument(file, State).read().catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/state\.json is invalid at agents\.0\.status/);
    expect(readFileSync(file, "utf8")).toBe(text);
  });
});
