import type { DemoScript } from "../script.js";

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
  assert.equal(slugify("R2-D2"), "r2-d2");
});
`;

/** bob's task: cover the existing helpers of src/form.js with tests. */
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
        { do: "think", ms: 1600, label: "Running the tests" },
        { do: "run", command: "node", args: ["--test", "--test-reporter=spec"] },
        { do: "commit", message: "Test isEmail edge cases and slugify" },
        {
          do: "mail",
          to: "cockpit",
          subject: "form helpers are tested",
          body: "test/form.test.js now covers isEmail edge cases and slugify; all tests pass.",
          type: "worker_done",
        },
        {
          do: "say",
          text: "Done: 3 new tests in `test/form.test.js`, all passing.",
          color: "green",
        },
      ],
      no: [{ do: "say", text: "Okay, no new tests for now.", color: "yellow" }],
    },
  ],
};
