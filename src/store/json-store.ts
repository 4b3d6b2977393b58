import { accessSync, chmodSync, constants } from "node:fs";
import path from "node:path";
import { DataFile } from "lowdb/node";
import lockfile from "proper-lockfile";
import type { z } from "zod";
import { FlotillaError } from "../core/errors.js";
import { assertNoSymlink, ensurePrivateDir, PRIVATE_FILE_MODE } from "./safe-path.js";

/**
 * Validated JSON documents on disk, built on lowdb's `DataFile` adapter (atomic writes
 * through steno: temp file + rename) plus a cross-process lock (proper-lockfile, a
 * `<file>.lock` directory) around every read-modify-write.
 *
 * A missing file reads as the schema's default. Anything else that is not valid JSON of
 * the schema throws `FlotillaError("INVALID_STATE_FILE")` naming the path and the first
 * problem; such a file is never overwritten.
 */
export class JsonDocument<S extends z.ZodType> {
  readonly file: string;
  private readonly schema: S;
  private readonly adapter: DataFile<unknown>;

  constructor(file: string, schema: S) {
    this.file = file;
    this.schema = schema;
    this.adapter = new DataFile<unknown>(file, {
      parse: (text) => parseJson(file, text),
      stringify: (data) => JSON.stringify(data, null, 2) + "\n",
    });
  }

  /** Reads and validates the document; a missing file yields the schema's default. */
  async read(): Promise<z.infer<S>> {
    const raw = await this.adapter.read();
    return this.validate(raw ?? {});
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
      const valid = this.validate(next);
      assertNoSymlink(this.file); // never write through a link planted under .flotilla/
      await this.adapter.write(valid);
      chmodSync(this.file, PRIVATE_FILE_MODE);
      return valid;
    });
  }

  /** Runs `fn` while holding this document's cross-process lock. */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    ensurePrivateDir(path.dirname(this.file));
    // Fail at once on a read-only directory: the lock's retries would spin for seconds.
    accessSync(path.dirname(this.file), constants.W_OK);
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(this.file, {
        realpath: false,
        stale: 10_000,
        retries: { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 100, randomize: true },
      });
    } catch (error) {
      throw new FlotillaError(
        "LOCK_FAILED",
        `could not lock ${this.file}: ${(error as Error).message}; if no flotilla process is running, remove ${this.file}.lock`,
        { cause: error },
      );
    }
    try {
      return await fn();
    } finally {
      await release().catch(() => undefined);
    }
  }

  private validate(raw: unknown): z.infer<S> {
    const result = this.schema.safeParse(raw);
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
      throw new FlotillaError(
        "INVALID_STATE_FILE",
        `${this.file} is invalid${where}: ${issue?.message ?? "does not match its schema"}; fix or move the file (it was left untouched)`,
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
