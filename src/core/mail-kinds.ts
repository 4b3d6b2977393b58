/**
 * The mail vocabularies as plain constants, without zod, so the CLI can register the mail
 * commands (their `--type`/`--priority` choices) without loading any schema library: every
 * `flotilla` invocation registers every command, and start-up time matters.
 */

/** Message types, in the order `--help` lists them. */
export const MAIL_TYPES = [
  "status",
  "question",
  "result",
  "error",
  "worker_done",
  "merge_ready",
  "merged",
  "merge_failed",
  "escalation",
  "memory_draft",
] as const;

/** Message priorities, lowest first. */
export const MAIL_PRIORITIES = ["low", "normal", "high", "urgent"] as const;
