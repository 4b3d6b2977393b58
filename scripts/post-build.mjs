// After tsc: make the CLI executable, and bundle: the thin client (client/attach), the
// hub daemon (daemon) with the hub's cockpits (cockpit-factory, loaded by the hub on the
// first attach), and the CLI (whose chunks include the terminal side of up/attach).
// Loading Ink and React as ~150 separate ES modules costs ~0.6 s at start-up; one bundled
// file loads in a fraction of that. The unbundled modules stay in dist/ as the fallback
// and for everything else (the hub, the CLI, tests).
import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const dist = new URL("../dist/", import.meta.url);
chmodSync(new URL("cli.js", dist), 0o755);

const empty = fileURLToPath(new URL("tui/empty-module.js", dist));
// zod re-exports all of its ~50 message locales (300 kB, half of zod's bundled size, all
// compiled at start); Flotilla uses only the default English one, so only that is bundled.
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(b) {
    b.onResolve({ filter: /locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer)
        ? {
            path: fileURLToPath(new URL(args.path, `file://${args.importer}`)),
            namespace: "zod-locales",
          }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "zod-locales" }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path.replace(/index\.js$/, "en.js"))};`,
      loader: "js",
      resolveDir: fileURLToPath(new URL(".", `file://${args.path}`)),
    }));
  },
};
// commander requires node:child_process when it loads, for executable subcommands, which
// Flotilla has none of: with net, stream and dgram that is ~6 ms of every CLI start. Its
// `require` gets a stand-in that loads the real module on first use.
const commanderLazyChildProcess = {
  name: "commander-lazy-child-process",
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer)
        ? { path: "node:child_process", namespace: "lazy-child-process" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "lazy-child-process" }, () => ({
      contents:
        "let real;\n" +
        "module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });\n",
      loader: "js",
    }));
  },
};
writeFileSync(empty, "export default {};\n");
mkdirSync(new URL("chunks/", dist), { recursive: true });
// Chunks are named by content hash: the last build's would pile up beside this one's.
for (const [dir, chunk] of [
  ["chunks", /^hub-\w+\.js$/],
  ["commands", /^(cli-chunk-\w+|[\w-]+\.bundle)\.js$/],
]) {
  for (const file of readdirSync(new URL(`${dir}/`, dist))) {
    if (chunk.test(file)) rmSync(new URL(`${dir}/${file}`, dist));
  }
}
const bundle = (entry, out, extra = {}) =>
  build({
    ...(entry === undefined
      ? {}
      : {
          entryPoints: [fileURLToPath(new URL(entry, dist))],
          outfile: fileURLToPath(new URL(out, dist)),
        }),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Less source for V8 to scan at start (identifiers keep their names, for stack traces).
    minifySyntax: true,
    minifyWhitespace: true,
    // A native addon: loaded from node_modules as usual.
    external: ["node-pty"],
    // Ink imports React DevTools only when asked to; it is not a dependency of ours.
    alias: { "react-devtools-core": empty },
    plugins: [zodEnglishOnly],
    // Some dependencies are CommonJS and call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __flotillaRequire } from 'node:module'; const require = __flotillaRequire(import.meta.url);",
    },
    logLevel: "warning",
    ...extra,
  });
// The client must stay small: test/client/bundle.test.ts reads this metafile's inputs.
const client = await bundle("client/attach.js", "client/attach.bundle.js", { metafile: true });
writeFileSync(new URL("client/attach.meta.json", dist), JSON.stringify(client.metafile));
// The hub daemon and the cockpits it loads on the first attach, in one build: what both
// use (zod, the schemas, the store, the screens) is one shared chunk, compiled once per hub
// instead of once in each bundle. The daemon's start, then the cockpits' load, are on the
// critical path of `flotilla up`. React's production build: its development build adds
// ~770 kB of reconciler checks that every hub compiled at its first attach.
await bundle(undefined, undefined, {
  entryPoints: {
    "daemon.bundle": fileURLToPath(new URL("daemon.js", dist)),
    "tui/cockpit-factory.bundle": fileURLToPath(new URL("tui/cockpit-factory.js", dist)),
  },
  outdir: fileURLToPath(dist),
  splitting: true,
  chunkNames: "chunks/hub-[hash]",
  define: {
    "process.env.NODE_ENV": '"production"',
    // yoga-layout (Ink's layout) loads its wasm, a base64 data URL, with fetch() when there is
    // one; Node's fetch is undici, ~50 ms to compile and run at the first attach. Without it
    // yoga decodes the same bytes itself. Nothing else in these bundles calls fetch.
    fetch: "undefined",
  },
  metafile: true,
}).then((hub) => writeFileSync(new URL("hub.meta.json", dist), JSON.stringify(hub.metafile)));

