import { describe, expect, it } from "vitest";
import {
  createInputState,
  createKeymap,
  enterScrollMode,
  feedInput,
  flushInput,
  helpLines,
  leaveScrollMode,
  matchBinding,
  needsFlush,
  statusHints,
  type CockpitCommand,
  type InputAction,
  type InputState,
  type Keymap,
} from "../../src/core/keymap.js";

const keymap = createKeymap("\x02");

/** Feeds chunks one after another; returns the final state and all actions, forwards merged. */
function feed(chunks: string[], map: Keymap = keymap, start = createInputState()) {
  let state: InputState = start;
  const actions: InputAction[] = [];
  for (const chunk of chunks) {
    const result = feedInput(state, chunk, map);
    state = result.state;
    actions.push(...result.actions);
  }
  return { state, actions: mergeForwards(actions) };
}

function mergeForwards(actions: InputAction[]): InputAction[] {
  const merged: InputAction[] = [];
  for (const action of actions) {
    const last = merged[merged.length - 1];
    if (action.type === "forward" && last?.type === "forward")
      merged[merged.length - 1] = { type: "forward", data: last.data + action.data };
    else merged.push(action);
  }
  return merged;
}

const fwd = (data: string): InputAction => ({ type: "forward", data });
const cmd = (command: CockpitCommand): InputAction => ({ type: "command", command });

describe("the default keymap", () => {
  it("binds every cockpit command the help promises", () => {
    const find = (context: "prefix" | "scroll", key: string) =>
      matchBinding(keymap, context, key)?.command;
    expect(["\x1b[D", "\x1bOD", "h"].map((k) => find("prefix", k))).toEqual(
      Array(3).fill("focus-left"),
    );
    expect(["\x1b[C", "\x1bOC", "l"].map((k) => find("prefix", k))).toEqual(
      Array(3).fill("focus-right"),
    );
    expect(["\x1b[A", "\x1bOA", "k"].map((k) => find("prefix", k))).toEqual(
      Array(3).fill("focus-up"),
    );
    expect(["\x1b[B", "\x1bOB", "j"].map((k) => find("prefix", k))).toEqual(
      Array(3).fill("focus-down"),
    );
    expect(
      ["o", "z", "[", "n", "x", "?", "q", "d", "m", "\x02"].map((k) => find("prefix", k)),
    ).toEqual([
      "focus-next",
      "zoom",
      "copy-mode",
      "spawn-dialog",
      "kill",
      "help",
      "quit",
      "detach",
      "inbox",
      "send-prefix",
    ]);
    expect(find("prefix", "\x1b[5~")).toBe("copy-mode-page-up");
    expect(
      ["\x1b[5~", "\x1b[6~", "\x1b[A", "k", "\x1b[B", "j", "g", "G", "q", "\x1b", "/", "?"].map(
        (k) => find("scroll", k),
      ),
    ).toEqual([
      "copy-page-up",
      "copy-page-down",
      "copy-up",
      "copy-up",
      "copy-down",
      "copy-down",
      "copy-top",
      "copy-bottom",
      "copy-exit",
      "copy-clear",
      "copy-search-forward",
      "copy-search-back",
    ]);
    expect(find("prefix", "y")).toBeUndefined();
    expect(find("scroll", "z")).toBeUndefined();
  });

  it("marks kill and quit as needing confirmation", () => {
    const confirmed = keymap.bindings.filter((b) => b.confirm).map((b) => b.command);
    expect(confirmed).toEqual(["kill", "quit"]);
  });

  it("generates the help overlay from the table", () => {
    const lines = helpLines(keymap);
    expect(lines[0]).toBe("Press Ctrl-b, then:");
    // Labels in one column as wide as the widest (copy mode's `PgDn Ctrl-v`).
    const column = lines[1]!.indexOf("move");
    expect(lines[1]).toBe("  ← h".padEnd(column) + "move focus to the pane on the left");
    expect(lines).toContain("  x".padEnd(column) + "kill the focused agent (asks first)");
    expect(lines).toContain("  Ctrl-b".padEnd(column) + "send Ctrl-b itself to the focused pane");
    expect(lines).toContain("In copy mode:");
    expect(lines.some((l) => /^ {2}g Home Alt-< +go to the oldest line kept$/.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}q +leave copy mode$/.test(l))).toBe(true);
    expect(lines.some((l) => /^ {2}\/ Ctrl-s +search forward/.test(l))).toBe(true);
    // Every binding appears exactly once.
    for (const binding of keymap.bindings)
      expect(lines.filter((line) => line.endsWith(binding.description))).toHaveLength(1);
    expect(lines).toHaveLength(keymap.bindings.length + 3);
  });

  it("generates status-bar hints for each situation", () => {
    expect(statusHints(keymap, "normal")).toBe("Ctrl-b: z zoom  n new  d detach  ? help");
    expect(statusHints(keymap, "prefix")).toBe(
      "←/→/↑/↓ focus  o next  z zoom  [ copy  n new  x kill  m inbox  d detach  q quit  ? help",
    );
    expect(statusHints(keymap, "scroll")).toBe(
      "↑/↓/←/→ move  PgUp/PgDn page  g/G top/bottom  //? search  n/N match  v/Space select  y/Enter copy  q leave",
    );
    expect(statusHints(createKeymap("\x01"), "normal")).toMatch(/^Ctrl-a: /);
  });

  it("gives a plain-character prefix precedence over a binding using the same key", () => {
    const withO = createKeymap("o");
    expect(matchBinding(withO, "prefix", "o")?.command).toBe("send-prefix");
    expect(withO.bindings.some((b) => b.command === "focus-next")).toBe(false);
    expect(statusHints(withO, "prefix")).not.toContain("next");
    const withH = createKeymap("h");
    const left = withH.bindings.find((b) => b.command === "focus-left");
    expect(left?.keys).toEqual(["\x1b[D", "\x1bOD"]);
    expect(left?.keyLabels).toEqual(["←"]);
  });

  it("refuses a prefix the input machine cannot read", () => {
    expect(() => createKeymap("\x1b")).toThrow(/one character other than Escape/);
    expect(() => createKeymap("ab")).toThrow(/keys.prefix/);
  });
});

