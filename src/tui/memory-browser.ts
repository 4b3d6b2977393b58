import { DOWN, ENTER, ESC, LEFT, RIGHT, TAB, UP } from "../core/keys.js";
import { defineBindings } from "../core/keymap.js";
import { MEMORY_TYPES, type MemoryType } from "../core/memory-kinds.js";
import { sortForPrime, type MemoryRecord } from "../core/memory.js";
import { editTextForm, type TextForm } from "../core/text-field.js";

/**
 * The memory browser's controller (`prefix K`), pure: state + one key → state + effects.
 * Domains with counts on the left, the selected domain's records on the right (sortable by
 * score, age and type), search as you type across all domains, a record in full, a form to
 * add one, confirm and archive, and a preview of what `memory prime` gives for a domain at
 * a budget. I/O happens in the view's `perform` (`views/memory.ts`).
 */

/** A domain and its counts (as `MemoryStore.domains` gives them). */
export interface BrowserDomain {
  domain: string;
  active: number;
  archived: number;
  expired: number;
}

/** What the browser shows: every domain and every active record. */
export interface BrowserData {
  domains: readonly BrowserDomain[];
  records: readonly MemoryRecord[];
  /** Domain files that could not be read, one line each. */
  problems: readonly string[];
}

/** A prime preview: the markdown and its figures. */
export interface BrowserPrime {
  markdown: string;
  included: number;
  leftOut: number;
  chars: number;
  tokens: number;
}

export type BrowserSort = "score" | "age" | "type";
const SORTS: readonly BrowserSort[] = ["score", "age", "type"];

/** One field of the add form. */
export interface AddField {
  label: string;
  value: string;
  hint?: string;
}

export type BrowserMode =
  | { kind: "list" }
  | { kind: "record"; id: string; scroll: number }
  | { kind: "add"; form: TextForm<AddField>; error?: string; editing?: string }
  | { kind: "prime"; domain: string; budgetTokens: number; plan?: BrowserPrime; scroll: number };

export interface BrowserState {
  data: BrowserData;
  /** Bumped whenever `data` is replaced (names the listing in the cache key). */
  revision: number;
  pane: "domains" | "records";
  /** Index into `data.domains`. */
  domain: number;
  /** Index into {@link visibleRecords}. */
  selected: number;
  sort: BrowserSort;
  /** The search typed so far; non-empty: records are the hits across every domain. */
  query: string;
  /** Keys go to the search field. */
  typing: boolean;
  /** Hits for `hitsFor`, best first (ids); undefined while a search is running. */
  hits?: readonly string[];
  hitsFor?: string;
  mode: BrowserMode;
}

/** What the view must do: search, change a record, add one, build a prime, reload. */
export type BrowserEffect =
  | { type: "search"; query: string }
  | { type: "confirm"; id: string }
  | { type: "archive"; id: string }
  | { type: "add"; input: { domain: string; type: MemoryType; text: string } }
  | { type: "edit"; id: string; edit: { type: MemoryType; text: string } }
  | { type: "prime"; domain: string; budgetChars: number }
  | { type: "reload" }
  | { type: "close" };

/** Prime previews start here and move by {@link PRIME_STEP}, in approximate tokens. */
export const PRIME_START_TOKENS = 1000;
export const PRIME_STEP = 500;

