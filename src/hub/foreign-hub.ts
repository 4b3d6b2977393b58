import { realpathSync } from "node:fs";

/**
 * Why the hub that said `welcome` is not this client's (another project's root, or another
 * start than hub.json names), or `undefined` when it is. Zod-free: the thin client uses it.
 */
export function foreignHub(
  welcome: { root: string; hubId: string },
  options: { root?: string; hubId?: string },
  socketPath: string,
): string | undefined {
  if (options.root !== undefined && realPath(welcome.root) !== realPath(options.root)) {
    return `the hub on ${socketPath} serves ${welcome.root || "another project"}, not ${options.root} (hub.json copied from another project?): nothing was sent to it; run "flotilla up" to start this project's own hub`;
  }
  if (options.hubId !== undefined && welcome.hubId !== options.hubId) {
    return `the hub on ${socketPath} is not the one ${options.root ?? "this project"}'s hub.json names: nothing was sent to it`;
  }
  return undefined;
}

function realPath(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}
