import { createElement } from "react";
import { LEFT, RIGHT } from "../../core/keys.js";
import { EFFORT_LEVELS } from "../../core/agent-config.js";
import { editTextForm } from "../../core/text-field.js";
import { SpawnForm, type FormField } from "../Chrome.js";
import { defineView } from "./view.js";

/**
 * The spawn form: name, runtime (chosen from `choices`), model, effort (chosen), first
 * prompt; `focus` is the field typed into.
 */
export interface SpawnState {
  fields: readonly FormField[];
  focus: number;
  /** Why the last Enter did not spawn. */
  error?: string;
}

/** The effort row's choices: the runtime's default, or a level (as `spawn --effort`). */
const EFFORT_CHOICES = ["default", ...EFFORT_LEVELS] as const;

/** A choice field with the choice `step` places left (-1) or right (1) of its value. */
function pick(field: FormField, step: number): FormField {
  const choices = field.choices ?? [];
  if (choices.length === 0) return field;
  const at = choices.indexOf(field.value);
  const next = choices[(at + step + choices.length) % choices.length] ?? field.value;
  return { ...field, value: next };
}

/** A choice field set to the first choice that starts with `text`, if one does. */
function pickByLetter(field: FormField, text: string): FormField {
  const value = (field.choices ?? []).find((c) => c.startsWith(text.toLowerCase()));
  return value ? { ...field, value } : field;
}

/**
 * `prefix n`: a form for a new agent. Tab/↓ and Shift-Tab/↑ move between fields; on the
 * runtime and effort rows ←/→ (or Space, or a choice's first letter) choose among the
 * configured runtimes and the effort levels; Enter spawns (a name is required), Esc cancels;
 * editing keys are the shared text-field ones. Model and effort are passed through the
 * runtime's own flags (as `spawn --model`, `--effort`).
 */
export const spawnView = defineView<SpawnState>({
  id: "spawn",
  bindings: [],
  opener: { command: "spawn-dialog" },
  open: (ctx) => ({
    state: {
      focus: 0,
      fields: [
        { label: "Name", value: "", hint: "letters, digits, . _ -" },
        {
          label: "Runtime",
          value: ctx.services.runtimes[0] ?? "shell",
          choices: [...ctx.services.runtimes],
        },
        { label: "Model", value: "", hint: "optional, e.g. opus (the runtime's own flag)" },
        { label: "Effort", value: "default", choices: EFFORT_CHOICES },
        { label: "Prompt", value: "", hint: "first task (optional)" },
      ],
    },
  }),
  key: (state, key) => {
    const focused = state.fields[state.focus];
    if (focused?.choices) {
      const step = (RIGHT as readonly string[]).includes(key) || key === " " ? 1 : 0;
      const back = (LEFT as readonly string[]).includes(key) ? -1 : 0;
      const changed =
        step || back
          ? pick(focused, step + back)
          : /^[a-z]$/i.test(key)
            ? pickByLetter(focused, key)
            : undefined;
      if (changed) {
        const fields = state.fields.map((f, i) => (i === state.focus ? changed : f));
        return { state: { ...state, fields, error: undefined } };
      }
    }
    const { form, outcome } = editTextForm(state, key, { enter: "submit", arrows: true });
    if (outcome === "cancel") return { state, effects: [{ type: "close" }] };
    // A choice is chosen, never typed.
    if (outcome === "edit" && focused?.choices) return { state };
    if (outcome !== "submit") return { state: { ...state, ...form } };
    const [name, runtimeName, model, effortChoice, prompt] = state.fields.map((f) =>
      f.value.trim(),
    );
    const effort = EFFORT_LEVELS.find((level) => level === effortChoice);
    if (!name) return { state: { ...state, focus: 0, error: "a name is required" } };
    return {
      state,
      effects: [
        { type: "close" },
        {
          type: "request",
          command: {
            type: "spawn",
            name,
            runtime: runtimeName || "shell",
            prompt: prompt || undefined,
            ...(model ? { model } : {}),
            ...(effort ? { effort } : {}),
          },
          success: `spawned ${name}${model || effort ? ` (${[model && `model ${model}`, effort && `effort ${effort}`].filter(Boolean).join(", ")})` : ""}`,
          focus: name,
        },
      ],
    };
  },
  size: (state) => ({
    width: 72,
    height: state.fields.length + 5,
    minHeight: state.fields.length + 5,
  }),
  cacheKey: (state) =>
    `spawn:${state.focus}:${state.error ?? ""}:${state.fields.map((f) => f.value).join("\u0000")}`,
  element: (state, { width }) =>
    createElement(SpawnForm, {
      width,
      fields: state.fields.map((f) => ({ ...f })),
      active: state.focus,
      ...(state.error !== undefined ? { error: state.error } : {}),
    }),
});
