import { describe, expect, it } from "vitest";
import {
  applyRecord,
  archiveRecord,
  confirmRecord,
  dedupeKey,
  exportJson,
  exportMarkdown,
  isExpired,
  MemoryRecord,
  mergeImported,
  parseImport,
  planPrime,
  searchBoost,
  selectPrune,
  sortForPrime,
  type MemoryInput,
} from "../../src/core/memory.js";
import { isFlotillaError } from "../../src/core/errors.js";

const DAY = 86_400_000;
const NOW = new Date("2026-06-01T12:00:00.000Z");
const SHELF = { tactical: 14, observational: 30 };
let counter = 0;

function make(input: Partial<MemoryInput> & { text: string }, daysAgo = 0, author = "alice") {
  const id = `m-${String(counter++).padStart(8, "0")}`;
  return applyRecord(
    [],
    { domain: "forms", type: "convention", ...input },
    { author, now: new Date(NOW.getTime() - daysAgo * DAY), id },
  ).record;
}

describe("recording", () => {
  it("creates a record with defaults by type, and the schema accepts it", () => {
    const { record, created } = applyRecord(
      [],
      {
        domain: "git",
        type: "failure",
        text: "  npm test fails if .env is missing ",
        resolution: "copy .env.example first",
        tags: ["env", "env", " tests "],
        evidence: { files: ["package.json"], task: "T1" },
      },
      { author: "alice", now: NOW, id: "m-aaaaaaaa" },
    );
    expect(created).toBe(true);
    expect(record).toMatchObject({
      id: "m-aaaaaaaa",
      domain: "git",
      type: "failure",
      classification: "tactical",
      text: "npm test fails if .env is missing",
      tags: ["env", "tests"],
      resolution: "copy .env.example first",
      evidence: { files: ["package.json"], task: "T1" },
      author: "alice",
      state: "active",
      confirmations: [],
    });
    expect(MemoryRecord.parse(record)).toEqual(record);
  });

  it("the same text in the same domain updates and confirms instead of duplicating", () => {
    const first = applyRecord(
      [],
      { domain: "forms", type: "convention", text: "Use FieldError", tags: ["a"] },
      { author: "alice", now: NOW, id: "m-aaaaaaaa" },
    );
    const later = new Date(NOW.getTime() + 1000);
    const second = applyRecord(
      first.records,
      {
        domain: "forms",
        type: "convention",
        text: "use   fielderror\n",
        tags: ["b"],
        evidence: { files: ["src/form/errors.ts"] },
      },
      { author: "bob", now: later, id: "m-bbbbbbbb" },
    );
    expect(second.created).toBe(false);
    expect(second.records).toHaveLength(1);
    expect(second.record.id).toBe("m-aaaaaaaa");
    expect(second.record.text).toBe("Use FieldError");
    expect(second.record.tags).toEqual(["a", "b"]);
    expect(second.record.evidence.files).toEqual(["src/form/errors.ts"]);
    expect(second.record.confirmations).toEqual([{ by: "bob", at: later.toISOString() }]);
    expect(second.record.updated).toBe(later.toISOString());
    expect(first.records[0]?.confirmations).toEqual([]); // the input was not changed
    expect(dedupeKey(" A  b\tC ")).toBe("a b c");
  });

  it("re-recording an archived record brings it back", () => {
    const archived = archiveRecord(make({ text: "old rule" }), NOW);
    expect(archived.state).toBe("archived");
    const again = applyRecord(
      [archived],
      { domain: "forms", type: "convention", text: "Old rule" },
      { author: "bob", now: NOW, id: "m-cccccccc" },
    );
    expect(again.record.state).toBe("active");
    expect(again.record.archivedAt).toBeUndefined();
  });

  it("refuses a failure without resolution, a decision without rationale, empty text", () => {
    const ctx = { author: "a", now: NOW, id: "m-aaaaaaaa" };
    const tryRecord = (input: MemoryInput) => {
      try {
        applyRecord([], input, ctx);
        return "ok";
      } catch (error) {
        expect(isFlotillaError(error, "INVALID_INPUT")).toBe(true);
        return (error as Error).message;
      }
    };
    expect(tryRecord({ domain: "git", type: "failure", text: "x" })).toMatch(/--resolution/);
    expect(tryRecord({ domain: "api", type: "decision", text: "x" })).toMatch(/--rationale/);
    expect(tryRecord({ domain: "api", type: "pattern", text: "   " })).toMatch(/empty/);
    expect(tryRecord({ domain: "../etc", type: "pattern", text: "x" })).toMatch(/not a domain/);
  });
});

