import { createElement } from "react";
import { editTextForm } from "../../core/text-field.js";
import { SpawnForm, type FormField } from "../Chrome.js";
import { defineView } from "./view.js";

/** The spawn form: name, runtime, first prompt; `focus` is the field typed into. */
export interface SpawnState {
  fields: readonly FormField[];
  focus: number;
  /** Why the last Enter did not spawn. */
  error?: string;
}

/**
 * `prefix n`: a form for a new agent. Tab/↓ and Shift-Tab/↑ move between fields, Enter
 * spawns (a name is required), Esc cancels; editing keys are the shared text-field ones.
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
        { label: "Runtime", value: "shell", hint: ctx.services.runtimes.join(" ") },
        { label: "Prompt", value: "", hint: "first task (optional)" },
      ],
    },
  }),
  key: (state, key) => {
    const { form, outcome } = editTextForm(state, key, { enter: "submit", arrows: true });
    if (outcome === "cancel") return { state, effects: [{ type: "close" }] };
    if (outcome !== "submit") return { state: { ...state, ...form } };
    const [name, runtime, prompt] = state.fields.map((f) => f.value.trim());
    if (!name) return { state: { ...state, error: "a name is required" } };
    return {
      state,
      effects: [
        { type: "close" },
        {
          type: "request",
          command: {
            type: "spawn",
            name,
            runtime: runtime || "shell",
            prompt: prompt || undefined,
          },
          success: `spawned ${name}`,
          focus: name,
        },
      ],
    };
  },
  size: (state) => ({
    width: 64,
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
