/**
 * @module sync_messages
 * Codecs of the sync protocol: the application messages exchanged after the
 * handshake (entries, done, error), batching of entries into bounded
 * messages, and — re-exported here so callers have one import — the hellos,
 * the heads and the protocol limits. See docs/sync_protocol.md.
 *
 * Wire forms (CBOR arrays, tagged by a text first element for readability in
 * hex dumps): `["entries", [entry, ...]]`, `["done", sent]`,
 * `["error", code, message]`.
 */

import { MycelError } from "../errors.ts";
import { encodeCbor } from "../log/cbor.ts";
import {
  badMessage,
  decodeTop,
  type Direction,
  expectArray,
  expectCode,
  expectCount,
  expectEntryList,
  expectText,
  MAX_BATCH_ENTRIES,
  MAX_SYNC_MESSAGE,
} from "./sync_fields.ts";

export {
  MAX_ADMISSION_ENTRIES,
  MAX_BATCH_ENTRIES,
  MAX_ERROR_TEXT,
  MAX_HEADS,
  MAX_SYNC_MESSAGE,
  SYNC_PROLOGUE,
  SYNC_PROTOCOL_VERSION,
} from "./sync_fields.ts";
export { decodeHeads, encodeHeads, type Head, type Heads } from "./sync_heads.ts";
export {
  decodeHello,
  decodeHelloReply,
  encodeHello,
  encodeHelloReply,
  type Hello,
  type HelloReply,
} from "./sync_hello.ts";

/** An application message, sent after the handshake. */
export type SyncMessage =
  /** 1–1024 raw signed entries the receiver lacks. */
  | { readonly type: "entries"; readonly entries: readonly Uint8Array[] }
  /** The sender has sent everything: `sent` entries in total. */
  | { readonly type: "done"; readonly sent: number }
  /** The sender gives up; the session ends. */
  | { readonly type: "error"; readonly code: string; readonly message: string }
  /**
   * The responder's last word, after both `done`s: it has now stored what it
   * received (`accepted` entries) and refused `refused`. Lets the initiator
   * report "synced" only once the other side really holds its changes.
   */
  | { readonly type: "stored"; readonly accepted: number; readonly refused: number };

/**
 * Largest byte total {@link batchEntries} may put in one batch: leaves room
 * under {@link MAX_SYNC_MESSAGE} for the CBOR headers of 1024 entries.
 */
export const MAX_BATCH_BYTES: number = MAX_SYNC_MESSAGE - 8192;

function toWire(msg: SyncMessage, dir: Direction): unknown[] {
  switch (msg?.type) {
    case "entries":
      return ["entries", expectEntryList(msg.entries, "entries", 1, MAX_BATCH_ENTRIES, dir)];
    case "done":
      return ["done", expectCount(msg.sent, "sent", dir, true)];
    case "error":
      return ["error", expectCode(msg.code, dir), expectText(msg.message, dir)];
    case "stored":
      return [
        "stored",
        expectCount(msg.accepted, "accepted", dir, true),
        expectCount(msg.refused, "refused", dir, true),
      ];
    default:
      throw badMessage("type must be entries, done, error or stored", dir);
  }
}

/** Encode an application message (without its length prefix); checks it as the peer will. */
export function encodeSyncMessage(msg: SyncMessage): Uint8Array {
  const bytes = encodeCbor(toWire(msg, "write"));
  if (bytes.length > MAX_SYNC_MESSAGE) {
    throw badMessage(`it is ${bytes.length} bytes, over the ${MAX_SYNC_MESSAGE} limit`, "write");
  }
  return bytes;
}

/**
 * Decode an application message.
 * @throws MycelError `bad_message` naming the faulty field
 */
export function decodeSyncMessage(bytes: Uint8Array): SyncMessage {
  const raw = expectArray(decodeTop(bytes, "sync message"), "sync message", 1, "read", true);
  switch (raw[0]) {
    case "entries": {
      const [, entries] = expectArray(raw, "entries message", 2, "read");
      return {
        type: "entries",
        entries: expectEntryList(entries, "entries", 1, MAX_BATCH_ENTRIES, "read"),
      };
    }
    case "done": {
      const [, sent] = expectArray(raw, "done message", 2, "read");
      return { type: "done", sent: expectCount(sent, "sent", "read", true) };
    }
    case "error": {
      const [, code, message] = expectArray(raw, "error message", 3, "read");
      return {
        type: "error",
        code: expectCode(code, "read"),
        message: expectText(message, "read"),
      };
    }
    case "stored": {
      const [, accepted, refused] = expectArray(raw, "stored message", 3, "read");
      return {
        type: "stored",
        accepted: expectCount(accepted, "accepted", "read", true),
        refused: expectCount(refused, "refused", "read", true),
      };
    }
    default:
      throw badMessage("type must be entries, done, error or stored");
  }
}

/**
 * Split entries, in order, into batches of at most `maxCount` entries and
 * `maxBytes` bytes. An entry larger than `maxBytes` travels alone rather than
 * being refused here: whether it is acceptable at all is the encoder's call.
 */
export function batchEntries(
  entries: readonly Uint8Array[],
  maxBytes: number = 1 << 20,
  maxCount: number = MAX_BATCH_ENTRIES,
): Uint8Array[][] {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_BATCH_BYTES) {
    throw new MycelError("internal", "batch entries", `maxBytes must be 1–${MAX_BATCH_BYTES}`, {
      value: maxBytes,
    });
  }
  if (!Number.isSafeInteger(maxCount) || maxCount < 1 || maxCount > MAX_BATCH_ENTRIES) {
    throw new MycelError("internal", "batch entries", `maxCount must be 1–${MAX_BATCH_ENTRIES}`, {
      value: maxCount,
    });
  }
  const batches: Uint8Array[][] = [];
  let batch: Uint8Array[] = [];
  let bytes = 0;
  for (const entry of entries) {
    if (batch.length > 0 && (batch.length === maxCount || bytes + entry.length > maxBytes)) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entry);
    bytes += entry.length;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
