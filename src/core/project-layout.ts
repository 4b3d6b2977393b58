/**
 * Names of Flotilla's folders, relative to the main checkout's root, for the modules that
 * need one without depending on the store (git finds agent worktrees by them).
 * `store/paths.ts` builds every absolute path from these.
 */

/** Flotilla's folder at the main checkout's root. */
export const FLOTILLA_DIR = ".flotilla";

/** Agent worktrees, inside {@link FLOTILLA_DIR}: `.flotilla/worktrees/<agent>/`. */
export const WORKTREES_DIR = "worktrees";
