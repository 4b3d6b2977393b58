import { describe, expect, it } from "vitest";
import { isFlotillaError } from "../../src/core/errors.js";
import {
  compilePatterns,
  deriveStatus,
  isEcho,
  nextStatusCheckDelay,
  REPORTED_WORKING_HOLD_MS,
  StatusDebouncer,
  type StatusInput,
} from "../../src/core/status.js";

const PROMPT = compilePatterns(["Do you want to proceed\\?", "^\\s*\\(y/n\\)\\s*$"]);

/** A running agent that printed 1 s ago, idle after 3 s, with an ordinary screen. */
function input(overrides: Partial<StatusInput> = {}): StatusInput {
  return {
    exited: false,
    started: true,
    lastOutputAt: 10_000,
    now: 11_000,
    screenText: "$ npm test\nall tests passed",
    waitingPatterns: PROMPT,
    idleAfterMs: 3_000,
    ...overrides,
  };
}

describe("deriveStatus", () => {
  it("is working while output is recent", () => {
    expect(deriveStatus(input())).toBe("working");
  });

  it("is idle once the output is idleAfterMs old, or when there never was any", () => {
    expect(deriveStatus(input({ now: 12_999 }))).toBe("working");
    expect(deriveStatus(input({ now: 13_000 }))).toBe("idle");
    expect(deriveStatus(input({ lastOutputAt: undefined }))).toBe("idle");
  });

  it("is waiting when a pattern matches the screen, even with output still flowing", () => {
    expect(
      deriveStatus(input({ screenText: "Edit file?\nDo you want to proceed?\n> 1. Yes" })),
    ).toBe("waiting");
    expect(deriveStatus(input({ screenText: "Overwrite?\n  (y/n)  \n", now: 99_000 }))).toBe(
      "waiting",
    );
    // `^` and `$` anchor at screen lines, not just the whole text.
    expect(deriveStatus(input({ screenText: "answer (y/n) below" }))).toBe("working");
  });

  it("is starting until the process has been started", () => {
    expect(deriveStatus(input({ started: false, lastOutputAt: undefined }))).toBe("starting");
  });

  it("is exited once the process has exited, whatever the screen shows", () => {
    expect(
      deriveStatus(input({ exited: true, exitCode: 0, screenText: "Do you want to proceed?" })),
    ).toBe("exited");
    expect(deriveStatus(input({ exited: true, exitCode: null, started: false }))).toBe("exited");
  });

  it("is never waiting without patterns", () => {
    expect(
      deriveStatus(
        input({ waitingPatterns: [], screenText: "Do you want to proceed?", now: 50_000 }),
      ),
    ).toBe("idle");
  });
});

describe("nextStatusCheckDelay", () => {
  it("says when a working agent turns idle, which deriveStatus then agrees with", () => {
    const delay = nextStatusCheckDelay(input());
    expect(delay).toBe(2_000);
    expect(deriveStatus(input({ now: 11_000 + (delay ?? 0) - 1 }))).toBe("working");
    expect(deriveStatus(input({ now: 11_000 + (delay ?? 0) }))).toBe("idle");
  });

  it("needs no timer when only output, the screen or an exit can change the status", () => {
    expect(nextStatusCheckDelay(input({ now: 13_000 }))).toBeUndefined();
    expect(nextStatusCheckDelay(input({ lastOutputAt: undefined }))).toBeUndefined();
    expect(nextStatusCheckDelay(input({ exited: true }))).toBeUndefined();
    expect(nextStatusCheckDelay(input({ started: false }))).toBeUndefined();
    expect(nextStatusCheckDelay(input({ screenText: "Do you want to proceed?" }))).toBeUndefined();
  });
});

