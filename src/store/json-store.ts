import { chmod } from "node:fs/promises";
import path from "node:path";
import { DataFile } from "lowdb/node";
import type { z } from "../core/zod.js";
import { FlotillaError, firstZodIssue } from "../core/errors.js";
import { withFileLock } from "./lock.js";
import { assertNoSymlink, ensurePrivateDir, PRIVATE_FILE_MODE } from "./safe-path.js";

/** Options of a {@link JsonDocument}. */
export interface JsonDocumentOptions {
  /** What a missing file reads as before validation (default `{}`: the schema's defaults). */
  missing?: unknown;
  /** File mode to give the file after each write; default 0600 (`.flotilla/` is private). */
  mode?: number;
}

/**
 * Validated JSON documents on disk, built on lowdb's `DataFile` adapter (atomic writes
 * through steno: temp file + rename) plus a cross-process lock (proper-lockfile, a
 * `<file>.lock` directory) around every read-modify-write.
 *
 * A missing file reads as the schema's default. Anything else that is not valid JSON of
 * the schema throws `FlotillaError("INVALID_STATE_FILE")` naming the path and the first
 * problem; such a file is never overwritten.
 */
export class JsonDocument<S extends z.ZodMiniType> {
  readonly file: string;
  private readonly schemaSource: S | (() => Promise<S>);
  private loadedSchema: S | undefined;
  private readonly adapter: DataFile<unknown>;
  private readonly options: JsonDocumentOptions;

  /**
   * @param schema the document's schema, or a function that loads it on first use: a
   *   process that never touches the document then never loads (or builds) its schema.
   */
  constructor(file: string, schema: S | (() => Promise<S>), options: JsonDocumentOptions = {}) {
    this.file = file;
    this.schemaSource = schema;
    if (typeof schema !== "function") this.loadedSchema = schema;
    this.options = options;
    this.adapter = new DataFile<unknown>(file, {
      parse: (text) => parseJson(file, text),
      stringify: (data) => JSON.stringify(data, null, 2) + "\n",
    });
  }

  /** Reads and validates the document; a missing file yields the schema's default. */
  async read(): Promise<z.infer<S>> {
    const raw = await this.adapter.read();
    const schema = await this.schema();
    if (raw !== null) return this.validate(schema, raw);
    return this.validate(schema, "missing" in this.options ? this.options.missing : {});
  }

  /**
   * Validates `value` and writes it atomically, without the lock: for a document only one
   * process writes (the hub's own record). Others use {@link update}.
   */
  async write(value: z.infer<S>): Promise<void> {
    await this.writeValid(this.validate(await this.schema(), value));
  }

  /**
   * Locks the document, reads it, applies `change` (which may mutate the draft or return a
   * new value), validates the result and writes it atomically. Returns what was written.
   * @throws FlotillaError LOCK_FAILED when the lock cannot be taken within ~10 s.
   */
  async update(change: (draft: z.infer<S>) => z.infer<S> | void): Promise<z.infer<S>> {
    return this.withLock(async () => {
      const current = await this.read();
      const next = change(current) ?? current;
      const valid = this.validate(await this.schema(), next);
      await this.writeValid(valid);
      return valid;
    });
  }

  private async writeValid(valid: z.infer<S>): Promise<void> {
    ensurePrivateDir(path.dirname(this.file));
    assertNoSymlink(this.file); // never write through a link planted under .flotilla/
    await this.adapter.write(valid);
    await chmod(this.file, this.options.mode ?? PRIVATE_FILE_MODE);
  }

  /** Runs `fn` while holding this document's cross-process lock (see `withFileLock`). */
  withLock<T>(fn: () => Promise<T>): Promise<T> {
    return withFileLock(this.file, fn);
  }

  private async schema(): Promise<S> {
    if (this.loadedSchema === undefined && typeof this.schemaSource === "function") {
      this.loadedSchema = await this.schemaSource();
    }
    return this.loadedSchema as S;
  }

  private validate(schema: S, raw: unknown): z.infer<S> {
    const result = schema.safeParse(raw);
    if (!result.success) {
      const { where, message } = firstZodIssue(result.error);
      throw new FlotillaError(
        "INVALID_STATE_FILE",
        `${this.file} is invalid${where}: ${message}; fix or move the file (it was left untouched)`,
      );
    }
    return result.data;
  }
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FlotillaError(
      "INVALID_STATE_FILE",
      `${file} is not valid JSON (${(error as Error).message}); fix or move the file (it was left untouched)`,
    );
  }
}
