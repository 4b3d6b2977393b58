/**
 * Error codes a user can act on (the list is also the wire schema's enum). Every `FlotillaError` carries one, so callers (the CLI,
 * the hub's protocol) can branch on `code` instead of parsing messages.
 */
export const ERROR_CODES = [
  "NOT_A_GIT_REPO",
  "NOT_INITIALIZED",
  "INVALID_NAME",
  "DUPLICATE_NAME",
  "UNKNOWN_AGENT",
  "UNKNOWN_RUNTIME",
  "COMMAND_NOT_FOUND",
  "INVALID_STATE_FILE",
  "UNSAFE_REMOVAL",
  "UNSAFE_PATH",
  "UNTRUSTED_CONFIG",
  "GIT_FAILED",
  "LOCK_FAILED",
  "INVALID_INPUT",
  "HUB_UNAVAILABLE",
  "PROTOCOL",
  "MAIL",
  "TERMINAL",
  /** Not a `FlotillaError`: a bug or an unexpected failure (its message is all we know). */
  "UNEXPECTED",
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * An expected failure with a one-line, user-facing message that says what was wrong and
 * what to do. The CLI prints `message` alone (no stack) and exits with status 1.
 */
export class FlotillaError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "FlotillaError";
    this.code = code;
  }
}

/**
 * True when `error` is a `FlotillaError` (of any copy of this module: the cockpit bundle has
 * its own), optionally with the given code.
 */
export function isFlotillaError(error: unknown, code?: ErrorCode): error is FlotillaError {
  // By shape, not instanceof: the cockpit bundle carries its own copy of this class.
  if (!(error instanceof Error) || error.name !== "FlotillaError") return false;
  const actual = (error as { code?: unknown }).code;
  return typeof actual === "string" && (code === undefined || actual === code);
}

/**
 * One line describing any thrown value: the message of an `Error`, else its string form.
 * Used wherever an unknown error reaches the user.
 */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}

/** The part of a zod error {@link firstZodIssue} reads (structural, so core needs no zod import). */
export interface ZodLikeError {
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>;
}

/**
 * The first problem of a failed zod parse, ready for a one-line message: `path` as zod gives
 * it, `where` as ` at a.b` (empty at the root) and zod's `message` ("invalid" if none).
 */
export function firstZodIssue(error: ZodLikeError): {
  path: PropertyKey[];
  where: string;
  message: string;
} {
  const issue = error.issues[0];
  const path = issue ? [...issue.path] : [];
  return {
    path,
    where: path.length > 0 ? ` at ${path.map(String).join(".")}` : "",
    message: issue?.message ?? "invalid",
  };
}

/** Error classes that only a bug in Flotilla throws (a type, range or reference mistake). */
const BUG_ERRORS = new Set([
  "TypeError",
  "RangeError",
  "ReferenceError",
  "SyntaxError",
  "EvalError",
  "URIError",
  "AssertionError",
]);

/**
 * The CLI's exit status for an error that reached it: 70 (EX_SOFTWARE in sysexits.h) for a
 * bug (a TypeError and its kin), 1 for everything else, as the README promises: a
 * FlotillaError, a git failure, a file the system refused (ENOENT, EACCES), a lock held.
 */
export function exitCodeFor(error: unknown): 1 | 70 {
  if (isFlotillaError(error) || !(error instanceof Error)) return 1;
  return BUG_ERRORS.has(error.name) ? 70 : 1;
}
