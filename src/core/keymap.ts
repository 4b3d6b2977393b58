import { FlotillaError } from "./errors.js";
import { COPY_BINDINGS, type CopyCommand } from "./copy-keys.js";
import { describeKey } from "./key-names.js";
import {
  DOWN,
  ESC,
  LEFT,
  PAGE_UP,
  PASTE_END,
  PASTE_START,
  RIGHT,
  UP,
  escapeVerdict,
  isHighSurrogate,
  isLowSurrogate,
} from "./keys.js";

/**
 * Cockpit keybindings as data (lazygit's `Binding`, gemini-cli's key table): the input state
 * machine matches keys against the table, and the help overlay and status-bar hints are
 * generated from it, so what is documented is what is bound.
 *
 * Keys are the raw sequences the terminal sends (JS strings after UTF-8 decoding). Arrow
 * keys are bound in both their normal (`ESC [ A`) and application (`ESC O A`) forms.
 */

/** Something the cockpit does in answer to a key; `view:<id>` opens a cockpit view. */
export type CockpitCommand =
  | "focus-left"
  | "focus-right"
  | "focus-up"
  | "focus-down"
  | "focus-next"
  | "zoom"
  | "next-layout"
  | "swap-prev"
  | "swap-next"
  | "copy-mode"
  | "copy-mode-page-up"
  | "spawn-dialog"
  | "kill"
  | "respawn"
  | "jump-waiting"
  | "help"
  | "quit"
  | "detach"
  | "inbox"
  | "send-prefix"
  | CopyCommand
  | `view:${string}`;

/**
 * Where a cockpit binding applies: `prefix` keys are pressed after the prefix key (Ctrl-b z);
 * `scroll` keys are pressed alone while a pane is in copy mode (`core/copy-keys.ts`).
 */
export type KeyContext = "prefix" | "scroll";

/**
 * One binding, the one shape for every key table (the panes' prefix and scroll keys, and
 * each cockpit view's keys): any of `keys` runs `command` in `context`. `C` is the table's
 * command type; `X` its contexts (a view names its own, e.g. the inbox's `list`/`thread`).
 */
export interface Binding<C extends string = CockpitCommand, X extends string = KeyContext> {
  /** Raw sequences, e.g. `["\x1b[D", "\x1bOD", "h"]` (see `core/keys.ts`). */
  keys: readonly string[];
  /** Distinct labels of `keys` for people, e.g. `["←", "h"]` (from `describeKey`). */
  keyLabels: readonly string[];
  command: C;
  /** What the key does, for the help overlay; starts lower case, no final stop. */
  description: string;
  context: X;
  /** One or two words for the status bar; bindings without one are only in help. */
  hint?: string;
  /**
   * Consecutive bindings sharing a group share one status-bar hint (the first one's), with
   * their first key labels joined: `←/→/↑/↓ focus`.
   */
  group?: string;
  /** Shown in the status bar even before the prefix is pressed. */
  essential?: boolean;
  /**
   * The cockpit asks before running it: it opens the confirm view with the question the
   * confirm view has for this command (`tui/views/confirm.ts`), and runs it on the answer.
   */
  confirm?: boolean;
}

/** A prefix key and the bindings that go with it (see {@link createKeymap}). */
export interface Keymap {
  /** The prefix byte, e.g. `"\x02"`. */
  prefix: string;
  /** Its label, e.g. `"Ctrl-b"`. */
  prefixLabel: string;
  bindings: readonly Binding[];
}

/** A binding as written in a table: `keyLabels` default to `describeKey` of each key. */
export type BindingSpec<C extends string = CockpitCommand, X extends string = KeyContext> = Omit<
  Binding<C, X>,
  "keyLabels"
> & { keyLabels?: readonly string[] };

/** Bindings from a table: each gets its distinct key labels (or keeps the ones it gives). */
export function defineBindings<C extends string, X extends string>(
  specs: ReadonlyArray<BindingSpec<C, X>>,
): Array<Binding<C, X>> {
  return specs.map((spec) => ({
    ...spec,
    keyLabels: spec.keyLabels ?? [...new Set(spec.keys.map(describeKey))],
  }));
}

/** The first of `bindings` that binds `key` (one whole key) in `context`. */
export function findBinding<B extends Binding<string, string>>(
  bindings: readonly B[],
  context: string,
  key: string,
): B | undefined {
  return bindings.find((b) => b.context === context && b.keys.includes(key));
}

