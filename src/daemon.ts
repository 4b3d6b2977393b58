import { failedToStart, runHubDaemon } from "./hub/main.js";
import { lazyCockpits } from "./tui/load-cockpits.js";

/*
 * The hub daemon's entry point, and its composition root: it hands the hub the cockpit
 * factory of `src/tui/` (the hub never imports tui), loaded on the first attach.
 * `ensureHub` runs the build's bundle of this file (`dist/daemon.bundle.js`) or this file.
 */
runHubDaemon(process.argv.slice(2), lazyCockpits).catch(failedToStart);
