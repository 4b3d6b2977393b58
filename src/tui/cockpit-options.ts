import type { AlertsConfig } from "../core/agent-config.js";
import type { LayoutName } from "../core/layout.js";
import type { PaneArrangement } from "./pane-arrangement.js";
import type { CockpitMail } from "./views/inbox.js";
import type { AnyView } from "./views/registry.js";
import type { ViewServices } from "./views/view.js";

/** The terminal the cockpit draws on. */
export interface CockpitTerminal {
  write(data: string): void;
  size(): { cols: number; rows: number };
}

/** What `run-cockpit.ts` hands a cockpit besides its hub link, screens and terminal. */
export interface CockpitOptions {
  /** The prefix key's byte, e.g. "\x02" for Ctrl-b. */
  prefix: string;
  /** Shown at the left of the status bar. */
  title: string;
  /** Runtimes offered in the spawn dialog. */
  runtimes: string[];
  /** Called when the user quits (after confirmation). */
  onQuit(): void;
  /** Called for prefix d; undefined when detaching is not possible. */
  onDetach?: () => void;
  /** The inbox (prefix m); undefined hides it. */
  mail?: CockpitMail;
  /** The views it offers; default every view in `views/registry.ts` (tests hand their own). */
  views?: readonly AnyView[];
  /** More data sources for views (see `views/view.ts`), merged over the ones above. */
  services?: Partial<ViewServices>;
  /** The pane arrangement to start with (config `layout`); default `auto`. */
  layout?: LayoutName;
  /** Pane order, layout and zoom to start from (the last client's, on attach); the cockpit changes it. */
  arrangement?: PaneArrangement;
  /** The pane to focus first when it exists (the last client's focus); default the first. */
  focus?: string;
  /** Set the terminal's window title to the focused pane's (config `terminal.forwardTitle`). */
  forwardTitle?: boolean;
  /** The user's environment, to choose how urgent mail notifies (bell, OSC 9 / 777). */
  env?: NodeJS.ProcessEnv;
  /** What rings and notifies on the terminal (config `notify.alerts`); default all of it. */
  alerts?: AlertsConfig;
  now?: () => number;
}

/** The view services a cockpit's options give (`services` merged over the rest). */
export function viewServices(options: CockpitOptions): ViewServices {
  return {
    runtimes: options.runtimes,
    canDetach: options.onDetach !== undefined,
    ...(options.mail ? { mail: options.mail } : {}),
    ...options.services,
  };
}