/**
 * A hint line for `context`'s bindings: each hinted binding as `labels hint`, consecutive
 * bindings of one group as one hint with their first labels joined (`j/k move`), joined by
 * `separator`. With `essentialOnly`, only groups with an essential binding.
 */
export function hintLine(
  bindings: ReadonlyArray<Binding<string, string>>,
  context: string,
  options: { separator: string; essentialOnly?: boolean },
): string {
  const inContext = bindings.filter((b) => b.context === context);
  const hints: string[] = [];
  for (let i = 0; i < inContext.length; i++) {
    const members = inContext.slice(i, i + 1);
    const group = members[0]?.group;
    while (group !== undefined && inContext[i + 1]?.group === group) {
      members.push(inContext[i + 1] as Binding<string, string>);
      i++;
    }
    const hint = members.find((b) => b.hint !== undefined)?.hint;
    if (hint === undefined) continue;
    if (options.essentialOnly === true && !members.some((b) => b.essential === true)) continue;
    const labels =
      members.length === 1 ? (members[0]?.keyLabels ?? []) : members.map((b) => b.keyLabels[0]);
    hints.push(`${labels.join("/")} ${hint}`);
  }
  return hints.join(options.separator);
}

/** One heading of the help overlay and the bindings listed under it. */
export interface HelpSection {
  heading: string;
  bindings: ReadonlyArray<Binding<string, string>>;
}

/**
 * Help text for sections of bindings: a heading per non-empty section, a blank line between
 * sections, one line per binding with key labels in a column `width` wide (default: the
 * widest labels of all sections).
 */
export function bindingHelpLines(sections: readonly HelpSection[], width?: number): string[] {
  const all = sections.flatMap((s) => s.bindings);
  const column = width ?? Math.max(0, ...all.map((b) => b.keyLabels.join(" ").length));
  const lines: string[] = [];
  for (const { heading, bindings } of sections) {
    if (bindings.length === 0) continue;
    if (lines.length > 0) lines.push("");
    lines.push(heading);
    for (const b of bindings)
      lines.push(`  ${b.keyLabels.join(" ").padEnd(column)}  ${b.description}`);
  }
  return lines;
}

function bindingSpecs(prefix: string, prefixLabel: string): BindingSpec[] {
  const p = "prefix" as const;
  return [
    {
      context: p,
      command: "focus-left",
      keys: [...LEFT, "h"],
      description: "move focus to the pane on the left",
      group: "focus",
      hint: "focus",
    },
    {
      context: p,
      command: "focus-right",
      keys: [...RIGHT, "l"],
      description: "move focus to the pane on the right",
      group: "focus",
    },
    {
      context: p,
      command: "focus-up",
      keys: [...UP, "k"],
      description: "move focus to the pane above",
      group: "focus",
    },
    {
      context: p,
      command: "focus-down",
      keys: [...DOWN, "j"],
      description: "move focus to the pane below",
      group: "focus",
    },
    {
      context: p,
      command: "focus-next",
      keys: ["o"],
      description: "move focus to the next pane",
      hint: "next",
    },
    {
      context: p,
      command: "zoom",
      keys: ["z"],
      description: "zoom the focused pane to full size, or back",
      hint: "zoom",
      essential: true,
    },
    {
      context: p,
      command: "next-layout",
      keys: [" "],
      description: "arrange the panes the next way (tiled, even, main…)",
    },
    {
      context: p,
      command: "swap-prev",
      keys: ["{"],
      description: "swap the focused pane with the previous one",
      group: "swap",
    },
    {
      context: p,
      command: "swap-next",
      keys: ["}"],
      description: "swap the focused pane with the next one",
      group: "swap",
    },
    {
      context: p,
      command: "copy-mode",
      keys: ["["],
      description: "copy mode: scroll, search and copy the focused pane's history",
      hint: "copy",
    },
    {
      context: p,
      command: "copy-mode-page-up",
      keys: [PAGE_UP],
      description: "copy mode, one page up",
    },
    {
      context: p,
      command: "spawn-dialog",
      keys: ["n"],
      description: "spawn a new agent",
      hint: "new",
      essential: true,
    },
    {
      context: p,
      command: "kill",
      keys: ["x"],
      description: "kill the focused agent (asks first)",
      hint: "kill",
      confirm: true,
    },
    {
      context: p,
      command: "respawn",
      keys: ["r"],
      description: "respawn the focused agent when it has exited or is lost",
    },
    {
      context: p,
      command: "jump-waiting",
      keys: ["w"],
      description: "jump to the agent that has waited for you longest",
    },
    { context: p, command: "inbox", keys: ["m"], description: "open the inbox", hint: "inbox" },
    {
      context: p,
      command: "detach",
      keys: ["d"],
      description: "detach: leave the cockpit, agents keep running",
      hint: "detach",
      essential: true,
    },
    {
      context: p,
      command: "quit",
      keys: ["q"],
      description: "quit the cockpit (asks first)",
      hint: "quit",
      confirm: true,
    },
    {
      context: p,
      command: "help",
      keys: ["?"],
      description: "show all keys",
      hint: "help",
      essential: true,
    },
    {
      context: p,
      command: "send-prefix",
      keys: [prefix],
      description: `send ${prefixLabel} itself to the focused pane`,
    },
    ...COPY_BINDINGS,
  ];
}