describe("feedInput", () => {
  it("forwards typed and pasted text without the prefix byte for byte", () => {
    const text = "ls -la\r\x1b[A\x1b[1;5C\x7fé😀\x03\ttab\x1bOB";
    expect(feed([text]).actions).toEqual([fwd(text)]);
    const { actions } = feedInput(createInputState(), "hello", keymap);
    expect(actions).toEqual([fwd("hello")]);
  });

  it("turns the prefix and the key after it into a command, forwarding what is around it", () => {
    expect(feed(["ab\x02zcd"]).actions).toEqual([fwd("ab"), cmd("zoom"), fwd("cd")]);
    expect(feed(["\x02o\x02x"]).actions).toEqual([cmd("focus-next"), cmd("kill")]);
  });

  it("waits for the key when the prefix ends a chunk", () => {
    const first = feedInput(createInputState(), "ab\x02", keymap);
    expect(first.actions).toEqual([fwd("ab")]);
    expect(first.state.prefixPending).toBe(true);
    const second = feedInput(first.state, "?rest", keymap);
    expect(second.actions).toEqual([cmd("help"), fwd("rest")]);
    expect(second.state.prefixPending).toBe(false);
  });

  it("reads an arrow key after the prefix as one key, in either cursor mode, even split", () => {
    expect(feed(["\x02\x1b[A"]).actions).toEqual([cmd("focus-up")]);
    expect(feed(["\x02\x1bOD"]).actions).toEqual([cmd("focus-left")]);
    const first = feedInput(createInputState(), "\x02\x1b", keymap);
    expect(first.actions).toEqual([]);
    expect(needsFlush(first.state)).toBe(true);
    const second = feedInput(first.state, "[", keymap);
    expect(second.actions).toEqual([]);
    const third = feedInput(second.state, "Cx", keymap);
    expect(third.actions).toEqual([cmd("focus-right"), fwd("x")]);
    expect(needsFlush(third.state)).toBe(false);
  });

  it("sends the prefix itself when it is pressed twice", () => {
    expect(feed(["a\x02\x02b"]).actions).toEqual([fwd("a\x02b")]);
    expect(feed(["\x02", "\x02"]).actions).toEqual([fwd("\x02")]);
  });

  it("reports a key that is not bound after the prefix, and does not forward it", () => {
    expect(feed(["\x02yz"]).actions).toEqual([
      { type: "unbound", context: "prefix", key: "y" },
      fwd("z"),
    ]);
    expect(feed(["\x02\x1b[1;5C"]).actions).toEqual([
      { type: "unbound", context: "prefix", key: "\x1b[1;5C" },
    ]);
    expect(feed(["\x02😀"]).actions).toEqual([{ type: "unbound", context: "prefix", key: "😀" }]);
    expect(feed(["\x02\ud83d", "\ude00"]).actions).toEqual([
      { type: "unbound", context: "prefix", key: "😀" },
    ]);
  });

  it("cancels the prefix on Escape, once it is known to be a lone Escape", () => {
    const pending = feedInput(createInputState(), "\x02\x1b", keymap);
    expect(pending.state.prefixPending).toBe(true);
    expect(needsFlush(pending.state)).toBe(true);
    const flushed = flushInput(pending.state, keymap);
    expect(flushed.actions).toEqual([]);
    expect(flushed.state).toEqual(createInputState());
    // Escape followed at once by the prefix again: cancelled, then a new command.
    expect(feed(["\x02\x1b\x02z"]).actions).toEqual([cmd("zoom")]);
  });

  it("forwards Escape in pane mode at once, without waiting", () => {
    const result = feedInput(createInputState(), "\x1b", keymap);
    expect(result.actions).toEqual([fwd("\x1b")]);
    expect(flushInput(result.state, keymap)).toEqual({ state: createInputState(), actions: [] });
  });

  it("hands every whole key pressed in copy mode to copy mode, Escape after the escape time", () => {
    const copy = (key: string): InputAction => ({ type: "copy-key", key });
    const { state, actions } = feed(["\x02[kj\x1b[5~/ab\r", "q"]);
    expect(actions).toEqual([
      cmd("copy-mode"),
      copy("k"),
      copy("j"),
      copy("\x1b[5~"),
      copy("/"),
      copy("a"),
      copy("b"),
      copy("\r"),
      copy("q"),
    ]);
    // Copy mode leaves through leaveScrollMode (the cockpit calls it on q).
    expect(state.mode).toBe("scroll");
    expect(feed(["abc"], keymap, leaveScrollMode(state)).actions).toEqual([fwd("abc")]);

    const escaped = feed(["\x02[\x1b"]);
    expect(escaped.state.mode).toBe("scroll");
    expect(flushInput(escaped.state, keymap).actions).toEqual([copy("\x1b")]);
    expect(feed(["\x1b[A\x1b\x02z"], keymap, enterScrollMode(createInputState())).actions).toEqual([
      copy("\x1b[A"),
      copy("\x1b"),
      cmd("copy-exit"),
      cmd("zoom"),
    ]);
  });

  it("leaves scroll mode before running a prefix command, but not for the scroll command", () => {
    const scrolling = enterScrollMode(createInputState());
    expect(feed(["\x02o"], keymap, scrolling).actions).toEqual([
      cmd("copy-exit"),
      cmd("focus-next"),
    ]);
    expect(feed(["\x02\x02"], keymap, scrolling).actions).toEqual([cmd("copy-exit"), fwd("\x02")]);
    const again = feed(["\x02[k"], keymap, scrolling);
    expect(again.actions).toEqual([cmd("copy-mode"), { type: "copy-key", key: "k" }]);
    expect(again.state.mode).toBe("scroll");
    expect(leaveScrollMode(again.state).mode).toBe("pane");
  });

  it("forwards a bracketed paste whole, prefix bytes and all, even split mid-marker", () => {
    const paste = "\x1b[200~one\x02ztwo\x1b[201~";
    expect(feed([paste + "\x02z"]).actions).toEqual([fwd(paste), cmd("zoom")]);
    expect(feed(["\x1b[20", "0~a\x02b\x1b[2", "01~\x02z"]).actions).toEqual([
      fwd("\x1b[200~a\x02b\x1b[201~"),
      cmd("zoom"),
    ]);
    // A paste arriving in scroll mode, or after the prefix, goes to the pane.
    expect(feed([paste], keymap, enterScrollMode(createInputState())).actions).toEqual([
      cmd("copy-exit"),
      fwd(paste),
    ]);
    expect(feed(["\x02" + paste]).actions).toEqual([fwd(paste)]);
  });

  it("does not take a plain-character prefix inside an escape sequence", () => {
    const five = createKeymap("5");
    expect(feed(["\x1b[5~a5z"], five).actions).toEqual([fwd("\x1b[5~a"), cmd("zoom")]);
    expect(feed(["\x1b[", "5~"], five).actions).toEqual([fwd("\x1b[5~")]);
    const backtick = createKeymap("`");
    expect(feed(["echo ``date``"], backtick).actions).toEqual([fwd("echo `date`")]);
    expect(feed(["`z"], backtick).actions).toEqual([cmd("zoom")]);
  });

  it("gives the same actions however a stream is split into chunks", () => {
    const streams = [
      "ab\x02zcd\x02\x1b[Aef\x02\x02gh",
      "\x02[kk\x1b[5~\x1bOBq\x02oxyz",
      "\x1b[200~p\x02aste\x1b[201~\x02?\x02yé😀\x1b[1;5D",
      "\x02\x1b\x02m\x02d\x1bOA\x7f",
    ];
    for (const stream of streams) {
      const whole = feed([stream]).actions;
      for (let i = 0; i <= stream.length; i++) {
        for (let j = i; j <= stream.length; j++) {
          const pieces = [stream.slice(0, i), stream.slice(i, j), stream.slice(j)];
          expect(feed(pieces).actions, JSON.stringify(pieces)).toEqual(whole);
        }
      }
    }
  });

  it("forwards random input without the prefix unchanged, however it is split", () => {
    const alphabet = [
      "a",
      "Z",
      "5",
      "~",
      "[",
      "O",
      "\x1b",
      "\x1b[",
      "\r",
      "\x7f",
      "é",
      "😀",
      "\x03",
      ";",
    ];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      const text = Array.from(
        { length: 1 + random(40) },
        () => alphabet[random(alphabet.length)],
      ).join("");
      const cut = random(text.length + 1);
      const { actions } = feed([text.slice(0, cut), text.slice(cut)]);
      expect(actions, JSON.stringify(text)).toEqual([fwd(text)]);
    }
  });
});
