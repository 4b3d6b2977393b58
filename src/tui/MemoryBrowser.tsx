import { Box, Text } from "./ink.js";
import stringWidth from "string-width";
import { sanitizeForTerminal, sanitizeLine } from "../core/sanitize.js";
import {
  selectedDomain,
  selectedRecord,
  visibleRecords,
  type BrowserState,
} from "./memory-browser.js";
import type { MemoryRecord } from "../core/memory.js";

/** One line of the browser: text (already cut to width) and how to draw it. */
export interface BrowserLine {
  text: string;
  color?: string;
  bold?: boolean;
}

const DOMAIN_COLUMN = 24;

/**
 * The browser as `height` lines of at most `width` cells: a search/sort line, then the
 * domains and records side by side (list), or a record in full, the add form, or a prime
 * preview; the last line lists the keys that work now. Pure: everything shown is sanitized.
 */
export function browserLines(state: BrowserState, width: number, height: number): BrowserLine[] {
  const body = Math.max(1, height - 2);
  const lines: BrowserLine[] = [];
  const mode = state.mode;
  if (mode.kind === "list") {
    const search = state.typing
      ? `/${state.query}▏`
      : state.query
        ? `/${state.query}`
        : "/ to search";
    lines.push({
      text: cut(`Memory · ${search} · sort: ${state.sort}`, width),
      bold: true,
      color: "cyanBright",
    });
    const left = domainColumn(state, body);
    const records = visibleRecords(state);
    const right = recordColumn(state, records, width - DOMAIN_COLUMN - 1, body);
    for (let i = 0; i < body; i++) {
      const l = left[i] ?? { text: "" };
      const r = right[i] ?? { text: "" };
      // Selection is marked with ▶ in the text itself, so a line keeps one style.
      lines.push({ text: pad(cut(l.text, DOMAIN_COLUMN), DOMAIN_COLUMN) + "│" + r.text });
    }
    lines.push({ text: cut(listHints(state), width), color: "gray" });
  } else if (mode.kind === "record") {
    const record = state.data.records.find((r) => r.id === mode.id);
    lines.push({ text: cut(`Memory · record ${mode.id}`, width), bold: true, color: "cyanBright" });
    const text = record ? recordText(record, width) : ["(this record is gone)"];
    for (const line of text.slice(mode.scroll, mode.scroll + body)) lines.push({ text: line });
    while (lines.length < body + 1) lines.push({ text: "" });
    lines.push({
      text: cut("j/k scroll · c confirm · x archive · Esc back", width),
      color: "gray",
    });
  } else if (mode.kind === "add") {
    const title = mode.editing ? `Memory · edit ${mode.editing}` : "Memory · add a record";
    lines.push({ text: cut(title, width), bold: true, color: "cyanBright" });
    mode.form.fields.forEach((field, i) => {
      const cursor = i === mode.form.focus ? "▏" : "";
      lines.push({
        text: cut(
          `${i === mode.form.focus ? "▶" : " "} ${field.label.padEnd(7)} ${field.value}${cursor}   ${field.hint ?? ""}`,
          width,
        ),
        ...(i === mode.form.focus ? { color: "whiteBright" } : {}),
      });
    });
    if (mode.error) lines.push({ text: cut(`✗ ${mode.error}`, width), color: "redBright" });
    while (lines.length < body + 1) lines.push({ text: "" });
    lines.push({ text: cut("Tab next field · Enter record · Esc cancel", width), color: "gray" });
  } else {
    const plan = mode.plan;
    lines.push({
      text: cut(
        `Memory · prime ${mode.domain} at ${mode.budgetTokens} tokens` +
          (plan
            ? ` · ${plan.included} record(s), ${plan.chars} chars (~${plan.tokens} tokens), ${plan.leftOut} left out`
            : " · …"),
        width,
      ),
      bold: true,
      color: "cyanBright",
    });
    const text = plan ? sanitizeForTerminal(plan.markdown).split("\n") : [];
    for (const line of text.slice(mode.scroll, mode.scroll + body))
      lines.push({ text: cut(line, width) });
    while (lines.length < body + 1) lines.push({ text: "" });
    lines.push({ text: cut("+/- budget · j/k scroll · Esc back", width), color: "gray" });
  }
  return lines.slice(0, height);
}

function domainColumn(state: BrowserState, rows: number): BrowserLine[] {
  const out: BrowserLine[] = [];
  const active = state.pane === "domains" && state.query === "";
  if (state.data.domains.length === 0) out.push({ text: " no domains yet (a: add)" });
  const first = Math.max(0, Math.min(state.domain - rows + 2, state.data.domains.length - rows));
  state.data.domains.slice(first, first + rows).forEach((d, i) => {
    const index = first + i;
    const mark = index === state.domain ? (active ? "▶" : "›") : " ";
    const counts = `${d.active}${d.expired ? ` (${d.expired} exp)` : ""}`;
    const name = cut(sanitizeLine(d.domain), DOMAIN_COLUMN - counts.length - 3);
    out.push({ text: `${mark} ${pad(name, DOMAIN_COLUMN - counts.length - 3)} ${counts}` });
  });
  for (const problem of state.data.problems.slice(0, 2))
    out.push({ text: cut(`! ${problem}`, DOMAIN_COLUMN) });
  return out;
}

