/**
 * @module file_fetch_answer
 * Reading one peer's answer to one want of the file phase (file_fetch.ts):
 * "none", or the chunk's bytes in one piece or several, each message checked
 * to answer the id asked, in order, within any chunk's (or manifest blob's)
 * size. The bytes are not copied: a chunk in one piece is a view of the
 * channel's receive buffer, one in pieces is gathered in a scratch buffer
 * the peer's loop reuses, so a stream of 1 MiB chunks allocates no 1 MiB
 * buffer per chunk (each one was garbage V8 kept until its next
 * collection: tens of MiB of RSS). Apart from the Fetcher because this is
 * the wire format's side of the fetch, and the Fetcher's is which peer is
 * asked what.
 */

import { toHex } from "../bytes.ts";
import { MAX_CHUNK_BYTES } from "../log/chunk_list.ts";
import { MAX_MANIFEST_BLOB_BYTES } from "../files/manifest_codec.ts";
import { peerCode } from "../error_codes.ts";
import { MycelError } from "../errors.ts";
import { type ChunkMessage, decodeChunkMessage } from "../protocol/chunk_messages.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";

/**
 * The answer to the want of `item` (undefined: the peer does not have it):
 * a view of the channel's buffer, or of `scratch` (grown as needed, reused)
 * for a chunk in pieces; either is valid until the next call. An empty
 * answer is a total past any chunk's (or blob's) limit, which the caller
 * blames on the peer.
 */
export async function receiveAnswer(
  channel: SecureChannel,
  item: { readonly hash: string; readonly length: number },
  scratch: { buf: Uint8Array },
  readTimeoutMs: number,
): Promise<Uint8Array | undefined> {
  let buf: Uint8Array | undefined;
  let at = 0;
  for (;;) {
    const raw = await channel.receiveView(readTimeoutMs);
    if (raw === null) {
      throw new MycelError("connection_closed", "fetch chunks", "the peer hung up");
    }
    const msg: ChunkMessage = decodeChunkMessage(raw);
    if (msg.type === "stop") {
      const code = peerCode(msg.code);
      throw new MycelError(code, "fetch chunks", `the peer stopped: ${msg.message}`, {
        value: code === "peer_error" ? msg.code : undefined,
      });
    }
    if (msg.type !== "none" && msg.type !== "piece") {
      throw new MycelError("protocol_violation", "fetch chunks", `unexpected ${msg.type}`);
    }
    if (toHex(msg.id) !== item.hash) {
      throw new MycelError("protocol_violation", "fetch chunks", "an answer out of order");
    }
    if (msg.type === "none") return undefined;
    // Another length than ours is not yet the peer's fault: the version
    // that gave ours may lie (the caller hashes it to tell). Never more
    // than any chunk (or, for a manifest blob, a blob) can be: an empty
    // answer, which the caller blames on the peer.
    const most = item.length === 0 ? MAX_MANIFEST_BLOB_BYTES : MAX_CHUNK_BYTES;
    if (msg.total > most) return new Uint8Array(0);
    // The common case, a chunk in one piece: keep the piece (a view of this message).
    if (buf === undefined && msg.offset === 0 && msg.bytes.length === msg.total) {
      return msg.bytes;
    }
    if (buf === undefined) {
      if (scratch.buf.length < msg.total) scratch.buf = new Uint8Array(msg.total);
      buf = scratch.buf.subarray(0, msg.total);
    }
    if (msg.offset !== at || msg.total !== buf.length) {
      throw new MycelError("protocol_violation", "fetch chunks", "pieces out of order");
    }
    buf.set(msg.bytes, at);
    at += msg.bytes.length;
    if (at === buf.length) return buf;
  }
}
