import { spawnSync } from "node:child_process";
import path from "node:path";
import { Command } from "commander";
import { beforeAll, describe, expect, it } from "vitest";
import { registerMailCommands, type MailIo } from "../../src/commands/mail.js";
import { ensureBuilt, makeProject, REPO } from "../store/mail-fixture.js";

interface Run {
  stdout: string;
  stderr: string;
}

/** Runs `flotilla mail <args>` in-process as `who` (FLOTILLA_AGENT) in project `root`. */
async function mail(
  root: string,
  who: string | undefined,
  args: string[],
  stdin = "",
): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: MailIo = {
    cwd: root,
    env: who ? { FLOTILLA_AGENT: who } : {},
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    readStdin: async () => stdin,
  };
  const program = new Command("flotilla")
    .exitOverride()
    .configureOutput({ writeOut: (t) => (stdout += t), writeErr: (t) => (stderr += t) });
  registerMailCommands(program, io);
  await program.parseAsync(["mail", ...args], { from: "user" });
  return { stdout, stderr };
}

// The in-process commands find the project from their cwd; an agent's own FLOTILLA_ROOT must not win.
delete process.env.FLOTILLA_ROOT;

const ESC = "\x1b";
const HOSTILE = `${ESC}]0;owned${ESC}\\${ESC}[2J${ESC}[31mred alert${ESC}[0m\x07 ${ESC}]52;c;cm0gLXJm${ESC}\\done`;

