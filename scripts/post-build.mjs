// After tsc: make the CLI executable, and bundle into one file each: the thin client
// (client/attach), the terminal side of up/attach (run-cockpit), the hub daemon (daemon)
// and the hub's cockpits (cockpit-factory, loaded by the hub on the first attach).
// Loading Ink and React as ~150 separate ES modules costs ~0.6 s at start-up; one bundled
// file loads in a fraction of that. The unbundled modules stay in dist/ as the fallback
// and for everything else (the hub, the CLI, tests).
import { chmodSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const dist = new URL("../dist/", import.meta.url);
chmodSync(new URL("cli.js", dist), 0o755);

const empty = fileURLToPath(new URL("tui/empty-module.js", dist));
writeFileSync(empty, "export default {};\n");
const bundle = (entry, out, extra = {}) =>
  build({
    entryPoints: [fileURLToPath(new URL(entry, dist))],
    outfile: fileURLToPath(new URL(out, dist)),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // A native addon: loaded from node_modules as usual.
    external: ["node-pty"],
    // Ink imports React DevTools only when asked to; it is not a dependency of ours.
    alias: { "react-devtools-core": empty },
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
await bundle("tui/run-cockpit.js", "tui/run-cockpit.bundle.js");
// The hub daemon's start-up is on the critical path of `flotilla up`.
await bundle("daemon.js", "daemon.bundle.js");
await bundle("tui/cockpit-factory.js", "tui/cockpit-factory.bundle.js");
