import type { DemoScript } from "../script.js";

/** Fallback for a prompt no built-in script matches: looks around, changes nothing. */
export const exploreScript: DemoScript = {
  name: "explore",
  steps: [
    { do: "think", ms: 1500, label: "Reading the task" },
    {
      do: "say",
      text: "I'm Flotilla's **scripted demo agent**. I have no script for this task, so I'll only look around.",
    },
    {
      do: "ask",
      question: "Look at the repository's status and recent commits?",
      yes: [
        { do: "run", command: "git", args: ["status", "--short", "--branch"], mustPass: false },
        { do: "run", command: "git", args: ["log", "--oneline", "-5"], mustPass: false },
        { do: "say", text: "That's all I can do without a script: see `--script` to give me one." },
      ],
      no: [{ do: "say", text: "Okay, I won't look.", color: "yellow" }],
    },
  ],
};
