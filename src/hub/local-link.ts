import type { Hub } from "./hub.js";
import { fromWireError, type HubCommand, type HubEvent } from "./protocol.js";
import type { HubLink, PaneScreens } from "./link.js";

/**
 * A cockpit's link to a hub in the same process: commands are handled directly, and the
 * cockpit draws straight from the hub's screen models (no second parser).
 */
export function linkLocalHub(
  hub: Hub,
  clientId = "local",
): { link: HubLink; screens: PaneScreens } {
  let nextId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  const reply = (event: HubEvent): void => {
    if (event.type !== "result") return;
    const waiter = pending.get(event.id);
    if (!waiter) return;
    pending.delete(event.id);
    if (event.ok) waiter.resolve(event.value);
    else waiter.reject(fromWireError(event.error, "failed"));
  };
  const link: HubLink = {
    send: (command: HubCommand) => hub.handle(command, clientId, reply),
    request: (command: HubCommand) =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        hub.handle({ ...command, id } as HubCommand, clientId, reply);
      }),
    onEvent: (listener) => hub.subscribe(listener),
  };
  const screens: PaneScreens = {
    get: (name) => hub.session(name)?.screen,
    whenParsed: (name, done) => {
      const screen = hub.session(name)?.screen;
      if (screen) screen.whenParsed(done);
      else done();
    },
  };
  return { link, screens };
}
