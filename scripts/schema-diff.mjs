#!/usr/bin/env node
// Differential check of Flotilla's zod schemas: every exported schema of this checkout's
// src/ against the same schema at another git commit, over the same inputs. Written for the
// move from classic zod to zod/mini (both sides use the installed zod, so any difference is
// the schemas' own), and usable for any later rewrite of the schemas:
//
//     node scripts/schema-diff.mjs [<commit>] [--verbose]
//
// The default commit is the last one whose schemas were written in classic zod. Each side is
// bundled by esbuild straight from its TypeScript (its own copy of zod, so one side's zod
// config cannot reach the other). Inputs:
// - real documents: the configuration in README.md, the built-in runtime profiles, the demo
//   scripts and plan, and every JSON file a scripted session with the built CLI writes
//   under `.flotilla/` (init, spawn, tasks, mail, memory; needs `npm run build`);
// - for every object and union inside the schemas (each union option on its own), a sample
//   built from its definition, then that sample mutated at every path (each key dropped,
//   each value replaced by values of other types, out-of-range numbers, strings that fail
//   or pass its checks, an unknown key added).
// Every input is parsed by every schema on both sides. Compared: success; on success the
// parsed value (defaults included); on failure every issue's code, path and message, and
// the first issue as `firstZodIssue` formats it for users. Also compared: the messages of
// the helpers that format a failed parse (wire messages, demo scripts). Exit status 1 when
// anything differs. Takes about 3 minutes (1.6 million parses a side).
import { execFileSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const repo = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const base = args.find((arg) => !arg.startsWith("--")) ?? "1008339";

/** Modules holding zod schemas, relative to src/. */
const MODULES = [
  "core/agent-config.ts",
  "core/terminal-config.ts",
  "core/schema.ts",
  "core/mail.ts",
  "core/tasks.ts",
  "core/memory.ts",
  "core/memory-drafts.ts",
  "core/merge-queue.ts",
  "hub/wire.ts",
  "hub/daemon.ts",
  "demo/script.ts",
];
/** Modules whose exported data (not schemas) are real documents for the corpus. */
const DATA_MODULES = ["runtimes/profiles.ts", "demo/scripts/index.ts", "demo/plan.ts"];

/** Bundles the schema and data modules of one `src/` tree into `out`; resolves its exports. */
async function bundle(src, out) {
  const entry = path.join(path.dirname(out), `${path.basename(out, ".mjs")}-entry.mjs`);
  const lines = [...MODULES, ...DATA_MODULES].map(
    (module, i) => `export * as m${i} from ${JSON.stringify(path.join(src, module))};`,
  );
  writeFileSync(entry, lines.join("\n") + "\n");
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    external: ["node-pty"],
    nodePaths: [path.join(repo, "node_modules")],
    banner: {
      js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);",
    },
    logLevel: "error",
  });
  const loaded = await import(pathToFileURL(out).href);
  const byName = {};
  [...MODULES, ...DATA_MODULES].forEach((module, i) => (byName[module] = loaded[`m${i}`]));
  return byName;
}

/** Every exported zod schema of a side, as `module:name` → schema. */
function schemasOf(side) {
  const schemas = new Map();
  for (const module of MODULES) {
    for (const [name, value] of Object.entries(side[module])) {
      if (value && typeof value === "object" && "_zod" in value)
        schemas.set(`${module}:${name}`, value);
    }
  }
  return schemas;
}

/** Documents Flotilla ships or documents: README's config, runtime profiles, demo scripts. */
function realDocuments(side) {
  const docs = [];
  const readme = readFileSync(path.join(repo, "README.md"), "utf8");
  for (const [, block] of readme.matchAll(/```json\n([\s\S]*?)```/g)) {
    try {
      docs.push({ source: "README.md", value: JSON.parse(block) });
    } catch {
      // a fragment, not a whole document
    }
  }
  for (const [name, profile] of Object.entries(side["runtimes/profiles.ts"].builtinRuntimes({}))) {
    docs.push({ source: `runtime ${name}`, value: profile });
  }
  for (const { id, script } of side["demo/scripts/index.ts"].BUILTIN_SCRIPTS) {
    docs.push({ source: `demo script ${id}`, value: script });
    for (const step of script.steps) docs.push({ source: `demo step of ${id}`, value: step });
  }
  const plan = side["demo/plan.ts"];
  docs.push({ source: "demo gate", value: plan.DEMO_PROJECT_GATE });
  return docs.map((doc) => ({ ...doc, value: JSON.parse(JSON.stringify(doc.value)) }));
}

