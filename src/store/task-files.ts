import { readFile } from "node:fs/promises";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import type { Task } from "../core/tasks.js";

/** Largest spec file read into a brief, in bytes (256 KiB). */
export const MAX_SPEC_BYTES = 256 * 1024;

/**
 * A task's spec text: `task.spec`, or the file `task.specPath` (relative to the main
 * checkout `root`), or `""` when it has neither.
 * @throws FlotillaError INVALID_INPUT when the spec file is missing, outside the repository
 *   or larger than {@link MAX_SPEC_BYTES}.
 */
export async function readSpec(
  root: string,
  task: Pick<Task, "id" | "spec" | "specPath">,
): Promise<string> {
  if (task.specPath === undefined) return task.spec ?? "";
  const file = path.resolve(root, task.specPath);
  const rel = path.relative(root, file);
  if (rel.startsWith("..") || path.isAbsolute(rel))
    throw new FlotillaError(
      "INVALID_INPUT",
      `${task.id}'s spec ${task.specPath} is outside the repository`,
    );
  let data: Buffer;
  try {
    data = await readFile(file);
  } catch (error) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `${task.id}'s spec file ${task.specPath} cannot be read (${(error as { code?: string }).code ?? "error"}): restore it or "flotilla task edit"`,
    );
  }
  if (data.length > MAX_SPEC_BYTES)
    throw new FlotillaError(
      "INVALID_INPUT",
      `${task.id}'s spec ${task.specPath} is larger than 256 KiB`,
    );
  return data.toString("utf8");
}
