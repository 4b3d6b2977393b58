import type { Command } from "commander";
import { FlotillaError } from "../core/errors.js";
import { sanitizeLine } from "../core/sanitize.js";
import type { MemoryIo } from "./memory.js";

// zod-free at the top, like commands/memory.ts: the store and schemas load inside the action.

/**
 * Registers `memory accept <mail-id>` on the `memory` command: records the draft failure
 * memory carried by a `memory_draft` mail (sent to the cockpit by the hub's memory-drafts
 * runner when a gate failed and later passed for an agent), as the caller (see
 * `memoryAuthor`), and marks the mail read in the mailbox it was found in.
 */
export function registerMemoryAccept(
  memory: Command,
  io: MemoryIo,
  author: (env: NodeJS.ProcessEnv) => string,
): void {
  memory
    .command("accept")
    .description(
      "record the draft failure memory of a memory_draft mail (a gate failed, then passed) and mark the mail read",
    )
    .argument("<mail-id>", "the memory_draft message's id (flotilla mail ls cockpit)")
    .option("--json", "print the record as JSON")
    .action(async (id: string, options: { json?: boolean }) => {
      const by = author(io.env);
      const [{ openProject }, { MemoryStore }, { MailStore }, { COCKPIT }, drafts] =
        await Promise.all([
          import("../store/project.js"),
          import("../store/memory-store.js"),
          import("../store/mail-store.js"),
          import("../core/mail.js"),
          import("../core/memory-drafts.js"),
        ]);
      const project = openProject(io.cwd);
      const mail = new MailStore(project.paths.mail);
      const agent = io.env.FLOTILLA_AGENT?.trim();
      const boxes = agent && agent !== COCKPIT ? [COCKPIT, agent] : [COCKPIT];
      let found: { box: string; message: Awaited<ReturnType<typeof mail.find>> } | undefined;
      for (const box of boxes) {
        const message = await mail.find(box, id).catch(() => undefined);
        if (message) {
          found = { box, message };
          break;
        }
      }
      const shown = sanitizeLine(id);
      if (!found?.message)
        throw new FlotillaError(
          "INVALID_INPUT",
          `no message ${shown} in the ${boxes.join(" or ")} mailbox: see flotilla mail ls cockpit`,
        );
      const message = found.message;
      if (message.type !== "memory_draft")
        throw new FlotillaError(
          "INVALID_INPUT",
          `message ${shown} is ${message.type} mail, not a memory_draft: nothing to accept`,
        );
      const draft = drafts.MemoryDraft.safeParse(message.payload);
      if (!draft.success)
        throw new FlotillaError(
          "INVALID_INPUT",
          `message ${shown} carries no valid draft: record it yourself with flotilla memory record`,
        );
      const store = MemoryStore.forProject(project.root, await project.readConfig());
      const outcome = await store.record(drafts.draftInput(draft.data), { author: by });
      await mail.markRead(found.box, message.id);
      project.log("memory.recorded", {
        ...(agent ? { agent } : {}),
        detail: { id: outcome.record.id, domain: outcome.record.domain, draft: message.id },
      });
      if (options.json) {
        io.stdout.write(
          JSON.stringify({ created: outcome.created, record: outcome.record }, null, 2) + "\n",
        );
        return;
      }
      const r = outcome.record;
      io.stdout.write(
        outcome.created
          ? `recorded ${r.id} in ${r.domain} (failure) from draft ${message.id}\n`
          : `already recorded as ${r.id} in ${r.domain}: confirmed (${r.confirmations.length} confirmation(s))\n`,
      );
    });
}
