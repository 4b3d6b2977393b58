import { BACKSPACE, CTRL_U, DOWN, ENTER, ESC, SHIFT_TAB, TAB, UP, isControlKey } from "./keys.js";
import { sanitizeLine } from "./sanitize.js";

/**
 * The one text-field editor every cockpit form uses (the spawn form, the inbox's reply and
 * compose forms): a pure reducer from (form, key) to (form, what happened). Keys are whole
 * keys from `splitKeys` (`core/keys.ts`); a paste arrives as one text key.
 */

/** One editable line; forms add their own fields (label, name, hint). */
export interface TextField {
  value: string;
}

/** Fields and which one is being typed into (an index into `fields`). */
export interface TextForm<F extends TextField = TextField> {
  fields: readonly F[];
  focus: number;
}

/** How a form reads navigation keys. */
export interface TextFormOptions {
  /** `submit`: Enter submits from any field; `advance`: Enter moves on, submits on the last. */
  enter: "submit" | "advance";
  /** ↓/↑ move between fields like Tab/Shift-Tab. */
  arrows?: boolean;
}

/**
 * What a key did: `edit` changed the focused field's value, `move` changed the focus,
 * `submit` (Enter) and `cancel` (Escape) are for the caller, `none` ignored the key.
 */
export type TextFormOutcome = "edit" | "move" | "submit" | "cancel" | "none";

/**
 * The form after `key`: Tab / Shift-Tab (and ↓/↑ with `arrows`) move between fields,
 * wrapping; Enter submits or advances (see {@link TextFormOptions}); Escape cancels;
 * Backspace deletes the last character (a whole code point); Ctrl-U clears the field;
 * text is appended made safe to show ({@link sanitizeLine}: control characters dropped,
 * line breaks and tabs as spaces); other control keys and escape sequences change nothing.
 */
export function editTextForm<F extends TextField>(
  form: TextForm<F>,
  key: string,
  options: TextFormOptions,
): { form: TextForm<F>; outcome: TextFormOutcome } {
  const count = form.fields.length;
  const last = count - 1;
  const focusTo = (focus: number) => ({ form: { ...form, focus }, outcome: "move" as const });
  const setValue = (value: string) => ({
    form: { ...form, fields: form.fields.map((f, i) => (i === form.focus ? { ...f, value } : f)) },
    outcome: "edit" as const,
  });
  const none = { form, outcome: "none" as const };
  if (key === ESC) return { form, outcome: "cancel" };
  const next =
    key === TAB || (options.arrows === true && (DOWN as readonly string[]).includes(key));
  const previous =
    key === SHIFT_TAB || (options.arrows === true && (UP as readonly string[]).includes(key));
  if (count > 0 && next) return focusTo(form.focus >= last ? 0 : form.focus + 1);
  if (count > 0 && previous) return focusTo(form.focus <= 0 ? last : form.focus - 1);
  if ((ENTER as readonly string[]).includes(key)) {
    if (options.enter === "advance" && form.focus < last) return focusTo(form.focus + 1);
    return { form, outcome: "submit" };
  }
  const field = form.fields[form.focus];
  if (!field) return none;
  if ((BACKSPACE as readonly string[]).includes(key))
    return setValue([...field.value].slice(0, -1).join(""));
  if (key === CTRL_U) return setValue("");
  if (isControlKey(key)) return none;
  const text = sanitizeLine(key);
  return text ? setValue(field.value + text) : none;
}
