import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryDomainFile, type MemoryRecord } from "../../src/core/memory.js";
import { DocumentFolder } from "../../src/store/document-folder.js";
import { fileTie, MemoryStore, memoryDir } from "../../src/store/memory-store.js";
import { isFlotillaError } from "../../src/core/errors.js";
import { REPO } from "./mail-fixture.js";

const SHELF = { tactical: 14, observational: 30 };
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "flotilla-memory-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("MemoryStore", () => {
  it("records into <dir>/<domain>.json and dedupes the same text into a confirmation", async () => {
    const dir = tempDir();
    const store = new MemoryStore(dir, { shelfLife: SHELF });
    const first = await store.record(
      { domain: "forms", type: "convention", text: "Use FieldError for validation errors" },
      { author: "alice" },
    );
    const again = await store.record(
      { domain: "forms", type: "convention", text: "use fielderror for validation errors" },
      { author: "bob" },
    );
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.record.id).toBe(first.record.id);
    const file = JSON.parse(readFileSync(path.join(dir, "forms.json"), "utf8"));
    expect(file.records).toHaveLength(1);
    expect(file.records[0].confirmations.map((c: { by: string }) => c.by)).toEqual(["bob"]);
    expect((await store.domains()).domains).toEqual([
      { domain: "forms", active: 1, archived: 0, expired: 0 },
    ]);
  });

  it("search finds the record it should first, filters by domain and type, boosts confirmed ones", async () => {
    const store = new MemoryStore(tempDir(), { shelfLife: SHELF });
    const add = (
      domain: string,
      type: "convention" | "pattern" | "reference",
      text: string,
      extra = {},
    ) => store.record({ domain, type, text, ...extra }, { author: "alice" });
    const target = await add("forms", "convention", "Validation errors use the FieldError class", {
      evidence: { files: ["src/form/errors.ts"] },
    });
    await add("forms", "pattern", "Forms submit through the useSubmit hook");
    await add("api", "convention", "Errors from the API are wrapped in ApiError");
    await add("git", "reference", "Release notes live in CHANGELOG.md");
    await add("forms", "reference", "The form docs are in docs/forms.md", { tags: ["validation"] });

    const hits = (await store.search("validation errors")).hits;
    expect(hits[0]?.record.id).toBe(target.record.id);
    // Prefix and fuzzy: "valid" and a typo both still find it first.
    expect((await store.search("valid")).hits[0]?.record.id).toBe(target.record.id);
    expect((await store.search("FieldErorr")).hits[0]?.record.id).toBe(target.record.id);
    // Evidence paths are searched.
    expect((await store.search("errors.ts")).hits[0]?.record.id).toBe(target.record.id);
    expect(
      (await store.search("errors", { domain: "api" })).hits.map((h) => h.record.domain),
    ).toEqual(["api"]);
    expect((await store.search("validation", { type: "reference" })).hits).toHaveLength(1);

    // Two records equally relevant: the confirmed one ranks first.
    const a = await add("ops", "convention", "Deploys go out on Tuesdays");
    const b = await add("ops", "convention", "Deploys go out from main");
    await store.confirm(b.record.id, "bob");
    await store.confirm(b.record.id, "carol");
    const deploys = (await store.search("deploys", { domain: "ops" })).hits.map((h) => h.record.id);
    expect(deploys).toEqual([b.record.id, a.record.id]);
  });

  it("forget archives (kept, not searched or primed); prune archives old records; nothing is deleted", async () => {
    const dir = tempDir();
    const store = new MemoryStore(dir, { shelfLife: SHELF });
    const long = new Date(Date.now() - 100 * 86_400_000);
    const old = await store.record(
      { domain: "ops", type: "pattern", text: "Old observation", classification: "observational" },
      { author: "a", now: long },
    );
    const keep = await store.record(
      { domain: "ops", type: "convention", text: "Keep me" },
      { author: "a" },
    );
    const gone = await store.record(
      { domain: "ops", type: "convention", text: "Forget me" },
      { author: "a" },
    );
    const forgotten = await store.forget(gone.record.id);
    expect(forgotten.state).toBe("archived");
    expect((await store.search("forget")).hits).toHaveLength(0);
    expect((await store.search("forget", { includeArchived: true })).hits).toHaveLength(1);
    expect((await store.prime({ budgetChars: 10_000 })).markdown).not.toContain("Forget me");

    const dry = await store.prune({ olderThanMs: 90 * 86_400_000 }, { dryRun: true });
    expect(dry.records.map((r) => r.id)).toEqual([old.record.id]);
    expect((await store.find(old.record.id)).record.state).toBe("active");
    const pruned = await store.prune({
      olderThanMs: 90 * 86_400_000,
      classification: "observational",
    });
    expect(pruned.records.map((r) => r.id)).toEqual([old.record.id]);
    const { records } = await store.load();
    expect(records.map((r) => [r.id, r.state]).sort()).toEqual(
      [
        [old.record.id, "archived"],
        [keep.record.id, "active"],
        [gone.record.id, "archived"],
      ].sort(),
    );
    // Confirming brings an archived record back.
    expect((await store.confirm(gone.record.id, "bob")).state).toBe("active");
    await expect(store.confirm("m-zzzzzzzz", "bob")).rejects.toThrow(/no memory record m-zzzzzzzz/);
    await expect(store.confirm("nope", "bob")).rejects.toThrow(/not a memory id/);
  });

  it("prime puts records tied to the given files first and includes their domains", async () => {
    const store = new MemoryStore(tempDir(), { shelfLife: SHELF });
    await store.record(
      { domain: "git", type: "convention", text: "Commit messages are imperative" },
      { author: "a" },
    );
    const direct = await store.record(
      {
        domain: "forms",
        type: "pattern",
        text: "Inputs debounce by 200 ms",
        classification: "observational",
        evidence: { files: ["src/form/**"] },
      },
      { author: "a" },
    );
    const sibling = await store.record(
      {
        domain: "forms",
        type: "convention",
        text: "Validation errors use FieldError",
        evidence: { files: ["src/form/errors.ts"] },
      },
      { author: "a" },
    );
    const sameDomain = await store.record(
      { domain: "forms", type: "convention", text: "Forms are uncontrolled" },
      { author: "a" },
    );
    const plan = await store.prime({ files: ["src/form/input.ts"], budgetChars: 10_000 });
    expect(plan.domains).toEqual(["forms"]);
    expect(plan.included.map((r) => r.id)).toEqual([
      direct.record.id,
      sibling.record.id,
      sameDomain.record.id,
    ]);
    expect(plan.markdown).not.toContain("imperative");
    const all = await store.prime({ budgetChars: 10_000 });
    expect(all.domains).toEqual(["forms", "git"]);
    const some = await store.prime({ domains: ["git"], budgetChars: 10_000 });
    expect(some.included.map((r) => r.domain)).toEqual(["git"]);
  });

  it("export then import into an empty store gives the same export", async () => {
    const store = new MemoryStore(tempDir(), { shelfLife: SHELF });
    await store.record(
      {
        domain: "git",
        type: "failure",
        text: "npm test needs .env",
        resolution: "copy .env.example",
      },
      { author: "a" },
    );
    const decision = await store.record(
      { domain: "api", type: "decision", text: "REST, not GraphQL", rationale: "simple" },
      { author: "b" },
    );
    await store.confirm(decision.record.id, "c");
    await store.forget(
      (await store.record({ domain: "api", type: "reference", text: "old doc" }, { author: "a" }))
        .record.id,
    );
    for (const format of ["md", "json"] as const) {
      const exported = await store.export(format);
      const other = new MemoryStore(tempDir(), { shelfLife: SHELF });
      expect(await other.import(exported.text)).toMatchObject({
        added: 3,
        updated: 0,
        domains: ["api", "git"],
      });
      expect((await other.export(format)).text).toBe(exported.text);
      expect(await other.import(exported.text)).toMatchObject({
        added: 0,
        updated: 0,
        unchanged: 3,
      });
    }
  });

  it("a hand-corrupted domain file is reported with its path, left byte for byte, and other domains work", async () => {
    const dir = tempDir();
    const store = new MemoryStore(dir, { shelfLife: SHELF });
    await store.record(
      { domain: "good", type: "convention", text: "Still works" },
      { author: "a" },
    );
    const bad = path.join(dir, "broken.json");
    const junk = '{"version":1,"records":[{"id":"m-aaaaaaaa", oops\n';
    writeFileSync(bad, junk);
    const badSchema = path.join(dir, "wrong.json");
    const wrong = JSON.stringify({ version: 1, records: [{ id: "m-bbbbbbbb", text: 3 }] });
    writeFileSync(badSchema, wrong);

    const loaded = await store.load();
    expect(loaded.records.map((r) => r.text)).toEqual(["Still works"]);
    expect(loaded.problems.map((p) => p.file)).toEqual([bad, badSchema]);
    expect(loaded.problems[0]?.message).toContain(bad);
    expect(loaded.problems[0]?.message).toMatch(/not valid JSON/);
    expect(loaded.problems[1]?.message).toMatch(/wrong\.json is invalid at records\.0/);

    const error = await store
      .record({ domain: "broken", type: "convention", text: "new" }, { author: "a" })
      .catch((e: unknown) => e);
    expect(isFlotillaError(error, "INVALID_STATE_FILE")).toBe(true);
    expect((error as Error).message).toContain(bad);
    expect(readFileSync(bad, "utf8")).toBe(junk);
    expect(readFileSync(badSchema, "utf8")).toBe(wrong);

    await store.record({ domain: "good", type: "pattern", text: "Another one" }, { author: "a" });
    expect((await store.search("another")).hits).toHaveLength(1);
    expect((await store.prime({ budgetChars: 10_000 })).included).toHaveLength(2);
    expect((await store.domains()).problems).toHaveLength(2);
  });

  it("memory.dir may point inside the repository", () => {
    expect(memoryDir("/repo", { memory: {} })).toBe("/repo/.flotilla/memory");
    expect(memoryDir("/repo", { memory: { dir: "team/memory" } })).toBe("/repo/team/memory");
  });
});

