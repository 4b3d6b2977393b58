import { readStdinText } from "./stdin.js";
import { readFile, writeFile, rename } from "node:fs/promises";
import path from "node:path";
import { Option, type Command } from "commander";
import { FlotillaError } from "../core/errors.js";
import {
  DEFAULT_PRIME_TOKENS,
  MEMORY_CLASSIFICATIONS,
  MEMORY_TYPES,
  type MemoryClassification,
  type MemoryType,
} from "../core/memory-kinds.js";
import { checkAgentName } from "../core/names.js";
import { sanitizeForTerminal, sanitizeLine } from "../core/sanitize.js";
import type { MemoryRecord } from "../core/memory.js";
import type { FolderProblem } from "../store/document-folder.js";
import { registerMemoryAccept } from "./memory-accept.js";

// Only zod-free modules are imported up front: every flotilla command registers this group,
// so the store, the schemas, MiniSearch and picomatch load inside the actions (see `load`).

/** The modules the actions need, loaded on first use. */
async function load() {
  const [core, store, project, mail] = await Promise.all([
    import("../core/memory.js"),
    import("../store/memory-store.js"),
    import("../store/project.js"),
    import("../core/mail.js"),
  ]);
  return { ...core, ...store, ...project, parseDuration: mail.parseDuration };
}

/** The world the memory commands touch, handed in so tests can run them in-process. */
export interface MemoryIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** All of stdin as UTF-8 (for `--text -` and `import -`). */
  readStdin(): Promise<string>;
}

/** The real process: its cwd, environment, stdout, stderr and stdin. */
export function processIo(): MemoryIo {
  return {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    readStdin: readStdinText,
  };
}

/**
 * Who is recording: `$FLOTILLA_AGENT` inside an agent (every agent's environment has it),
 * else the human, as `human:<$USER>` (or `human`).
 * @throws FlotillaError INVALID_INPUT when `FLOTILLA_AGENT` is not a valid agent name.
 */
export function memoryAuthor(env: NodeJS.ProcessEnv): string {
  const agent = env.FLOTILLA_AGENT?.trim();
  if (agent) {
    const problem = checkAgentName(agent);
    if (problem)
      throw new FlotillaError(
        "INVALID_INPUT",
        `FLOTILLA_AGENT="${sanitizeLine(agent)}" is not a valid agent name: ${problem}`,
      );
    return agent;
  }
  const user = (env.USER ?? env.LOGNAME ?? "").replace(/[^A-Za-z0-9._-]/g, "");
  return user ? `human:${user}` : "human";
}