function recordColumn(
  state: BrowserState,
  records: MemoryRecord[],
  width: number,
  rows: number,
): BrowserLine[] {
  if (state.query && state.hits === undefined) return [{ text: " searching…" }];
  if (records.length === 0)
    return [
      {
        text: cut(
          state.query ? " no matches" : ` no records in ${selectedDomain(state) ?? "this domain"}`,
          width,
        ),
      },
    ];
  const active = state.pane === "records" || state.query !== "";
  const first = Math.max(0, Math.min(state.selected - rows + 1, records.length - rows));
  return records.slice(first, first + rows).map((r, i) => {
    const index = first + i;
    const mark = index === state.selected ? (active ? "▶" : "›") : " ";
    const where = state.query ? `${sanitizeLine(r.domain)} · ` : "";
    const conf = r.confirmations.length > 0 ? ` ${r.confirmations.length}✓` : "";
    return {
      text: cut(`${mark} ${r.type.slice(0, 4)} ${where}${sanitizeLine(r.text)}${conf}`, width),
    };
  });
}

function listHints(state: BrowserState): string {
  if (state.typing) return "type to search · Enter/↓ results · Esc clear";
  const hasRecord = selectedRecord(state) !== undefined;
  return [
    "j/k move",
    "Tab pane",
    "/ search",
    "s sort",
    ...(hasRecord ? ["Enter open", "e edit", "c confirm", "x archive"] : []),
    "a add",
    "p prime",
    "q close",
  ].join(" · ");
}

/** A record in full, wrapped to `width`: fields, text, resolution/rationale, confirmations. */
function recordText(r: MemoryRecord, width: number): string[] {
  const out = [
    `${r.type} · ${r.classification} · ${r.domain} · ${r.state}`,
    `author ${sanitizeLine(r.author)} · created ${r.created.slice(0, 16)} · updated ${r.updated.slice(0, 16)}`,
  ];
  if (r.tags.length > 0) out.push(`tags: ${r.tags.map(sanitizeLine).join(", ")}`);
  if (r.evidence.files.length > 0)
    out.push(`evidence: ${r.evidence.files.map(sanitizeLine).join(", ")}`);
  const extra = [
    r.evidence.commit && `commit ${r.evidence.commit}`,
    r.evidence.task && `task ${r.evidence.task}`,
    r.evidence.agent && `agent ${r.evidence.agent}`,
  ].filter(Boolean);
  if (extra.length > 0) out.push(sanitizeLine(extra.join(" · ")));
  out.push("");
  out.push(...sanitizeForTerminal(r.text).split("\n"));
  if (r.resolution) out.push("", `fix: ${sanitizeForTerminal(r.resolution)}`);
  if (r.rationale) out.push("", `why: ${sanitizeForTerminal(r.rationale)}`);
  out.push("", `confirmations: ${r.confirmations.length === 0 ? "none" : ""}`);
  for (const c of r.confirmations) out.push(`  ${sanitizeLine(c.by)} ${c.at.slice(0, 16)}`);
  return out.flatMap((line) => wrap(line, width));
}

/** The browser element: exactly `width` × `height` cells inside a double border. */
export function MemoryBrowser(props: { state: BrowserState; width: number; height: number }) {
  const inner = Math.max(10, props.width - 4);
  const lines = browserLines(props.state, inner, Math.max(3, props.height - 2));
  return (
    <Box
      flexDirection="column"
      width={props.width}
      height={props.height}
      borderStyle="double"
      borderColor="cyan"
      paddingX={1}
    >
      {lines.map((line, i) => (
        <Text
          key={i}
          wrap="truncate-end"
          {...(line.color ? { color: line.color } : {})}
          bold={line.bold === true}
        >
          {line.text === "" ? " " : line.text}
        </Text>
      ))}
    </Box>
  );
}

/** `text` cut to `width` cells (an ellipsis marks a cut). */
export function cut(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let out = "";
  for (const ch of text) {
    if (stringWidth(out + ch) > width - 1) break;
    out += ch;
  }
  return out + "…";
}

function pad(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - stringWidth(text)));
}

function wrap(line: string, width: number): string[] {
  if (stringWidth(line) <= width) return [line];
  const out: string[] = [];
  let current = "";
  for (const ch of line) {
    if (stringWidth(current + ch) > width) {
      out.push(current);
      current = "";
    }
    current += ch;
  }
  out.push(current);
  return out;
}
