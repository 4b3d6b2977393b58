import { createElement } from "react";
import { LAYOUT_NAMES, type LayoutName } from "../../core/layout.js";
import { TAB } from "../../core/keys.js";
import { editTextForm } from "../../core/text-field.js";
import { respawnEffect } from "../agent-list.js";
import { Dialog } from "../Chrome.js";
import { defineView, type CockpitEffect, type ViewContext } from "./view.js";

/** The prompt's line and, after a Tab with several matches, what they were. */
export interface PromptState {
  fields: readonly [{ value: string }];
  focus: 0;
  /** The candidates the last Tab found (shown under the line), empty otherwise. */
  matches: readonly string[];
}

/** What a word of a command line is completed from. */
type WordKind = "agent" | "runtime" | "layout" | "none";

/** One prompt command: its usage, what each word after its name is, and what it does. */
interface PromptCommand {
  usage: string;
  words: readonly WordKind[];
  /** Effects for the words after the name; a string is the error shown as a notice. */
  run(args: string[], ctx: ViewContext): readonly CockpitEffect[] | string;
}

/** The agent named `name`, or the focused one when `name` is absent; an error when unknown. */
function target(name: string | undefined, ctx: ViewContext): string | { error: string } {
  const chosen = name ?? ctx.focus;
  if (!chosen) return { error: "no agent to act on: name one" };
  if (!ctx.agents.some((a) => a.name === chosen))
    return { error: `no agent named ${chosen} (${agentList(ctx)})` };
  return chosen;
}

function agentList(ctx: ViewContext): string {
  return ctx.agents.length ? `agents: ${ctx.agents.map((a) => a.name).join(", ")}` : "no agents";
}

/**
 * The prompt's commands, as tmux's command prompt has them (`prefix :`). Words are split on
 * spaces; the last word of `send` and `spawn` may hold spaces (the rest of the line).
 */
const COMMANDS: Readonly<Record<string, PromptCommand>> = {
  spawn: {
    usage: "spawn <name> [runtime] [--model <model>] [prompt…]",
    words: ["none", "runtime"],
    run: (args, ctx) => {
      const modelAt = args.findIndex((a) => a === "--model" || a === "-m");
      const model = modelAt >= 0 ? args[modelAt + 1] : undefined;
      if (modelAt >= 0 && !model) return "--model needs a value: spawn <name> --model <model>";
      const rest = modelAt >= 0 ? args.filter((_, i) => i !== modelAt && i !== modelAt + 1) : args;
      const [name, runtime = "shell", ...prompt] = rest;
      if (!name) return `usage: ${COMMANDS.spawn!.usage}`;
      if (!ctx.services.runtimes.includes(runtime))
        return `unknown runtime ${runtime} (runtimes: ${ctx.services.runtimes.join(", ")})`;
      const text = prompt.join(" ");
      return [
        {
          type: "request",
          command: {
            type: "spawn",
            name,
            runtime,
            ...(text ? { prompt: text } : {}),
            ...(model ? { model } : {}),
          },
          success: `spawned ${name}`,
          focus: name,
        },
      ];
    },
  },
  kill: {
    usage: "kill [agent]",
    words: ["agent"],
    run: (args, ctx) => {
      const name = target(args[0], ctx);
      if (typeof name !== "string") return name.error;
      return [{ type: "request", command: { type: "kill", name }, success: `killed ${name}` }];
    },
  },
  respawn: {
    usage: "respawn [agent]",
    words: ["agent"],
    run: (args, ctx) => {
      const name = target(args[0], ctx);
      if (typeof name !== "string") return name.error;
      const agent = ctx.agents.find((a) => a.name === name);
      return agent ? [respawnEffect(agent)] : [];
    },
  },
  send: {
    usage: "send <agent> <text…>",
    words: ["agent"],
    run: (args, ctx) => {
      const [first, ...words] = args;
      const name = target(first ?? "", ctx);
      if (typeof name !== "string") return first ? name.error : `usage: ${COMMANDS.send!.usage}`;
      if (words.length === 0) return `usage: ${COMMANDS.send!.usage}`;
      // Typed into the pane and entered, as tmux's `send-keys … Enter`.
      return [{ type: "input", name, data: `${words.join(" ")}\r` }];
    },
  },
  focus: {
    usage: "focus <agent>",
    words: ["agent"],
    run: (args, ctx) => {
      const name = target(args[0] ?? "", ctx);
      if (typeof name !== "string") return args[0] ? name.error : `usage: focus <agent>`;
      return [{ type: "focus", name }];
    },
  },
  layout: {
    usage: `layout [${LAYOUT_NAMES.join("|")}]`,
    words: ["layout"],
    run: (args) => {
      const [name] = args;
      if (name === undefined) return [{ type: "run", command: "next-layout" }];
      if (!(LAYOUT_NAMES as readonly string[]).includes(name))
        return `unknown layout ${name} (layouts: ${LAYOUT_NAMES.join(", ")})`;
      return [{ type: "layout", layout: name as LayoutName }];
    },
  },
  zoom: { usage: "zoom", words: [], run: () => [{ type: "run", command: "zoom" }] },
  help: { usage: "help", words: [], run: () => [{ type: "run", command: "help" }] },
};

