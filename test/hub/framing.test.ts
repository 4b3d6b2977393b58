import { describe, expect, it } from "vitest";
import { FrameDecoder, MAX_FRAME_BYTES, encodeFrame } from "../../src/hub/framing.js";

function header(length: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(length, 0);
  return buffer;
}

describe("frames", () => {
  it("encodes a 4-byte big-endian length then UTF-8 JSON", () => {
    const frame = encodeFrame({ text: "é" });
    const json = '{"text":"é"}';
    expect(frame.readUInt32BE(0)).toBe(Buffer.byteLength(json));
    expect(frame.subarray(4).toString("utf8")).toBe(json);
  });

  it("reassembles frames split at every byte", () => {
    const values = [{ a: 1 }, { text: "héllo ✓ 😀" }, [1, 2, 3]];
    const bytes = Buffer.concat(values.map((v) => encodeFrame(v)));
    const decoder = new FrameDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...decoder.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual(values);
    expect(() => decoder.end()).not.toThrow();
  });

  it("returns many frames from one chunk, in order", () => {
    const values = Array.from({ length: 500 }, (_, i) => ({ seq: i }));
    const decoder = new FrameDecoder();
    expect(decoder.push(Buffer.concat(values.map((v) => encodeFrame(v))))).toEqual(values);
  });

  it("keeps a frame's tail that arrives with the next frames", () => {
    const a = encodeFrame({ a: "x".repeat(100) });
    const b = encodeFrame({ b: 2 });
    const decoder = new FrameDecoder();
    expect(decoder.push(a.subarray(0, 50))).toEqual([]);
    expect(decoder.push(Buffer.concat([a.subarray(50), b, b.subarray(0, 2)]))).toEqual([
      { a: "x".repeat(100) },
      { b: 2 },
    ]);
    expect(decoder.push(b.subarray(2))).toEqual([{ b: 2 }]);
  });

  it("rejects a 1 GiB length prefix from the header alone", () => {
    const decoder = new FrameDecoder();
    expect(() => decoder.push(header(1024 * 1024 * 1024))).toThrow(
      /exceeds the 16777216-byte limit/,
    );
  });

  it("accepts a frame of exactly the limit and rejects one byte more", () => {
    const small = new FrameDecoder({ maxBytes: 10 });
    expect(small.push(Buffer.concat([header(10), Buffer.from('"12345678"')]))).toEqual([
      "12345678",
    ]);
    expect(() => small.push(header(11))).toThrow(/exceeds/);
    expect(MAX_FRAME_BYTES).toBe(16 * 1024 * 1024);
  });

  it("refuses to encode a value larger than the limit", () => {
    expect(() => encodeFrame("x".repeat(100), 50)).toThrow(/exceeds the 50-byte limit/);
  });

  it("rejects garbage bytes that are not JSON", () => {
    const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    const decoder = new FrameDecoder();
    expect(() => decoder.push(Buffer.concat([header(5), garbage]))).toThrow(/not UTF-8 JSON/);
  });

  it("rejects invalid UTF-8 even when it would parse leniently", () => {
    const bytes = Buffer.from([0x22, 0xff, 0x22]); // "\xff"
    expect(() => new FrameDecoder().push(Buffer.concat([header(3), bytes]))).toThrow(
      /not UTF-8 JSON/,
    );
  });

  it("reports a half frame when the stream ends", () => {
    const frame = encodeFrame({ cut: "off" });
    const decoder = new FrameDecoder();
    decoder.push(frame.subarray(0, frame.length - 3));
    expect(() => decoder.end()).toThrow(/ended inside a frame/);
    const headerOnly = new FrameDecoder();
    headerOnly.push(frame.subarray(0, 2));
    expect(() => headerOnly.end()).toThrow(/length prefix/);
  });
});
