import type { DemoScript } from "../script.js";

const SIGNUP = `// The sign-up form's submit handler.
import { normalizeEmail, slugify, validateSignup } from "./form.js";

/**
 * Handles a submitted sign-up form: every problem at once, or the account to create.
 * @param {{ name?: string, email?: string, password?: string }} form
 * @returns {{ ok: true, account: { name: string, email: string, slug: string } } | { ok: false, errors: string[] }}
 */
export function handleSignup(form) {
  const errors = validateSignup(form);
  if (errors.length > 0) return { ok: false, errors };
  const name = String(form.name).trim();
  return { ok: true, account: { name, email: normalizeEmail(form.email), slug: slugify(name) } };
}
`;

const SIGNUP_TEST = `import { test } from "node:test";
import assert from "node:assert/strict";
import { handleSignup } from "../src/signup.js";

test("handleSignup creates an account from a valid form", () => {
  assert.deepEqual(handleSignup({ name: " Ada Lovelace ", email: "Ada@Example.com", password: "engine42" }), {
    ok: true,
    account: { name: "Ada Lovelace", email: "ada@example.com", slug: "ada-lovelace" },
  });
});

test("handleSignup returns every problem of an invalid form", () => {
  assert.deepEqual(handleSignup({ name: "", email: "nope", password: "engine42" }), {
    ok: false,
    errors: ["name is required", "email is not a valid address"],
  });
});
`;

/**
 * dave's task (T4 of the demo plan, after T1): a sign-up handler built on `validateSignup`,
 * which exists only once T1 has landed, so the coordinator slings it after T1 is done.
 */
export const handlerScript: DemoScript = {
  name: "handler",
  steps: [
    { do: "think", ms: 3000, label: "Reading src/form.js" },
    {
      do: "say",
      text: "`validateSignup` landed on main with T1, so my worktree has it. I'll build **handleSignup(form)** on top of it in `src/signup.js`.",
    },
    { do: "think", ms: 3000, label: "Planning the handler" },
    {
      do: "ask",
      question: "Create src/signup.js and test/signup.test.js?",
      yes: [
        { do: "edit", file: "src/signup.js", content: SIGNUP },
        { do: "think", ms: 1500, label: "Writing tests" },
        { do: "edit", file: "test/signup.test.js", content: SIGNUP_TEST },
        { do: "commit", message: "Add handleSignup, the sign-up form's submit handler" },
        { do: "run", command: "flotilla", args: ["done"] },
        {
          do: "say",
          text: "Done: **handleSignup** passed its gates and is in the merge queue.",
          color: "green",
        },
      ],
      no: [{ do: "say", text: "Okay, no handler for now.", color: "yellow" }],
    },
  ],
};
