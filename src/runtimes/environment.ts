/**
 * The environment an agent starts with: the hub's own, minus what describes the terminal
 * that started the hub (its multiplexer, emulator and size), plus what the pane's emulator
 * really is. An agent runs inside Flotilla's pane, not inside the user's tmux or kitty:
 * `TMUX` left in would make `tmux` typed in a shell agent drive the outer tmux, and
 * `TERM_PROGRAM=tmux` makes Claude Code give tmux advice.
 */

/** Variables of the outer terminal that are never passed on (exact names). */
export const OUTER_TERMINAL_VARIABLES: readonly string[] = [
  "TMUX",
  "TMUX_PANE",
  "TMUX_TMPDIR",
  "STY", // GNU screen
  "WINDOW", // GNU screen's window number
  "TERM_PROGRAM",
  "TERM_PROGRAM_VERSION",
  "TERM_SESSION_ID",
  "LC_TERMINAL",
  "LC_TERMINAL_VERSION",
  "TERMINAL_EMULATOR",
  "VTE_VERSION",
  "WINDOWID",
  "COLUMNS",
  "LINES",
  "TERMCAP",
  "COLORTERM",
  // Claude Code refuses to start "inside another Claude Code session" when these are set
  // (Flotilla itself may have been started from one).
  "CLAUDECODE",
  "CLAUDE_CODE_ENTRYPOINT",
];

/** Prefixes of outer-terminal variables (kitty, WezTerm, iTerm2, Alacritty, …). */
export const OUTER_TERMINAL_PREFIXES: readonly string[] = [
  "TMUX_",
  "KITTY_",
  "WEZTERM_",
  "ITERM_",
  "ALACRITTY_",
  "GHOSTTY_",
  "KONSOLE_",
  "WT_", // Windows Terminal
  "WARP_",
  "ZELLIJ",
  "TERMINATOR_",
  "TILIX_",
  "VSCODE_",
  "FLOTILLA_", // the agent's own identity is set afresh for each agent
];

/** What every agent's terminal is: the pane's emulator (xterm's model, truecolor). */
export const AGENT_TERMINAL = {
  TERM: "xterm-256color",
  COLORTERM: "truecolor",
  TERM_PROGRAM: "flotilla",
} as const;

/** Whether `name` describes the outer terminal (see {@link OUTER_TERMINAL_VARIABLES}). */
export function isOuterTerminalVariable(name: string): boolean {
  return (
    OUTER_TERMINAL_VARIABLES.includes(name) ||
    OUTER_TERMINAL_PREFIXES.some((prefix) => name.startsWith(prefix))
  );
}

/**
 * `env` without the outer terminal's variables and unset values, with
 * {@link AGENT_TERMINAL} set. The caller adds the runtime profile's `env` and the agent's
 * identity on top.
 */
export function agentBaseEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !isOuterTerminalVariable(key)) clean[key] = value;
  }
  return { ...clean, ...AGENT_TERMINAL };
}
