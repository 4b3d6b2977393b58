import { sanitizeLine } from "../core/sanitize.js";

/**
 * Getting the human's attention from the cockpit: the terminal bell and desktop
 * notifications through the terminal (OSC 9, OSC 777). Pure: these return the bytes to write
 * to the real terminal; the caller writes them (through the compositor's stream).
 *
 * - OSC 9 (`ESC ] 9 ; text BEL`), from iTerm2, also read by WezTerm, Ghostty and kitty.
 * - OSC 777 (`ESC ] 777 ; notify ; title ; body BEL`), from rxvt-unicode's notify
 *   extension, also read by foot, Ghostty, WezTerm and VTE terminals that carry the patch.
 * A terminal that knows neither ignores them, but some do both, so pick one with
 * {@link notificationFor}.
 */

/** Longest notification title kept, in characters (code points). */
export const MAX_TITLE_CHARS = 64;
/** Longest notification body kept, in characters (code points). */
export const MAX_BODY_CHARS = 200;

const ESC = "\x1b";
const BEL = "\x07";

/** The terminal bell: `"\x07"`. */
export function bell(): string {
  return BEL;
}

/** Both forms of one desktop notification; write at most one of them (see {@link notificationFor}). */
export interface DesktopNotification {
  /** `ESC ] 9 ; <title>: <body> BEL`. */
  osc9: string;
  /** `ESC ] 777 ; notify ; <title> ; <body> BEL`. */
  osc777: string;
}

/**
 * A desktop notification with `title` and `body` as OSC 9 and OSC 777 sequences. Both texts
 * are made one line with every control character and escape sequence removed (so nothing in
 * them can end the sequence early or start another: no BEL, ESC, C1 or newline remains),
 * `;` becomes `,` (OSC 777 separates its fields with it), and they are cut to
 * {@link MAX_TITLE_CHARS} / {@link MAX_BODY_CHARS} characters with `…`. An OSC 9 text that
 * would start with a digit gets a leading space, since ConEmu and Windows Terminal read
 * `ESC ] 9 ; <n> ;` as a command of their own. Never throws.
 */
export function desktopNotification(title: string, body: string): DesktopNotification {
  const t = clean(title, MAX_TITLE_CHARS) || "Flotilla";
  const b = clean(body, MAX_BODY_CHARS);
  let text = b ? `${t}: ${b}` : t;
  if (/^\d/.test(text)) text = ` ${text}`;
  return {
    osc9: `${ESC}]9;${text}${BEL}`,
    osc777: `${ESC}]777;notify;${t};${b}${BEL}`,
  };
}

/**
 * Which notification sequence the terminal described by `env` understands, or `""` when it
 * is not known to show any (then only the bell is worth sending). Decided from
 * `TERM_PROGRAM`, `TERM` and `VTE_VERSION`: iTerm2, WezTerm, Ghostty and kitty get OSC 9;
 * foot, rxvt-unicode and VTE terminals (GNOME Terminal, Tilix…) get OSC 777. Inside tmux or
 * screen it is `""`: they swallow OSC sequences unless passthrough is configured.
 */
export function notificationFor(env: NodeJS.ProcessEnv, title: string, body: string): string {
  const kind = notificationKind(env);
  if (kind === undefined) return "";
  const n = desktopNotification(title, body);
  return kind === "osc9" ? n.osc9 : n.osc777;
}

/** `osc9`, `osc777` or `undefined`: see {@link notificationFor}. */
export function notificationKind(env: NodeJS.ProcessEnv): "osc9" | "osc777" | undefined {
  const term = env.TERM ?? "";
  const program = env.TERM_PROGRAM ?? "";
  if (env.TMUX || program === "tmux" || term.startsWith("screen") || term.startsWith("tmux"))
    return undefined;
  if (["iTerm.app", "WezTerm", "ghostty"].includes(program)) return "osc9";
  if (term === "xterm-kitty" || env.KITTY_WINDOW_ID) return "osc9";
  if (term.startsWith("foot") || term.startsWith("rxvt")) return "osc777";
  if (env.VTE_VERSION) return "osc777";
  return undefined;
}

function clean(text: string, max: number): string {
  const line = sanitizeLine(text).replace(/;/g, ",").replace(/\s+/g, " ").trim();
  const chars = [...line];
  return chars.length <= max ? line : chars.slice(0, max - 1).join("") + "…";
}

/**
 * What to write to the real terminal when mail reaches the cockpit: for an `urgent`
 * message, the bell followed by a desktop notification (`Flotilla: mail from <from>` /
 * subject) where the terminal described by `env` shows one; `""` for anything less urgent.
 */
export function mailAlert(
  headline: { from: string; subject: string; priority: string } | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (headline?.priority !== "urgent") return "";
  return (
    bell() + notificationFor(env, `Flotilla: urgent mail from ${headline.from}`, headline.subject)
  );
}
