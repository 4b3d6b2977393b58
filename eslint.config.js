import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Import direction (DESIGN.md): commands → tui → hub, merge → terminal, git, store → core.
 * `core` imports nothing of the outside world; `terminal`, `git` and `store` never import
 * `hub`, `tui` or `commands`; `hub` never imports `tui` or `commands`.
 */
const folder = (name) => [`../${name}/*`, `../${name}/**`, `../${name}`];
const wrongWay = (from, folders) => ({
  group: folders.flatMap(folder),
  message: `${from} must not import ${folders.join(", ")}: dependencies point inward (see DESIGN.md, "Layout of the code").`,
});
const OUTSIDE_WORLD = [
  "node:*",
  "node-pty",
  "simple-git",
  "ink",
  "ink/*",
  "react",
  "react/*",
  "lowdb",
  "lowdb/*",
  "proper-lockfile",
  "@xterm/*",
];
const SRC_FOLDERS = [
  "commands",
  "tui",
  "hub",
  "merge",
  "terminal",
  "git",
  "store",
  "runtimes",
  "demo",
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".flotilla/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: "readonly",
        console: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        Buffer: "readonly",
        URL: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      "no-control-regex": "off",
    },
  },
  {
    files: ["src/core/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: OUTSIDE_WORLD,
              message: "core is pure: no fs, pty, git, React/Ink or lowdb (see DESIGN.md).",
            },
            wrongWay("core", SRC_FOLDERS),
          ],
        },
      ],
    },
  },
  {
    files: ["src/terminal/**", "src/git/**", "src/store/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [wrongWay("terminal, git and store", ["hub", "tui", "commands"])] },
      ],
    },
  },
  {
    files: ["src/hub/**"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        { patterns: [wrongWay("hub", ["tui", "commands"])] },
      ],
    },
  },
);
