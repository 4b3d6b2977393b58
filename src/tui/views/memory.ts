import { createElement } from "react";
import type { MemoryInput, MemoryType } from "../../core/memory.js";
import {
  addDone,
  addFailed,
  applyHits,
  applyPrime,
  browserKey,
  createBrowser,
  MEMORY_BINDINGS,
  updateBrowser,
  type BrowserData,
  type BrowserEffect,
  type BrowserPrime,
  type BrowserState,
} from "../memory-browser.js";
import { MemoryBrowser } from "../MemoryBrowser.js";
import { defineView } from "./view.js";

/** The project's shared memory as the browser reads and changes it (through the memory store). */
export interface CockpitMemory {
  /** Every domain with counts and every active record; unreadable files as problems. */
  load(): Promise<BrowserData>;
  /** Ids of the records matching `query` across all domains, best first. */
  search(query: string): Promise<string[]>;
  /** Records as the human (`human:<user>`). @throws FlotillaError with a one-line reason. */
  record(input: MemoryInput): Promise<void>;
  confirm(id: string): Promise<void>;
  /** Changes a record's type and text. @throws FlotillaError with a one-line reason. */
  edit(id: string, edit: { type: MemoryType; text: string }): Promise<void>;
  archive(id: string): Promise<void>;
  /** What `flotilla memory prime <domain> --chars <budgetChars>` would print. */
  prime(domain: string, budgetChars: number): Promise<BrowserPrime>;
}

type OwnEffect = Exclude<BrowserEffect, { type: "close" }>;

/**
 * `prefix K`: the memory browser (`memory-browser.ts` is its controller, `MemoryBrowser` its
 * element). Loads every domain when opened; searches, changes and previews through
 * `ctx.services.memory`, reloading after each change.
 */
export const memoryView = defineView<BrowserState, OwnEffect>({
  id: "memory",
  title: "In the memory browser:",
  bindings: MEMORY_BINDINGS,
  opener: { key: "K", description: "browse shared memory", hint: "memory" },
  open: async (ctx) => {
    const memory = ctx.services.memory;
    if (!memory) return { effects: [{ type: "notice", level: "info", text: "no memory here" }] };
    return { state: createBrowser(await memory.load()) };
  },
  key: (state, key) => {
    const step = browserKey(state, key);
    return {
      state: step.state,
      effects: (step.effects ?? []).map((e) =>
        e.type === "close" ? { type: "close" as const } : e,
      ),
    };
  },
  perform: async (effect, ctx) => {
    const memory = ctx.services.memory;
    if (!memory) return;
    const reload = async (notice?: string) => {
      const data = await memory.load();
      return {
        update: (state: BrowserState) => updateBrowser(state, data),
        ...(notice
          ? { effects: [{ type: "notice" as const, level: "info" as const, text: notice }] }
          : {}),
      };
    };
    switch (effect.type) {
      case "search": {
        const ids = await memory.search(effect.query);
        return { update: (state) => applyHits(state, effect.query, ids) };
      }
      case "confirm":
        await memory.confirm(effect.id);
        return reload(`confirmed ${effect.id}`);
      case "archive":
        await memory.archive(effect.id);
        return reload(`archived ${effect.id} (memory confirm ${effect.id} brings it back)`);
      case "add": {
        try {
          await memory.record(effect.input);
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          return { update: (state) => addFailed(state, text) };
        }
        const data = await memory.load();
        return {
          update: (state) => addDone(updateBrowser(state, data), effect.input.domain),
          effects: [{ type: "notice", level: "info", text: `recorded in ${effect.input.domain}` }],
        };
      }
      case "edit": {
        try {
          await memory.edit(effect.id, effect.edit);
        } catch (error) {
          const text = error instanceof Error ? error.message : String(error);
          return { update: (state) => addFailed(state, text) };
        }
        const data = await memory.load();
        return {
          update: (state) => ({ ...updateBrowser(state, data), mode: { kind: "list" } }),
          effects: [{ type: "notice", level: "info", text: `edited ${effect.id}` }],
        };
      }
      case "prime": {
        const plan = await memory.prime(effect.domain, effect.budgetChars);
        return { update: (state) => applyPrime(state, effect.domain, plan) };
      }
      case "reload":
        return reload();
    }
  },
  size: () => ({ width: 120, height: 32, minHeight: 8 }),
  cacheKey: (state) => {
    const mode = state.mode;
    const modeKey =
      mode.kind === "list"
        ? "list"
        : mode.kind === "record"
          ? `record:${mode.id}:${mode.scroll}`
          : mode.kind === "add"
            ? `add:${mode.form.focus}:${mode.error ?? ""}:${mode.form.fields.map((f) => f.value).join("\u0000")}`
            : `prime:${mode.domain}:${mode.budgetTokens}:${mode.scroll}:${mode.plan?.chars ?? -1}`;
    return [
      "memory",
      state.revision,
      state.pane,
      state.domain,
      state.selected,
      state.sort,
      state.query,
      state.typing,
      state.hitsFor ?? "",
      state.hits?.length ?? -1,
      modeKey,
    ].join("\u0001");
  },
  element: (state, { width, height }) => createElement(MemoryBrowser, { state, width, height }),
});