/** Registers `memory record|prime|search|list|show|confirm|edit|forget|prune|export|import|accept`. */
export function registerMemoryCommands(program: Command, io: MemoryIo = processIo()): void {
  const memory = program
    .command("memory")
    .description(
      "shared memory: record what agents learn, search it, prime agents with it (.flotilla/memory/)",
    );

  const typeOption = (what: string) =>
    new Option("--type <type>", what).choices(MEMORY_TYPES as unknown as string[]);
  const classOption = () =>
    new Option(
      "--classification <class>",
      "how long it stays true: foundational (always), tactical (14 d), observational (30 d)",
    ).choices(MEMORY_CLASSIFICATIONS as unknown as string[]);

  memory
    .command("record")
    .description(
      "record a convention, pattern, failure, decision or reference in a domain; the same text again updates and confirms it",
    )
    .argument("<domain>", "area it belongs to, e.g. forms, git, api (one file per domain)")
    .addOption(typeOption("what kind of record").makeOptionMandatory())
    .requiredOption("--text <text>", 'the record, one fact; "-" reads it from stdin')
    .addOption(classOption())
    .option("--tags <tags>", "comma-separated tags", splitList)
    .option("--resolution <text>", "for a failure: what fixed it (required for failures)")
    .option("--rationale <text>", "for a decision: why (required for decisions)")
    .option(
      "--evidence-file <path>",
      "a file or glob it rests on, relative to the repository root (repeatable)",
      collect,
      [],
    )
    .option("--commit <sha>", "commit it rests on")
    .option("--task <id>", "task it came from (default $FLOTILLA_TASK)")
    .option("--json", "print the record as JSON")
    .addHelpText(
      "after",
      '\nExample: flotilla memory record git --type failure --text "npm test fails if .env is missing" --resolution "copy .env.example first"\nThe author is $FLOTILLA_AGENT (inside an agent) or you.',
    )
    .action(async (domain: string, options: RecordOptions) => {
      const author = memoryAuthor(io.env);
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const text = options.text === "-" ? await io.readStdin() : options.text;
      const task = options.task ?? io.env.FLOTILLA_TASK?.trim();
      const outcome = await store.record(
        {
          domain,
          type: options.type,
          text,
          ...(options.classification ? { classification: options.classification } : {}),
          ...(options.tags ? { tags: options.tags } : {}),
          ...(options.resolution !== undefined ? { resolution: options.resolution } : {}),
          ...(options.rationale !== undefined ? { rationale: options.rationale } : {}),
          evidence: {
            files: options.evidenceFile,
            ...(options.commit ? { commit: options.commit } : {}),
            ...(task ? { task } : {}),
            ...(io.env.FLOTILLA_AGENT?.trim() ? { agent: author } : {}),
          },
        },
        { author },
      );
      project.log("memory.recorded", {
        ...(io.env.FLOTILLA_AGENT ? { agent: author } : {}),
        detail: { id: outcome.record.id, domain, created: outcome.created },
      });
      if (options.json) {
        io.stdout.write(
          JSON.stringify({ created: outcome.created, record: outcome.record }, null, 2) + "\n",
        );
        return;
      }
      const r = outcome.record;
      io.stdout.write(
        outcome.created
          ? `recorded ${r.id} in ${r.domain} (${r.type}, ${r.classification})\n`
          : `already recorded as ${r.id} in ${r.domain}: updated and confirmed (${r.confirmations.length} confirmation(s))\n`,
      );
    });

  memory
    .command("prime")
    .description(
      "print markdown for an agent's context: the most useful records within a budget (expired ones left out)",
    )
    .argument("[domains...]", "domains to prime (default: all, or those tied to --files)")
    .option(
      "--files <paths>",
      "comma-separated files (or globs) the agent works on: records tied to them come first, with their domains",
      splitList,
    )
    .option(
      "--budget <tokens>",
      `budget in approximate tokens, characters / 4 (default memory.budgetTokens, ${DEFAULT_PRIME_TOKENS})`,
      parsePositive("--budget"),
    )
    .option("--chars <n>", "budget in characters instead of tokens", parsePositive("--chars"))
    .option("--dry-run", "show what would be primed and its size, not the markdown")
    .option("--json", "print the plan as JSON (markdown, record ids, sizes, counts)")
    .action(async (domains: string[], options: PrimeOptionsCli) => {
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const config = await project.readConfig();
      const store = MemoryStore.forProject(project.root, config);
      const budgetChars = options.chars ?? (options.budget ?? config.memory.budgetTokens) * 4;
      const plan = await store.prime({
        domains,
        ...(options.files ? { files: options.files } : {}),
        budgetChars,
      });
      warnProblems(io, plan.problems);
      if (options.json) {
        io.stdout.write(
          JSON.stringify(
            {
              domains: plan.domains,
              budgetChars,
              chars: plan.chars,
              tokens: plan.tokens,
              included: plan.included.map((r) => r.id),
              leftOut: plan.leftOut.length,
              expired: plan.expired.length,
              markdown: plan.markdown,
            },
            null,
            2,
          ) + "\n",
        );
        return;
      }
      if (options.dryRun) {
        io.stdout.write(
          `would prime ${plan.included.length} record(s): ${plan.chars} characters (~${plan.tokens} tokens) of a ${budgetChars}-character budget (~${Math.floor(budgetChars / 4)} tokens)\n` +
            `left out for the budget: ${plan.leftOut.length}; expired (past shelf life): ${plan.expired.length}; domains: ${plan.domains.join(", ") || "none"}\n`,
        );
        for (const r of plan.included) io.stdout.write(recordRow(r) + "\n");
        return;
      }
      io.stdout.write(plan.markdown);
    });

  memory
    .command("search")
    .description(
      "full-text search (BM25, prefix and fuzzy) over text, tags, resolution, rationale and evidence paths",
    )
    .argument("<query...>", "words to look for")
    .option("--domain <domain>", "only this domain")
    .addOption(typeOption("only this type"))
    .option("--archived", "include archived records")
    .option("--limit <n>", "at most this many hits (0 for all)", parseCount, 20)
    .option("--json", "print hits as JSON (record and score)")
    .addHelpText(
      "after",
      "\nScores are MiniSearch's BM25 (k1 1.5, b 0.75) times a boost for confirmations and recency:\n(1 + 0.25·log2(1 + confirmations)) · (0.75 + 0.25·2^(−days since last seen / 30)).",
    )
    .action(async (words: string[], options: SearchOptionsCli) => {
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const { hits, problems } = await store.search(words.join(" "), {
        ...(options.domain ? { domain: options.domain } : {}),
        ...(options.type ? { type: options.type } : {}),
        includeArchived: options.archived ?? false,
        limit: options.limit,
      });
      warnProblems(io, problems);
      if (options.json) {
        io.stdout.write(JSON.stringify(hits, null, 2) + "\n");
        return;
      }
      if (hits.length === 0) {
        io.stdout.write("no matching records\n");
        return;
      }
      for (const hit of hits)
        io.stdout.write(`${hit.score.toFixed(2).padStart(6)}  ${recordRow(hit.record)}\n`);
    });

  memory
    .command("list")
    .description("list records (newest first), or with --domains the domains and their counts")
    .option("--domain <domain>", "only this domain")
    .addOption(typeOption("only this type"))
    .option("--archived", "include archived records")
    .option("--domains", "list domains with counts instead of records")
    .option("--json", "print as JSON")
    .action(async (options: ListOptionsCli) => {
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      if (options.domains) {
        const { domains, problems } = await store.domains();
        warnProblems(io, problems);
        if (options.json) io.stdout.write(JSON.stringify(domains, null, 2) + "\n");
        else if (domains.length === 0) io.stdout.write("no domains yet\n");
        else
          for (const d of domains)
            io.stdout.write(
              `${pad(d.domain, 20)} ${String(d.active).padStart(5)} active  ${String(d.archived).padStart(5)} archived  ${String(d.expired).padStart(5)} expired\n`,
            );
        return;
      }
      const { records, problems } = await store.load(options.domain ? [options.domain] : undefined);
      warnProblems(io, problems);
      const shown = records
        .filter(
          (r) =>
            (options.archived || r.state === "active") &&
            (options.type === undefined || r.type === options.type),
        )
        .sort((a, b) =>
          a.updated < b.updated ? 1 : a.updated > b.updated ? -1 : a.id < b.id ? -1 : 1,
        );
      if (options.json) {
        io.stdout.write(JSON.stringify(shown, null, 2) + "\n");
        return;
      }
      if (shown.length === 0) {
        io.stdout.write(
          'no records: flotilla memory record <domain> --type convention --text "..."\n',
        );
        return;
      }
      for (const r of shown) io.stdout.write(recordRow(r) + "\n");
    });

  memory
    .command("show")
    .description("show one record in full: text, evidence, confirmations")
    .argument("<id>", "record id, as list and search show it")
    .option("--json", "print the record as JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const { record } = await store.find(id);
      io.stdout.write(options.json ? JSON.stringify(record, null, 2) + "\n" : formatRecord(record));
    });

  memory
    .command("confirm")
    .description("confirm a record still holds (it ranks higher and its shelf life starts again)")
    .argument("<id>", "record id")
    .action(async (id: string) => {
      const by = memoryAuthor(io.env);
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const record = await store.confirm(id, by);
      io.stdout.write(`confirmed ${record.id} (${record.confirmations.length} confirmation(s))\n`);
    });

  memory
    .command("edit")
    .description(
      "change a record's text, type, classification, tags, resolution, rationale or files",
    )
    .argument("<id>", "record id")
    .option("--text <text>", "new text")
    .addOption(typeOption("new type"))
    .addOption(classOption())
    .option("--tags <tags>", "comma-separated tags (replaces them)", splitList)
    .option("--resolution <text>", "new resolution (for a failure)")
    .option("--rationale <text>", "new rationale (for a decision)")
    .option("--evidence-file <path>", "evidence file or glob (repeatable; replaces them)", collect)
    .option("--json", "print the record as JSON")
    .action(async (id: string, options: EditOptionsCli) => {
      const edit = {
        ...(options.text !== undefined ? { text: options.text } : {}),
        ...(options.type !== undefined ? { type: options.type } : {}),
        ...(options.classification !== undefined ? { classification: options.classification } : {}),
        ...(options.tags !== undefined ? { tags: options.tags } : {}),
        ...(options.resolution !== undefined ? { resolution: options.resolution } : {}),
        ...(options.rationale !== undefined ? { rationale: options.rationale } : {}),
        ...(options.evidenceFile !== undefined ? { files: options.evidenceFile } : {}),
      };
      if (Object.keys(edit).length === 0)
        throw new FlotillaError(
          "INVALID_INPUT",
          "nothing to change: pass --text, --type, --tags, …",
        );
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const record = await store.edit(id, edit);
      io.stdout.write(
        options.json
          ? JSON.stringify(record, null, 2) + "\n"
          : `edited ${record.id} in ${record.domain}\n`,
      );
    });

  memory
    .command("forget")
    .description(
      "archive a record: kept on disk, no longer searched or primed (nothing is deleted)",
    )
    .argument("<id>", "record id")
    .action(async (id: string) => {
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const record = await store.forget(id);
      io.stdout.write(
        `archived ${record.id} in ${record.domain} (flotilla memory confirm ${record.id} brings it back)\n`,
      );
    });

  memory
    .command("prune")
    .description("archive old records in bulk (nothing is deleted); --dry-run shows which")
    .option(
      "--older-than <duration>",
      "last recorded or confirmed at least this long ago, e.g. 90d",
    )
    .option("--expired", "only records past their shelf life")
    .option(
      "--type <type>",
      `only this type (${MEMORY_TYPES.join(", ")}) or classification (${MEMORY_CLASSIFICATIONS.join(", ")}; "observation" means observational)`,
    )
    .option("--dry-run", "list what would be archived, change nothing")
    .option("--json", "print the records as JSON")
    .action(async (options: PruneOptionsCli) => {
      if (options.olderThan === undefined && !options.expired)
        throw new FlotillaError(
          "INVALID_INPUT",
          "prune needs --older-than <duration> or --expired (it would archive everything)",
        );
      const { openProject, MemoryStore, parseDuration } = await load();
      const filter = {
        ...(options.olderThan !== undefined
          ? { olderThanMs: parseDuration(options.olderThan) }
          : {}),
        ...(options.expired ? { expiredOnly: true } : {}),
        ...parseKind(options.type),
      };
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const { records, problems } = await store.prune(filter, { dryRun: options.dryRun ?? false });
      warnProblems(io, problems);
      if (options.json) {
        io.stdout.write(JSON.stringify(records, null, 2) + "\n");
        return;
      }
      io.stdout.write(
        `${options.dryRun ? "would archive" : "archived"} ${records.length} record(s)\n`,
      );
      for (const r of records) io.stdout.write(recordRow(r) + "\n");
    });

  memory
    .command("export")
    .description(
      "print every record, sorted and stable (one block per record), for git or another project",
    )
    .addOption(
      new Option("--format <format>", "markdown or JSON").choices(["md", "json"]).default("md"),
    )
    .option("--out <file>", "write to this file (atomically) instead of stdout")
    .action(async (options: { format: "md" | "json"; out?: string }) => {
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const { text, count, problems } = await store.export(options.format);
      warnProblems(io, problems);
      if (options.out === undefined) {
        io.stdout.write(text);
        return;
      }
      const file = path.resolve(io.cwd, options.out);
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, text);
      await rename(tmp, file);
      io.stderr.write(`exported ${count} record(s) to ${file}\n`);
    });

  memory
    .command("import")
    .description(
      "merge an export (markdown or JSON) into memory; the same records again change nothing",
    )
    .argument("<file>", 'an export file, or "-" for stdin')
    .action(async (file: string) => {
      let text: string;
      if (file === "-") text = await io.readStdin();
      else {
        try {
          text = await readFile(path.resolve(io.cwd, file), "utf8");
        } catch (error) {
          throw new FlotillaError(
            "INVALID_INPUT",
            `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
      }
      const { openProject, MemoryStore } = await load();
      const project = openProject(io.cwd);
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const result = await store.import(text);
      io.stdout.write(
        `imported into ${result.domains.length} domain(s): ${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged\n`,
      );
    });

  registerMemoryAccept(memory, io, memoryAuthor);
}

interface RecordOptions {
  type: MemoryType;
  text: string;
  classification?: MemoryClassification;
  tags?: string[];
  resolution?: string;
  rationale?: string;
  evidenceFile: string[];
  commit?: string;
  task?: string;
  json?: boolean;
}

interface PrimeOptionsCli {
  files?: string[];
  budget?: number;
  chars?: number;
  dryRun?: boolean;
  json?: boolean;
}

interface SearchOptionsCli {
  domain?: string;
  type?: MemoryType;
  archived?: boolean;
  limit: number;
  json?: boolean;
}

interface ListOptionsCli {
  domain?: string;
  type?: MemoryType;
  archived?: boolean;
  domains?: boolean;
  json?: boolean;
}

interface EditOptionsCli {
  text?: string;
  type?: MemoryType;
  classification?: MemoryClassification;
  tags?: string[];
  resolution?: string;
  rationale?: string;
  evidenceFile?: string[];
  json?: boolean;
}

interface PruneOptionsCli {
  olderThan?: string;
  expired?: boolean;
  type?: string;
  dryRun?: boolean;
  json?: boolean;
}

/** `--type` of prune: a record type or a classification (`observation` = observational). */
function parseKind(text: string | undefined): {
  type?: MemoryType;
  classification?: MemoryClassification;
} {
  if (text === undefined) return {};
  const word = text === "observation" ? "observational" : text;
  if ((MEMORY_TYPES as readonly string[]).includes(word)) return { type: word as MemoryType };
  if ((MEMORY_CLASSIFICATIONS as readonly string[]).includes(word))
    return { classification: word as MemoryClassification };
  throw new FlotillaError(
    "INVALID_INPUT",
    `--type "${sanitizeLine(text)}" is neither a type (${MEMORY_TYPES.join(", ")}) nor a classification (${MEMORY_CLASSIFICATIONS.join(", ")})`,
  );
}

function warnProblems(io: MemoryIo, problems: readonly FolderProblem[]): void {
  for (const p of problems) io.stderr.write(`flotilla: warning: ${sanitizeLine(p.message)}\n`);
}

/** One list row: id, domain, type, classification, confirmations, text (one line, cut). */
export function recordRow(r: MemoryRecord): string {
  const text = sanitizeLine(r.text);
  return [
    r.id,
    pad(sanitizeLine(r.domain), 14),
    pad(r.type, 10),
    pad(r.classification, 13),
    `${r.confirmations.length}✓`.padStart(3),
    r.state === "archived"
      ? "[archived] " + text
      : text.length > 80
        ? text.slice(0, 79) + "…"
        : text,
  ].join(" ");
}

/** A record in full for a terminal (all text sanitized). */
export function formatRecord(r: MemoryRecord): string {
  const lines = [
    `id:             ${r.id}`,
    `domain:         ${sanitizeLine(r.domain)}`,
    `type:           ${r.type}   classification: ${r.classification}   state: ${r.state}${r.archivedAt ? ` (${r.archivedAt})` : ""}`,
    `author:         ${sanitizeLine(r.author)}`,
    `created:        ${r.created}   updated: ${r.updated}`,
  ];
  if (r.tags.length > 0) lines.push(`tags:           ${r.tags.map(sanitizeLine).join(", ")}`);
  if (r.evidence.files.length > 0)
    lines.push(`evidence files: ${r.evidence.files.map(sanitizeLine).join(", ")}`);
  if (r.evidence.commit) lines.push(`commit:         ${sanitizeLine(r.evidence.commit)}`);
  if (r.evidence.task) lines.push(`task:           ${sanitizeLine(r.evidence.task)}`);
  if (r.evidence.agent) lines.push(`agent:          ${sanitizeLine(r.evidence.agent)}`);
  lines.push(
    `confirmations:  ${r.confirmations.length === 0 ? "none" : r.confirmations.map((c) => `${sanitizeLine(c.by)} ${c.at}`).join(", ")}`,
  );
  let out = lines.join("\n") + "\n\n" + sanitizeForTerminal(r.text).replace(/\n?$/, "\n");
  if (r.resolution) out += `\nresolution: ${sanitizeForTerminal(r.resolution)}\n`;
  if (r.rationale) out += `\nrationale: ${sanitizeForTerminal(r.rationale)}\n`;
  return out;
}

function splitList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseCount(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new FlotillaError("INVALID_INPUT", `--limit "${text}" is not a whole number ≥ 0`);
  return n;
}

function parsePositive(flag: string): (text: string) => number {
  return (text) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0)
      throw new FlotillaError("INVALID_INPUT", `${flag} "${text}" is not a whole number > 0`);
    return n;
  };
}

function pad(text: string, width: number): string {
  return text.length >= width ? text.slice(0, width) : text + " ".repeat(width - text.length);
}
