import type { DemoScript } from "../script.js";

const USAGE = `\`\`\`js
import { isEmail, normalizeEmail, slugify } from "./src/form.js";

normalizeEmail("  Ada@Example.COM "); // "ada@example.com"
isEmail("ada@example.com"); // true
slugify("Ada Lovelace"); // "ada-lovelace"
\`\`\`

| Helper | What it does |
| --- | --- |
| \`normalizeEmail(email)\` | trims an address and lower-cases it |
| \`isEmail(email)\` | true when the address looks like \`name@domain.tld\` |
| \`slugify(name)\` | turns a display name into a URL slug |`;

/** carol's task (T3): replace the README's TODO with usage docs, then `flotilla done`. */
export const docsScript: DemoScript = {
  name: "docs",
  steps: [
    { do: "think", ms: 3500, label: "Reading README.md" },
    { do: "say", text: "The README's **Usage** section is still a TODO." },
    { do: "think", ms: 4300, label: "Reading src/form.js" },
    {
      do: "say",
      text: "I'll document `normalizeEmail`, `isEmail` and `slugify` with a short example and a table.",
    },
    {
      do: "ask",
      question: "Rewrite the Usage section of README.md?",
      yes: [
        {
          do: "edit",
          file: "README.md",
          replace: { find: "TODO: document the helpers.", with: USAGE },
        },
        { do: "commit", message: "Document the form helpers in the README" },
        { do: "run", command: "flotilla", args: ["done"] },
        {
          do: "say",
          text: "Done: the README documents every helper; T3 waits for the reviewer.",
          color: "green",
        },
      ],
      no: [{ do: "say", text: "Okay, I'll leave the README as it is.", color: "yellow" }],
    },
  ],
};