describe("fileTie", () => {
  const rec = (files: string[]) => ({ evidence: { files } }) as unknown as MemoryRecord;
  it("matches paths, globs both ways, same folder and containing folders", () => {
    expect(fileTie(rec(["src/form/input.ts"]), ["./src/form/input.ts"])).toBe(2);
    expect(fileTie(rec(["src/form/**"]), ["src/form/deep/a.ts"])).toBe(2);
    expect(fileTie(rec(["src/form/a.ts"]), ["src/**/*.ts"])).toBe(2);
    expect(fileTie(rec(["src/form/a.ts"]), ["src/form/b.ts"])).toBe(1);
    expect(fileTie(rec(["src/form/"]), ["src/form/deep/b.ts"])).toBe(1);
    expect(fileTie(rec(["src/form/a.ts"]), ["src/other/b.ts"])).toBe(0);
    expect(fileTie(rec([]), ["x"])).toBe(0);
  });
});

describe("DocumentFolder", () => {
  it("lists only <key>.json files and refuses keys that are not file names", async () => {
    const dir = tempDir();
    const folder = new DocumentFolder(dir, MemoryDomainFile);
    await folder.update("b", () => undefined);
    await folder.update("a", () => undefined);
    mkdirSync(path.join(dir, "c.json.lock"), { recursive: true });
    writeFileSync(path.join(dir, ".a.json.tmp"), "partial");
    writeFileSync(path.join(dir, "notes.txt"), "x");
    expect(await folder.keys()).toEqual(["a", "b"]);
    expect(() => folder.fileOf("../x")).toThrow(/cannot name a file/);
    expect(await new DocumentFolder(path.join(dir, "missing"), MemoryDomainFile).keys()).toEqual(
      [],
    );
  });
});