/**
 * The cockpit's bindings for a prefix byte (from `parseKeyName(config.keys.prefix)`),
 * default Ctrl-b, followed by `extra` prefix bindings (the keys that open cockpit views, from
 * the view registry). Pressing the prefix twice sends it to the pane; when the prefix is also
 * an ordinary binding's key (a plain-character prefix such as `o`), that key is dropped from
 * the binding (the prefix wins), and a binding left with no key is left out (so help never
 * lists a dead key).
 * @throws FlotillaError INVALID_INPUT when `prefix` is not one character, or is Escape.
 */
export function createKeymap(prefix = "\x02", extra: readonly BindingSpec[] = []): Keymap {
  if (prefix.length !== 1 || prefix === "\x1b")
    throw new FlotillaError(
      "INVALID_INPUT",
      `the prefix key must be one character other than Escape, got ${JSON.stringify(prefix)}; set keys.prefix to a name like C-b`,
    );
  const prefixLabel = describeKey(prefix);
  const specs = bindingSpecs(prefix, prefixLabel);
  // View keys go after the built-in prefix keys and before the copy-mode table.
  const firstScroll = specs.findIndex((spec) => spec.context === "scroll");
  specs.splice(firstScroll, 0, ...extra);
  const bindings = defineBindings(
    specs.flatMap((spec): BindingSpec[] => {
      const keys =
        spec.context === "prefix" && spec.command !== "send-prefix"
          ? spec.keys.filter((key) => key !== prefix)
          : spec.keys;
      return keys.length === 0 ? [] : [{ ...spec, keys, keyLabels: undefined }];
    }),
  );
  return { prefix, prefixLabel, bindings };
}

/**
 * The binding `key` (one whole key: a character or an escape sequence) runs in `context`,
 * or `undefined` when it is not bound there.
 */
export function matchBinding(
  keymap: Keymap,
  context: KeyContext,
  key: string,
): Binding | undefined {
  return findBinding(keymap.bindings, context, key);
}

/**
 * The help overlay's text for the panes, one line per binding, a heading per context, key
 * labels in an aligned column:
 * ```
 * Press Ctrl-b, then:
 *   ← h        move focus to the pane on the left
 * ...
 * In copy mode:
 *   ↑ k Ctrl-p move up a line (scrolls at the top)
 * ```
 */
export function helpLines(keymap: Keymap): string[] {
  return bindingHelpLines(keymapHelpSections(keymap));
}

/** The panes' help sections: the prefix keys, then copy mode's. */
export function keymapHelpSections(keymap: Keymap): HelpSection[] {
  return [
    {
      heading: `Press ${keymap.prefixLabel}, then:`,
      bindings: keymap.bindings.filter((b) => b.context === "prefix"),
    },
    { heading: "In copy mode:", bindings: keymap.bindings.filter((b) => b.context === "scroll") },
  ];
}

/**
 * What the status bar shows in each situation:
 * - `normal`: the prefix and the essential keys, `Ctrl-b: z zoom  n new  d detach  ? help`;
 * - `prefix` (the prefix was pressed, a key is awaited): every prefix hint;
 * - `scroll` (copy mode): its hints, `↑/↓/←/→ move  PgUp/PgDn page  …  q leave`.
 * Hints are separated by two spaces.
 */
export function statusHints(keymap: Keymap, context: "normal" | KeyContext): string {
  const text = hintLine(keymap.bindings, context === "normal" ? "prefix" : context, {
    separator: "  ",
    essentialOnly: context === "normal",
  });
  return context === "normal" ? `${keymap.prefixLabel}: ${text}` : text;
}

