import { randomBytes } from "node:crypto";
import path from "node:path";
import type MiniSearchType from "minisearch";
import type picomatchType from "picomatch";
import { createRequire } from "node:module";
import { FlotillaError } from "../core/errors.js";
import {
  applyRecord,
  archiveRecord,
  assertDomain,
  confirmRecord,
  domainsNamedIn,
  editRecord,
  filesNamedIn,
  exportJson,
  exportMarkdown,
  isExpired,
  mergeImported,
  MEMORY_ID_PATTERN,
  MemoryDomainFile,
  parseImport,
  planPrime,
  searchBoost,
  selectPrune,
  type FileTie,
  type MemoryConfig,
  type MemoryEdit,
  type MemoryInput,
  type MemoryRecord,
  type MemoryType,
  type PrimePlan,
  type PruneFilter,
  type RecordOutcome,
  type ShelfLife,
} from "../core/memory.js";
import { sanitizeLine } from "../core/sanitize.js";
import { DocumentFolder, type FolderProblem } from "./document-folder.js";

// MiniSearch and picomatch load on first use: `memory prime` needs no search index and a
// prime without files no glob matcher, and a short command should not pay for either.
const requireLazy = createRequire(import.meta.url);
let picomatchModule: typeof picomatchType | undefined;
let miniSearchModule: typeof MiniSearchType | undefined;
const picomatch = (): typeof picomatchType =>
  (picomatchModule ??= requireLazy("picomatch") as typeof picomatchType);
const MiniSearch = (): typeof MiniSearchType =>
  (miniSearchModule ??= requireLazy("minisearch") as typeof MiniSearchType);

/**
 * The memory store: one {@link DocumentFolder} of domain files, `<dir>/<domain>.json`, each
 * `{"version":1,"records":[…]}` (see `MemoryDomainFile`). `dir` is `.flotilla/memory` unless
 * config `memory.dir` names another folder (relative to the repository root), e.g. one a
 * team commits. Recording locks only the domain it writes, so agents recording into
 * different domains never wait for each other; a corrupt domain file is reported (path and
 * first problem) and left untouched while the other domains keep working.
 */

/** The memory folder for a project at `root` with `config`'s `memory` settings (absolute). */
export function memoryDir(root: string, config: { memory: Pick<MemoryConfig, "dir"> }): string {
  return path.resolve(root, config.memory.dir ?? path.join(".flotilla", "memory"));
}

/** A fresh record id, `m-` and 8 base-36 characters from 40 random bits. */
export function newMemoryId(): string {
  const n = randomBytes(5).readUIntBE(0, 5);
  return `m-${n.toString(36).padStart(8, "0").slice(-8)}`;
}

/** One domain in {@link MemoryStore.domains}: record counts by state (expired counts active ones past their shelf life). */
export interface DomainSummary {
  domain: string;
  active: number;
  archived: number;
  expired: number;
}

/** Records read from the folder, and the domain files that could not be read. */
export interface LoadResult {
  records: MemoryRecord[];
  problems: FolderProblem[];
}

/** One search hit: the record and its boosted score (higher is better). */
export interface SearchHit {
  record: MemoryRecord;
  score: number;
}

/** Options for {@link MemoryStore.search}. */
export interface SearchOptions {
  domain?: string;
  type?: MemoryType;
  /** Include archived records (default: active only). */
  includeArchived?: boolean;
  /** Most hits returned (default 20; 0 for all). */
  limit?: number;
  now?: Date;
}

/** Options for {@link MemoryStore.prime}. */
export interface PrimeRequest {
  /** Domains to prime; with `files` and without domains, the domains of the tied records. Neither: every domain. */
  domains?: readonly string[];
  /** Paths (or globs) relative to the repository root the agent will work on. */
  files?: readonly string[];
  /** Largest markdown in characters. */
  budgetChars: number;
  now?: Date;
}

/**
 * How strongly `record` is tied to `files`: 2 when an evidence path or glob matches one of
 * them (or one of them, as a glob, matches an evidence path), 1 when an evidence path is in
 * the same folder as one of them or is a folder containing it, else 0. Paths are compared
 * relative to the repository root with `/` separators (picomatch, dotfiles included).
 */
export function fileTie(record: MemoryRecord, files: readonly string[]): FileTie {
  let best: FileTie = 0;
  for (const raw of record.evidence.files) {
    const evidence = normalizePath(raw);
    const matchEvidence = picomatch()(evidence, { dot: true });
    for (const rawFile of files) {
      const file = normalizePath(rawFile);
      if (
        evidence === file ||
        matchEvidence(file) ||
        (picomatch().scan(file).isGlob && picomatch().isMatch(evidence, file, { dot: true }))
      )
        return 2;
      const folder = evidence.endsWith("/") ? evidence : `${path.posix.dirname(evidence)}/`;
      if (file.startsWith(folder) && !file.slice(folder.length).includes("/")) best = 1;
      else if (evidence.endsWith("/") && file.startsWith(evidence)) best = 1;
    }
  }
  return best;
}