/**
 * The JSON documents a short scripted session with the built CLI (dist/cli.js) writes under
 * `.flotilla/`: config, state, tasks, mail, memory, events. Needs `npm run build`.
 */
function sessionDocuments(temp) {
  const root = path.join(temp, "session");
  mkdirSync(root);
  const cli = path.join(repo, "dist", "cli.js");
  const env = {
    ...process.env,
    FLOTILLA_ROOT: "",
    GIT_AUTHOR_NAME: "t",
    GIT_AUTHOR_EMAIL: "t@t",
    GIT_COMMITTER_NAME: "t",
    GIT_COMMITTER_EMAIL: "t@t",
  };
  const run = (cmd, argv, extra = {}) =>
    execFileSync(cmd, argv, {
      cwd: root,
      env: { ...env, ...extra },
      stdio: ["ignore", "pipe", "pipe"],
    });
  const flotilla = (argv, extra) => run(process.execPath, [cli, ...argv], extra);
  run("git", ["init", "-q", "-b", "main"]);
  writeFileSync(path.join(root, "README.md"), "# session\n");
  run("git", ["add", "."]);
  run("git", ["commit", "-qm", "init"]);
  flotilla(["init"]);
  flotilla(["spawn", "alice", "--runtime", "shell", "--prompt", "hello"]);
  flotilla(["spawn", "bob", "--runtime", "shell", "--model", "m1", "--effort", "high"]);
  flotilla([
    "task",
    "add",
    "Form validation",
    "--spec",
    "validate the form",
    "--scope",
    "src/form/**",
    "--gate",
    "npm test",
    "--review",
  ]);
  flotilla([
    "task",
    "add",
    "Docs",
    "--after",
    "T1",
    "--memory",
    "docs",
    "--role",
    "scout",
    "--fallback",
    "codex",
  ]);
  flotilla(["task", "fail", "T2", "--reason", "stuck"]);
  flotilla(["mail", "send", "--to", "cockpit", "--subject", "hi", "--body", "text"], {
    FLOTILLA_AGENT: "alice",
  });
  flotilla(
    [
      "mail",
      "send",
      "--to",
      "bob",
      "--subject",
      "urgent",
      "--body",
      "b",
      "--type",
      "escalation",
      "--priority",
      "urgent",
    ],
    { FLOTILLA_AGENT: "alice" },
  );
  flotilla(["mail", "send", "--to", "alice", "--subject", "re", "--body", "ok"]);
  flotilla([
    "memory",
    "record",
    "forms",
    "--type",
    "convention",
    "--text",
    "validate on submit",
    "--tags",
    "forms,ui",
  ]);
  flotilla([
    "memory",
    "record",
    "forms",
    "--type",
    "failure",
    "--text",
    "empty email passes",
    "--resolution",
    "check trim",
  ]);
  const docs = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith(".json") || name.endsWith(".jsonl")) {
        const text = readFileSync(file, "utf8");
        const values = name.endsWith(".jsonl")
          ? text
              .split("\n")
              .filter(Boolean)
              .map((line) => JSON.parse(line))
          : [JSON.parse(text)];
        for (const value of values) docs.push({ source: path.relative(root, file), value });
      }
    }
  };
  walk(path.join(root, ".flotilla"));
  return docs;
}

/** Strings tried wherever a schema takes a string: some pass each check, some fail. */
const STRINGS = [
  "",
  "x",
  "alice",
  "cockpit",
  "builder",
  "claude",
  "T1",
  "T0",
  "m1",
  "m-abcdef12",
  "0000000000a-abcd",
  "a".repeat(40).replace(/a/g, "f"),
  "2026-01-02T03:04:05.000Z",
  "2026-01-02",
  "C-b",
  "main",
  "--flag",
  "{text}",
  "src/form/**",
  "../escape",
  "/abs/path",
  "has space",
  "Bad Name!",
  "x".repeat(81),
  "y".repeat(301),
];
const NUMBERS = [0, 1, -1, 1.5, 99, 100, 255, 256, 1024, 4100, 65000, 65535, 65536, 1e9, -0.5];
/** Values of every JSON type, tried at every path. */
const ANY = [undefined, null, true, 0, -1, 2.5, "", "x", [], {}, [1], { a: 1 }];

