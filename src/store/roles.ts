import { readFile } from "node:fs/promises";
import path from "node:path";
import { FlotillaError } from "../core/errors.js";
import { DEFAULT_ROLES } from "../core/roles.js";
import { ROLE_PATTERN } from "../core/tasks.js";

/**
 * Role templates: `.flotilla/roles/<role>.md` when the project has one (a team edits its
 * roles there), else the built-in default of that name (`core/roles.ts`).
 * @throws FlotillaError INVALID_INPUT for a role with neither a file nor a default.
 */
export async function readRoleTemplate(flotillaDir: string, role: string): Promise<string> {
  if (!ROLE_PATTERN.test(role)) throw new FlotillaError("INVALID_INPUT", `invalid role "${role}"`);
  const file = path.join(flotillaDir, "roles", `${role}.md`);
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code !== "ENOENT") throw error;
  }
  const builtin = Object.hasOwn(DEFAULT_ROLES, role) ? DEFAULT_ROLES[role] : undefined;
  if (builtin !== undefined) return builtin;
  throw new FlotillaError(
    "INVALID_INPUT",
    `no role "${role}": write ${file}, or use builder, scout, reviewer or coordinator`,
  );
}
