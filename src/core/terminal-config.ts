import * as z from "./zod.js";

/**
 * `terminal` in `.flotilla/config.json`: how the cockpit passes what agents print on to the
 * real terminal.
 */
export const TerminalConfig = z.object({
  /**
   * Also set the outer terminal's window title to the focused pane's title (OSC 0/2 from the
   * agent, sanitized). Off by default: the title is the user's, and some set it themselves.
   */
  forwardTitle: z._default(z.boolean(), false),
});
export type TerminalConfig = z.infer<typeof TerminalConfig>;
