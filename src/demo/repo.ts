import { existsSync } from "node:fs";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { runGitIn } from "../git/git.js";
import { FlotillaError, describeError } from "../core/errors.js";

/** A created demo repository. */
export interface DemoRepo {
  /** Absolute path of the repository (branch `main`, one commit). */
  root: string;
}

/** Files of the demo project, path → content. Its tests run with `node --test`. */
export const DEMO_FILES: Readonly<Record<string, string>> = {
  "package.json": `${JSON.stringify(
    {
      name: "signup-form",
      version: "1.0.0",
      private: true,
      type: "module",
      description: "Helpers for a sign-up form (Flotilla demo project)",
      scripts: { test: "node --test" },
    },
    null,
    2,
  )}\n`,
  "src/form.js": `// Helpers for the sign-up form.

/** Trims an e-mail address and lower-cases it. */
export function normalizeEmail(email) {
  return String(email).trim().toLowerCase();
}

/** True when \`email\` looks like an address: name@domain.tld. */
export function isEmail(email) {
  return /^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$/.test(normalizeEmail(email));
}

/** Turns a display name into a URL slug: "Ada Lovelace" -> "ada-lovelace". */
export function slugify(name) {
  return String(name)
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}
`,
  "test/form.test.js": `import { test } from "node:test";
import assert from "node:assert/strict";
import { isEmail, normalizeEmail } from "../src/form.js";

test("normalizeEmail trims and lower-cases", () => {
  assert.equal(normalizeEmail("  Ada@Example.COM "), "ada@example.com");
});

test("isEmail accepts a plain address", () => {
  assert.equal(isEmail("ada@example.com"), true);
});
`,
  "README.md": `# signup-form

Helpers for a sign-up form.

## Usage

TODO: document the helpers.

## Development

    npm test
`,
  ".gitignore": "node_modules/\n",
};

async function git(cwd: string, args: string[]): Promise<void> {
  try {
    await runGitIn(cwd, args);
  } catch (error) {
    throw new FlotillaError(
      "GIT_FAILED",
      `git ${args[0] ?? ""} failed in ${cwd}: ${describeError(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Creates a throwaway git repository at `dir` (created if missing) holding a small JavaScript
 * project with passing `node --test` tests, committed once on branch `main`, with a local
 * git identity and signing off so it commits on any machine. The demo's plan
 * (`demo/plan.ts`) is the work its coordinator hands out on it.
 * @throws FlotillaError `INVALID_INPUT` when `dir` exists and is not empty; `GIT_FAILED` when
 *   git is missing or fails.
 */
export async function createDemoRepo(dir: string): Promise<DemoRepo> {
  const root = resolve(dir);
  if (existsSync(root) && (await readdir(root)).length > 0) {
    throw new FlotillaError(
      "INVALID_INPUT",
      `${root} is not empty: pick a new directory for the demo`,
    );
  }
  await mkdir(root, { recursive: true });
  await git(root, ["init", "--quiet", "--initial-branch=main"]);
  await git(root, ["config", "user.name", "Flotilla Demo"]);
  await git(root, ["config", "user.email", "demo@flotilla.invalid"]);
  await git(root, ["config", "commit.gpgsign", "false"]);
  for (const [path, content] of Object.entries(DEMO_FILES)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  await git(root, ["add", "-A"]);
  await git(root, ["commit", "--quiet", "-m", "Sign-up form helpers with tests"]);
  return { root };
}