describe("shelf life", () => {
  it("tactical expires after 14 days, observational after 30, foundational never; a confirmation restarts it", () => {
    const tactical = make({ text: "t", type: "pattern" }, 15);
    const fresh = make({ text: "t2", type: "pattern" }, 13);
    const observational = make({ text: "o", classification: "observational" }, 29);
    const oldObservational = make({ text: "o2", classification: "observational" }, 31);
    const foundational = make({ text: "f" }, 3650);
    expect(isExpired(tactical, NOW, SHELF)).toBe(true);
    expect(isExpired(fresh, NOW, SHELF)).toBe(false);
    expect(isExpired(observational, NOW, SHELF)).toBe(false);
    expect(isExpired(oldObservational, NOW, SHELF)).toBe(true);
    expect(isExpired(foundational, NOW, SHELF)).toBe(false);
    const confirmed = confirmRecord(tactical, "bob", new Date(NOW.getTime() - DAY));
    expect(isExpired(confirmed, NOW, SHELF)).toBe(false);
    expect(isExpired(tactical, NOW, { tactical: 30, observational: 30 })).toBe(false);
  });
});

describe("search boost", () => {
  it("grows with confirmations and falls with age, within bounds", () => {
    const plain = make({ text: "a" });
    const confirmed = confirmRecord(
      confirmRecord(confirmRecord(plain, "b", NOW), "c", NOW),
      "d",
      NOW,
    );
    const old = make({ text: "b" }, 365);
    expect(searchBoost(plain, NOW)).toBeCloseTo(1, 5);
    expect(searchBoost(confirmed, NOW)).toBeCloseTo(1.5, 5);
    expect(searchBoost(old, NOW)).toBeGreaterThan(0.74);
    expect(searchBoost(old, NOW)).toBeLessThan(0.76);
  });
});

describe("prime", () => {
  it("orders tied files, then classification, then conventions and failures, then confirmations, then newer", () => {
    const observational = make({
      text: "obs",
      type: "convention",
      classification: "observational",
    });
    const tacticalPattern = make({ text: "tp", type: "pattern" });
    const tacticalFailure = make({ text: "tf", type: "failure", resolution: "r" });
    const decision = make({ text: "dec", type: "decision", rationale: "why" });
    const olderConvention = make({ text: "old conv" }, 5);
    const newerConvention = make({ text: "new conv" }, 1);
    const confirmedConvention = confirmRecord(
      make({ text: "conf conv" }, 9),
      "bob",
      new Date(NOW.getTime() - 8 * DAY),
    );
    const tied = make({ text: "tied", type: "pattern", classification: "observational" });
    const order = sortForPrime(
      [
        observational,
        tacticalPattern,
        tacticalFailure,
        decision,
        olderConvention,
        newerConvention,
        confirmedConvention,
        tied,
      ],
      (r) => (r.id === tied.id ? 2 : 0),
    ).map((r) => r.text);
    expect(order).toEqual(["tied", "conf conv", "new conv", "old conv", "dec", "tf", "tp", "obs"]);
  });

  it("stays within the budget, says how many were left out, and leaves expired and archived records out", () => {
    const records = Array.from({ length: 30 }, (_, i) =>
      make({ text: `convention number ${i} ${"x".repeat(100)}` }, i / 10),
    );
    const expired = make({ text: "stale pattern", type: "pattern" }, 20);
    const archived = archiveRecord(make({ text: "archived one" }), NOW);
    const plan = planPrime([...records, expired, archived], {
      budgetChars: 2000,
      now: NOW,
      shelfLife: SHELF,
    });
    expect(plan.markdown.length).toBeLessThanOrEqual(2000);
    expect(plan.chars).toBe(plan.markdown.length);
    expect(plan.tokens).toBe(Math.ceil(plan.chars / 4));
    expect(plan.included.length).toBeGreaterThan(3);
    expect(plan.included.length + plan.leftOut.length).toBe(30);
    expect(plan.expired.map((r) => r.text)).toEqual(["stale pattern"]);
    expect(plan.markdown).toContain(
      `_${plan.leftOut.length} more record(s) left out for the budget`,
    );
    expect(plan.markdown).not.toContain("stale pattern");
    expect(plan.markdown).not.toContain("archived one");
    // Newest first among equals: the most recent conventions made it in.
    expect(plan.included[0]?.text).toContain("convention number 0 ");
    const big = planPrime(records, { budgetChars: 100_000, now: NOW, shelfLife: SHELF });
    expect(big.leftOut).toHaveLength(0);
    expect(big.markdown).toContain("_0 more record(s) left out");
  });

  it("groups by domain and shows fix, rationale, files and confirmations", () => {
    const failure = make({
      text: "npm test fails without .env",
      type: "failure",
      resolution: "copy .env.example",
      domain: "git",
      evidence: { files: [".env.example"] },
    });
    const decision = make({
      text: "REST, not GraphQL",
      type: "decision",
      rationale: "simple clients",
      domain: "api",
    });
    const plan = planPrime([confirmRecord(failure, "bob", NOW), decision], {
      budgetChars: 4000,
      now: NOW,
      shelfLife: SHELF,
    });
    expect(plan.markdown).toContain(
      `## git\n\n- **failure** npm test fails without .env\n  fix: copy .env.example\n  (files: .env.example · confirmed 1× · ${failure.id})\n`,
    );
    expect(plan.markdown).toContain(
      `## api\n\n- **decision** REST, not GraphQL\n  why: simple clients\n`,
    );
  });
});

