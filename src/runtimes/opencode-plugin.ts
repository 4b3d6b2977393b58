import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * OpenCode's status plugin, passed without writing into the worktree.
 *
 * OpenCode (1.18.33) loads plugins named in a config's `plugin` array, and reads, besides
 * its global and project configs, `OPENCODE_CONFIG` (a file) and `OPENCODE_CONFIG_CONTENT`
 * ("inject inline JSON as a final local-scope merge", in the config skill bundled in the
 * `opencode` binary; `Config.loadInstanceState` there). `plugin` arrays add up across all
 * of them (`deduplicatePluginOrigins([...B.plugin_origins, ...])`), so Flotilla puts
 * `{"plugin": ["file:///…/.flotilla/opencode/flotilla-status.js"]}` in the agent's
 * `OPENCODE_CONFIG_CONTENT`, merged into the user's own value when they set one, and leaves
 * `OPENCODE_CONFIG` and every config file alone. Seen in a real pty: the plugin loads
 * offline and without a provider, and gets `session.created` and `session.status` as soon
 * as a prompt is sent (test/e2e/opencode.test.ts).
 *
 * A plugin module's every export is a function (`Plugin export is not a function`
 * otherwise) called with `{client, project, worktree, directory, $, …}`; it returns hooks,
 * of which `event({event: {id, type, properties}})` gets every bus event of its directory.
 * Flotilla's plugin keeps the few that say what the agent does (see `opencodeEvent`) and
 * appends each as one line `{"time","source":"opencode","type","properties","child"?}` to
 * `$FLOTILLA_ROOT/.flotilla/agent-events/$FLOTILLA_AGENT.jsonl`, in-process: no program is
 * started per event (OpenCode streams many).
 *
 * With any plugin configured (ours included), OpenCode 1.18.33 first installs
 * `@opencode-ai/plugin` into `~/.config/opencode` through npm's Arborist and loads plugins
 * only after that: seconds once online, but on a network that drops packets it waits out
 * npm's timeout, and npm's `offline` setting (`npm_config_offline=true`) makes it give up at
 * once (seen in its log as "background dependency install failed"). Flotilla leaves the
 * user's npm settings alone; test/e2e/opencode.test.ts runs offline that way.
 */

/** Where the plugin lives: `<.flotilla>/opencode/flotilla-status.js` (with a `package.json`). */
export function opencodePluginPath(flotillaDir: string): string {
  return path.join(flotillaDir, "opencode", "flotilla-status.js");
}

/**
 * The `package.json` beside the plugin: it makes the folder a package of its own, so
 * OpenCode, looking for the plugin's package, stops there and never reads or installs into
 * the project's.
 */
export function opencodePluginPackage(): string {
  return (
    JSON.stringify(
      {
        name: "flotilla-opencode-status",
        private: true,
        type: "module",
        main: "flotilla-status.js",
      },
      null,
      2,
    ) + "\n"
  );
}

/** Bus event types the plugin passes on (see `opencodeEvent` for what each means). */
export const OPENCODE_STATUS_EVENTS = [
  "session.created",
  "session.status",
  "session.idle",
  "permission.asked",
  "permission.replied",
  "question.asked",
  "question.replied",
  "question.rejected",
] as const;

/**
 * The plugin's source, an ES module run by OpenCode (Bun). It writes nothing unless run by
 * a Flotilla agent (`FLOTILLA_ROOT` set, `FLOTILLA_AGENT` a name that stays in the folder,
 * as the hook script checks), follows which sessions are subagents' (`session.created` with
 * a `parentID`) to mark their events `child`, skips a line equal to the one before it
 * (OpenCode repeats `session.status` busy), and never throws into OpenCode.
 */
export function opencodePluginSource(): string {
  return `// Written by Flotilla: its OpenCode status plugin (src/runtimes/opencode-plugin.ts).
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const TYPES = new Set(${JSON.stringify(OPENCODE_STATUS_EVENTS)});

export const FlotillaStatus = async () => {
  const root = process.env.FLOTILLA_ROOT ?? "";
  const agent = process.env.FLOTILLA_AGENT ?? "";
  if (root === "" || !/^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(agent) || agent.includes("..")) {
    return {};
  }
  const dir = join(root, ".flotilla", "agent-events");
  const file = join(dir, agent + ".jsonl");
  const children = new Set();
  let last = "";
  return {
    event: async ({ event }) => {
      try {
        if (!event || !TYPES.has(event.type)) return;
        const p = event.properties ?? {};
        const info = p.info ?? {};
        if (event.type === "session.created" && typeof info.parentID === "string") {
          children.add(info.id);
        }
        const session = typeof p.sessionID === "string" ? p.sessionID : info.id;
        const properties = { sessionID: session };
        if (event.type === "session.status") properties.status = { type: p.status?.type };
        if (event.type === "session.created") {
          properties.info = { id: info.id };
          if (typeof info.parentID === "string") properties.info.parentID = info.parentID;
        }
        const line = { source: "opencode", type: event.type, properties };
        if (children.has(session)) line.child = true;
        const key = JSON.stringify(line);
        if (key === last) return;
        last = key;
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        appendFileSync(file, JSON.stringify({ time: new Date().toISOString(), ...line }) + "\\n", {
          mode: 0o600,
        });
      } catch {
        // A status report must never break the agent.
      }
    },
  };
};
`;
}

/**
 * The agent's `OPENCODE_CONFIG_CONTENT`: `{"plugin": [<plugin file URL>]}`, or the user's
 * own value (`env.OPENCODE_CONFIG_CONTENT`) with the plugin added to its `plugin` array.
 * `undefined` when the user's value is not a JSON object (OpenCode also takes JSONC;
 * Flotilla does not rewrite what it cannot parse): the agent then keeps the user's value
 * and goes without the plugin.
 */
export function opencodeConfigContent(
  env: NodeJS.ProcessEnv,
  pluginFile: string,
): string | undefined {
  const spec = pathToFileURL(pluginFile).href;
  const theirs = env.OPENCODE_CONFIG_CONTENT;
  if (theirs === undefined || theirs.trim() === "") return JSON.stringify({ plugin: [spec] });
  let parsed: unknown;
  try {
    parsed = JSON.parse(theirs);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  const config = parsed as Record<string, unknown>;
  const plugins = Array.isArray(config.plugin) ? (config.plugin as unknown[]) : [];
  return JSON.stringify({ ...config, plugin: [...plugins, spec] });
}
