import { describe, expect, it } from "vitest";
import { editTextForm, type TextForm } from "../../src/core/text-field.js";

const form: TextForm<{ label: string; value: string }> = {
  fields: [
    { label: "Name", value: "" },
    { label: "Runtime", value: "shell" },
  ],
  focus: 0,
};

function type(start: typeof form, keys: string[], enter: "submit" | "advance", arrows = false) {
  let current = start;
  const outcomes: string[] = [];
  for (const key of keys) {
    const result = editTextForm(current, key, { enter, arrows });
    current = result.form;
    outcomes.push(result.outcome);
  }
  return { form: current, outcomes };
}

describe("editTextForm", () => {
  it("types text, deletes a whole code point, clears with Ctrl-U", () => {
    const { form: typed } = type(form, ["a", "😀", "\x7f", "b", "\t", "\x15", "sh"], "submit");
    expect(typed.fields.map((f) => f.value)).toEqual(["ab", "sh"]);
    expect(typed.fields[0]?.label).toBe("Name");
  });

  it("moves with Tab and Shift-Tab, wrapping, and with arrows only when asked", () => {
    expect(type(form, ["\x1b[Z"], "submit").form.focus).toBe(1);
    expect(type(form, ["\t", "\t"], "submit").form.focus).toBe(0);
    expect(type(form, ["\x1b[B"], "submit").form.focus).toBe(0);
    expect(type(form, ["\x1b[B"], "submit", true).form.focus).toBe(1);
  });

  it("submits on Enter, or advances first; cancels on Escape; ignores other control keys", () => {
    expect(type(form, ["\r"], "submit").outcomes).toEqual(["submit"]);
    expect(type(form, ["\r", "\r"], "advance").outcomes).toEqual(["move", "submit"]);
    expect(type(form, ["\x1b"], "advance").outcomes).toEqual(["cancel"]);
    expect(type(form, ["\x1b[C", "\x01"], "advance").outcomes).toEqual(["none", "none"]);
  });

  it("drops control characters from pasted text and makes line breaks spaces", () => {
    expect(type(form, ["a\x07b\tc"], "submit").form.fields[0]?.value).toBe("ab c");
  });
});