describe("compilePatterns", () => {
  it("compiles sources as written", () => {
    const [pattern] = compilePatterns(["Allow .* \\[Y/n\\]"]);
    expect(pattern?.test("Allow edit to a.ts [Y/n]")).toBe(true);
    expect(pattern?.test("allow edit [y/n]")).toBe(false);
    expect(compilePatterns([])).toEqual([]);
  });

  it("names the invalid pattern and where it came from", () => {
    let caught: unknown;
    try {
      compilePatterns(["ok", "Proceed? (y/n"], 'runtime "claude"');
    } catch (error) {
      caught = error;
    }
    expect(isFlotillaError(caught, "INVALID_INPUT")).toBe(true);
    const message = (caught as Error).message;
    expect(message).toContain('invalid waiting pattern "Proceed? (y/n" in runtime "claude"');
    expect(message).toMatch(/Unterminated group/);
    expect(message).toContain(".flotilla/config.json");
    expect(message).not.toContain("\n");
  });
});

describe("status the agent reports itself (hooks)", () => {
  it("outranks the output clock: a quiet agent that said it works is working", () => {
    const quiet = input({ lastOutputAt: 0, now: 60_000 });
    expect(deriveStatus(quiet)).toBe("idle");
    expect(deriveStatus({ ...quiet, reported: { status: "working", at: 59_000 } })).toBe("working");
    // Output after a Stop (the prompt redrawn) does not make it working again.
    expect(deriveStatus(input({ reported: { status: "idle", at: 10_500 } }))).toBe("idle");
    expect(deriveStatus(input({ reported: { status: "waiting", at: 10_500 } }))).toBe("waiting");
  });

  it("ages a reported working out after a long silence (an interrupted turn sends no Stop)", () => {
    const at = 1_000;
    const base = input({ lastOutputAt: at, reported: { status: "working", at } });
    expect(deriveStatus({ ...base, now: at + REPORTED_WORKING_HOLD_MS - 1 })).toBe("working");
    expect(nextStatusCheckDelay({ ...base, now: at + 1 })).toBe(REPORTED_WORKING_HOLD_MS - 1);
    expect(deriveStatus({ ...base, now: at + REPORTED_WORKING_HOLD_MS })).toBe("idle");
  });

  it("still shows a waiting pattern on screen (the trust dialog comes before any hook)", () => {
    expect(
      deriveStatus(
        input({ reported: { status: "idle", at: 10_500 }, screenText: "Do you want to proceed?" }),
      ),
    ).toBe("waiting");
  });
});

describe("isEcho", () => {
  it("counts output right after a keystroke as its echo, and later output as work", () => {
    expect(isEcho(1_100, 1_000)).toBe(true);
    expect(isEcho(1_299, 1_000)).toBe(true);
    expect(isEcho(1_300, 1_000)).toBe(false);
    expect(isEcho(900, 1_000)).toBe(false);
    expect(isEcho(1_000, undefined)).toBe(false);
  });
});

describe("StatusDebouncer", () => {
  it("reports the first status at once and a change only once it has held", () => {
    const debouncer = new StatusDebouncer(400);
    expect(debouncer.propose("idle", 0)).toEqual({ emit: "idle" });
    expect(debouncer.propose("waiting", 1_000)).toEqual({ recheckIn: 400 });
    expect(debouncer.propose("waiting", 1_300)).toEqual({ recheckIn: 100 });
    expect(debouncer.propose("waiting", 1_400)).toEqual({ emit: "waiting" });
    expect(debouncer.current).toBe("waiting");
  });

  it("swallows a flicker: waiting → working → waiting within the window rings nothing", () => {
    const debouncer = new StatusDebouncer(400);
    debouncer.propose("waiting", 0);
    const emitted = [
      debouncer.propose("working", 100),
      debouncer.propose("waiting", 200),
      debouncer.propose("waiting", 900),
    ].filter((step) => step.emit !== undefined);
    expect(emitted).toEqual([]);
    expect(debouncer.current).toBe("waiting");
  });

  it("restarts the wait when the pending status changes, and reports an exit at once", () => {
    const debouncer = new StatusDebouncer(400);
    debouncer.propose("idle", 0);
    debouncer.propose("working", 100);
    expect(debouncer.propose("waiting", 300)).toEqual({ recheckIn: 400 });
    expect(debouncer.propose("exited", 310)).toEqual({ emit: "exited" });
  });
});