function normalizePath(p: string): string {
  return p.replace(/\\/g, "/").replace(/^\.\//, "");
}

/** The memory of one project; see the module comment for layout and guarantees. */
export class MemoryStore {
  readonly folder: DocumentFolder<typeof MemoryDomainFile>;
  readonly shelfLife: ShelfLife;

  constructor(dir: string, settings: { shelfLife: ShelfLife }) {
    this.folder = new DocumentFolder(dir, MemoryDomainFile);
    this.shelfLife = settings.shelfLife;
  }

  /** The store for a project root and its config (`memory.dir`, `memory.shelfLifeDays`). */
  static forProject(root: string, config: { memory: MemoryConfig }): MemoryStore {
    return new MemoryStore(memoryDir(root, config), { shelfLife: config.memory.shelfLifeDays });
  }

  get dir(): string {
    return this.folder.dir;
  }

  /**
   * Records `input` in its domain under that domain's lock: a new record, or, when the same
   * text is already there, that record updated and confirmed by `author` (no duplicate).
   * @throws FlotillaError INVALID_INPUT, INVALID_STATE_FILE (corrupt domain file, left
   *   untouched), LOCK_FAILED.
   */
  async record(
    input: MemoryInput,
    context: { author: string; now?: Date },
  ): Promise<RecordOutcome> {
    assertDomain(input.domain);
    let outcome: RecordOutcome | undefined;
    await this.folder.update(input.domain, (doc) => {
      let id = newMemoryId();
      while (doc.records.some((r) => r.id === id)) id = newMemoryId();
      outcome = applyRecord(doc.records, input, {
        author: context.author,
        now: context.now ?? new Date(),
        id,
      });
      doc.records = outcome.records;
    });
    return outcome as RecordOutcome;
  }

  /** Domains with a file, sorted, with counts. Unreadable files are in `problems`. */
  async domains(now: Date = new Date()): Promise<{
    domains: DomainSummary[];
    problems: FolderProblem[];
  }> {
    const { documents, problems } = await this.folder.readAll();
    const domains = [...documents].map(([domain, doc]) => {
      const active = doc.records.filter((r) => r.state === "active");
      return {
        domain,
        active: active.length,
        archived: doc.records.length - active.length,
        expired: active.filter((r) => isExpired(r, now, this.shelfLife)).length,
      };
    });
    return { domains, problems };
  }

  /** Every record of `domains` (default: every domain), any state. */
  async load(domains?: readonly string[]): Promise<LoadResult> {
    for (const domain of domains ?? []) assertDomain(domain);
    const { documents, problems } = await this.folder.readAll(domains);
    const records: MemoryRecord[] = [];
    for (const doc of documents.values()) records.push(...doc.records);
    return { records, problems };
  }

  /**
   * The record with `id` and the problems met looking for it.
   * @throws FlotillaError INVALID_INPUT when `id` is not a record id or no domain has it.
   */
  async find(id: string): Promise<{ record: MemoryRecord; problems: FolderProblem[] }> {
    assertId(id);
    const { records, problems } = await this.load();
    const record = records.find((r) => r.id === id);
    if (!record) throw unknownId(id, problems);
    return { record, problems };
  }

  /** Confirms record `id` once more as `by`. @throws FlotillaError as {@link find}. */
  confirm(id: string, by: string, now: Date = new Date()): Promise<MemoryRecord> {
    return this.change(id, (record) => confirmRecord(record, by, now));
  }

  /**
   * Changes record `id`'s text, type, classification, tags, resolution, rationale or files
   * (see `editRecord`: a text another record of the domain has is refused).
   * @throws FlotillaError as {@link find}, INVALID_INPUT.
   */
  async edit(id: string, edit: MemoryEdit, now: Date = new Date()): Promise<MemoryRecord> {
    const { record: found } = await this.find(id);
    let changed: MemoryRecord | undefined;
    await this.folder.update(found.domain, (doc) => {
      const index = doc.records.findIndex((r) => r.id === id);
      if (index < 0) return;
      changed = editRecord(doc.records[index] as MemoryRecord, edit, doc.records, now);
      doc.records[index] = changed;
    });
    if (!changed) throw unknownId(id, []);
    return changed;
  }

  /** Archives record `id` (kept on disk, left out of search and prime). @throws as {@link find}. */
  forget(id: string, now: Date = new Date()): Promise<MemoryRecord> {
    return this.change(id, (record) => archiveRecord(record, now));
  }

  /** Applies `fn` to record `id` under its domain's lock and returns the result. */
  private async change(
    id: string,
    fn: (record: MemoryRecord) => MemoryRecord,
  ): Promise<MemoryRecord> {
    const { record: found } = await this.find(id);
    let changed: MemoryRecord | undefined;
    await this.folder.update(found.domain, (doc) => {
      const index = doc.records.findIndex((r) => r.id === id);
      if (index < 0) return; // removed meanwhile: reported below
      changed = fn(doc.records[index] as MemoryRecord);
      doc.records[index] = changed;
    });
    if (!changed) throw unknownId(id, []);
    return changed;
  }

  /**
   * Archives the active records `filter` picks (nothing is deleted); with `dryRun`, only
   * says which. Returns the records picked.
   */
  async prune(
    filter: PruneFilter,
    options: { dryRun?: boolean; now?: Date } = {},
  ): Promise<{ records: MemoryRecord[]; problems: FolderProblem[] }> {
    const now = options.now ?? new Date();
    const { records, problems } = await this.load();
    const picked = selectPrune(records, filter, now, this.shelfLife);
    if (options.dryRun || picked.length === 0) return { records: picked, problems };
    const done: MemoryRecord[] = [];
    for (const domain of new Set(picked.map((r) => r.domain))) {
      await this.folder.update(domain, (doc) => {
        const chosen = new Set(
          selectPrune(doc.records, filter, now, this.shelfLife).map((r) => r.id),
        );
        doc.records = doc.records.map((r) => {
          if (!chosen.has(r.id)) return r;
          const archived = archiveRecord(r, now);
          done.push(archived);
          return archived;
        });
      });
    }
    return { records: done, problems };
  }

  /**
   * Full-text search with MiniSearch (BM25 with k1 1.5, b 0.75; prefix and fuzzy matching)
   * over text, tags, resolution, rationale and evidence paths, each score multiplied by
   * `searchBoost` (confirmations and recency). Filters apply before ranking.
   */
  async search(
    query: string,
    options: SearchOptions = {},
  ): Promise<{ hits: SearchHit[]; problems: FolderProblem[] }> {
    const now = options.now ?? new Date();
    const { records, problems } = await this.load(options.domain ? [options.domain] : undefined);
    const pool = records.filter(
      (r) =>
        (options.includeArchived || r.state === "active") &&
        (options.type === undefined || r.type === options.type),
    );
    return { hits: rankRecords(pool, query, now, options.limit ?? 20), problems };
  }

  /**
   * The prime for `request` (see `planPrime` for order and budget). Domains: `domains` when
   * given, else with `files` the domains of records tied to those files, else every domain;
   * records tied to `files` in any domain are added too.
   */
  async prime(
    request: PrimeRequest,
  ): Promise<PrimePlan & { problems: FolderProblem[]; domains: string[] }> {
    const files = request.files ?? [];
    const wanted = request.domains && request.domains.length > 0 ? request.domains : undefined;
    // Ties can be in any domain, so files need every domain read.
    const { records, problems } = await this.load(files.length > 0 ? undefined : wanted);
    const tie = new Map<string, FileTie>();
    if (files.length > 0) for (const r of records) tie.set(r.id, fileTie(r, files));
    const tiedDomains = new Set(
      records.filter((r) => (tie.get(r.id) ?? 0) > 0).map((r) => r.domain),
    );
    const domains = wanted
      ? new Set(wanted)
      : files.length > 0
        ? tiedDomains
        : new Set(records.map((r) => r.domain));
    const pool = records.filter((r) => domains.has(r.domain) || (tie.get(r.id) ?? 0) > 0);
    const plan = planPrime(pool, {
      budgetChars: request.budgetChars,
      now: request.now ?? new Date(),
      shelfLife: this.shelfLife,
      tie: (r) => tie.get(r.id) ?? 0,
    });
    return { ...plan, problems, domains: [...new Set([...domains, ...tiedDomains])].sort() };
  }

  /** Every record (any state) as an export, sorted and stable: `md` or `json`. */
  async export(
    format: "md" | "json",
  ): Promise<{ text: string; count: number; problems: FolderProblem[] }> {
    const { records, problems } = await this.load();
    return {
      text: format === "json" ? exportJson(records) : exportMarkdown(records),
      count: records.length,
      problems,
    };
  }

  /**
   * Imports an export (markdown or JSON): each domain merged under its lock (see
   * `mergeImported`; importing twice changes nothing).
   * @throws FlotillaError INVALID_INPUT for a malformed export (nothing is written).
   */
  async import(
    text: string,
  ): Promise<{ added: number; updated: number; unchanged: number; domains: string[] }> {
    const incoming = parseImport(text);
    const byDomain = new Map<string, MemoryRecord[]>();
    for (const record of incoming) {
      const list = byDomain.get(record.domain) ?? [];
      list.push(record);
      byDomain.set(record.domain, list);
    }
    // Every domain name checked before anything is written: a bad one fails the whole import.
    for (const domain of byDomain.keys()) assertDomain(domain);
    const total = { added: 0, updated: 0, unchanged: 0 };
    for (const [domain, list] of [...byDomain].sort(([a], [b]) => (a < b ? -1 : 1))) {
      await this.folder.update(domain, (doc) => {
        const merged = mergeImported(doc.records, list);
        doc.records = merged.records;
        total.added += merged.added;
        total.updated += merged.updated;
        total.unchanged += merged.unchanged;
      });
    }
    return { ...total, domains: [...byDomain.keys()].sort() };
  }
}

/**
 * Ranks `records` for `query` (see {@link MemoryStore.search}); at most `limit` hits (0:
 * all), best first, ties by id. An empty query matches nothing.
 */
export function rankRecords(
  records: readonly MemoryRecord[],
  query: string,
  now: Date,
  limit = 20,
): SearchHit[] {
  if (query.trim().length === 0 || records.length === 0) return [];
  const byId = new Map(records.map((r) => [r.id, r]));
  const Search = MiniSearch();
  const index = new Search<MemoryRecord>({
    fields: ["text", "tags", "resolution", "rationale", "files"],
    storeFields: [],
    extractField: (record, field) => {
      if (field === "id") return record.id;
      if (field === "tags") return record.tags.join(" ");
      if (field === "files") return record.evidence.files.join(" ");
      const value = record[field as "text" | "resolution" | "rationale"];
      return typeof value === "string" ? value : "";
    },
    searchOptions: {
      prefix: true,
      fuzzy: 0.2,
      boost: { text: 2, tags: 1.5 },
      bm25: { k: 1.5, b: 0.75, d: 0.5 },
    },
  });
  index.addAll([...byId.values()]);
  const results = index.search(query, {
    boostDocument: (id) => {
      const record = byId.get(id as string);
      return record ? searchBoost(record, now) : 1;
    },
  });
  const hits = results
    .map((r) => ({ record: byId.get(r.id as string) as MemoryRecord, score: r.score }))
    .sort((a, b) => b.score - a.score || (a.record.id < b.record.id ? -1 : 1));
  return limit > 0 ? hits.slice(0, limit) : hits;
}

function assertId(id: string): void {
  if (!MEMORY_ID_PATTERN.test(id))
    throw new FlotillaError(
      "INVALID_INPUT",
      `"${sanitizeLine(id)}" is not a memory id (like m-k3v9x0qa): copy one from "flotilla memory list"`,
    );
}

function unknownId(id: string, problems: FolderProblem[]): FlotillaError {
  const note =
    problems.length > 0
      ? ` (${problems.length} domain file(s) could not be read: ${problems.map((p) => p.file).join(", ")})`
      : "";
  return new FlotillaError(
    "INVALID_INPUT",
    `no memory record ${id}${note}: see "flotilla memory list"`,
  );
}

/** What `spawn --memory` primes: named domains, or `auto` (from the task's text). */
export interface AgentPrimeRequest {
  /** `auto`, or comma-separated domains. */
  memory: string;
  /** The agent's task text (first prompt); `auto` reads files and domains from it. */
  task?: string;
  budgetChars: number;
  now?: Date;
}

/**
 * The primer for a new agent. `auto`: records tied to the files the task names (see
 * `filesNamedIn`) with their domains, plus the domains it names by name; every domain when
 * none is tied or named. Otherwise the listed domains.
 * @throws FlotillaError INVALID_INPUT for a bad domain name or an empty list.
 */
export async function primeForAgent(
  store: MemoryStore,
  request: AgentPrimeRequest,
): Promise<PrimePlan & { problems: FolderProblem[]; domains: string[]; files: string[] }> {
  const spec = request.memory.trim();
  const base = { budgetChars: request.budgetChars, ...(request.now ? { now: request.now } : {}) };
  if (spec === "auto") {
    const text = request.task ?? "";
    const files = filesNamedIn(text);
    const named = domainsNamedIn(text, await store.folder.keys());
    const tied = files.length > 0 ? (await store.prime({ ...base, files })).domains : [];
    const domains = [...new Set([...tied, ...named])];
    // Nothing tied or named: every domain, most useful first, is still the best guess.
    if (domains.length === 0) return { ...(await store.prime(base)), files };
    return { ...(await store.prime({ ...base, domains, files })), files };
  }
  const domains = spec
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d.length > 0);
  if (domains.length === 0)
    throw new FlotillaError(
      "INVALID_INPUT",
      '--memory needs domains (e.g. --memory forms,git) or "auto"',
    );
  return { ...(await store.prime({ ...base, domains })), files: [] };
}
