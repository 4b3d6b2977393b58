import { existsSync } from "node:fs";
import type { Config } from "../core/schema.js";
import { State } from "../core/agent-schema.js";
import { FlotillaError } from "../core/errors.js";
import { JsonDocument } from "./json-store.js";
import { restrictDir } from "./safe-path.js";
import { appendEvent } from "./events.js";
import { findProjectRoot, projectPaths, type ProjectPaths } from "./paths.js";

/**
 * One Flotilla project: the main checkout plus its `.flotilla/` documents.
 * Cheap to construct; nothing is read until asked.
 */
export class Project {
  readonly paths: ProjectPaths;
  readonly configDoc: JsonDocument<typeof Config>;
  readonly stateDoc: JsonDocument<typeof State>;

  constructor(root: string) {
    this.paths = projectPaths(root);
    // Config's schema (runtimes, gates, memory, tasks, merge...) is most of Flotilla's schemas;
    // commands that never read the config (ls, mail) never load or build it.
    this.configDoc = new JsonDocument(this.paths.config, loadConfigSchema);
    this.stateDoc = new JsonDocument(this.paths.state, State);
  }

  get root(): string {
    return this.paths.root;
  }

  /** True once `flotilla init` has written `.flotilla/config.json`. */
  isInitialized(): boolean {
    return existsSync(this.paths.config);
  }

  /** The validated config (defaults where the file is silent). */
  readConfig(): Promise<Config> {
    return this.configDoc.read();
  }

  /** The validated agent state. */
  readState(): Promise<State> {
    return this.stateDoc.read();
  }

  /** Appends to `.flotilla/events.jsonl` (best effort). */
  log(type: string, fields: { agent?: string; detail?: Record<string, unknown> } = {}): void {
    appendEvent(this.paths.events, type, fields);
  }
}

async function loadConfigSchema(): Promise<typeof Config> {
  return (await import("../core/schema.js")).Config;
}

/**
 * The project for `cwd`, which must be inside a git checkout that has been initialised.
 * @throws FlotillaError NOT_A_GIT_REPO or NOT_INITIALIZED.
 */
export function openProject(
  cwd: string = process.cwd(),
  options: { requireInit?: boolean } = {},
): Project {
  const project = new Project(findProjectRoot(cwd));
  restrictDir(project.paths.dir); // .flotilla/ made 0755 by an older version becomes 0700
  if ((options.requireInit ?? true) && !project.isInitialized()) {
    throw new FlotillaError(
      "NOT_INITIALIZED",
      `${project.root} has no .flotilla/config.json: run "flotilla init" there first`,
    );
  }
  return project;
}
