import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  watch,
  type FSWatcher,
} from "node:fs";
import path from "node:path";
import type { AgentRecord } from "../core/schema.js";
import type { ProjectWatcher } from "./project-watcher.js";
import { agentEventsDir, parseAgentEvent, type AgentEvent } from "../runtimes/agent-events.js";

/**
 * The record change an agent event asks for: the conversation id it carries, now confirmed
 * (so `respawn` resumes it); `undefined` when the record already says so.
 */
export function conversationPatch(
  record: Pick<AgentRecord, "conversation" | "conversationConfirmed">,
  event: AgentEvent,
): Pick<AgentRecord, "conversation" | "conversationConfirmed"> | undefined {
  if (event.conversation === undefined) return undefined;
  if (record.conversation === event.conversation && record.conversationConfirmed) return undefined;
  return { conversation: event.conversation, conversationConfirmed: true };
}

/**
 * Follows `.flotilla/agent-events/<agent>.jsonl` (what agents' hooks append through
 * `flotilla hook`) and hands each new complete line to `onEvent`, in file order. Lines
 * already there when it starts are history and are skipped; a torn last line waits for its
 * end. One `fs.watch` on the folder; nothing runs while no hook fires.
 */
export class AgentEventsWatcher {
  private watcher: FSWatcher | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Bytes of each file already read, and the partial line after them. */
  private readonly files = new Map<string, { offset: number; partial: string }>();
  private readonly dir: string;

  constructor(
    flotillaDir: string,
    private readonly onEvent: (agent: string, event: AgentEvent) => void,
  ) {
    this.dir = agentEventsDir(flotillaDir);
  }

  /**
   * Starts following; existing content is skipped. With `shared` (the hub's one watcher of
   * `.flotilla/`) it subscribes there, else it opens its own `fs.watch`.
   */
  async start(shared?: ProjectWatcher): Promise<void> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.dir)) {
      if (name.endsWith(".jsonl")) this.files.set(name, { offset: this.sizeOf(name), partial: "" });
    }
    if (shared) {
      const sub = path.relative(shared.root, this.dir);
      this.unsubscribe = shared.subscribe(sub, (name) => {
        if (name === null) this.poll();
        else if (name.endsWith(".jsonl")) this.read(name);
      });
      await shared.refresh(sub);
      return;
    }
    try {
      this.watcher = watch(this.dir, (_event, name) => {
        if (typeof name === "string" && name.endsWith(".jsonl")) this.read(name);
      });
      this.watcher.on("error", () => undefined);
    } catch {
      // No watcher: agents fall back to their screens.
    }
  }

  /** Reads what was appended to every file since the last read (tests and a catch-up). */
  poll(): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) if (name.endsWith(".jsonl")) this.read(name);
  }

  dispose(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  private sizeOf(name: string): number {
    try {
      const fd = openSync(path.join(this.dir, name), "r");
      try {
        return fstatSync(fd).size;
      } finally {
        closeSync(fd);
      }
    } catch {
      return 0;
    }
  }

  private read(name: string): void {
    const agent = name.slice(0, -".jsonl".length);
    const state = this.files.get(name) ?? { offset: 0, partial: "" };
    this.files.set(name, state);
    let fd: number;
    try {
      fd = openSync(path.join(this.dir, name), "r");
    } catch {
      return;
    }
    try {
      const size = fstatSync(fd).size;
      if (size < state.offset) Object.assign(state, { offset: 0, partial: "" }); // truncated
      if (size === state.offset) return;
      const buffer = Buffer.alloc(size - state.offset);
      const got = readSync(fd, buffer, 0, buffer.length, state.offset);
      state.offset += got;
      const text = state.partial + buffer.subarray(0, got).toString("utf8");
      const lines = text.split("\n");
      state.partial = lines.pop() ?? "";
      for (const line of lines) {
        const event = line.trim() === "" ? undefined : parseAgentEvent(line);
        if (event) this.onEvent(agent, event);
      }
    } finally {
      closeSync(fd);
    }
  }
}
