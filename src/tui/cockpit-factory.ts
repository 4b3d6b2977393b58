import path from "node:path";
import { COCKPIT } from "../core/mail.js";
import { parseKeyName } from "../core/key-names.js";
import type { CockpitFactory } from "../hub/cockpits.js";
import type { Hub } from "../hub/hub.js";
import { linkLocalHub } from "../hub/local-link.js";
import { MergeQueueStore } from "../merge/queue.js";
import { readLog, readSnapshot } from "../merge/snapshot.js";
import { runtimeNames } from "../runtimes/profiles.js";
import { MailStore, sendMail } from "../store/mail-store.js";
import type { Project } from "../store/project.js";
import { cockpitMemory } from "./cockpit-memory.js";
import { cockpitTasks } from "./cockpit-tasks.js";
import { Cockpit, type CockpitMail } from "./cockpit.js";
import { PaneArrangement } from "./pane-arrangement.js";
import type { MergeQueueSource } from "./views/merge-queue.js";

/** The cockpit's mailbox (`cockpit`, the human's) on the project's mail store. */
function cockpitMail(project: Project): CockpitMail {
  const store = new MailStore(project.paths.mail);
  return {
    list: async () => (await store.list(COCKPIT, { includeSent: true, limit: 500 })).messages,
    markRead: async (ids) => {
      for (const id of ids) await store.markRead(COCKPIT, id);
    },
    send: async (draft) => {
      await sendMail(project, { from: COCKPIT, ...draft });
    },
  };
}

/** The project's merge queue for the merge queue view: read it, read a log, act on an entry. */
function mergeQueueSource(project: Project): MergeQueueSource {
  const store = new MergeQueueStore(project);
  return {
    read: () => readSnapshot(store),
    log: (id) => readLog(store, id),
    act: async (id, action) => {
      if (action === "up" || action === "down") {
        await store.move(id, action === "up" ? -1 : 1);
        return `moved ${id} ${action}`;
      }
      const entry = await store[action](id);
      const done = { retry: "retried", drop: "dropped", approve: "approved" }[action];
      return `${done} ${id}: now ${entry.state}`;
    },
  };
}

/**
 * The cockpits of `hub`'s attached terminals, one per client, each drawing straight from
 * the hub's own screens (linkLocalHub: no second parse) with its own focus, zoom, open view,
 * scroll and size. As tmux does, the arrangement (pane order, layout, zoom) and the focus
 * of the last client to leave are where the next client starts.
 */
export function createCockpitFactory(hub: Hub): CockpitFactory {
  const project = hub.project;
  let last: { arrangement?: PaneArrangement; focus?: string } = {};
  return async (client) => {
    const config = await project.readConfig();
    const { link, screens } = linkLocalHub(hub, client.id);
    const arrangement = last.arrangement?.clone() ?? new PaneArrangement(config.layout);
    const cockpit = new Cockpit(client.terminal, link, screens, {
      prefix: parseKeyName(config.keys.prefix),
      title: `flotilla · ${path.basename(project.root)}`,
      runtimes: runtimeNames(config),
      mail: cockpitMail(project),
      services: {
        mergeQueue: mergeQueueSource(project),
        memory: cockpitMemory(project.root, config),
        tasks: cockpitTasks(project),
      },
      env: client.env,
      layout: config.layout,
      arrangement,
      ...(last.focus ? { focus: last.focus } : {}),
      forwardTitle: config.terminal.forwardTitle,
      alerts: config.notify.alerts,
      onQuit: () => {
        project.log("cockpit.stop-hub");
        client.quit();
      },
      ...(client.canDetach
        ? {
            onDetach: () => {
              project.log("cockpit.detach");
              client.detach();
            },
          }
        : {}),
    });
    await cockpit.start();
    project.log("cockpit.attach");
    let closed = false;
    return {
      input: (keys) => cockpit.input(keys),
      resize: () => cockpit.resize(),
      redraw: () => cockpit.resize(),
      close: () => {
        if (closed) return;
        closed = true;
        last = { arrangement, ...(cockpit.focused ? { focus: cockpit.focused } : {}) };
        cockpit.close();
      },
    };
  };
}