/**
 * A sample input for `schema` (valid where the candidates allow) and, for every path in it,
 * the values worth trying there. `depth` bounds recursive schemas (demo steps).
 */
function sample(schema, depth = 0, at = [], slots = []) {
  const def = schema._zod.def;
  const ok = (value) => schema.safeParse(value).success;
  const pick = (candidates) => candidates.find(ok) ?? candidates[0];
  const slot = (values) => slots.push({ path: at, values });
  switch (def.type) {
    case "string": {
      slot(STRINGS);
      return { value: pick(STRINGS), slots };
    }
    case "number": {
      slot(NUMBERS);
      return { value: pick(NUMBERS), slots };
    }
    case "boolean":
      slot([true, false]);
      return { value: true, slots };
    case "literal":
      slot([...def.values, "other"]);
      return { value: def.values[0], slots };
    case "enum": {
      const values = Object.values(def.entries);
      slot([...values, "bogus"]);
      return { value: values[0], slots };
    }
    case "unknown":
    case "any":
      return { value: { free: ["form", 1] }, slots };
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "catch":
    case "readonly":
      slot([undefined, null]);
      return sample(def.innerType, depth, at, slots);
    case "pipe":
      return sample(def.in, depth, at, slots);
    case "lazy":
      return sample(def.getter(), depth, at, slots);
    case "array": {
      if (depth > 3) return { value: [], slots };
      const element = sample(def.element, depth + 1, [...at, 0], slots);
      slot([[], [element.value, element.value]]);
      return { value: [element.value], slots };
    }
    case "record": {
      const key = STRINGS.find((s) => s !== "" && def.keyType.safeParse(s).success) ?? "k";
      const value = sample(def.valueType, depth + 1, [...at, key], slots);
      slot([{}, { "Bad Key!": value.value }]);
      return { value: { [key]: value.value }, slots };
    }
    case "object": {
      const value = {};
      if (depth > 4) return { value, slots };
      for (const [key, field] of Object.entries(def.shape)) {
        value[key] = sample(field, depth + 1, [...at, key], slots).value;
      }
      slot([{}, "extra-key"]);
      return { value, slots };
    }
    case "union": {
      const options = def.options.map((option, i) =>
        sample(option, depth + 1, at, i === 0 ? slots : []),
      );
      slot(options.map((option) => option.value));
      return { value: options[0].value, slots };
    }
    default:
      throw new Error(`schema-diff: no sampler for zod type ${def.type} (extend sample())`);
  }
}

/** `value` with the thing at `at` replaced by `next` (`undefined`: key removed). */
function replaced(value, at, next) {
  if (at.length === 0) return next;
  const copy = Array.isArray(value) ? [...value] : { ...value };
  const [head, ...rest] = at;
  if (copy === null || typeof copy !== "object" || !(head in copy)) return value;
  if (rest.length === 0 && next === undefined && !Array.isArray(copy)) delete copy[head];
  else copy[head] = replaced(copy[head], rest, next);
  return copy;
}

/** A sample of `schema` and its mutations at every recorded path. */
function generated(schema) {
  const { value, slots } = sample(schema);
  const inputs = [value];
  for (const { path: at, values } of slots) {
    for (const next of [...values, ...ANY]) {
      if (next === "extra-key") {
        const target = at.reduce((node, key) => node?.[key], value);
        if (target && typeof target === "object" && !Array.isArray(target))
          inputs.push(replaced(value, at, { ...target, unknownKey: 1 }));
      } else {
        inputs.push(replaced(value, at, next));
      }
    }
  }
  return inputs;
}

/** Every object and union schema inside `schemas` (each union option sampled on its own). */
function containers(schemas) {
  const found = new Set();
  const visit = (schema, depth) => {
    if (!schema?._zod || depth > 8) return;
    const def = schema._zod.def;
    if ((def.type === "object" || def.type === "union") && found.has(schema)) return;
    if (def.type === "object" || def.type === "union") found.add(schema);
    for (const inner of [def.innerType, def.in, def.element, def.valueType, ...(def.options ?? [])])
      visit(inner, depth + 1);
    if (def.type === "object")
      for (const field of Object.values(def.shape)) visit(field, depth + 1);
  };
  for (const schema of schemas) visit(schema, 0);
  return [...found];
}

