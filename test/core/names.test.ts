import { describe, expect, it } from "vitest";
import { assertAgentName, checkAgentName } from "../../src/core/names.js";

describe("agent names", () => {
  it.each(["alice", "bob-2", "sh1", "a.b_c", "X"])("accepts %s", (name) => {
    expect(checkAgentName(name)).toBeUndefined();
  });

  it.each([
    ["", "empty"],
    ["has space", "white space"],
    ["a/b", "slash"],
    ["a..b", '".."'],
    ["-rf", '"-"'],
    ["x.lock", ".lock"],
    ["cockpit", "reserved"],
    ["a".repeat(41), "longer"],
    ["émile", "letters"],
  ])("refuses %j (%s)", (name, reason) => {
    expect(checkAgentName(name)).toContain(reason);
    expect(() => assertAgentName(name)).toThrow(/invalid agent name/);
  });
});
