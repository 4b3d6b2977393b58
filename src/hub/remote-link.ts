import { PaneScreen } from "../terminal/pane-screen.js";
import type { HubLink, PaneScreens } from "./link.js";
import type { HubConnection } from "./client.js";
import { fromWireError, type HubCommand, type HubEvent, type HubEventOf } from "./protocol.js";

interface Mirror {
  screen: PaneScreen;
  /** Lines of scrollback this mirror keeps: 0 until the user scrolls the pane. */
  scrollback: number;
  /** Last output event applied (or the snapshot's point). */
  seq: number;
  /** Output received while a snapshot is on its way; `undefined` when none is awaited. */
  pending: HubEventOf<"output">[] | undefined;
}

/**
 * A cockpit's view of a hub over the socket. Each pane is a local mirror screen: a snapshot
 * the hub took at output point `seq`, then every output event after it (earlier ones are
 * dropped), so nothing is lost or shown twice. Scrollback comes with a fresh snapshot only
 * when the user scrolls (`loadScrollback`), not on attach.
 */
export class RemoteHub implements PaneScreens {
  readonly link: HubLink;
  private readonly mirrors = new Map<string, Mirror>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly connection: HubConnection,
    private readonly scrollback: number,
  ) {
    // Subscribed before the cockpit, so a mirror has the bytes before the cockpit draws.
    this.unsubscribe = connection.onEvent((event) => this.onEvent(event));
    this.link = {
      send: (command: HubCommand) => connection.send(command),
      request: async (command: HubCommand) => {
        const reply = await connection.request(command);
        if (reply.type === "snapshot") return reply;
        if (!reply.ok) throw fromWireError(reply.error, `${command.type} failed`);
        return reply.value;
      },
      onEvent: (listener) => connection.onEvent(listener),
    };
  }

  /** Loads a snapshot of each named pane (the visible screen only); resolves when all are drawn-ready. */
  async attach(names: readonly string[]): Promise<void> {
    await Promise.all(names.map((name) => this.load(name, 0)));
  }

  get(name: string): PaneScreen | undefined {
    return this.mirrors.get(name)?.screen;
  }

  whenParsed(name: string, done: () => void): void {
    const screen = this.mirrors.get(name)?.screen;
    if (screen) screen.whenParsed(done);
    else done();
  }

  /** Replaces the pane's mirror with one that holds its whole scrollback. */
  loadScrollback(name: string): Promise<void> {
    return this.load(name, this.scrollback);
  }

  /** Stops listening and frees the mirrors. */
  dispose(): void {
    this.unsubscribe();
    for (const mirror of this.mirrors.values()) mirror.screen.dispose();
    this.mirrors.clear();
  }

  private async load(name: string, scrollback: number): Promise<void> {
    let mirror = this.mirrors.get(name);
    if (!mirror) {
      const screen = new PaneScreen({ cols: 80, rows: 24, scrollback: 0 });
      mirror = { screen, scrollback: 0, seq: 0, pending: [] };
      this.mirrors.set(name, mirror);
    } else {
      mirror.pending ??= [];
    }
    // The reply (a snapshot event) resets the mirror with this much scrollback.
    mirror.scrollback = Math.max(mirror.scrollback, scrollback);
    let reply;
    try {
      reply = await this.connection.request({ type: "snapshot", name, scrollback });
    } catch {
      reply = undefined;
    }
    // No pane on the hub (e.g. a lost agent): keep a blank mirror and follow its output.
    if (reply?.type !== "snapshot" && mirror.pending) this.flushPending(mirror);
  }

  private onEvent(event: HubEvent): void {
    switch (event.type) {
      case "output": {
        const mirror = this.mirrors.get(event.name);
        if (!mirror) return;
        if (mirror.pending) mirror.pending.push(event);
        else this.apply(mirror, event);
        return;
      }
      case "snapshot":
        this.reset(event);
        return;
      case "resized":
        this.mirrors.get(event.name)?.screen.resize(event.cols, event.rows);
        return;
      case "agent":
        if (!this.mirrors.has(event.agent.name)) void this.load(event.agent.name, 0);
        return;
      case "removed":
        this.mirrors.get(event.name)?.screen.dispose();
        this.mirrors.delete(event.name);
        return;
      default:
        return;
    }
  }

  /** Starts the mirror over from a snapshot (ours, or one the hub sent after we fell behind). */
  private reset(snapshot: HubEventOf<"snapshot">): void {
    const previous = this.mirrors.get(snapshot.name);
    // Mirrors hold only what is visible until the user scrolls a pane (then all of it), so
    // a client costs little memory however long the agents' histories are.
    const scrollback = previous?.scrollback ?? 0;
    const screen = new PaneScreen({ cols: snapshot.cols, rows: snapshot.rows, scrollback });
    screen.write(snapshot.data);
    const mirror: Mirror = { screen, scrollback, seq: snapshot.seq, pending: previous?.pending };
    this.mirrors.set(snapshot.name, mirror);
    previous?.screen.dispose();
    this.flushPending(mirror);
  }

  private flushPending(mirror: Mirror): void {
    const pending = mirror.pending ?? [];
    mirror.pending = undefined;
    for (const event of pending) this.apply(mirror, event);
  }

  private apply(mirror: Mirror, event: HubEventOf<"output">): void {
    if (event.seq <= mirror.seq) return;
    mirror.seq = event.seq;
    mirror.screen.write(event.data);
  }
}