/** What a parse gives, in the terms a user can see. */
function outcome(schema, input) {
  const result = schema.safeParse(
    input === undefined ? undefined : globalThis.structuredClone(input),
  );
  if (result.success) return { ok: true, data: result.data };
  const issues = result.error.issues.map(({ code, path: at, message }) => ({
    code,
    path: at,
    message,
  }));
  const first = issues[0];
  return {
    ok: false,
    issues,
    first: first
      ? `${first.path.length > 0 ? ` at ${first.path.map(String).join(".")}` : ""}: ${first.message}`
      : "invalid",
  };
}

/** Messages of the helpers that turn a failed parse into the text users read. */
function helperMessages(side, input) {
  const messages = {};
  const wire = side["hub/wire.ts"];
  messages.client = wire.parseClientMessage(input);
  messages.server = wire.parseServerMessage(input);
  try {
    messages.demo = side["demo/script.ts"].parseDemoScript(input, "demo script x.json");
  } catch (error) {
    messages.demo = `${error.code}: ${error.message}`;
  }
  return messages;
}

function compare(before, after, corpus) {
  const old = schemasOf(before);
  const now = schemasOf(after);
  const differences = [];
  for (const name of new Set([...old.keys(), ...now.keys()])) {
    if (!old.has(name) || !now.has(name))
      differences.push({ name, problem: "exported on one side only" });
  }
  const inputs = [...corpus.map((doc) => doc.value)];
  for (const schema of containers([...old.values()])) inputs.push(...generated(schema));
  const seen = new Set();
  const unique = inputs.filter((input) => {
    const key = JSON.stringify(input) ?? "undefined";
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  let pairs = 0;
  let valid = 0;
  let helpers = 0;
  for (const input of unique) {
    for (const [name, schema] of old) {
      if (!now.has(name)) continue;
      const a = outcome(schema, input);
      const b = outcome(now.get(name), input);
      pairs += 1;
      if (a.ok) valid += 1;
      if (!isDeepStrictEqual(a, b)) differences.push({ name, input, before: a, after: b });
    }
    const a = helperMessages(before, input);
    const b = helperMessages(after, input);
    helpers += Object.keys(a).length;
    if (!isDeepStrictEqual(a, b)) differences.push({ name: "helpers", input, before: a, after: b });
  }
  return {
    schemas: old.size,
    inputs: unique.length,
    pairs,
    valid,
    invalid: pairs - valid,
    helpers,
    differences,
  };
}

/** Bundles both sides, gathers the inputs, compares, prints; exit status 1 on a difference. */
async function main() {
  // Inside the checkout: bundled code looks for flotilla's package.json above itself.
  mkdirSync(path.join(repo, "node_modules", ".cache"), { recursive: true });
  const temp = mkdtempSync(path.join(repo, "node_modules", ".cache", "schema-diff-"));
  try {
    const baseSrc = path.join(temp, "base");
    mkdirSync(baseSrc);
    execFileSync("sh", ["-c", `git -C "${repo}" archive ${base} src | tar -x -C "${baseSrc}"`]);
    const [before, after] = await Promise.all([
      bundle(path.join(baseSrc, "src"), path.join(temp, "before.mjs")),
      bundle(path.join(repo, "src"), path.join(temp, "after.mjs")),
    ]);
    const shipped = realDocuments(before);
    const session = sessionDocuments(temp);
    const corpus = [...shipped, ...session];
    console.log(`real documents: ${shipped.length} shipped, ${session.length} from a CLI session`);
    const report = compare(before, after, corpus);
    console.log(
      `schema-diff against ${base}: ${report.schemas} schemas, ${report.inputs} inputs, ` +
        `${report.pairs} parses compared (${report.valid} valid, ${report.invalid} invalid), ` +
        `${report.helpers} helper messages; ${report.differences.length} differences`,
    );
    for (const difference of report.differences.slice(0, verbose ? Infinity : 20)) {
      console.log(JSON.stringify(difference, null, 1));
    }
    process.exitCode = report.differences.length === 0 ? 0 : 1;
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

await main();
