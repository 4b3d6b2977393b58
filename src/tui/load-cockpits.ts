import path from "node:path";
import { pathToFileURL } from "node:url";
import type { CockpitFactory, CockpitFactoryMaker } from "../hub/cockpits.js";
import { packageRoot } from "../runtimes/package-files.js";

type CockpitModule = typeof import("./cockpit-factory.js");

/**
 * Loads the cockpit side. The build bundles it (the compositor, the views, React; Ink is a
 * chunk of its own that loads after the first frame, ./ink.ts) into one file, which loads
 * several times faster than ~200 separate modules; the modules themselves are the fallback.
 */
async function loadCockpitModule(): Promise<CockpitModule> {
  // From the package root (this module may run inside the daemon's bundle), and in
  // variables, so no bundle that imports this module inlines the cockpit side.
  const tui = path.join(packageRoot(), "dist", "tui");
  const bundle = pathToFileURL(path.join(tui, "cockpit-factory.bundle.js")).href;
  const modules = pathToFileURL(path.join(tui, "cockpit-factory.js")).href;
  return (import(bundle) as Promise<CockpitModule>).catch(
    () => import(modules) as Promise<CockpitModule>,
  );
}

/**
 * The hub's cockpits. Only `flotilla up` starts a hub, and its client attaches at once, so
 * the cockpit side (the compositor, views and React) is preloaded
 * as soon as the hub is reachable (listener up, record written), not on the first attach:
 * the load overlaps the client's own start and handshake instead of following it. A load
 * that fails is reported to the first attach.
 */
export const lazyCockpits: CockpitFactoryMaker = (hub) => {
  let factory: Promise<CockpitFactory> | undefined;
  const load = (): Promise<CockpitFactory> =>
    (factory ??= loadCockpitModule().then((module) => module.createCockpitFactory(hub)));
  const cockpits: CockpitFactory = async (client) => (await load())(client);
  cockpits.preload = () => setImmediate(() => load().catch(() => undefined));
  return cockpits;
};
