import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock } from "../../src/store/lock.js";
import { makeTempDir } from "../git/temp-repo.js";

describe("withFileLock", () => {
  it("runs holders of one file's lock one at a time and releases it however they end", async () => {
    const file = path.join(makeTempDir(), "nested", "doc.json");
    const order: string[] = [];
    const holder = (name: string, fail = false) =>
      withFileLock(file, async () => {
        order.push(`${name}:in`);
        await new Promise((resolve) => setImmediate(resolve));
        order.push(`${name}:out`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const results = await Promise.allSettled([holder("a", true), holder("b"), holder("c")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "fulfilled", "fulfilled"]);
    // Never two inside at once: every "in" is followed by its own "out".
    for (let i = 0; i < order.length; i += 2) {
      expect(order[i]!.replace(":in", "")).toBe(order[i + 1]!.replace(":out", ""));
    }
    expect(await holder("d")).toBe("d");
  });

  it("fails with LOCK_FAILED naming the .lock to remove when the lock stays held", async () => {
    const file = path.join(makeTempDir(), "doc.json");
    mkdirSync(`${file}.lock`); // held by someone else (fresh, so not stale)
    const error = await withFileLock(file, async () => "never", { retries: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "LOCK_FAILED" });
    expect((error as Error).message).toContain(`remove ${file}.lock`);
  });
});
