/**
 * The escape sequence that takes over the terminal: the window title saved (XTWINOPS 22),
 * alternate screen (1049), cursor hidden, normal cursor keys, SGR mouse reporting of presses
 * and drags (1000, 1002, 1006), bracketed paste (2004), focus events off (1004).
 */
export function enterScreen(): string {
  return (
    "\x1b[22;0t\x1b[?1049h\x1b[?25l\x1b[?1l" +
    "\x1b[?1000h\x1b[?1002h\x1b[?1006h\x1b[?2004h\x1b[?1004l" +
    "\x1b[0m\x1b[H\x1b[2J"
  );
}

/**
 * The exact reverse of `enterScreen()`, in reverse order, plus what a frame may have changed
 * (an open OSC 8 link, the cursor shape): safe to write more than once.
 */
export function leaveScreen(): string {
  return (
    "\x1b]8;;\x1b\\\x1b[0m\x1b[?2026l\x1b[0 q" +
    "\x1b[?2004l\x1b[?1006l\x1b[?1002l\x1b[?1000l" +
    "\x1b[?25h\x1b[?1049l\x1b[23;0t"
  );
}
