import type { DemoScript } from "../script.js";

/** The slip bob makes: `slugify` keeps the dash in "R2-D2", so this expectation is wrong. */
export const WRONG_SLUG = `assert.equal(slugify("R2-D2"), "r2d2");`;
/** What the gate's failure makes him write instead. */
export const RIGHT_SLUG = `assert.equal(slugify("R2-D2"), "r2-d2");`;

const MORE_TESTS = `
test("isEmail rejects addresses without a domain or with spaces", () => {
  assert.equal(isEmail("ada@"), false);
  assert.equal(isEmail("ada lovelace@example.com"), false);
  assert.equal(isEmail(""), false);
});

test("isEmail ignores surrounding spaces and case", () => {
  assert.equal(isEmail("  ADA@Example.com "), true);
});

test("slugify turns a display name into a URL slug", () => {
  assert.equal(slugify("Ada Lovelace"), "ada-lovelace");
  assert.equal(slugify("  --Grace   Hopper!! "), "grace-hopper");
  ${WRONG_SLUG}
});
`;

/**
 * bob's task (T2 of the demo plan): cover the existing helpers of src/form.js with tests.
 * He commits without running them, and one expectation is wrong: `flotilla done`'s gate
 * fails and sends nothing; he reads the failure, fixes the test, commits, and runs
 * `flotilla done` again, which passes.
 */
export const testsScript: DemoScript = {
  name: "tests",
  steps: [
    { do: "think", ms: 3900, label: "Reading test/form.test.js" },
    {
      do: "say",
      text: "Only **normalizeEmail** and the happy path of **isEmail** are tested; `slugify` has no tests at all.",
    },
    { do: "think", ms: 4900, label: "Listing edge cases" },
    {
      do: "say",
      text: "I'll add cases for bad addresses, surrounding spaces, and slugs with punctuation.",
    },
    {
      do: "ask",
      question: "Add these tests to test/form.test.js?",
      yes: [
        {
          do: "edit",
          file: "test/form.test.js",
          replace: {
            find: "import { isEmail, normalizeEmail } from",
            with: "import { isEmail, normalizeEmail, slugify } from",
          },
        },
        { do: "edit", file: "test/form.test.js", append: MORE_TESTS },
        { do: "say", text: "These are simple enough; committing without running them." },
        { do: "commit", message: "Test isEmail edge cases and slugify" },
        {
          do: "run",
          command: "flotilla",
          args: ["done"],
          ifFailed: [
            {
              do: "say",
              text: 'The gate caught my mistake: `slugify("R2-D2")` keeps the dash, so the slug is **r2-d2**.',
              color: "yellow",
            },
            { do: "think", ms: 1500, label: "Fixing the test" },
            {
              do: "edit",
              file: "test/form.test.js",
              replace: { find: WRONG_SLUG, with: RIGHT_SLUG },
            },
            { do: "commit", message: "Fix the expected slug of R2-D2" },
            { do: "run", command: "flotilla", args: ["done"] },
          ],
        },
        {
          do: "say",
          text: "Done: 3 new tests in `test/form.test.js`, gates passed; T2 waits for the reviewer.",
          color: "green",
        },
      ],
      no: [{ do: "say", text: "Okay, no new tests for now.", color: "yellow" }],
    },
  ],
};
