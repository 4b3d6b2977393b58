import { randomBytes } from "node:crypto";
import {
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { FlotillaError, firstZodIssue } from "../core/errors.js";
import {
  checkMailboxName,
  composeMessage,
  filterMessages,
  formatMailId,
  MAIL_ID_PATTERN,
  MailMessage,
  mailIdTime,
  resolveRecipients,
  type MailDraft,
  type MailFilter,
  type UnreadSummary,
} from "../core/mail.js";
import type { Project } from "./project.js";

/**
 * Mail on disk under `.flotilla/mail/`, safe for many processes at once without a lock.
 *
 * ```
 * mail/
 *   .tmp/                               every file is first written here, then renamed
 *   <mailbox>/new/<id>.json             unread (mailbox = agent name or `cockpit`)
 *   <mailbox>/cur/<hour>/<id>.json      read; the file's mtime is the read time
 *   <mailbox>/sent/<hour>/<id>.json     what this mailbox sent
 * ```
 * `<hour>` is the UTC hour the message was created (`2025-01-31T14`), taken from its id.
 *
 * Why this design (it is Maildir's, which solved the same problem for mail spools):
 * - One JSON file per message and recipient, written in full to `.tmp/` then `rename`d into
 *   the mailbox. rename(2) is atomic on one filesystem, so a reader sees the whole file or
 *   none of it, and a sender killed by SIGKILL mid-write leaves at most an orphan in `.tmp/`
 *   (which readers never look at and `purge` sweeps). No message is ever rewritten, so no
 *   lock is needed and concurrent senders cannot lose or clobber each other's messages.
 * - Ids are time-sortable plus random (`formatMailId`), so two senders never pick the same
 *   file name and a directory listing is already in time order.
 * - Sending writes one file per recipient plus one sent copy, whatever the history size: no
 *   read-modify-write of a shared document (which would make every send O(history) and need
 *   a lock that a killed sender could hold).
 * - Read state is the directory: marking read is one atomic rename from `new/` to `cur/`,
 *   so two `mail check`s racing each claim a message at most once, and checking for unread
 *   mail is a readdir of `new/`, which stays small however long the history is.
 * - Read and sent mail is bucketed by hour so listing the latest messages and finding one by
 *   id (its bucket is in the id) read a bounded directory, and `purge` drops whole buckets.
 * Files are not fsync'ed: a crash of the process (SIGKILL) cannot tear them, a power loss
 * might lose the last messages, as with lowdb's documents.
 */

/** Where one stored copy sits: unread, read, or the sender's own copy. */
export type MailFolder = "new" | "cur" | "sent";

/** A message as read back from one mailbox, with the folder it came from. */
export interface StoredMail extends MailMessage {
  folder: MailFolder;
}

/** Result of a listing: messages newest first, plus files that could not be read. */
export interface MailListing {
  messages: StoredMail[];
  /** One line per unreadable file: its path and the first problem. Such files are left as is. */
  problems: string[];
}

/** Options of {@link MailStore.list}. */
export interface ListOptions {
  filter?: MailFilter;
  /** At most this many messages (newest first); 0 or undefined for all. */
  limit?: number;
  /** Also list what this mailbox sent. */
  includeSent?: boolean;
}

const TMP = ".tmp";
const STALE_TMP_MS = 60 * 60 * 1000;

let sequence = 0;

/** A fresh message id for `now` (see `formatMailId`): time, per-process sequence, 8 random chars. */
export function newMailId(now: Date = new Date()): string {
  const random = BigInt("0x" + randomBytes(6).toString("hex"))
    .toString(36)
    .padStart(10, "0")
    .slice(-8);
  return formatMailId(now.getTime(), sequence++, random);
}

/** The UTC hour bucket (`YYYY-MM-DDTHH`) of a mail id. */
function bucketOf(id: string): string {
  return new Date(mailIdTime(id) ?? 0).toISOString().slice(0, 13);
}

/** The mail store rooted at `dir` (normally `.flotilla/mail`). Cheap to construct. */
export class MailStore {
  readonly dir: string;
  private readonly now: () => Date;

  constructor(dir: string, options: { now?: () => Date } = {}) {
    this.dir = dir;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Composes a message from `draft` for the already resolved `recipients` and delivers it
   * (see {@link deliver}). Returns the stored message.
   * @throws FlotillaError MAIL when the draft breaks a limit (see `composeMessage`).
   */
  async send(draft: MailDraft, recipients: readonly string[]): Promise<MailMessage> {
    const now = this.now();
    const message = composeMessage(draft, recipients, newMailId(now), now);
    await this.deliver(message);
    return message;
  }

  /**
   * Writes one copy of `message` into `new/` of every recipient's mailbox, then the sender's
   * `sent/` copy. Each copy appears atomically; a sender killed part way leaves the copies
   * already made complete and nothing torn.
   * @throws FlotillaError MAIL when a mailbox name or the id is not safe as a path part.
   */
  async deliver(message: MailMessage): Promise<void> {
    if (!MAIL_ID_PATTERN.test(message.id))
      throw new FlotillaError("MAIL", `invalid message id "${message.id}"`);
    for (const box of [...message.recipients, message.from]) assertMailbox(box);
    const text = JSON.stringify(message, null, 2) + "\n";
    for (const box of message.recipients) {
      await this.writeAtomic(path.join(this.dir, box, "new", `${message.id}.json`), text);
    }
    await this.writeAtomic(
      path.join(this.dir, message.from, "sent", bucketOf(message.id), `${message.id}.json`),
      text,
    );
  }

  /**
   * Messages of `mailbox`, newest first: unread ones, then read ones, then (optionally) sent
   * ones, filtered, cut at `limit`. Reads read/sent buckets newest first and stops once the
   * limit is met, so the cost follows `limit` and the unread count, not the history size.
   * A missing mailbox lists empty.
   */
  async list(mailbox: string, options: ListOptions = {}): Promise<MailListing> {
    assertMailbox(mailbox);
    const limit = options.limit && options.limit > 0 ? options.limit : Infinity;
    const filter = options.filter ?? {};
    const problems: string[] = [];
    const box = path.join(this.dir, mailbox);

    const unread = await this.readFolder(path.join(box, "new"), "new", problems);
    const collected: StoredMail[] = filterMessages(unread, filter);
    if (!filter.unread) {
      const folders: MailFolder[] = options.includeSent ? ["cur", "sent"] : ["cur"];
      const buckets = new Map<string, MailFolder[]>();
      for (const folder of folders)
        for (const bucket of await listNames(path.join(box, folder)))
          buckets.set(bucket, [...(buckets.get(bucket) ?? []), folder]);
      const newestFirst = [...buckets.keys()].sort().reverse();
      for (const bucket of newestFirst) {
        if (collected.filter((m) => m.folder !== "new").length >= limit) break;
        for (const folder of buckets.get(bucket) ?? []) {
          const found = await this.readFolder(path.join(box, folder, bucket), folder, problems);
          collected.push(...filterMessages(found, filter));
        }
      }
    }
    // A message can be both in `sent` and in `cur`/`new` (sent to oneself): keep the inbox copy.
    const seen = new Set<string>();
    const messages = collected
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : folderRank(a) - folderRank(b)))
      .filter((m) => !seen.has(m.id) && seen.add(m.id));
    return { messages: messages.slice(0, limit), problems };
  }

  /** Unread messages of `mailbox`, oldest first (not marked read). */
  async unread(mailbox: string): Promise<MailListing> {
    const listing = await this.list(mailbox, { filter: { unread: true } });
    return { messages: listing.messages.reverse(), problems: listing.problems };
  }

  /**
   * Claims every unread message of `mailbox`: marks each read and returns those this call
   * marked, oldest first. Two concurrent checks never return the same message.
   */
  async check(mailbox: string): Promise<MailListing> {
    const { messages, problems } = await this.unread(mailbox);
    const claimed: StoredMail[] = [];
    for (const message of messages) {
      const readAt = await this.markRead(mailbox, message.id);
      if (readAt) claimed.push({ ...message, folder: "cur", readAt: readAt.toISOString() });
    }
    return { messages: claimed, problems };
  }

  /**
   * Marks one message of `mailbox` read (an atomic rename from `new/` to `cur/`). Returns the
   * read time, or `undefined` when it was not unread here (already read, or not this
   * mailbox's).
   */
  async markRead(mailbox: string, id: string): Promise<Date | undefined> {
    assertMailbox(mailbox);
    if (!MAIL_ID_PATTERN.test(id)) return undefined;
    const from = path.join(this.dir, mailbox, "new", `${id}.json`);
    const dir = path.join(this.dir, mailbox, "cur", bucketOf(id));
    const to = path.join(dir, `${id}.json`);
    try {
      await rename(from, to);
    } catch (error) {
      if (!isCode(error, "ENOENT")) throw error;
      if (!(await exists(from))) return undefined;
      await mkdir(dir, { recursive: true });
      try {
        await rename(from, to);
      } catch (again) {
        if (isCode(again, "ENOENT")) return undefined;
        throw again;
      }
    }
    const readAt = this.now();
    await utimes(to, readAt, readAt).catch(() => undefined);
    return readAt;
  }

  /**
   * The message `id` as seen from `mailbox` (unread, read, or sent by it), or `undefined`.
   * Throws FlotillaError MAIL (via the caller's check) only for unreadable files.
   */
  async find(mailbox: string, id: string): Promise<StoredMail | undefined> {
    assertMailbox(mailbox);
    if (!MAIL_ID_PATTERN.test(id)) return undefined;
    const bucket = bucketOf(id);
    const candidates: [MailFolder, string][] = [
      ["new", path.join(this.dir, mailbox, "new", `${id}.json`)],
      ["cur", path.join(this.dir, mailbox, "cur", bucket, `${id}.json`)],
      ["sent", path.join(this.dir, mailbox, "sent", bucket, `${id}.json`)],
    ];
    for (const [folder, file] of candidates) {
      const problems: string[] = [];
      const message = await this.readMessage(file, folder, problems);
      if (message) return message;
      if (problems[0]) throw new FlotillaError("MAIL", problems[0]);
    }
    return undefined;
  }

  /** Count, newest id and senders of the unread mail of `mailbox`, or `undefined` when none. */
  async unreadSummary(mailbox: string): Promise<UnreadSummary | undefined> {
    const { messages } = await this.list(mailbox, { filter: { unread: true } });
    const newest = messages[0];
    if (!newest) return undefined;
    return {
      count: messages.length,
      newestId: newest.id,
      senders: [...new Set(messages.map((m) => m.from))],
    };
  }

  /** Names of every mailbox that has ever received or sent mail. */
  async mailboxes(): Promise<string[]> {
    return (await listNames(this.dir))
      .filter((name) => checkMailboxName(name) === undefined)
      .sort();
  }

  /**
   * Deletes read and sent mail created more than `olderThanMs` ago (unread mail too when
   * `includeUnread`), and temp files left by killed senders more than an hour old.
   * Returns how many message files were removed.
   */
  async purge(olderThanMs: number, options: { includeUnread?: boolean } = {}): Promise<number> {
    const cutoff = this.now().getTime() - olderThanMs;
    let removed = 0;
    for (const box of await this.mailboxes()) {
      for (const folder of ["cur", "sent"] as const) {
        const root = path.join(this.dir, box, folder);
        for (const bucket of await listNames(root)) {
          const start = Date.parse(`${bucket}:00:00.000Z`);
          if (Number.isNaN(start)) continue;
          if (start + 3_600_000 <= cutoff) {
            removed += (await listNames(path.join(root, bucket))).filter((n) =>
              n.endsWith(".json"),
            ).length;
            await rm(path.join(root, bucket), { recursive: true, force: true });
          } else if (start < cutoff) {
            removed += await removeOlder(path.join(root, bucket), cutoff);
          }
        }
      }
      if (options.includeUnread)
        removed += await removeOlder(path.join(this.dir, box, "new"), cutoff);
    }
    const tmp = path.join(this.dir, TMP);
    for (const name of await listNames(tmp)) {
      const file = path.join(tmp, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtimeMs < this.now().getTime() - STALE_TMP_MS)
        await unlink(file).catch(() => undefined);
    }
    return removed;
  }

  private async writeAtomic(file: string, text: string): Promise<void> {
    const tmpDir = path.join(this.dir, TMP);
    const tmp = path.join(
      tmpDir,
      `${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}`,
    );
    try {
      await writeFile(tmp, text, { flag: "wx" });
    } catch (error) {
      if (!isCode(error, "ENOENT")) throw error;
      await mkdir(tmpDir, { recursive: true });
      await writeFile(tmp, text, { flag: "wx" });
    }
    try {
      await rename(tmp, file);
    } catch (error) {
      if (!isCode(error, "ENOENT")) {
        await unlink(tmp).catch(() => undefined);
        throw error;
      }
      await mkdir(path.dirname(file), { recursive: true });
      await rename(tmp, file);
    }
  }

  private async readFolder(
    dir: string,
    folder: MailFolder,
    problems: string[],
  ): Promise<StoredMail[]> {
    const names = (await listNames(dir)).filter((name) => name.endsWith(".json"));
    const out: StoredMail[] = [];
    for (const name of names) {
      const message = await this.readMessage(path.join(dir, name), folder, problems);
      if (message) out.push(message);
    }
    return out;
  }

  private async readMessage(
    file: string,
    folder: MailFolder,
    problems: string[],
  ): Promise<StoredMail | undefined> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      if (isCode(error, "ENOENT")) return undefined; // read or purged meanwhile
      problems.push(`${file}: ${(error as Error).message}`);
      return undefined;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      problems.push(
        `${file} is not valid JSON (${(error as Error).message}); it was left untouched`,
      );
      return undefined;
    }
    const result = MailMessage.safeParse(raw);
    if (!result.success) {
      const { where, message } = firstZodIssue(result.error);
      problems.push(`${file} is not a valid message${where}: ${message}; it was left untouched`);
      return undefined;
    }
    let readAt: string | null = null;
    if (folder === "cur") {
      const info = await stat(file).catch(() => undefined);
      readAt = info ? info.mtime.toISOString() : result.data.createdAt;
    }
    return { ...result.data, readAt, folder };
  }
}

