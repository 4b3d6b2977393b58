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

/** True when `error` is a `FlotillaError`, optionally with the given code. */
export function isFlotillaError(error: unknown, code?: ErrorCode): error is FlotillaError {
  return error instanceof FlotillaError && (code === undefined || error.code === code);
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