describe("export and import", () => {
  const records = () => {
    const a = make({
      text: "line one\n## not a heading\n> not a quote",
      domain: "forms",
      tags: ["x, y", "z"],
      evidence: { files: ["src/a b.ts", "src/**"], commit: "abc123", task: "T1", agent: "alice" },
    });
    const b = confirmRecord(
      make({ text: '"quoted" start', type: "failure", resolution: "  padded  ", domain: "git" }),
      "human:dev",
      NOW,
    );
    const c = archiveRecord(
      make({ text: "gone", type: "decision", rationale: "multi\nline", domain: "api" }),
      NOW,
    );
    return [b, a, c];
  };

  it("markdown and JSON round-trip every field, sorted by domain", () => {
    const input = records();
    for (const text of [exportMarkdown(input), exportJson(input)]) {
      const back = parseImport(text);
      expect(back.map((r) => r.domain)).toEqual(["api", "forms", "git"]);
      expect(exportJson(back)).toBe(exportJson(input));
    }
    expect(exportMarkdown(input)).toBe(exportMarkdown(parseImport(exportMarkdown(input))));
  });

  it("a malformed export names the line", () => {
    expect(() =>
      parseImport("# Flotilla memory\n\n## m-aaaaaaaa\n- domain: forms\nnonsense\n"),
    ).toThrow(/line 5/);
    expect(() => parseImport('{"records":[{"id":"bad"}]}')).toThrow(/record 1 id/);
  });

  it("merging the same records twice changes nothing the second time", () => {
    const input = records();
    const once = mergeImported([], input);
    expect(once.added).toBe(3);
    const twice = mergeImported(once.records, input);
    expect(twice).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
    const confirmed = confirmRecord(input[1]!, "carol", new Date(NOW.getTime() + DAY));
    const third = mergeImported(once.records, [
      { ...confirmed, updated: new Date(NOW.getTime() + DAY).toISOString() },
    ]);
    expect(third.updated).toBe(1);
  });
});

describe("prune selection", () => {
  it("picks active records older than the age, by type or classification", () => {
    const old = make({ text: "old obs", classification: "observational" }, 100);
    const oldFoundational = make({ text: "old rule" }, 100);
    const young = make({ text: "young obs", classification: "observational" }, 10);
    const archived = archiveRecord(
      make({ text: "old archived", classification: "observational" }, 100),
      NOW,
    );
    const all = [old, oldFoundational, young, archived];
    expect(selectPrune(all, { olderThanMs: 90 * DAY }, NOW, SHELF).map((r) => r.text)).toEqual([
      "old obs",
      "old rule",
    ]);
    expect(
      selectPrune(all, { olderThanMs: 90 * DAY, classification: "observational" }, NOW, SHELF).map(
        (r) => r.text,
      ),
    ).toEqual(["old obs"]);
    expect(selectPrune(all, { expiredOnly: true }, NOW, SHELF).map((r) => r.text)).toEqual([
      "old obs",
    ]);
  });
});

describe("editing", () => {
  it("changes fields, keeps the dedupe rule, and checks the result", async () => {
    const { editRecord } = await import("../../src/core/memory.js");
    const a = make({ text: "first rule" });
    const b = make({ text: "second rule" });
    const later = new Date(NOW.getTime() + 1000);
    const edited = editRecord(
      a,
      { text: " better rule ", tags: ["x"], files: ["src/**"] },
      [a, b],
      later,
    );
    expect(edited).toMatchObject({
      id: a.id,
      text: "better rule",
      tags: ["x"],
      evidence: { files: ["src/**"] },
    });
    expect(edited.updated).toBe(later.toISOString());
    expect(() => editRecord(a, { text: "Second  rule" }, [a, b], later)).toThrow(
      /already says that/,
    );
    expect(() => editRecord(a, { type: "failure" }, [a, b], later)).toThrow(/--resolution/);
  });
});
