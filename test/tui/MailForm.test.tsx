import { render } from "ink-testing-library";
import { beforeAll, describe, expect, it } from "vitest";
import { loadInk } from "../../src/tui/ink.js";
import { MailForm } from "../../src/tui/MailForm.js";

describe("MailForm", () => {
  // The cockpit loads Ink after its first frame (src/tui/ink.ts); these render with it.
  beforeAll(async () => {
    await loadInk();
  });

  it("shows a title, one line per field and the error", () => {
    const frame = render(
      <MailForm
        title="New message"
        fields={[
          { label: "To", value: "bob" },
          { label: "Subject", value: "" },
        ]}
        focus={1}
        error="type a subject"
      />,
    ).lastFrame();
    expect(frame).toBe(["New message", "To:      bob", "Subject: █", "type a subject"].join("\n"));
  });

  it("shows the end of a value too long for its room, and the cursor after it (█)", () => {
    const frame = render(
      <MailForm
        title="Reply to bob · Re: a very long subject line that will not fit"
        fields={[{ label: "Reply", value: "0123456789".repeat(5) }]}
        focus={0}
        width={30}
      />,
    ).lastFrame()!;
    expect(frame.split("\n")).toEqual([
      "Reply to bob · Re: a very lon…",
      "Reply: …901234567890123456789█",
    ]);
  });

  it("never shows escape sequences from a value or the title", () => {
    const frame = render(
      <MailForm
        title={"\x1b]0;owned\x07Reply"}
        fields={[{ label: "Body", value: "a\x1b[2Jb\x9b1mc" }]}
        focus={-1}
      />,
    ).lastFrame()!;
    expect(frame).toBe("Reply\nBody: abc");
  });
});