// The CLI too (issue 11 item 7): as ~150 modules (zod alone is 95) a short command such as
// `flotilla ls` spent ~200 ms resolving and loading them. Bundles sit in dist/commands/ so the
// cockpit's own relative imports (../tui/, left out of these bundles: Ink and React load only
// for `up`/`attach`) still resolve. tsc's entry stays as cli.modules.js.
// - cli.bundle.js: the whole program (help, --version, a mistyped command), its commands'
//   lazy imports as shared chunks;
// - <module>.bundle.js for each module of src/program.ts's COMMAND_MODULES: the program with
//   that module's commands only, and everything their actions import, in one file. A short
//   command then loads two files (dist/cli.js and its bundle) instead of ~20 chunks, each
//   a round of resolving and reading: ~15 ms less for `ls` and `mail send`.
// - dist/cli.js: picks the bundle by the command's name.
const cliModules = fileURLToPath(new URL("cli.modules.js", dist));
renameSync(fileURLToPath(new URL("cli.js", dist)), cliModules);
const tuiDir = fileURLToPath(new URL("tui/", dist));
const commandsDir = fileURLToPath(new URL("commands/", dist));
const cliOptions = {
  minifySyntax: true,
  minifyWhitespace: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: ["node-pty"],
  plugins: [
    zodEnglishOnly,
    commanderLazyChildProcess,
    {
      name: "cockpit-stays-out",
      setup(b) {
        // Except the terminal side of up/attach (finding or starting the hub, then the thin
        // client): it loads no Ink, and as a chunk it shares zod and the store with the CLI.
        const terminalSide = /[\\/]tui[\\/](run-cockpit|load-cockpits)\.js$/;
        b.onResolve({ filter: /\/tui\// }, (args) => {
          const full = fileURLToPath(new URL(args.path, `file://${args.resolveDir}/`));
          return full.startsWith(tuiDir) && !terminalSide.test(full)
            ? { path: args.path, external: true }
            : undefined;
        });
      },
    },
  ],
  banner: {
    js: "import { createRequire as __flotillaRequire } from 'node:module'; const require = __flotillaRequire(import.meta.url);",
  },
  logLevel: "warning",
};
const cli = await build({
  ...cliOptions,
  entryPoints: [cliModules],
  metafile: true,
  outdir: commandsDir,
  // Each command's lazy imports become chunks of their own, loaded when that command runs.
  splitting: true,
  entryNames: "cli.bundle",
  chunkNames: "cli-chunk-[hash]",
});
// What each chunk holds, for profiling (which chunks a command loads, and why).
writeFileSync(new URL("cli.meta.json", dist), JSON.stringify(cli.metafile));
const { COMMAND_MODULES } = await import(new URL("program.js", dist).href);
const bundleOf = (module) => path.basename(module.module, ".js");
await Promise.all(
  COMMAND_MODULES.map((module) =>
    build({
      ...cliOptions,
      stdin: {
        contents: [
          'import { main } from "./cli-main.js";',
          'import { createProgram } from "./program.js";',
          `import { ${module.register} as register } from ${JSON.stringify(module.module)};`,
          "const program = createProgram();",
          "register(program);",
          "await main(program);",
        ].join("\n"),
        resolveDir: fileURLToPath(dist),
        sourcefile: `${bundleOf(module)}.bundle.js`,
        loader: "js",
      },
      outfile: path.join(commandsDir, `${bundleOf(module)}.bundle.js`),
    }),
  ),
);
const bundles = Object.fromEntries(
  COMMAND_MODULES.flatMap((module) => module.names.map((name) => [name, bundleOf(module)])),
);
writeFileSync(
  fileURLToPath(new URL("cli.js", dist)),
  [
    "#!/usr/bin/env node",
    "// Made by scripts/post-build.mjs: `flotilla <command>` runs the bundle of <command>'s module.",
    `const bundles = new Map(Object.entries(${JSON.stringify(bundles)}));`,
    'await import(`./commands/${bundles.get(process.argv[2] ?? "") ?? "cli"}.bundle.js`);',
    "",
  ].join("\n"),
);
chmodSync(new URL("cli.js", dist), 0o755);
// The mark of a whole build (tsc and these bundles), which test/build.ts checks.
writeFileSync(new URL(".build-stamp", dist), `${new Date().toISOString()}\n`);
