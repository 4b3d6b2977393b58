import { describe, expect, it } from "vitest";
import {
  bell,
  mailAlert,
  desktopNotification,
  MAX_BODY_CHARS,
  MAX_TITLE_CHARS,
  notificationFor,
  notificationKind,
} from "../../src/tui/notify.js";

const ESC = "\x1b";
const BEL = "\x07";

/** The text between an OSC's introducer and its BEL, asserting the sequence is whole. */
function inside(sequence: string, introducer: string): string {
  expect(sequence.startsWith(introducer)).toBe(true);
  expect(sequence.endsWith(BEL)).toBe(true);
  return sequence.slice(introducer.length, -1);
}

describe("notify", () => {
  it("rings the bell", () => {
    expect(bell()).toBe(BEL);
  });

  it("builds OSC 9 and OSC 777 notifications", () => {
    expect(desktopNotification("Flotilla", "bob: tests red")).toEqual({
      osc9: `${ESC}]9;Flotilla: bob: tests red${BEL}`,
      osc777: `${ESC}]777;notify;Flotilla;bob: tests red${BEL}`,
    });
  });

  it("keeps escape sequences, BEL and field separators out of the text", () => {
    const hostile = `a${ESC}]0;owned${BEL}b${BEL}c${ESC}\\d\x9ce;f\n\rg\x9d52;x`;
    const { osc9, osc777 } = desktopNotification(hostile, hostile);
    for (const text of [inside(osc9, `${ESC}]9;`), inside(osc777, `${ESC}]777;notify;`)])
      expect(text).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(inside(osc777, `${ESC}]777;notify;`).split(";")).toHaveLength(2);
    expect(inside(osc9, `${ESC}]9;`)).toBe("abcde,f g: abcde,f g");
  });

  it("caps title and body length", () => {
    const { osc777 } = desktopNotification("t".repeat(500), "b".repeat(5000));
    const [title, body] = inside(osc777, `${ESC}]777;notify;`).split(";");
    expect([...title!]).toHaveLength(MAX_TITLE_CHARS);
    expect(title!.endsWith("…")).toBe(true);
    expect([...body!]).toHaveLength(MAX_BODY_CHARS);
  });

  it("never starts an OSC 9 text with a digit (ConEmu reads 9;<n> as a command)", () => {
    expect(desktopNotification("4", "progress").osc9).toBe(`${ESC}]9; 4: progress${BEL}`);
  });

  it("picks the form the terminal understands, none when unknown or inside tmux", () => {
    expect(notificationKind({ TERM_PROGRAM: "iTerm.app" })).toBe("osc9");
    expect(notificationKind({ TERM: "xterm-kitty" })).toBe("osc9");
    expect(notificationKind({ TERM: "foot" })).toBe("osc777");
    expect(notificationKind({ TERM: "xterm-256color", VTE_VERSION: "7600" })).toBe("osc777");
    expect(notificationKind({ TERM: "xterm-256color" })).toBe(undefined);
    expect(notificationKind({ TERM_PROGRAM: "iTerm.app", TMUX: "/tmp/tmux-1/default" })).toBe(
      undefined,
    );
    expect(notificationFor({ TERM: "xterm" }, "t", "b")).toBe("");
    expect(notificationFor({ TERM: "foot" }, "t", "b")).toBe(`${ESC}]777;notify;t;b${BEL}`);
  });
});

describe("mailAlert", () => {
  it("rings and notifies for urgent mail only", () => {
    const urgent = { from: "bob", subject: "prod\x1b[2J down", priority: "urgent" };
    expect(mailAlert(urgent, { TERM_PROGRAM: "iTerm.app" })).toBe(
      `${BEL}${ESC}]9;Flotilla: urgent mail from bob: prod down${BEL}`,
    );
    expect(mailAlert(urgent, { TERM: "xterm" })).toBe(BEL);
    expect(mailAlert({ ...urgent, priority: "high" }, { TERM: "foot" })).toBe("");
    expect(mailAlert(undefined, { TERM: "foot" })).toBe("");
  });
});
