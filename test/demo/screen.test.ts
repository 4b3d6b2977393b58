import { describe, expect, it } from "vitest";
import {
  AgentScreen,
  emphasize,
  stripControls,
  truncateVisible,
  wrapVisible,
} from "../../src/demo/screen.js";

function capture(tty: boolean, columns = 20): { screen: AgentScreen; out: () => string } {
  let written = "";
  const screen = new AgentScreen(
    { write: (text) => void (written += text), columns: () => columns },
    tty,
  );
  return { screen, out: () => written };
}

describe("AgentScreen", () => {
  it("writes plain lines and no escape sequences when not a terminal", () => {
    const { screen, out } = capture(false);
    screen.open();
    screen.setLive(["spinner"]);
    screen.print("one\ntwo");
    screen.close();
    expect(out()).toBe("one\ntwo\n");
  });

  it("breaks live lines into rows narrower than the terminal, so it never wraps them itself", () => {
    const { screen, out } = capture(true, 10);
    screen.setLive(["0123456789abcdef"]);
    expect(out()).toBe("012345678\r\n9abcdef\x1b[?25l");
  });

  it("keeps a narrow pane's question whole: rows break at spaces, and erase counts every row", () => {
    const { screen, out } = capture(true, 16);
    screen.setLive(["? Create src/signup.js? (y/n) "], true);
    expect(out()).toBe("? Create\r\nsrc/signup.js?\r\n(y/n) ");
    const before = out().length;
    screen.print("ok");
    expect(out().slice(before)).toMatch(/^\r\x1b\[2K(\x1b\[1A\x1b\[2K){2}ok\r\n/);
  });

  it("erases the live area before printing and draws it again below", () => {
    const { screen, out } = capture(true);
    screen.setLive(["status", "> "], true);
    const before = out().length;
    screen.print("done");
    expect(out().slice(before)).toBe("\r\x1b[2K\x1b[1A\x1b[2Kdone\r\nstatus\r\n> ");
  });

  it("hides the cursor while working and shows it again on close", () => {
    const { screen, out } = capture(true);
    screen.open();
    expect(out()).toBe("\x1b[?25l");
    screen.close();
    expect(out().endsWith("\x1b[?25h")).toBe(true);
  });
});

describe("text helpers", () => {
  it("wraps at the last space that fits, keeping escape sequences, and mid-word when it must", () => {
    expect(wrapVisible("\x1b[33m?\x1b[0m Approve T1? (y/n)", 12)).toEqual([
      "\x1b[33m?\x1b[0m Approve",
      "T1? (y/n)",
    ]);
    expect(wrapVisible("abcdefgh", 3)).toEqual(["abc", "def", "gh"]);
    expect(wrapVisible("short", 10)).toEqual(["short"]);
  });

  it("keeps escape sequences when truncating and closes the style", () => {
    expect(truncateVisible("\x1b[31mred text\x1b[0m", 3)).toBe("\x1b[31mred\x1b[0m");
    expect(truncateVisible("short", 10)).toBe("short");
  });

  it("renders **bold** and `code`, or strips the markers without colour", () => {
    expect(emphasize(false, "a **b** `c`")).toBe("a b c");
    expect(emphasize(true, "**b**")).toBe("\x1b[1mb\x1b[22m");
  });

  it("removes control characters from script text", () => {
    expect(stripControls("a\x1b[2Jb\x07c\td")).toBe("a[2Jbc\td");
  });
});