/** The browser's keys, for help and hints. */
export const MEMORY_BINDINGS = defineBindings([
  {
    context: "memory",
    command: "move",
    keys: ["j", "k", ...DOWN, ...UP],
    keyLabels: ["j/k", "↑/↓"],
    description: "move in the list (or scroll)",
    hint: "move",
  },
  {
    context: "memory",
    command: "pane",
    keys: [TAB, ...LEFT, ...RIGHT, "h", "l"],
    keyLabels: ["Tab", "←/→"],
    description: "switch between domains and records",
    hint: "pane",
  },
  {
    context: "memory",
    command: "search",
    keys: ["/"],
    description: "search as you type, across all domains (Esc clears)",
    hint: "search",
  },
  {
    context: "memory",
    command: "sort",
    keys: ["s"],
    description: "sort records by score, age or type",
    hint: "sort",
  },
  {
    context: "memory",
    command: "open",
    keys: [...ENTER],
    keyLabels: ["Enter"],
    description: "show the record in full",
    hint: "open",
  },
  {
    context: "memory",
    command: "add",
    keys: ["a"],
    description: "add a record to the selected domain",
    hint: "add",
  },
  {
    context: "memory",
    command: "edit",
    keys: ["e"],
    description: "edit the selected record's type and text",
    hint: "edit",
  },
  {
    context: "memory",
    command: "confirm",
    keys: ["c"],
    description: "confirm the selected record",
    hint: "confirm",
  },
  {
    context: "memory",
    command: "archive",
    keys: ["x"],
    description: "archive the selected record (kept on disk)",
    hint: "archive",
  },
  {
    context: "memory",
    command: "prime",
    keys: ["p"],
    description: "preview the domain's prime (+/- changes the budget)",
    hint: "prime",
  },
  {
    context: "memory",
    command: "close",
    keys: ["q", ESC],
    keyLabels: ["q", "Esc"],
    description: "close (or go back)",
    hint: "close",
  },
]);

/** The first state for `data`: the first domain selected, records by score. */
export function createBrowser(data: BrowserData): BrowserState {
  return {
    data,
    revision: 1,
    pane: "domains",
    domain: 0,
    selected: 0,
    sort: "score",
    query: "",
    typing: false,
    mode: { kind: "list" },
  };
}

/** `state` with fresh `data`, keeping the selection where it still exists. */
export function updateBrowser(state: BrowserState, data: BrowserData): BrowserState {
  const current = state.data.domains[state.domain]?.domain;
  const index = data.domains.findIndex((d) => d.domain === current);
  const next: BrowserState = {
    ...state,
    data,
    revision: state.revision + 1,
    domain: index >= 0 ? index : Math.min(state.domain, Math.max(0, data.domains.length - 1)),
  };
  return { ...next, selected: clamp(next.selected, visibleRecords(next).length) };
}

/** Search results for `query` (ids, best first); dropped when the query changed meanwhile. */
export function applyHits(
  state: BrowserState,
  query: string,
  ids: readonly string[],
): BrowserState {
  if (state.query !== query) return state;
  return { ...state, hits: ids, hitsFor: query, selected: 0 };
}

/** A prime preview arrived for `domain`. */
export function applyPrime(state: BrowserState, domain: string, plan: BrowserPrime): BrowserState {
  if (state.mode.kind !== "prime" || state.mode.domain !== domain) return state;
  return { ...state, mode: { ...state.mode, plan } };
}

/** The selected domain's name, if any. */
export function selectedDomain(state: BrowserState): string | undefined {
  return state.data.domains[state.domain]?.domain;
}

/**
 * The records in the right-hand list: with a query, the hits across all domains (best
 * first); else the selected domain's active records in the chosen sort (score = the
 * order `memory prime` uses).
 */
export function visibleRecords(state: BrowserState): MemoryRecord[] {
  const active = state.data.records.filter((r) => r.state === "active");
  if (state.query.trim() !== "") {
    const byId = new Map(active.map((r) => [r.id, r]));
    return (state.hits ?? []).flatMap((id) => byId.get(id) ?? []);
  }
  const domain = selectedDomain(state);
  const mine = active.filter((r) => r.domain === domain);
  if (state.sort === "score") return sortForPrime(mine);
  const newest = (a: MemoryRecord, b: MemoryRecord) =>
    a.updated < b.updated ? 1 : a.updated > b.updated ? -1 : 0;
  if (state.sort === "age") return [...mine].sort(newest);
  return [...mine].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : newest(a, b)));
}

/** The record under the cursor, if any. */
export function selectedRecord(state: BrowserState): MemoryRecord | undefined {
  return visibleRecords(state)[state.selected];
}

type Step = { state: BrowserState; effects?: BrowserEffect[] };