/**
 * Sends a message from the project's CLI or hub: reads `.flotilla/state.json` to resolve
 * `draft.to` (see `resolveRecipients`) and stores it. Returns the stored message.
 * @throws FlotillaError MAIL for an unknown or exited recipient or a broken limit;
 *   INVALID_STATE_FILE when state.json is invalid.
 */
export async function sendMail(project: Project, draft: MailDraft): Promise<MailMessage> {
  const state = await project.readState();
  const recipients = resolveRecipients(draft.to, draft.from, state.agents);
  const store = new MailStore(project.paths.mail);
  const message = await store.send(draft, recipients);
  project.log("mail.sent", {
    agent: message.from,
    detail: { id: message.id, to: message.to, recipients: message.recipients, type: message.type },
  });
  return message;
}

function assertMailbox(name: string): void {
  const problem = checkMailboxName(name);
  if (problem) throw new FlotillaError("MAIL", `invalid mailbox "${name}": ${problem}`);
}

function folderRank(m: StoredMail): number {
  return m.folder === "sent" ? 1 : 0;
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (isCode(error, "ENOENT") || isCode(error, "ENOTDIR")) return [];
    throw error;
  }
}

async function removeOlder(dir: string, cutoff: number): Promise<number> {
  let removed = 0;
  for (const name of await listNames(dir)) {
    const time = mailIdTime(name.replace(/\.json$/, ""));
    if (time !== undefined && time < cutoff) {
      await unlink(path.join(dir, name)).catch(() => undefined);
      removed++;
    }
  }
  return removed;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === code;
}