/**
 * State of the cockpit's input machine between stdin chunks (see {@link feedInput}).
 * Treat it as opaque apart from reading `mode` and `prefixPending` (the status bar shows
 * them); make one with {@link createInputState}.
 */
export interface InputState {
  /**
   * `pane`: keys go to the focused pane; `scroll`: the focused pane is in copy mode and every
   * key goes to it (`copy-key` actions; its own state is `core/copy-mode.ts`'s).
   */
  readonly mode: "pane" | "scroll";
  /** The prefix was pressed and the next key names a command. */
  readonly prefixPending: boolean;
  /** An escape sequence begun in an earlier chunk and not finished yet; `""` when none. */
  readonly escape: string;
  /** Inside a bracketed paste: how much of its end marker has been seen; -1 outside one. */
  readonly paste: number;
  /** A high surrogate awaiting its pair, as part of a key read after the prefix; `""` when none. */
  readonly surrogate: string;
}

/**
 * What to do with input: `forward` bytes to the focused pane's pty unchanged; run a
 * `command`; or report a key that is `unbound` in `context` (a key after the prefix, or a key
 * after the prefix), e.g. to flash "Ctrl-b y is not bound"; or hand a `copy-key` (one whole
 * key pressed in copy mode) to copy mode.
 */
export type InputAction =
  | { type: "forward"; data: string }
  | { type: "command"; command: CockpitCommand }
  | { type: "unbound"; context: KeyContext; key: string }
  | { type: "copy-key"; key: string };

/** Result of {@link feedInput} and {@link flushInput}. */
export interface InputResult {
  state: InputState;
  actions: InputAction[];
}

/** The state before any input: pane mode, nothing pending. */
export function createInputState(): InputState {
  return {
    mode: "pane",
    prefixPending: false,
    escape: "",
    paste: -1,
    surrogate: "",
  };
}

/** Enters scroll mode (e.g. on a mouse wheel), cancelling a pending prefix. */
export function enterScrollMode(state: InputState): InputState {
  return { ...createInputState(), paste: state.paste, mode: "scroll" };
}

/** Leaves scroll mode (e.g. when focus moves to another pane), cancelling a pending prefix. */
export function leaveScrollMode(state: InputState): InputState {
  return { ...createInputState(), paste: state.paste };
}

/**
 * Splits one raw stdin chunk (UTF-8 decoded, e.g. by `setEncoding("utf8")`) into actions:
 * - in pane mode everything is forwarded byte for byte (adjacent bytes in one `forward`)
 *   except the prefix and the key after it, which becomes a `command`, or an `unbound` key;
 *   the prefix pressed twice forwards the prefix itself; Escape after the prefix cancels it;
 * - escape sequences (`ESC [ … final`, `ESC O x`, `ESC x`) are one key: after the prefix an
 *   arrow key is a single key, and in pane mode a plain-character prefix inside a sequence
 *   (`ESC [ 5 ~` with prefix `5`) is forwarded, not taken as the prefix;
 * - a bracketed paste (`ESC [200~ … ESC [201~`) is forwarded whole, prefix bytes included,
 *   and leaves scroll mode first;
 * - the `copy-mode` commands enter copy mode, where each whole key is a `copy-key` action
 *   (copy mode matches it, `core/copy-mode.ts`, and the cockpit leaves with
 *   {@link leaveScrollMode}); any prefix command except `copy-mode` leaves it too (a
 *   `copy-exit` command is emitted before it);
 * - the prefix may end one chunk and its key start the next, and an escape sequence may be
 *   split anywhere.
 * A lone Escape cannot be told from the start of a sequence until more input arrives: when
 * {@link needsFlush} is true after a chunk, call {@link flushInput} after a short quiet time
 * (tmux's escape-time, about 25–50 ms). In pane mode Escape is forwarded at once regardless.
 */
export function feedInput(state: InputState, chunk: string, keymap: Keymap): InputResult {
  const machine = new InputMachine(state, keymap);
  for (let i = 0; i < chunk.length; i++) machine.step(chunk[i] as string);
  return machine.result();
}

/**
 * Ends whatever {@link feedInput} left unfinished because it could not yet know: a lone
 * Escape (after the prefix it cancels the prefix; in scroll mode it leaves), a broken escape
 * sequence, a half of a surrogate pair. Call after a short quiet time when
 * {@link needsFlush} is true.
 */
export function flushInput(state: InputState, keymap: Keymap): InputResult {
  const machine = new InputMachine(state, keymap);
  machine.flush();
  return machine.result();
}