/** The browser after one whole key. */
export function browserKey(state: BrowserState, key: string): Step {
  switch (state.mode.kind) {
    case "record":
      return recordKey(state, state.mode, key);
    case "add":
      return addKey(state, state.mode, key);
    case "prime":
      return primeKey(state, state.mode, key);
    case "list":
      return state.typing ? searchKey(state, key) : listKey(state, key);
  }
}

function listKey(state: BrowserState, key: string): Step {
  const isUp = key === "k" || (UP as readonly string[]).includes(key);
  const isDown = key === "j" || (DOWN as readonly string[]).includes(key);
  if (isUp || isDown) {
    const delta = isUp ? -1 : 1;
    if (state.pane === "domains" && state.query === "") {
      const domain = clamp(state.domain + delta, state.data.domains.length);
      return { state: { ...state, domain, selected: 0 } };
    }
    return {
      state: { ...state, selected: clamp(state.selected + delta, visibleRecords(state).length) },
    };
  }
  if (key === TAB || key === "h" || key === "l" || [...LEFT, ...RIGHT].includes(key as never))
    return { state: { ...state, pane: state.pane === "domains" ? "records" : "domains" } };
  if (key === "/") return { state: { ...state, typing: true, pane: "records" } };
  if (key === "s") {
    const sort = SORTS[(SORTS.indexOf(state.sort) + 1) % SORTS.length] as BrowserSort;
    return { state: { ...state, sort, selected: 0 } };
  }
  if (key === "q" || key === ESC) {
    if (key === ESC && state.query !== "") return { state: clearSearch(state) };
    return { state, effects: [{ type: "close" }] };
  }
  if (key === "a") {
    const form: TextForm<AddField> = {
      focus: 2,
      fields: [
        { label: "Domain", value: selectedDomain(state) ?? "", hint: "letters, digits, . _ -" },
        { label: "Type", value: "convention", hint: MEMORY_TYPES.join(" ") },
        { label: "Text", value: "", hint: "one fact" },
      ],
    };
    return { state: { ...state, mode: { kind: "add", form } } };
  }
  if (key === "p") {
    const domain = selectedRecord(state)?.domain ?? selectedDomain(state);
    if (!domain) return { state };
    return {
      state: {
        ...state,
        mode: { kind: "prime", domain, budgetTokens: PRIME_START_TOKENS, scroll: 0 },
      },
      effects: [{ type: "prime", domain, budgetChars: PRIME_START_TOKENS * 4 }],
    };
  }
  if (key === "r") return { state, effects: [{ type: "reload" }] };
  const record = selectedRecord(state);
  if (!record) return { state };
  if ((ENTER as readonly string[]).includes(key))
    return { state: { ...state, mode: { kind: "record", id: record.id, scroll: 0 } } };
  if (key === "c") return { state, effects: [{ type: "confirm", id: record.id }] };
  if (key === "x") return { state, effects: [{ type: "archive", id: record.id }] };
  if (key === "e") {
    const form: TextForm<AddField> = {
      focus: 2,
      fields: [
        { label: "Domain", value: record.domain, hint: "(not changed by an edit)" },
        { label: "Type", value: record.type, hint: MEMORY_TYPES.join(" ") },
        { label: "Text", value: record.text.replace(/\s+/g, " "), hint: "one fact" },
      ],
    };
    return { state: { ...state, mode: { kind: "add", form, editing: record.id } } };
  }
  return { state };
}

function clearSearch(state: BrowserState): BrowserState {
  const next: BrowserState = { ...state, query: "", typing: false, selected: 0 };
  delete next.hits;
  delete next.hitsFor;
  return next;
}

function searchKey(state: BrowserState, key: string): Step {
  if (key === ESC) return { state: clearSearch(state) };
  if (
    (ENTER as readonly string[]).includes(key) ||
    key === TAB ||
    (DOWN as readonly string[]).includes(key)
  )
    return { state: { ...state, typing: false, pane: "records" } };
  const { form, outcome } = editTextForm({ fields: [{ value: state.query }], focus: 0 }, key, {
    enter: "submit",
  });
  if (outcome !== "edit") return { state };
  const query = form.fields[0]?.value ?? "";
  if (query.trim() === "") return { state: { ...clearSearch(state), typing: true } };
  const next: BrowserState = { ...state, query, selected: 0 };
  delete next.hits;
  return { state: next, effects: [{ type: "search", query }] };
}

