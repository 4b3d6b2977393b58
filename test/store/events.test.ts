import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appendEvent } from "../../src/store/events.js";
import { makeTempDir, removeTempRepos } from "../git/temp-repo.js";

afterAll(removeTempRepos);

describe("appendEvent", () => {
  it("item 17: a torn last line does not swallow the next event", () => {
    const file = path.join(makeTempDir(), ".flotilla", "events.jsonl");
    appendEvent(file, "first");
    writeFileSync(file, readFileSync(file, "utf8") + '{"time":"2030-01-01T00:00:00Z","ty');
    appendEvent(file, "second");
    const lines = readFileSync(file, "utf8").split("\n");
    const parsed = lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as { type: string }];
      } catch {
        return [];
      }
    });
    expect(parsed.map((e) => e.type)).toEqual(["first", "second"]);
  });
});