/** True when `state` holds an unfinished key that {@link flushInput} would settle. */
export function needsFlush(state: InputState): boolean {
  return state.escape !== "" || state.surrogate !== "";
}

/** The step-by-step work of {@link feedInput}; lives for one chunk. */
class InputMachine {
  private mode: InputState["mode"];
  private prefixPending: boolean;
  private escape: string;
  private paste: number;
  private surrogate: string;
  private readonly actions: InputAction[] = [];

  constructor(
    state: InputState,
    private readonly keymap: Keymap,
  ) {
    ({
      mode: this.mode,
      prefixPending: this.prefixPending,
      escape: this.escape,
      paste: this.paste,
      surrogate: this.surrogate,
    } = state);
  }

  result(): InputResult {
    const { mode, prefixPending, escape, paste, surrogate } = this;
    return {
      state: { mode, prefixPending, escape, paste, surrogate },
      actions: this.actions,
    };
  }

  /** Key reads (after the prefix, in scroll mode) collect escape sequences; pane mode forwards them. */
  private get readingKeys(): boolean {
    return this.prefixPending || this.mode === "scroll";
  }

  step(c: string): void {
    if (this.paste >= 0) return this.stepPaste(c);
    if (this.escape !== "") return this.stepEscape(c);
    if (this.surrogate !== "") {
      const high = this.surrogate;
      this.surrogate = "";
      if (isLowSurrogate(c)) return this.key(high + c);
      this.key(high);
    }
    if (c === ESC) {
      this.escape = c;
      if (!this.readingKeys) this.forward(c);
      return;
    }
    if (this.readingKeys && isHighSurrogate(c)) {
      this.surrogate = c;
      return;
    }
    if (this.prefixPending) return this.key(c);
    if (c === this.keymap.prefix) {
      this.prefixPending = true;
      return;
    }
    if (this.mode === "scroll") return this.key(c);
    this.forward(c);
  }

  flush(): void {
    if (this.escape !== "") {
      const sequence = this.escape;
      this.escape = "";
      if (this.readingKeys) this.key(sequence);
    }
    if (this.surrogate !== "") {
      const high = this.surrogate;
      this.surrogate = "";
      this.key(high);
    }
  }

  private stepPaste(c: string): void {
    this.forward(c);
    if (c === PASTE_END[this.paste]) this.paste += 1;
    else this.paste = c === ESC ? 1 : 0;
    if (this.paste === PASTE_END.length) this.paste = -1;
  }

  private stepEscape(c: string): void {
    const sequence = this.escape + c;
    const verdict = escapeVerdict(sequence);
    if (verdict === "broken") {
      // The sequence ended before `c` (a lone Escape, or garbage): settle it, then read `c` afresh.
      this.flush();
      return this.step(c);
    }
    if (!this.readingKeys) this.forward(c);
    if (verdict === "partial") {
      this.escape = sequence;
      return;
    }
    this.escape = "";
    if (this.readingKeys) this.key(sequence);
    else if (sequence === PASTE_START) this.paste = 0;
  }

  /** One whole key read after the prefix or in scroll mode. */
  private key(key: string): void {
    if (key === PASTE_START) {
      // A paste is meant for the pane, whatever was pending.
      this.prefixPending = false;
      this.exitScroll();
      this.forward(key);
      this.paste = 0;
      return;
    }
    if (this.prefixPending) {
      this.prefixPending = false;
      if (key === ESC) return;
      const binding = matchBinding(this.keymap, "prefix", key);
      if (binding === undefined) {
        this.actions.push({ type: "unbound", context: "prefix", key });
        return;
      }
      if (binding.command === "copy-mode" || binding.command === "copy-mode-page-up") {
        this.mode = "scroll";
        this.command(binding.command);
        return;
      }
      this.exitScroll();
      if (binding.command === "send-prefix") this.forward(this.keymap.prefix);
      else this.command(binding.command);
      return;
    }
    this.actions.push({ type: "copy-key", key });
  }

  private exitScroll(): void {
    if (this.mode !== "scroll") return;
    this.mode = "pane";
    this.command("copy-exit");
  }

  private command(command: CockpitCommand): void {
    this.actions.push({ type: "command", command });
  }

  private forward(data: string): void {
    const last = this.actions[this.actions.length - 1];
    if (last?.type === "forward") last.data += data;
    else this.actions.push({ type: "forward", data });
  }
}
