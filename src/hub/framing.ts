import { FlotillaError } from "../core/errors.js";

/**
 * Length-prefixed frames for the hub's Unix socket: a 4-byte big-endian unsigned header,
 * then the payload. The header's top bit marks a binary frame (raw terminal bytes, e.g. an
 * attached client's keystrokes or the hub's drawing for it); without it the payload is
 * UTF-8 JSON. The low 31 bits are the payload length. The protocol version is not in each
 * frame but in the `hello`/`welcome` exchange that opens every connection (see wire.ts).
 * This module imports nothing heavy: the thin client (src/client/) uses it as is.
 */

/** Bytes in the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** Largest payload accepted by default: 16 MiB (a full-screen redraw is a few hundred KiB). */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** Header bit that marks a binary frame. */
const BINARY_FLAG = 0x80000000;
const LENGTH_MASK = 0x7fffffff;

/**
 * Encodes raw bytes (or a string, as UTF-8) as one binary frame: what the decoder returns
 * as a `Buffer`. Large payloads are the caller's to split (a drawing is sent as it comes).
 */
export function encodeBinaryFrame(data: Uint8Array | string): Buffer {
  const length = typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length;
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE((BINARY_FLAG | length) >>> 0, 0);
  if (typeof data === "string") frame.write(data, FRAME_HEADER_BYTES, "utf8");
  else frame.set(data, FRAME_HEADER_BYTES);
  return frame;
}

/** Encodes one value as a frame. @throws FlotillaError PROTOCOL when the JSON exceeds `maxBytes`. */
export function encodeFrame(value: unknown, maxBytes: number = MAX_FRAME_BYTES): Buffer {
  const json = JSON.stringify(value);
  const length = Buffer.byteLength(json, "utf8");
  if (length > maxBytes) {
    throw new FlotillaError(
      "PROTOCOL",
      `frame of ${length} bytes exceeds the ${maxBytes}-byte limit`,
    );
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
  frame.writeUInt32BE(length, 0);
  frame.write(json, FRAME_HEADER_BYTES, "utf8");
  return frame;
}

/**
 * Incremental decoder: feed it socket chunks in order; it returns every complete frame's
 * parsed JSON value, or for a binary frame its bytes as a `Buffer` (JSON never parses to one). A frame may be split across any number of chunks and a chunk may hold
 * many frames. Once it throws, the stream is unusable and the connection must be closed.
 */
export class FrameDecoder {
  /** Largest frame accepted; may be raised once a connection is trusted further (after hello). */
  maxBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Payload length of the frame being assembled, once its header is complete. */
  private expected: number | undefined;
  private binary = false;

  constructor(options: { maxBytes?: number } = {}) {
    this.maxBytes = options.maxBytes ?? MAX_FRAME_BYTES;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pendingBytes(): number {
    return this.buffered;
  }

  /**
   * Adds one chunk and returns the values of the frames it completed, in order.
   * @throws FlotillaError PROTOCOL for a length over the limit (checked from the header
   * alone, before any payload is buffered) or a payload that is not valid UTF-8 JSON.
   */
  push(chunk: Buffer): unknown[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const values: unknown[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const header = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        const length = header & LENGTH_MASK;
        this.binary = header !== length;
        if (length > this.maxBytes) {
          throw new FlotillaError(
            "PROTOCOL",
            `frame length ${length} exceeds the ${this.maxBytes}-byte limit`,
          );
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      const payload = this.take(this.expected);
      this.expected = undefined;
      // A binary payload may be a view into a chunk: copied, since the caller may keep it.
      values.push(this.binary ? Buffer.from(payload) : parsePayload(payload));
    }
    return values;
  }

  /**
   * Call when the stream ends. @throws FlotillaError PROTOCOL when a frame was cut off
   * (its header or part of its payload arrived, the rest never did).
   */
  end(): void {
    if (this.buffered > 0 || this.expected !== undefined) {
      const need = this.expected === undefined ? "its length prefix" : `${this.expected} bytes`;
      throw new FlotillaError(
        "PROTOCOL",
        `connection ended inside a frame (${this.buffered} bytes of ${need} received)`,
      );
    }
  }

  /** Removes and returns the first `count` buffered bytes (count ≤ buffered). */
  private take(count: number): Buffer {
    const first = this.chunks[0];
    if (first && first.length >= count) {
      // Fast path: the bytes sit in one chunk, so no copy.
      const out = first.subarray(0, count);
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return out;
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    while (filled < count) {
      const chunk = this.chunks[0];
      if (!chunk) break;
      const used = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(used);
    }
    this.buffered -= count;
    return out;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function parsePayload(payload: Buffer): unknown {
  try {
    return JSON.parse(utf8.decode(payload));
  } catch (error) {
    throw new FlotillaError("PROTOCOL", `frame is not UTF-8 JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
}