describe("many processes recording at once", () => {
  const storeUrl = pathToFileURL(path.join(REPO, "dist/store/memory-store.js")).href;
  beforeAll(() => {
    // dist/ is built by vitest's global setup.
    readFileSync(path.join(REPO, "dist/store/memory-store.js"));
  });

  it("16 processes × 50 records into one domain: all 800 present, the file valid", async () => {
    const dir = tempDir();
    const script = path.join(dir, "writer.mjs");
    writeFileSync(
      script,
      `import { MemoryStore } from ${JSON.stringify(storeUrl)};
const [dir, p] = process.argv.slice(2);
const store = new MemoryStore(dir, { shelfLife: { tactical: 14, observational: 30 } });
for (let i = 0; i < 50; i++)
  await store.record({ domain: "shared", type: "pattern", text: "process " + p + " record " + i, tags: ["p" + p] }, { author: "agent" + p });
`,
    );
    const run = (p: number) =>
      new Promise<number | null>((resolve, reject) => {
        const child = spawn(process.execPath, [script, path.join(dir, "memory"), String(p)], {
          stdio: ["ignore", "ignore", "inherit"],
        });
        child.on("error", reject);
        child.on("exit", resolve);
      });
    const codes = await Promise.all(Array.from({ length: 16 }, (_, p) => run(p)));
    expect(codes).toEqual(Array(16).fill(0));
    const file = path.join(dir, "memory", "shared.json");
    const parsed = MemoryDomainFile.parse(JSON.parse(readFileSync(file, "utf8")));
    expect(parsed.records).toHaveLength(800);
    const texts = new Set(parsed.records.map((r) => r.text));
    for (let p = 0; p < 16; p++)
      for (let i = 0; i < 50; i++) expect(texts.has(`process ${p} record ${i}`)).toBe(true);
    expect(new Set(parsed.records.map((r) => r.id)).size).toBe(800);
  }, 180_000);
});
