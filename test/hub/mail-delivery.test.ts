import { execFile } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { composeMessage, type MailDraft } from "../../src/core/mail.js";
import { RuntimeProfile, type AgentStatus } from "../../src/core/schema.js";
import {
  MailDelivery,
  prepareAgentMail,
  type DeliveryAgent,
  type MailSummary,
} from "../../src/hub/mail-delivery.js";
import { mailHookCommand } from "../../src/runtimes/claude-hooks.js";
import { MailStore, newMailId } from "../../src/store/mail-store.js";
import { makeProject, REPO } from "../store/mail-fixture.js";
import { makeTempDir } from "../git/temp-repo.js";

const run = promisify(execFile);

interface Harness {
  root: string;
  store: MailStore;
  agents: DeliveryAgent[];
  typed: Array<{ name: string; text: string }>;
  summaries: MailSummary[];
  delivery: MailDelivery;
  /** Resolves once `probe` holds, re-checked after every notify and every typed notice. */
  until(probe: () => boolean): Promise<void>;
  /** Sets an agent's status the way the hub would: record first, then tell delivery. */
  setStatus(name: string, status: AgentStatus): void;
  send(
    draft: Omit<MailDraft, "subject" | "body"> & Partial<MailDraft>,
    to: string[],
  ): Promise<string>;
  last(): MailSummary;
}

const open: MailDelivery[] = [];
afterEach(() => {
  for (const delivery of open.splice(0)) delivery.dispose();
});

