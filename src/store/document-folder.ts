import { mkdirSync } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import type { z } from "../core/zod.js";
import { FlotillaError, describeError } from "../core/errors.js";
import { JsonDocument } from "./json-store.js";

/** Keys are file names without `.json`: letters, digits, `.`, `_`, `-`; no leading dot or dash. */
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A key whose file could not be read: its path and the first problem, as one line. */
export interface FolderProblem {
  key: string;
  file: string;
  message: string;
}

/** Everything readable in a folder, and what was not. */
export interface FolderSnapshot<T> {
  /** Valid documents by key, keys sorted. */
  documents: Map<string, T>;
  /** Files that are corrupt or invalid; each was left untouched. */
  problems: FolderProblem[];
}

/**
 * "One validated JSON file per key" under a directory: `<dir>/<key>.json`, each a
 * {@link JsonDocument} (lowdb `DataFile`, so writes are atomic through steno's temp file +
 * rename, and every read-modify-write holds that file's proper-lockfile lock). Keys are
 * independent: one key's lock never blocks another, and a corrupt file fails only its own
 * key (reported with its path, never overwritten) while the others keep working.
 *
 * Files that are not `<key>.json` (steno's `.<key>.json.tmp`, `<key>.json.lock` directories,
 * anything else) are ignored.
 */
export class DocumentFolder<S extends z.ZodMiniType> {
  readonly dir: string;
  private readonly schema: S;
  private readonly docs = new Map<string, JsonDocument<S>>();

  constructor(dir: string, schema: S) {
    this.dir = dir;
    this.schema = schema;
  }

  /** Absolute path of `key`'s file. @throws FlotillaError INVALID_INPUT for a bad key. */
  fileOf(key: string): string {
    if (!KEY_PATTERN.test(key) || key.includes(".."))
      throw new FlotillaError(
        "INVALID_INPUT",
        `"${key}" cannot name a file: use letters, digits, '.', '_' or '-', starting with a letter or digit`,
      );
    return path.join(this.dir, `${key}.json`);
  }

  /** The document for `key` (created on first use; nothing is read until asked). */
  document(key: string): JsonDocument<S> {
    let doc = this.docs.get(key);
    if (!doc) {
      doc = new JsonDocument(this.fileOf(key), this.schema);
      this.docs.set(key, doc);
    }
    return doc;
  }

  /** Keys that have a file, sorted. A missing folder has none. */
  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new FlotillaError(
        "INVALID_STATE_FILE",
        `cannot list ${this.dir}: ${describeError(error)}`,
        { cause: error },
      );
    }
    return names
      .filter((name) => name.endsWith(".json"))
      .map((name) => name.slice(0, -".json".length))
      .filter((key) => KEY_PATTERN.test(key) && !key.includes(".."))
      .sort();
  }

  /**
   * Reads and validates `key`'s document; a missing file is the schema's default.
   * @throws FlotillaError INVALID_STATE_FILE naming the file and the first problem.
   */
  read(key: string): Promise<z.infer<S>> {
    return this.document(key).read();
  }

  /**
   * Locked read-modify-write of `key`'s document (see `JsonDocument.update`); creates the
   * folder when needed. A corrupt file throws and stays as it was.
   */
  update(key: string, change: (draft: z.infer<S>) => z.infer<S> | void): Promise<z.infer<S>> {
    mkdirSync(this.dir, { recursive: true });
    return this.document(key).update(change);
  }

  /** Every document `keys()` lists, or `only` these keys; problems collected, not thrown. */
  async readAll(only?: readonly string[]): Promise<FolderSnapshot<z.infer<S>>> {
    const keys = only ? [...new Set(only)].sort() : await this.keys();
    const documents = new Map<string, z.infer<S>>();
    const problems: FolderProblem[] = [];
    const results = await Promise.allSettled(keys.map((key) => this.read(key)));
    results.forEach((result, i) => {
      const key = keys[i] as string;
      if (result.status === "fulfilled") documents.set(key, result.value);
      else problems.push({ key, file: this.fileOf(key), message: describeError(result.reason) });
    });
    return { documents, problems };
  }
}
