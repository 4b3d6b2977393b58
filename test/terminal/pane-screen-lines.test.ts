import { describe, expect, it } from "vitest";
import { PaneScreen } from "../../src/terminal/pane-screen.js";

/** What copy mode reads of a PaneScreen: its lines as text with columns, and dropped lines. */
describe("PaneScreen lines for copy mode", () => {
  it("reads any buffer line as text, with the columns of wide characters and soft wraps", async () => {
    const screen = new PaneScreen({ cols: 10, rows: 3, scrollback: 50 });
    screen.write("plain\r\nab日本c\r\n0123456789wrapped\r\nlast");
    await screen.flush();
    // 4 lines written into 3 rows plus one wrap: two lines went into the scrollback.
    expect(screen.scrollbackLength).toBe(2);
    expect(screen.readLine(0)).toEqual({ text: "plain", wrapped: false });
    expect(screen.readLine(1)).toEqual({
      text: "ab日本c",
      wrapped: false,
      columns: [0, 1, 2, 4, 6],
    });
    expect(screen.readLine(2)).toEqual({ text: "0123456789", wrapped: false });
    expect(screen.readLine(3)).toEqual({ text: "wrapped", wrapped: true });
    expect(screen.readLine(4)).toEqual({ text: "last", wrapped: false });
    expect(screen.readLine(99)).toBeUndefined();
    screen.dispose();
  });

  it("counts the lines a full scrollback drops, so a line keeps its number", async () => {
    const screen = new PaneScreen({ cols: 10, rows: 3, scrollback: 5 });
    screen.write(Array.from({ length: 20 }, (_, i) => `n${i}`).join("\r\n"));
    await screen.flush();
    expect(screen.scrollbackLength).toBe(5);
    expect(screen.droppedLines).toBe(12);
    // Buffer line 0 is line 12 of everything printed.
    expect(screen.readLine(0)?.text).toBe("n12");
    screen.dispose();
  });
});
