/**
 * @module snapshot
 * The snapshot file: the folded state, the log heads it covers (with how far
 * into each segment), and local bookkeeping, replaced atomically after each
 * command. Layout: `"MYCELSNP"`, u32 version, SHA-256 of the payload, then
 * the payload as JSON text. JSON rather than CBOR because the state's plain
 * form is JSON already and the engine's native parser keeps `mycel status`
 * from loading a CBOR library at all. A damaged file is detected by the
 * checksum; the log segments remain the source of truth.
 */

import { bytesEqual, concatBytes, fromHex, plain, toHex, utf8 } from "../bytes.ts";
import type { Json } from "../crdt/json.ts";
import type { LocalState } from "./local_state.ts";

const MAGIC = utf8("MYCELSNP");
const VERSION = 2;
const HEADER = MAGIC.length + 4 + 32;

/** Head of one author's chain as covered by the snapshot. */
export interface StoredHead {
  /** Highest seq applied. */
  seq: number;
  /** Hash of that entry. */
  hash: Uint8Array;
  /** Segment bytes covered (records up to and including `seq`). */
  offset: number;
}

/** Everything a snapshot holds. */
export interface Snapshot {
  /** Plain form of the replicated state (see state_codec). */
  state: Json;
  /** Heads per author. */
  heads: Map<string, StoredHead>;
  /** Local bookkeeping. */
  local: LocalState;
}

async function sha256(b: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", plain(b)));
}

/** Encode a snapshot file. */
export async function encodeSnapshot(s: Snapshot): Promise<Uint8Array> {
  const heads = [...s.heads].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([author, h]) => [author, h.seq, toHex(h.hash), h.offset]);
  const payload = utf8(JSON.stringify({ state: s.state, heads, local: s.local }));
  const header = new Uint8Array(4);
  new DataView(header.buffer).setUint32(0, VERSION, true);
  return concatBytes(MAGIC, header, await sha256(payload), payload);
}

/**
 * Decode a snapshot file; throws Error with a short reason when the file is
 * damaged (the caller names the file).
 */
export async function decodeSnapshot(bytes: Uint8Array): Promise<Snapshot> {
  if (bytes.length < HEADER || !bytesEqual(bytes.subarray(0, MAGIC.length), MAGIC)) {
    throw new Error("not a mycel snapshot (bad header)");
  }
  const version = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  if (version !== VERSION) throw new Error(`unsupported snapshot version ${version}`);
  const sum = bytes.subarray(MAGIC.length + 4, HEADER);
  const payload = bytes.subarray(HEADER);
  if (!bytesEqual(await sha256(payload), sum)) throw new Error("checksum mismatch");
  let x: Record<string, unknown>;
  try {
    x = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
  } catch {
    throw new Error("payload is not valid JSON");
  }
  if (
    typeof x !== "object" || x === null || !Array.isArray(x.heads) || typeof x.local !== "object"
  ) {
    throw new Error("payload malformed");
  }
  const heads = new Map<string, StoredHead>();
  for (const h of x.heads) {
    const [author, seq, hash, offset] = h as unknown[];
    if (
      typeof author !== "string" || !Number.isSafeInteger(seq) || typeof hash !== "string" ||
      !/^[0-9a-f]{64}$/.test(hash) || !Number.isSafeInteger(offset)
    ) throw new Error("a head is malformed");
    heads.set(author, { seq: seq as number, hash: fromHex(hash), offset: offset as number });
  }
  return { state: x.state as Json, heads, local: x.local as LocalState };
}
