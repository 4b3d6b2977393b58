import type { AgentView } from "../hub/protocol.js";

/**
 * How long agents have waited for you, as the status bar says it. Minutes are the finest
 * unit (`<1m`, `5m`, `2h`, `3d`), so the bar changes at most once a minute while someone
 * waits, and not at all otherwise.
 */

/** The most waiting agents named in the bar; the rest are counted. */
export const MAX_NAMED = 3;

/** `30_000` → `<1m`, `300_000` → `5m`, `7_200_000` → `2h`, 3 days → `3d` (ms in). */
export function formatWait(ms: number): string {
  const minutes = Math.floor(Math.max(0, ms) / 60_000);
  if (minutes < 1) return "<1m";
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
  return `${Math.floor(minutes / (24 * 60))}d`;
}

/**
 * The bar's waiting part for `agents` at `now` (ms since the epoch): `""` when none waits,
 * else ` · 2 waiting: alice 5m, bob <1m`, longest first, at most {@link MAX_NAMED} named
 * (then `, …`); an agent without `waitingSince` is named without a time, last.
 */
export function waitingSummary(agents: readonly AgentView[], now: number): string {
  const waiting = agents
    .filter((agent) => agent.status === "waiting")
    .map((agent) => ({ name: agent.name, since: sinceOf(agent) }))
    .sort((a, b) => a.since - b.since);
  if (waiting.length === 0) return "";
  const named = waiting.slice(0, MAX_NAMED).map(({ name, since }) => {
    return Number.isFinite(since) ? `${name} ${formatWait(now - since)}` : name;
  });
  const more = waiting.length > MAX_NAMED ? ", …" : "";
  return ` · ${waiting.length} waiting: ${named.join(", ")}${more}`;
}

/**
 * Ms from `now` until the label of a wait that began at one of `since` (ms since the epoch)
 * next changes (see {@link formatWait}); `undefined` when nobody waits.
 */
export function nextWaitChangeIn(since: readonly number[], now: number): number | undefined {
  let next: number | undefined;
  for (const start of since) {
    const waited = Math.max(0, now - start);
    const minutes = Math.floor(waited / 60_000);
    const unit = minutes < 60 ? 60_000 : minutes < 48 * 60 ? 3_600_000 : 86_400_000;
    const delay = unit - (waited % unit);
    next = next === undefined ? delay : Math.min(next, delay);
  }
  return next;
}

function sinceOf(agent: AgentView): number {
  const since = agent.waitingSince !== undefined ? Date.parse(agent.waitingSince) : NaN;
  return Number.isNaN(since) ? Number.POSITIVE_INFINITY : since;
}