async function setup(
  agents: DeliveryAgent[],
  options: {
    profiles?: Record<string, RuntimeProfile>;
    before?(store: MailStore): Promise<void>;
  } = {},
): Promise<Harness> {
  const root = makeProject([]);
  const store = new MailStore(path.join(root, ".flotilla", "mail"));
  await options.before?.(store);
  const typed: Harness["typed"] = [];
  const summaries: MailSummary[] = [];
  const waiters = new Set<() => void>();
  const poke = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const delivery = new MailDelivery({
    project: { paths: { mail: store.dir } },
    getAgents: () => agents,
    typeInto: (name, text) => {
      typed.push({ name, text });
      poke();
    },
    notify: (summary) => {
      summaries.push(summary);
      poke();
    },
    profileFor: (runtime) => options.profiles?.[runtime],
  });
  open.push(delivery);
  await delivery.start();
  return {
    root,
    store,
    agents,
    typed,
    summaries,
    delivery,
    until: (probe) =>
      new Promise((resolve) => {
        if (probe()) return resolve();
        const waiter = () => {
          if (!probe()) return;
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      }),
    setStatus: (name, status) => {
      const agent = agents.find((a) => a.name === name);
      if (agent) agent.status = status;
      delivery.onStatusChange(name, status);
    },
    send: async (draft, to) =>
      (await store.send({ subject: "hello", body: "the body text", ...draft }, to)).id,
    last: () => summaries.at(-1)!,
  };
}

const typedTo = (h: Harness, name: string) => h.typed.filter((t) => t.name === name);

describe("MailDelivery", () => {
  it("reports counts at start without announcing mail that was already there", async () => {
    const h = await setup([{ name: "alice", runtime: "shell", status: "working" }], {
      before: async (store) => {
        await store.send(
          { from: "alice", to: "cockpit", subject: "fire", body: "", priority: "urgent" },
          ["cockpit"],
        );
        await store.send(
          {
            from: "alice",
            to: "cockpit",
            subject: "done",
            body: "",
            type: "worker_done",
            payload: { branch: "flotilla/alice", files: [] },
          },
          ["cockpit"],
        );
        await store.send({ from: "cockpit", to: "alice", subject: "hi", body: "" }, ["alice"]);
      },
    });
    expect(h.summaries).toEqual([{ unread: { alice: 1 }, cockpitUnread: 2, reactions: [] }]);
    expect(h.typed).toEqual([]);
  });

  it("types one notice per burst into an idle agent, and the next once it has had its turn", async () => {
    const h = await setup([{ name: "alice", runtime: "shell", status: "idle" }]);
    await h.send({ from: "bob", to: "alice" }, ["alice"]);
    await h.until(() => h.last().unread.alice === 1);
    await h.until(() => typedTo(h, "alice").length === 1);
    expect(h.typed).toEqual([
      { name: "alice", text: "You have 1 new message(s) from bob. Run: flotilla mail check\r" },
    ]);

    // More mail while the agent has not reacted yet: no second line typed into its prompt.
    await h.send({ from: "rev", to: "alice" }, ["alice"]);
    await h.send({ from: "bob", to: "alice" }, ["alice"]);
    await h.until(() => h.last().unread.alice === 3);
    expect(typedTo(h, "alice")).toHaveLength(1);

    // The notice made it work, then it went idle with the later mail still unread: told once.
    h.setStatus("alice", "working");
    h.setStatus("alice", "idle");
    await h.until(() => typedTo(h, "alice").length === 2);
    expect(typedTo(h, "alice")[1]!.text).toBe(
      "You have 3 new message(s) from bob, rev. Run: flotilla mail check\r",
    );
    h.setStatus("alice", "working");
    h.setStatus("alice", "idle");
    await h.delivery.settled();
    expect(typedTo(h, "alice")).toHaveLength(2);
  });

  it("never types into a working (or waiting) agent; tells it when it turns idle", async () => {
    const h = await setup([
      { name: "bob", runtime: "shell", status: "working" },
      { name: "rev", runtime: "shell", status: "waiting" },
    ]);
    await h.send({ from: "alice", to: "bob,rev" }, ["bob", "rev"]);
    await h.until(() => h.last().unread.bob === 1 && h.last().unread.rev === 1);
    await h.delivery.settled();
    expect(h.typed).toEqual([]);

    h.setStatus("bob", "idle");
    await h.until(() => h.typed.length > 0);
    expect(h.typed).toEqual([
      { name: "bob", text: "You have 1 new message(s) from alice. Run: flotilla mail check\r" },
    ]);
  });

  it("uses the runtime's mailNotice and lets nothing from the mail inject control sequences", async () => {
    const h = await setup([{ name: "alice", runtime: "custom", status: "idle" }], {
      profiles: {
        custom: RuntimeProfile.parse({
          command: "x",
          mailNotice: "\x1b[2J[{count} from {from}]\nplease check\x07",
        }),
      },
    });
    // A hostile file dropped straight into the mailbox: the store validates senders on send,
    // but anyone can write a file, and `from` is read back as any string.
    const id = newMailId();
    const evil = "m\x1b]0;owned\x07al\r\nrm -rf ~\r\x1b[31mlory";
    const message = composeMessage(
      { from: "mallory", to: "alice", subject: "\x1b]52;c;cm0=\x07s\rub", body: "x" },
      ["alice", "cockpit"],
      id,
      new Date(),
    );
    for (const box of ["alice", "cockpit"]) {
      mkdirSync(path.join(h.store.dir, box, "new"), { recursive: true });
      writeFileSync(
        path.join(h.store.dir, box, "new", `${id}.json`),
        JSON.stringify({ ...message, from: evil }),
      );
    }
    await h.until(() => h.typed.length === 1 && h.last().cockpitUnread === 1);
    const text = h.typed[0]!.text;
    // A sender that is not a valid name is not named at all.
    expect(text).toBe("[1 from someone] please check\r");
    expect(text.slice(0, -1)).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
    expect(h.last().latest).toEqual({
      id,
      from: "mal rm -rf ~lory",
      subject: "sub",
      type: "status",
      priority: "normal",
    });
  });

  it("keeps unread counts right as mail arrives and is read", async () => {
    const h = await setup([
      { name: "alice", runtime: "shell", status: "working" },
      { name: "bob", runtime: "shell", status: "working" },
    ]);
    const a1 = await h.send({ from: "bob", to: "alice" }, ["alice"]);
    await h.send({ from: "bob", to: "alice,cockpit" }, ["alice", "cockpit"]);
    const c1 = await h.send({ from: "alice", to: "cockpit" }, ["cockpit"]);
    await h.until(() => h.last().unread.alice === 2 && h.last().cockpitUnread === 2);
    expect(h.last().unread).toEqual({ alice: 2, bob: 0 });

    await h.store.markRead("alice", a1);
    await h.store.markRead("cockpit", c1);
    await h.until(() => h.last().unread.alice === 1 && h.last().cockpitUnread === 1);
    await h.store.check("alice");
    await h.until(() => h.last().unread.alice === 0);
    expect(h.last()).toMatchObject({ unread: { alice: 0, bob: 0 }, cockpitUnread: 1 });
  });

  it("reports urgent cockpit mail and worker_done / error / escalation once each", async () => {
    const h = await setup([
      { name: "alice", runtime: "shell", status: "working" },
      { name: "bob", runtime: "shell", status: "working" },
    ]);
    const done = await h.send(
      {
        from: "alice",
        to: "cockpit",
        type: "worker_done",
        payload: { branch: "flotilla/alice", files: ["a.ts"] },
      },
      ["cockpit"],
    );
    await h.until(() => h.summaries.some((s) => s.reactions.length > 0));
    // An error to two mailboxes is one message: one reaction.
    const error = await h.send({ from: "bob", to: "alice,cockpit", type: "error" }, [
      "alice",
      "cockpit",
    ]);
    const urgent = await h.send(
      { from: "bob", to: "cockpit", subject: "prod is down", priority: "urgent" },
      ["cockpit"],
    );
    const escalation = await h.send({ from: "alice", to: "bob", type: "escalation" }, ["bob"]);
    // From the human: the cockpit does not react to its own mail.
    await h.send({ from: "cockpit", to: "alice", type: "error" }, ["alice"]);
    await h.until(
      () =>
        h.last().unread.alice === 2 && h.last().unread.bob === 1 && h.last().cockpitUnread === 3,
    );
    await h.store.check("cockpit");
    await h.store.check("alice");
    await h.until(() => h.last().cockpitUnread === 0 && h.last().unread.alice === 0);

    const reactions = h.summaries.flatMap((s) => s.reactions);
    expect(reactions).toEqual([
      { agent: "alice", kind: "done", id: done, type: "worker_done" },
      { agent: "bob", kind: "alert", id: error, type: "error" },
      { agent: "alice", kind: "alert", id: escalation, type: "escalation" },
    ]);
    const urgentHeadlines = h.summaries.filter((s) => s.latest?.priority === "urgent");
    expect(urgentHeadlines.map((s) => s.latest)).toEqual([
      { id: urgent, from: "bob", subject: "prod is down", type: "status", priority: "urgent" },
    ]);
  });

  it("keeps watching when the mail directory is removed and made again", async () => {
    const h = await setup([{ name: "alice", runtime: "shell", status: "working" }]);
    await h.send({ from: "bob", to: "alice" }, ["alice"]);
    await h.until(() => h.last().unread.alice === 1);
    rmSync(h.store.dir, { recursive: true, force: true });
    await h.until(() => h.last().unread.alice === 0);
    await h.delivery.settled();
    await h.send({ from: "bob", to: "alice" }, ["alice"]);
    await h.until(() => h.last().unread.alice === 1);
    await h.send({ from: "rev", to: "alice" }, ["alice"]);
    await h.until(() => h.last().unread.alice === 2);
  });

  it("delivers mail sent by another process through the real CLI", async () => {
    const h = await setup([{ name: "alice", runtime: "shell", status: "idle" }]);
    writeFileSync(
      path.join(h.root, ".flotilla", "state.json"),
      JSON.stringify({
        version: 1,
        agents: ["alice", "bob"].map((name) => ({
          name,
          runtime: "shell",
          worktree: path.join(h.root, name),
          branch: `flotilla/${name}`,
          base: "0",
          status: "idle",
          createdAt: new Date().toISOString(),
        })),
      }),
    );
    const env: NodeJS.ProcessEnv = { ...process.env, FLOTILLA_AGENT: "bob" };
    delete env.FLOTILLA_ROOT;
    await run(
      process.execPath,
      [
        path.join(REPO, "dist", "cli.js"),
        "mail",
        "send",
        "--to",
        "alice",
        "--subject",
        "s",
        "--body",
        "b",
      ],
      { cwd: h.root, env },
    );
    await h.until(() => h.typed.length === 1);
    expect(h.typed[0]).toEqual({
      name: "alice",
      text: "You have 1 new message(s) from bob. Run: flotilla mail check\r",
    });
    expect(h.last().unread).toEqual({ alice: 1 });
  });
});

describe("prepareAgentMail", () => {
  it("writes nothing into a worktree, and removes the hook file earlier versions left there", async () => {
    const dir = makeTempDir("flotilla-hooks-");
    const shell = path.join(dir, "shell");
    expect(await prepareAgentMail("shell", RuntimeProfile.parse({ command: "bash" }), shell)).toBe(
      undefined,
    );
    expect(existsSync(path.join(shell, ".claude"))).toBe(false);

    const custom = path.join(dir, "custom");
    mkdirSync(path.join(custom, ".claude"), { recursive: true });
    const legacy = path.join(custom, ".claude", "settings.local.json");
    const old = {
      hooks: {
        UserPromptSubmit: [
          {
            hooks: [{ type: "command", command: mailHookCommand("UserPromptSubmit"), timeout: 10 }],
          },
        ],
      },
    };
    writeFileSync(legacy, JSON.stringify(old));
    const profile = RuntimeProfile.parse({ command: "/usr/local/bin/claude" });
    expect(await prepareAgentMail("opus", profile, custom)).toBe(legacy);
    expect(existsSync(path.join(custom, ".claude"))).toBe(false);
    expect(await prepareAgentMail("claude", undefined, path.join(dir, "c"))).toBeUndefined();
    rmSync(dir, { recursive: true, force: true });
  });
});
