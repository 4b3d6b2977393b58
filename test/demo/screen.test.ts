import { describe, expect, it } from "vitest";
import { AgentScreen, emphasize, stripControls, truncateVisible } from "../../src/demo/screen.js";

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

  it("cuts live lines to the terminal width so they never wrap", () => {
    const { screen, out } = capture(true, 10);
    screen.setLive(["0123456789abcdef"]);
    expect(out()).toContain("012345678");
    expect(out()).not.toContain("0123456789");
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
