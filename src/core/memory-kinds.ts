/**
 * The closed word lists of memory records, without zod, so `flotilla`'s command table can
 * name them in `--help` and `choices` without loading any schema (start-up stays fast).
 */

/** What a record says: a rule to follow, a way of doing things, a failure and its fix, a choice and why, a pointer. */
export const MEMORY_TYPES = ["convention", "pattern", "failure", "decision", "reference"] as const;
export type MemoryType = (typeof MEMORY_TYPES)[number];

/**
 * How long a record stays true: `foundational` never expires; `tactical` and `observational`
 * expire after their shelf life (config `memory.shelfLifeDays`, default 14 and 30 days).
 * Listed from most to least durable; priming uses this order.
 */
export const MEMORY_CLASSIFICATIONS = ["foundational", "tactical", "observational"] as const;
export type MemoryClassification = (typeof MEMORY_CLASSIFICATIONS)[number];

/** `active` records are searched and primed; `archived` ones are kept but left out. */
export const MEMORY_STATES = ["active", "archived"] as const;
export type MemoryState = (typeof MEMORY_STATES)[number];

/** Default prime budget in approximate tokens (characters / 4), as in mulch. */
export const DEFAULT_PRIME_TOKENS = 4000;