function recordKey(
  state: BrowserState,
  mode: Extract<BrowserMode, { kind: "record" }>,
  key: string,
): Step {
  if (key === "q" || key === ESC || (ENTER as readonly string[]).includes(key))
    return { state: { ...state, mode: { kind: "list" } } };
  if (key === "j" || (DOWN as readonly string[]).includes(key))
    return { state: { ...state, mode: { ...mode, scroll: mode.scroll + 1 } } };
  if (key === "k" || (UP as readonly string[]).includes(key))
    return { state: { ...state, mode: { ...mode, scroll: Math.max(0, mode.scroll - 1) } } };
  if (key === "c") return { state, effects: [{ type: "confirm", id: mode.id }] };
  if (key === "x")
    return {
      state: { ...state, mode: { kind: "list" } },
      effects: [{ type: "archive", id: mode.id }],
    };
  return { state };
}

function addKey(
  state: BrowserState,
  mode: Extract<BrowserMode, { kind: "add" }>,
  key: string,
): Step {
  const { form, outcome } = editTextForm(mode.form, key, { enter: "submit", arrows: true });
  if (outcome === "cancel") return { state: { ...state, mode: { kind: "list" } } };
  if (outcome !== "submit") return { state: { ...state, mode: { kind: "add", form } } };
  const [domain, type, text] = mode.form.fields.map((f) => f.value.trim());
  if (!domain) return { state: { ...state, mode: { ...mode, error: "a domain is required" } } };
  if (!(MEMORY_TYPES as readonly string[]).includes(type ?? ""))
    return {
      state: { ...state, mode: { ...mode, error: `type is one of ${MEMORY_TYPES.join(", ")}` } },
    };
  if (!text) return { state: { ...state, mode: { ...mode, error: "the text is empty" } } };
  if (mode.editing)
    return {
      state,
      effects: [{ type: "edit", id: mode.editing, edit: { type: type as MemoryType, text } }],
    };
  return {
    state,
    effects: [{ type: "add", input: { domain, type: type as MemoryType, text } }],
  };
}

/** The add form failed (e.g. a failure needs a resolution): stay in it with the reason. */
export function addFailed(state: BrowserState, error: string): BrowserState {
  if (state.mode.kind !== "add") return state;
  return { ...state, mode: { ...state.mode, error } };
}

/** A record was added: back to the list, its domain selected. */
export function addDone(state: BrowserState, domain: string): BrowserState {
  const index = state.data.domains.findIndex((d) => d.domain === domain);
  return { ...state, mode: { kind: "list" }, ...(index >= 0 ? { domain: index } : {}) };
}

function primeKey(
  state: BrowserState,
  mode: Extract<BrowserMode, { kind: "prime" }>,
  key: string,
): Step {
  if (key === "q" || key === ESC) return { state: { ...state, mode: { kind: "list" } } };
  if (key === "+" || key === "-") {
    const budgetTokens = Math.max(
      PRIME_STEP,
      mode.budgetTokens + (key === "+" ? PRIME_STEP : -PRIME_STEP),
    );
    const next: BrowserMode = { kind: "prime", domain: mode.domain, budgetTokens, scroll: 0 };
    return {
      state: { ...state, mode: next },
      effects: [{ type: "prime", domain: mode.domain, budgetChars: budgetTokens * 4 }],
    };
  }
  if (key === "j" || (DOWN as readonly string[]).includes(key))
    return { state: { ...state, mode: { ...mode, scroll: mode.scroll + 1 } } };
  if (key === "k" || (UP as readonly string[]).includes(key))
    return { state: { ...state, mode: { ...mode, scroll: Math.max(0, mode.scroll - 1) } } };
  return { state };
}

function clamp(index: number, length: number): number {
  return Math.max(0, Math.min(index, length - 1));
}