describe("flotilla mail (in-process)", () => {
  it("send, list, check, read and reply keep one thread", async () => {
    const root = makeProject();
    const sent = await mail(root, "alice", [
      "send",
      "--to",
      "cockpit",
      "--subject",
      "which db?",
      "--body",
      "pg or sqlite?",
      "--type",
      "question",
      "--priority",
      "high",
    ]);
    const id = /^sent (\S+) to cockpit\n$/.exec(sent.stdout)?.[1];
    expect(id).toBeDefined();

    const list = await mail(root, undefined, ["list"]);
    expect(list.stdout).toMatch(
      new RegExp(`^● ${id} +(now|\\d+[smhd]) alice +question +high +which db\\?\\n$`),
    );

    const reply = await mail(root, undefined, ["reply", id!, "--body", "pg"]);
    expect(reply.stdout).toMatch(new RegExp(`^sent \\S+ to alice \\(thread ${id}\\)\\n$`));
    expect((await mail(root, undefined, ["list", "--unread"])).stdout).toBe("no messages\n");

    const check = await mail(root, "alice", ["check"]);
    expect(check.stdout).toContain("subject:  Re: which db?");
    expect(check.stdout).toContain(`thread:   ${id}   reply to: ${id}`);
    expect(check.stdout).toMatch(/type: {5}result/);
    expect((await mail(root, "alice", ["check"])).stdout).toBe("no new mail\n");

    const json = JSON.parse((await mail(root, "alice", ["list", "--json", "--sent"])).stdout);
    expect(json.map((m: { subject: string; thread: string }) => [m.subject, m.thread])).toEqual([
      ["Re: which db?", id],
      ["which db?", id],
    ]);
  });

  it("broadcasts to @all and @<role>s", async () => {
    const root = makeProject();
    expect(
      (await mail(root, "alice", ["send", "--to", "@all", "--subject", "s", "--body", "b"])).stdout,
    ).toMatch(/to bob, rev\n$/);
    expect(
      (await mail(root, undefined, ["send", "--to", "@builders", "--subject", "s", "--body", "b"]))
        .stdout,
    ).toMatch(/to alice, bob\n$/);
    expect((await mail(root, "bob", ["list", "--unread", "--from", "alice"])).stdout).toMatch(
      /^● \S+ +(now|\d+[smhd]) alice/,
    );
  });

  it.each([
    [["--to", "nobody", "--subject", "s", "--body", "b"], /unknown recipient "nobody"/],
    [
      ["--to", "gone", "--subject", "s", "--body", "b"],
      /agent "gone" is exited and cannot receive mail/,
    ],
    [["--to", "bob", "--subject", "", "--body", "b"], /the subject is empty/],
    [
      ["--to", "bob", "--subject", "s", "--body", "b", "--payload", "{nope"],
      /--payload is not valid JSON/,
    ],
    [
      ["--to", "bob", "--subject", "s", "--body", "b", "--type", "worker_done", "--payload", "{}"],
      /worker_done payload needs/,
    ],
  ])("send %j fails with a clear error", async (args, message) => {
    const root = makeProject();
    await expect(mail(root, "alice", ["send", ...args])).rejects.toThrow(message);
  });

  it("reads the body from stdin and refuses a 1 MiB one, naming the limit", async () => {
    const root = makeProject();
    const ok = await mail(
      root,
      "alice",
      ["send", "--to", "bob", "--subject", "s", "--body", "-"],
      "from stdin\n",
    );
    const id = /^sent (\S+)/.exec(ok.stdout)?.[1];
    expect((await mail(root, "bob", ["read", id!])).stdout).toMatch(/\n\nfrom stdin\n$/);
    await expect(
      mail(
        root,
        "alice",
        ["send", "--to", "bob", "--subject", "s", "--body", "-"],
        "z".repeat(1024 * 1024),
      ),
    ).rejects.toThrow("the body is 1 MiB, over the limit of 256 KiB");
  });

  it("stores escape sequences as sent but shows and injects them sanitized", async () => {
    const root = makeProject();
    const sent = await mail(root, "alice", [
      "send",
      "--to",
      "bob,rev",
      "--subject",
      `hi${ESC}[5m`,
      "--body",
      HOSTILE,
    ]);
    const id = /^sent (\S+)/.exec(sent.stdout)?.[1] ?? "";
    const json = JSON.parse((await mail(root, "bob", ["list", "--json"])).stdout);
    expect(json[0].body).toBe(HOSTILE);

    const shown = (await mail(root, "bob", ["read", id])).stdout;
    expect(shown).toContain("red alert done");
    expect(shown).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);

    const injected = (await mail(root, "rev", ["check", "--inject"])).stdout;
    expect(injected).toContain("[flotilla mail] 1 new message(s) for rev");
    expect(injected).toContain("subject: hi\n");
    expect(injected).toContain("red alert done");
    expect(injected).toContain(`flotilla mail reply ${id}`);
    expect(injected).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it("check --inject --hook-event prints Claude Code hook JSON, and nothing without mail", async () => {
    const root = makeProject();
    expect(
      (await mail(root, "alice", ["check", "--inject", "--hook-event", "PostToolUse"])).stdout,
    ).toBe("");
    await mail(root, undefined, [
      "send",
      "--to",
      "alice",
      "--subject",
      "rebase",
      "--body",
      "main moved",
    ]);
    const out = (await mail(root, "alice", ["check", "--inject", "--hook-event", "PostToolUse"]))
      .stdout;
    const parsed = JSON.parse(out);
    expect(parsed.hookSpecificOutput.hookEventName).toBe("PostToolUse");
    expect(parsed.hookSpecificOutput.additionalContext).toContain("main moved");
    expect((await mail(root, "alice", ["check", "--inject"])).stdout).toBe("");
  });

  it("read and reply name a bad or unknown id clearly", async () => {
    const root = makeProject();
    await expect(mail(root, "alice", ["read", "../../x"])).rejects.toThrow(/is not a message id/);
    await expect(mail(root, "alice", ["read", "0mwpwsftd00-oacb8pbd"])).rejects.toThrow(
      /no message 0mwpwsftd00-oacb8pbd in alice's mailbox/,
    );
  });

  it("purge needs a valid duration and reports what it removed", async () => {
    const root = makeProject();
    await mail(root, "alice", ["send", "--to", "bob", "--subject", "s", "--body", "b"]);
    expect((await mail(root, undefined, ["purge", "--older-than", "30d"])).stdout).toBe(
      "purged 0 message file(s) older than 30d\n",
    );
    await expect(mail(root, undefined, ["purge", "--older-than", "soon"])).rejects.toThrow(
      /not a duration/,
    );
  });

  it("refuses an invalid FLOTILLA_AGENT", async () => {
    const root = makeProject();
    await expect(mail(root, "../evil", ["list"])).rejects.toThrow(
      /FLOTILLA_AGENT="..\/evil" is not a valid mailbox/,
    );
  });
});

describe("flotilla mail (built CLI)", () => {
  beforeAll(() => ensureBuilt(), 120_000);
  const cli = path.join(REPO, "dist/cli.js");

  it("sends with the body on stdin and prints one-line errors with exit status 1", () => {
    const root = makeProject();
    const env = { ...process.env, FLOTILLA_AGENT: "alice", FLOTILLA_ROOT: "" };
    const ok = spawnSync(
      process.execPath,
      [
        cli,
        "mail",
        "send",
        "--to",
        "cockpit",
        "--subject",
        "done",
        "--body",
        "-",
        "--type",
        "worker_done",
        "--payload",
        '{"branch":"flotilla/alice","files":["a.ts"]}',
      ],
      { cwd: root, env, input: "finished\n", encoding: "utf8" },
    );
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    const list = spawnSync(process.execPath, [cli, "mail", "list", "--type", "worker_done"], {
      cwd: root,
      env: { ...env, FLOTILLA_AGENT: "" },
      encoding: "utf8",
    });
    expect(list.stdout).toMatch(/^● \S+ +(now|\d+[smhd]) alice +worker_done +normal +done\n$/);

    const big = spawnSync(
      process.execPath,
      [cli, "mail", "send", "--to", "bob", "--subject", "s", "--body", "-"],
      { cwd: root, env, input: "q".repeat(1024 * 1024), encoding: "utf8" },
    );
    expect(big.status).toBe(1);
    expect(big.stderr).toBe(
      "flotilla: the body on stdin is over the limit of 256 KiB: send a summary and point to a file instead\n",
    );

    const help = spawnSync(process.execPath, [cli, "mail", "reply", "--help"], {
      cwd: root,
      env,
      encoding: "utf8",
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("answer a message in its thread");
  });
});
