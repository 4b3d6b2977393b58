import type { Command } from "commander";
import { FlotillaError } from "../core/errors.js";
import { sanitizeForTerminal, sanitizeLine } from "../core/sanitize.js";
import type { MergeEntry } from "../core/merge-queue.js";

// Only zod-free modules are imported up front: every flotilla command registers this group,
// so the queue, git and the store load inside the actions (see `load`).

/** The modules the actions need, loaded on first use. */
async function load() {
  const [queue, run, project, paths] = await Promise.all([
    import("../merge/queue.js"),
    import("../merge/run.js"),
    import("../store/project.js"),
    import("../merge/paths.js"),
  ]);
  return { ...queue, ...run, ...project, ...paths };
}

/** The world the merge commands touch, handed in so tests can run them in-process. */
export interface MergeIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** The real process. */
export function processMergeIo(): MergeIo {
  return { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr };
}

const ID_PATTERN = /^m[0-9]+$/;

function checkId(id: string): string {
  if (!ID_PATTERN.test(id))
    throw new FlotillaError(
      "INVALID_INPUT",
      `invalid entry id "${sanitizeLine(id)}": ids look like m12 (see flotilla merge ls)`,
    );
  return id;
}

/** Registers `merge enqueue|ls|run|log|retry|drop|approve|up|down`. */
export function registerMergeCommands(program: Command, io: MergeIo = processMergeIo()): void {
  const merge = program
    .command("merge")
    .description(
      "the merge queue: finished branches land on the target through quality gates (.flotilla/merge-queue.json)",
    );

  merge
    .command("enqueue")
    .description("queue an agent's branch (at its current tip) for merging into the target")
    .argument("<agent>", "agent name (its branch is flotilla/<agent> unless --branch)")
    .option("--branch <branch>", "merge this branch instead of the agent's")
    .option("--scope <globs...>", "declared file scope (globs); changes outside it are flagged")
    .option("--task <id>", "the task this work belongs to (Flotilla-Task trailer)")
    .addHelpText("after", "\nExample: flotilla merge enqueue alice && flotilla merge run")
    .action(
      async (agent: string, options: { branch?: string; scope?: string[]; task?: string }) => {
        const { MergeQueueStore, openProject } = await load();
        const store = new MergeQueueStore(openProject(io.cwd));
        const result = await store.enqueue(agent, {
          ...(options.branch !== undefined ? { branch: options.branch } : {}),
          ...(options.scope !== undefined ? { scope: options.scope } : {}),
          ...(options.task !== undefined ? { task: options.task } : {}),
        });
        if (result.kind === "nothing") throw new FlotillaError("INVALID_INPUT", result.reason);
        const e = result.entry;
        io.stdout.write(
          sanitizeLine(
            `${result.kind} ${e.id}: ${e.branch} at ${e.head.slice(0, 10)}, ${e.files.length} file(s)` +
              (e.predictedConflicts.length
                ? `, predicted conflicts: ${e.predictedConflicts.join(", ")}`
                : "") +
              (e.state === "scope_violation" ? `; blocked: ${e.reason ?? ""}` : ""),
          ) + "\n",
        );
      },
    );

  merge
    .command("ls")
    .description("list queue entries: state, agent, branch, files, predicted conflicts, gates")
    .option("--json", "print the entries (and the running step) as JSON")
    .option("--all", "include merged and dropped entries")
    .action(async (options: { json?: boolean; all?: boolean }) => {
      const { MergeQueueStore, openProject } = await load();
      const store = new MergeQueueStore(openProject(io.cwd));
      await store.refreshPredictions().catch(() => false);
      const doc = await store.read();
      if (options.json) {
        io.stdout.write(
          JSON.stringify(
            { entries: doc.entries, running: doc.journal ?? null, gateRuns: doc.gateRuns },
            null,
            2,
          ) + "\n",
        );
        return;
      }
      const shown = doc.entries.filter(
        (e) => options.all || (e.state !== "merged" && e.state !== "dropped"),
      );
      if (shown.length === 0) {
        io.stdout.write(
          doc.entries.length === 0
            ? "the merge queue is empty\n"
            : "nothing waiting (--all lists merged and dropped entries)\n",
        );
        return;
      }
      io.stdout.write(formatTable(shown));
      const j = doc.journal;
      if (j)
        io.stdout.write(
          sanitizeLine(
            `running: ${j.entries.join(", ")} at step ${j.step}${j.gate ? `, gate ${j.gate}` : ""}${j.held ? " (held)" : ""}`,
          ) + "\n",
        );
    });

  merge
    .command("run")
    .description("process the queue now (the hub also runs it continuously)")
    .option("--json", "print what the run did as JSON")
    .action(async (options: { json?: boolean }) => {
      const { runQueue, openProject } = await load();
      const report = await runQueue(openProject(io.cwd), { env: io.env });
      if (options.json) {
        io.stdout.write(JSON.stringify(report, null, 2) + "\n");
        return;
      }
      if (report.busy) {
        io.stdout.write(
          `the merge queue is being run by another process${report.busy.pid ? ` (pid ${report.busy.pid})` : ""}; it picks up new entries by itself\n`,
        );
        return;
      }
      const parts: string[] = [];
      if (report.landed.length) parts.push(`landed ${report.landed.join(", ")}`);
      if (report.conflicts.length) parts.push(`conflict ${report.conflicts.join(", ")}`);
      if (report.failed.length) parts.push(`failed ${report.failed.join(", ")}`);
      if (report.held.length) parts.push(`held ${report.held.join(", ")}`);
      if (report.remerged) parts.push(`re-merged ${report.remerged} after the target moved`);
      parts.push(`${report.gateRuns} gate run(s)`);
      io.stdout.write(
        (parts.length === 1 && report.gateRuns === 0 ? "nothing to merge" : parts.join("; ")) +
          "\n",
      );
    });

  merge
    .command("log")
    .description("an entry's history and its gate output")
    .argument("<id>", "entry id (see merge ls)")
    .action(async (id: string) => {
      const { MergeQueueStore, openProject, entryLogFile } = await load();
      const store = new MergeQueueStore(openProject(io.cwd));
      const entry = await store.get(checkId(id));
      io.stdout.write(
        sanitizeLine(
          `${entry.id} ${entry.agent} ${entry.branch}: ${entry.state}${entry.flaky ? " (flaky)" : ""}`,
        ) + "\n",
      );
      for (const note of entry.notes)
        io.stdout.write(sanitizeLine(`${note.time}  ${note.text}`) + "\n");
      const { readFile } = await import("node:fs/promises");
      const log = await readFile(entryLogFile(store.paths, entry.id), "utf8").catch(() => "");
      if (log)
        io.stdout.write(
          `\n--- gate output (${entryLogFile(store.paths, entry.id)}) ---\n${sanitizeForTerminal(log)}`,
        );
    });

  const simple = (name: "retry" | "drop" | "approve", description: string, past: string) =>
    merge
      .command(name)
      .description(description)
      .argument("<id>", "entry id (see merge ls)")
      .action(async (id: string) => {
        const { MergeQueueStore, openProject } = await load();
        const store = new MergeQueueStore(openProject(io.cwd));
        const entry = await store[name](checkId(id));
        io.stdout.write(
          sanitizeLine(`${past} ${entry.id} (${entry.branch}): now ${entry.state}`) + "\n",
        );
      });
  simple("retry", "put a failed, conflicting, held or dropped entry back in the queue", "retried");
  simple("drop", "take an entry out of the queue (its branch is kept)", "dropped");
  simple("approve", "let an entry with changes outside its scope through", "approved");

  for (const [name, delta] of [
    ["up", -1],
    ["down", 1],
  ] as const) {
    merge
      .command(name)
      .description(`move an entry one place ${name} in the queue`)
      .argument("<id>", "entry id (see merge ls)")
      .action(async (id: string) => {
        const { MergeQueueStore, openProject } = await load();
        await new MergeQueueStore(openProject(io.cwd)).move(checkId(id), delta);
        io.stdout.write(`moved ${id} ${name}\n`);
      });
  }
}

/** The `merge ls` table: one entry a line, fields sanitized for the terminal. */
export function formatTable(entries: readonly MergeEntry[]): string {
  const rows = entries.map((e) => [
    e.id,
    e.state + (e.flaky ? " (flaky)" : ""),
    e.agent,
    e.branch,
    String(e.files.length),
    e.predictedConflicts.length ? e.predictedConflicts.join(",") : "-",
    e.batch ?? "-",
    e.gates.length ? e.gates.map((g) => `${g.name}:${g.ok ? "ok" : "fail"}`).join(",") : "-",
    e.reason ?? "",
  ]);
  const head = ["ID", "STATE", "AGENT", "BRANCH", "FILES", "CONFLICTS", "BATCH", "GATES", "WHY"];
  const all = [head, ...rows].map((r) => r.map((c) => sanitizeLine(c)));
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return (
    all
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
          .join("  ")
          .trimEnd(),
      )
      .join("\n") + "\n"
  );
}
