/**
 * @module chunk_messages
 * The file phase of a sync session (docs/sync_protocol.md, "File
 * transfer"): after the entry exchange, in the same Noise session, the
 * initiator asks for chunks (and manifest blobs) by BLAKE3 id and the
 * responder answers each request in order. Strict CBOR, every field checked
 * both ways, as the entry messages (sync_fields.ts).
 *
 * - `want`  `["fq", folder, [id32, ...]]` (1–256 ids): initiator → responder;
 * - `piece` `["fc", id32, total, offset, bytes]`: a piece (≤ 1 MiB) of the
 *   chunk `id`, `total` bytes long (≤ 16 MiB); pieces of one chunk come in
 *   order and together cover it exactly (decoded `bytes` view the message);
 * - `none`  `["fn", id32]`: the responder does not have it (or will not give it);
 * - `bye`   `["fz"]`: the initiator is done;
 * - `stop`  `["fe", code, text]`: the responder refuses the file phase.
 */

import { encodeCbor } from "../log/cbor.ts";
import { folderIdProblem } from "../log/file_ops.ts";
import {
  badMessage,
  decodeTop,
  type Direction,
  expectArray,
  expectCode,
  expectCount,
  expectFixedBytes,
  expectText,
} from "./sync_fields.ts";
import { asBytes } from "../bytes.ts";

/** Most ids one `want` may list. */
export const MAX_WANT_IDS = 256;
/** Largest piece of a chunk in one message. */
export const MAX_PIECE = 1 << 20;
/** Largest chunk or blob the file phase carries. */
export const MAX_CHUNK_TOTAL = 16 << 20;

/** A file-phase message. */
export type ChunkMessage =
  | { readonly type: "want"; readonly folder: string; readonly ids: readonly Uint8Array[] }
  | {
    readonly type: "piece";
    readonly id: Uint8Array;
    readonly total: number;
    readonly offset: number;
    readonly bytes: Uint8Array;
  }
  | { readonly type: "none"; readonly id: Uint8Array }
  | { readonly type: "bye" }
  | { readonly type: "stop"; readonly code: string; readonly message: string };

function folderField(raw: unknown, dir: Direction): string {
  const problem = folderIdProblem(raw);
  if (problem !== undefined) throw badMessage(`folder: ${problem}`, dir);
  return raw as string;
}

function ids(raw: unknown, dir: Direction): Uint8Array[] {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > MAX_WANT_IDS) {
    throw badMessage(`ids must be a list of 1–${MAX_WANT_IDS}`, dir);
  }
  return raw.map((x) => expectFixedBytes(x, "id", 32, dir));
}

function piece(
  id: unknown,
  total: unknown,
  offset: unknown,
  bytes: unknown,
  dir: Direction,
): ChunkMessage {
  const t = expectCount(total, "total", dir);
  const o = expectCount(offset, "offset", dir, true);
  const b = asBytes(bytes);
  if (t > MAX_CHUNK_TOTAL) throw badMessage(`total must be at most ${MAX_CHUNK_TOTAL}`, dir);
  if (b === undefined || b.length < 1 || b.length > MAX_PIECE || o + b.length > t) {
    throw badMessage(`a piece must be 1–${MAX_PIECE} bytes inside its chunk`, dir);
  }
  return {
    type: "piece",
    id: expectFixedBytes(id, "id", 32, dir),
    total: t,
    offset: o,
    // A view of the message: the reader copies what it keeps (file_fetch.ts).
    bytes: b,
  };
}

function toWire(m: ChunkMessage): unknown[] {
  const w = "write";
  switch (m?.type) {
    case "want":
      return ["fq", folderField(m.folder, w), ids(m.ids, w)];
    case "piece": {
      const p = piece(m.id, m.total, m.offset, m.bytes, w) as Extract<
        ChunkMessage,
        { type: "piece" }
      >;
      return ["fc", p.id, p.total, p.offset, p.bytes];
    }
    case "none":
      return ["fn", expectFixedBytes(m.id, "id", 32, w)];
    case "bye":
      return ["fz"];
    case "stop":
      return ["fe", expectCode(m.code, w), expectText(m.message, w)];
    default:
      throw badMessage("unknown file message", w);
  }
}

/** Encode a file-phase message (checked as the peer checks it). */
export function encodeChunkMessage(m: ChunkMessage): Uint8Array {
  return encodeCbor(toWire(m));
}

/**
 * A piece message as two parts whose concatenation is exactly
 * {@link encodeChunkMessage}'s bytes: its head, and the piece's bytes
 * themselves (not copied). The responder sends the parts as one message, so
 * the chunk bytes are not copied into a fresh buffer per piece (a megabyte
 * each; those copies and their fresh pages were a measurable share of a
 * serving process's time).
 */
export function encodePieceParts(
  m: Extract<ChunkMessage, { type: "piece" }>,
): [Uint8Array, Uint8Array] {
  piece(m.id, m.total, m.offset, m.bytes, "write"); // refused as encodeChunkMessage refuses it
  // Encoded with one byte in its place: the head ends in that byte string's header.
  const head = encodeChunkMessage({ ...m, bytes: new Uint8Array(1) });
  const n = m.bytes.length; // 1..MAX_PIECE, checked above
  const size = n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  const out = new Uint8Array(head.length - 2 + size);
  out.set(head.subarray(0, head.length - 2));
  const at = head.length - 2;
  if (size === 1) out[at] = 0x40 + n;
  else if (size === 2) out.set([0x58, n], at);
  else if (size === 3) out.set([0x59, n >> 8, n & 0xff], at);
  else out.set([0x5a, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff], at);
  return [out, m.bytes];
}

/**
 * Decode a file-phase message.
 * @throws MycelError `bad_message` naming the faulty field
 */
export function decodeChunkMessage(bytes: Uint8Array): ChunkMessage {
  const r = "read";
  const raw = expectArray(decodeTop(bytes, "file message"), "file message", 1, r, true);
  const fields = (n: number, what: string) => expectArray(raw, what, n, r);
  switch (raw[0]) {
    case "fq": {
      const [, folder, list] = fields(3, "want message");
      return { type: "want", folder: folderField(folder, r), ids: ids(list, r) };
    }
    case "fc": {
      const [, id, total, offset, b] = fields(5, "piece message");
      return piece(id, total, offset, b, r);
    }
    case "fn": {
      const [, id] = fields(2, "none message");
      return { type: "none", id: expectFixedBytes(id, "id", 32, r) };
    }
    case "fz":
      fields(1, "bye message");
      return { type: "bye" };
    case "fe": {
      const [, code, message] = fields(3, "stop message");
      return { type: "stop", code: expectCode(code, r), message: expectText(message, r) };
    }
    default:
      throw badMessage("unknown file message");
  }
}