/** The names the prompt knows, sorted (completion offers them in this order). */
export const PROMPT_COMMANDS: readonly string[] = Object.keys(COMMANDS).sort();

/**
 * What a whole command line does: the effects to run, or a one-line error (unknown command,
 * bad or missing words, unknown agent, runtime or layout).
 */
export function parsePromptLine(line: string, ctx: ViewContext): readonly CockpitEffect[] {
  const [name, ...args] = line.trim().split(/\s+/);
  if (!name) return [];
  const command = COMMANDS[name];
  const fail = (text: string): CockpitEffect[] => [{ type: "notice", level: "error", text }];
  if (!command) return fail(`unknown command ${name} (Tab lists the commands)`);
  const result = command.run(args, ctx);
  return typeof result === "string" ? fail(`${name}: ${result}`) : result;
}

/**
 * Tab on `line`: the last word completed from what fits its place (command names first, then
 * agents, runtimes or layouts as the command takes them). One match: the word completed and
 * a space added; several: extended to their longest common prefix, and the matches listed.
 */
export function completePromptLine(
  line: string,
  ctx: ViewContext,
): { line: string; matches: string[] } {
  const words = line.split(" ");
  const word = words[words.length - 1] ?? "";
  const position = words.length - 1;
  const kind: WordKind =
    position === 0 ? "none" : (COMMANDS[words[0] ?? ""]?.words[position - 1] ?? "none");
  const pool =
    position === 0
      ? PROMPT_COMMANDS
      : kind === "agent"
        ? ctx.agents.map((a) => a.name)
        : kind === "runtime"
          ? ctx.services.runtimes
          : kind === "layout"
            ? LAYOUT_NAMES
            : [];
  const matches = pool.filter((c) => c.startsWith(word));
  const head = words.slice(0, -1).concat("").join(" ");
  if (matches.length === 1) return { line: `${head}${matches[0]} `, matches: [] };
  if (matches.length === 0) return { line, matches: [] };
  return { line: head + commonPrefix(matches), matches };
}

/** `:` and the line with a cursor, its start cut (`…`) so that its end stays in `width` cells. */
function promptLine(value: string, width: number): string {
  const chars = [...value];
  const room = Math.max(1, width - 3);
  return chars.length <= room ? `:${value}▏` : `:…${chars.slice(-(room - 1)).join("")}▏`;
}

function commonPrefix(words: readonly string[]): string {
  let prefix = words[0] ?? "";
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/**
 * `prefix :`: a command prompt for the cockpit's commands (`spawn`, `kill`, `respawn`,
 * `send`, `focus`, `layout`, `zoom`, `help`). Tab completes command names, agent names,
 * runtimes and layout names; Enter runs the line (an error is shown as a one-line notice);
 * Esc cancels; editing keys are the shared text-field ones.
 */
export const promptView = defineView<PromptState>({
  id: "prompt",
  bindings: [],
  opener: { key: ":", description: "open the command prompt (Tab completes)", hint: "cmd" },
  open: () => ({ state: { fields: [{ value: "" }], focus: 0, matches: [] } }),
  key: (state, key, ctx) => {
    if (key === TAB) {
      const done = completePromptLine(state.fields[0].value, ctx);
      return { state: { ...state, fields: [{ value: done.line }], matches: done.matches } };
    }
    const { form, outcome } = editTextForm(state, key, { enter: "submit" });
    if (outcome === "cancel") return { state, effects: [{ type: "close" }] };
    if (outcome === "submit")
      return {
        state,
        effects: [{ type: "close" }, ...parsePromptLine(state.fields[0].value, ctx)],
      };
    if (outcome !== "edit") return { state };
    return { state: { ...state, fields: [{ value: form.fields[0]?.value ?? "" }], matches: [] } };
  },
  hints: () => "Tab complete · Enter run · Esc cancel",
  size: () => ({ width: 72, height: 5, minHeight: 5 }),
  cacheKey: (state) => `prompt:${state.fields[0].value}:${state.matches.join(" ")}`,
  element: (state, { width }) =>
    createElement(Dialog, {
      width,
      title: "",
      lines: [promptLine(state.fields[0].value, width - 4), state.matches.join("  ") || " "],
      footer: `commands: ${PROMPT_COMMANDS.join(" ")}`,
    }),
});
