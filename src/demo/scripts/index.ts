import { FlotillaError } from "../../core/errors.js";
import { DEMO_PLAN } from "../plan.js";
import type { DemoScript } from "../script.js";
import { coordinatorScript } from "./coordinator.js";
import { docsScript } from "./docs.js";
import { exploreScript } from "./explore.js";
import { handlerScript } from "./handler.js";
import { reviewScript } from "./review.js";
import { testsScript } from "./tests.js";
import { validationScript } from "./validation.js";

/** A script shipped with Flotilla, and the prompts it answers. */
export interface BuiltinScript {
  /** Name accepted by `$FLOTILLA_DEMO_SCRIPT`, e.g. `validation`. */
  id: string;
  /** Prompts this script is picked for, when no script is named. */
  matches: RegExp;
  script: DemoScript;
}

/**
 * Built-in scripts, tried in this order against the prompt. They are TypeScript modules, not
 * JSON files, so `tsc` puts them in `dist/` with the agent. `explore` is the fallback. The
 * demo's coordinator and reviewer are picked by their prompts' first word; its workers by
 * their task's title, which sling puts in the prompt (`Flotilla task T1: <title>. …`).
 */
export const BUILTIN_SCRIPTS: readonly BuiltinScript[] = [
  { id: "coordinator", matches: /^plan\b/i, script: coordinatorScript(DEMO_PLAN) },
  { id: "review", matches: /^review\b/i, script: reviewScript(DEMO_PLAN) },
  { id: "handler", matches: /\bsign-up handler\b/i, script: handlerScript },
  { id: "validation", matches: /validat/i, script: validationScript },
  { id: "tests", matches: /\btests?\b/i, script: testsScript },
  { id: "docs", matches: /\breadme\b|\bdocs?\b|\bdocument/i, script: docsScript },
  { id: "explore", matches: /$^/, script: exploreScript },
];

/**
 * The built-in script for `id` when given (from `$FLOTILLA_DEMO_SCRIPT`), else the first whose
 * pattern matches `prompt`, else `explore`.
 * @throws FlotillaError `INVALID_INPUT` when `id` names no built-in script.
 */
export function pickBuiltinScript(prompt: string, id?: string): BuiltinScript {
  if (id !== undefined && id !== "") {
    const named = BUILTIN_SCRIPTS.find((builtin) => builtin.id === id);
    if (named) return named;
    const ids = BUILTIN_SCRIPTS.map((builtin) => builtin.id).join(", ");
    throw new FlotillaError(
      "INVALID_INPUT",
      `no built-in demo script "${id}": use one of ${ids}, or a path to a .json script`,
    );
  }
  const matched = BUILTIN_SCRIPTS.find((builtin) => builtin.matches.test(prompt));
  return matched ?? (BUILTIN_SCRIPTS.at(-1) as BuiltinScript);
}
