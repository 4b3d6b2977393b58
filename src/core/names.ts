import { FlotillaError } from "./errors.js";

/** Longest agent name accepted, in characters (it becomes part of a branch and a path). */
export const MAX_NAME_LENGTH = 40;

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Why `name` cannot be an agent name, or `undefined` when it can. Agent names become a
 * directory (`.flotilla/worktrees/<name>`) and a branch (`flotilla/<name>`), so they must be
 * one path segment and a valid git ref component: letters, digits, `.`, `_`, `-`; no
 * leading `-` or `.`, no `..`, no trailing `.lock`, at most {@link MAX_NAME_LENGTH} chars.
 * Reserved words (`cockpit`, `all`) are refused because mail addresses use them.
 */
export function checkAgentName(name: string): string | undefined {
  if (name.length === 0) return "the name is empty";
  if (name.length > MAX_NAME_LENGTH) return `the name is longer than ${MAX_NAME_LENGTH} characters`;
  if (/\s/.test(name)) return "the name contains white space";
  if (name.includes("/") || name.includes("\\")) return "the name contains a slash";
  if (name.includes("..")) return 'the name contains ".."';
  if (name.startsWith("-")) return 'the name starts with "-"';
  if (!NAME_PATTERN.test(name))
    return "use only letters, digits, '.', '_' and '-', starting with a letter or digit";
  if (name.endsWith(".lock") || name.endsWith(".")) return 'the name ends with ".lock" or "."';
  if (["cockpit", "all", "hub", "human"].includes(name.toLowerCase()))
    return `"${name}" is reserved`;
  return undefined;
}

/**
 * Throws `FlotillaError("INVALID_NAME")` with a one-line reason when `name` is not a valid
 * agent name (see {@link checkAgentName}).
 */
export function assertAgentName(name: string): void {
  const problem = checkAgentName(name);
  if (problem !== undefined)
    throw new FlotillaError(
      "INVALID_NAME",
      `invalid agent name ${JSON.stringify(name)}: ${problem}`,
    );
}

/**
 * Why `role` cannot be an agent role, or `undefined` when it can. Roles are addresses
 * (`@<role>s`) and are shown in lists and other agents' errors, so they follow the rules of
 * agent names (see {@link checkAgentName}) except that reserved names are allowed.
 */
export function checkRoleName(role: string): string | undefined {
  const problem = checkAgentName(role);
  return problem?.endsWith("is reserved") ? undefined : problem;
}

/**
 * Throws `FlotillaError("INVALID_NAME")` with a one-line reason when `role` is not a valid
 * role (see {@link checkRoleName}); the role is quoted sanitized-by-construction (JSON).
 */
export function assertRoleName(role: string): void {
  const problem = checkRoleName(role);
  if (problem !== undefined)
    throw new FlotillaError("INVALID_NAME", `invalid role ${JSON.stringify(role)}: ${problem}`);
}

/**
 * Why `name` cannot name a runtime, or `undefined`: one word of letters, digits, `.`, `_`,
 * `-` (at most {@link MAX_NAME_LENGTH} characters), as the built-in ones are.
 */
export function checkRuntimeName(name: string): string | undefined {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name))
    return `use 1 to ${MAX_NAME_LENGTH} letters, digits, '.', '_' and '-', starting with a letter or digit`;
  return undefined;
}
