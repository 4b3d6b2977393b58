import type { DemoScript } from "../script.js";

const VALIDATE_SIGNUP = `
/**
 * Checks a whole sign-up form. Returns one message per problem; an empty list means valid.
 * @param {{ name?: string, email?: string, password?: string }} form
 */
export function validateSignup(form) {
  const errors = [];
  if (!form.name || String(form.name).trim() === "") errors.push("name is required");
  if (!form.email || !isEmail(form.email)) errors.push("email is not a valid address");
  const password = String(form.password ?? "");
  if (password.length < 8) errors.push("password needs at least 8 characters");
  else if (!/[0-9]/.test(password)) errors.push("password needs a digit");
  return errors;
}
`;

const VALIDATE_SIGNUP_TEST = `import { test } from "node:test";
import assert from "node:assert/strict";
import { validateSignup } from "../src/form.js";

test("validateSignup accepts a complete form", () => {
  assert.deepEqual(validateSignup({ name: "Ada", email: "ada@example.com", password: "engine42" }), []);
});

test("validateSignup reports every problem at once", () => {
  assert.deepEqual(validateSignup({ name: " ", email: "nope", password: "short" }), [
    "name is required",
    "email is not a valid address",
    "password needs at least 8 characters",
  ]);
});

test("validateSignup wants a digit in the password", () => {
  assert.deepEqual(validateSignup({ name: "Ada", email: "ada@example.com", password: "analytical" }), [
    "password needs a digit",
  ]);
});
`;

/**
 * alice's task (T1 of the demo plan): add `validateSignup` to src/form.js with its own test
 * file, commit, and finish with `flotilla done` (which runs the gates).
 */
export const validationScript: DemoScript = {
  name: "validation",
  steps: [
    { do: "think", ms: 4900, label: "Reading src/form.js" },
    {
      do: "say",
      text: "`src/form.js` has helpers for e-mail addresses and slugs, but nothing checks a whole sign-up form.\nI'll add **validateSignup(form)**, which returns one message per problem.",
    },
    { do: "think", ms: 3900, label: "Planning the change" },
    {
      do: "ask",
      question: "Edit src/form.js and add test/validate-signup.test.js?",
      yes: [
        { do: "edit", file: "src/form.js", append: VALIDATE_SIGNUP },
        { do: "think", ms: 2300, label: "Writing tests" },
        { do: "edit", file: "test/validate-signup.test.js", content: VALIDATE_SIGNUP_TEST },
        { do: "think", ms: 1600, label: "Running the tests" },
        { do: "run", command: "node", args: ["--test", "--test-reporter=spec"] },
        { do: "commit", message: "Add validateSignup to check the whole sign-up form" },
        { do: "run", command: "flotilla", args: ["done"] },
        {
          do: "say",
          text: "Done: **validateSignup** passed its gates; T1 now waits for the reviewer.",
          color: "green",
        },
      ],
      no: [
        {
          do: "say",
          text: "Okay, I won't touch `src/form.js`. Tell me what you'd prefer instead.",
          color: "yellow",
        },
      ],
    },
  ],
};
