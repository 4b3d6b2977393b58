import { chmodSync, mkdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_SOCKET_PATH_BYTES, resolveSocketPath } from "../../src/hub/socket-path.js";
import { makeTempDir } from "../git/temp-repo.js";

let dir: string;

beforeEach(() => {
  dir = makeTempDir("flotilla-sock-");
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("hub socket path", () => {
  it("uses $XDG_RUNTIME_DIR/flotilla when set, keyed by the project", () => {
    const runtime = path.join(dir, "xdg");
    mkdirSync(runtime, { mode: 0o700 });
    const a = resolveSocketPath(path.join(dir, "a"), { XDG_RUNTIME_DIR: runtime });
    const b = resolveSocketPath(path.join(dir, "b"), { XDG_RUNTIME_DIR: runtime });
    expect(path.dirname(a)).toBe(path.join(runtime, "flotilla"));
    expect(a).toMatch(/\/[0-9a-f]{16}\.sock$/);
    expect(a).not.toBe(b);
    expect(resolveSocketPath(path.join(dir, "a"), { XDG_RUNTIME_DIR: runtime })).toBe(a);
    expect(statSync(path.dirname(a)).mode & 0o777).toBe(0o700);
  });

  it("falls back to a 0700 .flotilla/run under the project, tightening a loose mode", () => {
    const root = path.join(dir, "project");
    mkdirSync(path.join(root, ".flotilla", "run"), { recursive: true });
    chmodSync(path.join(root, ".flotilla", "run"), 0o755);
    const socket = resolveSocketPath(root, {});
    expect(path.dirname(socket)).toBe(path.join(root, ".flotilla", "run"));
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
  });

  it("stays under the sun_path limit for a deeply nested checkout", () => {
    const root = path.join(dir, "x".repeat(60), "y".repeat(60));
    const socket = resolveSocketPath(root, {});
    expect(Buffer.byteLength(socket)).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    expect(socket.startsWith(root)).toBe(false);
    expect(statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
  });
});
