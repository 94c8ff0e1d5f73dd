/**
 * @module exchange
 * The part of a sync session after the handshake, identical on both sides:
 * send every entry the peer lacks in bounded batches, then `done`, while
 * receiving the peer's batches and `done` at the same time (both sides send
 * at once, so sending and receiving run concurrently or two large transfers
 * would deadlock on full socket buffers). Received entries are only staged
 * here; they are checked and stored afterwards under the writers' lock, so no
 * network wait ever happens while the lock is held.
 */

import type { DeviceId } from "../log/device_id.ts";
import type { SignedEntry } from "../log/entry.ts";
import {
  batchEntries,
  decodeSyncMessage,
  encodeSyncMessage,
  type Heads,
  type SyncMessage,
} from "../protocol/sync_messages.ts";
import { divergent, planTransfer, SyncSession } from "../protocol/sync_session.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { MycelError } from "../errors.ts";

/** Largest total of staged bytes accepted from one peer in one session. */
export const MAX_STAGED_BYTES = 512 << 20;

/** Where entries to send come from. */
export interface EntrySource {
  /** Our heads. */
  heads: Heads;
  /** Our own device id. */
  deviceId: DeviceId;
  /** Our entries of `author` with seq > `afterSeq`, in order. */
  entriesAfter(author: DeviceId, afterSeq: number, limit?: number): Promise<SignedEntry[]>;
}

/** What one exchange did. */
export interface ExchangeResult {
  /** Entries we sent. */
  sent: number;
  /** Raw entries the peer sent, in arrival order. */
  staged: Uint8Array[];
  /** Authors whose logs forked between us (seen from the heads). */
  forks: { author: DeviceId; seq: number; ours: Uint8Array; theirs: Uint8Array }[];
}

/** What to send for one author, decided before sending. */
interface Outgoing {
  /** Whose entries. */
  author: DeviceId;
  /** The entries, in order (for a fork: only our entry at the fork point). */
  entries: SignedEntry[];
}

/**
 * Decide what to send, reading each author's log once: for an author the
 * peer holds part of, the read starts at the peer's head seq, so its first
 * entry tells whether the two logs forked there and the rest is what the
 * peer lacks. A forked author's entries would not link onto the peer's chain;
 * only our entry at the fork point goes, as evidence the peer keeps aside.
 */
async function prepare(source: EntrySource, remote: Heads) {
  const reads = new Map<DeviceId, SignedEntry[]>();
  for (const range of planTransfer(source.heads, remote)) {
    reads.set(
      range.author,
      await source.entriesAfter(range.author, Math.max(0, range.afterSeq - 1)),
    );
  }
  const firstHash = (a: DeviceId, seq: number) => {
    const first = reads.get(a)?.[0];
    return first?.entry.seq === seq ? first.hash : undefined;
  };
  const forks = divergent(source.heads, remote, firstHash);
  const outgoing: Outgoing[] = [];
  for (const f of forks) {
    // At equal seqs nothing was read: fetch our head entry now (rare).
    const at = reads.get(f.author)?.[0] ?? (await source.entriesAfter(f.author, f.seq - 1, 1))[0];
    if (at) outgoing.push({ author: f.author, entries: [at] });
  }
  // The peer is ahead of us on our own log: only possible after a restore
  // from backup or data loss. Our latest entry there is the other branch of
  // a fork; send it so the peer keeps it too.
  const own = source.heads.get(source.deviceId);
  if (own && (remote.get(source.deviceId)?.seq ?? 0) > own.seq) {
    outgoing.push({
      author: source.deviceId,
      entries: await source.entriesAfter(source.deviceId, own.seq - 1, 1),
    });
  }
  const forked = new Set(forks.map((f) => f.author));
  for (const [author, read] of reads) {
    if (forked.has(author)) continue;
    const afterSeq = remote.get(author)?.seq ?? 0;
    outgoing.push({ author, entries: read.filter((e) => e.entry.seq > afterSeq) });
  }
  return { forks, outgoing };
}

/** Run the entry exchange over `channel`; throws on protocol errors and timeouts. */
export async function exchangeEntries(
  channel: SecureChannel,
  source: EntrySource,
  remote: Heads,
  readTimeoutMs: number,
  onReceived?: (count: number) => void,
): Promise<ExchangeResult> {
  const session = new SyncSession();
  const { forks, outgoing } = await prepare(source, remote);
  const send = async (msg: SyncMessage) => await channel.send(encodeSyncMessage(msg));

  const sender = async () => {
    for (const { entries } of outgoing) {
      for (const batch of batchEntries(entries.map((e) => e.bytes))) {
        session.sendEntries(batch.length);
        await send({ type: "entries", entries: batch });
      }
    }
    await send(session.sendDone());
  };

  const staged: Uint8Array[] = [];
  let stagedBytes = 0;
  const receiver = async () => {
    while (true) {
      const raw = await channel.receive(readTimeoutMs);
      if (raw === null) {
        throw new MycelError(
          "connection_closed",
          "sync with peer",
          "the peer hung up before it was done",
        );
      }
      const action = session.receive(decodeSyncMessage(raw));
      if (action.kind === "done") return;
      if (action.kind === "peer_error") {
        throw new MycelError(
          `peer_${action.code}`,
          "sync with peer",
          `the peer stopped: ${action.message}`,
        );
      }
      for (const e of action.entries) {
        stagedBytes += e.length;
        staged.push(e);
      }
      onReceived?.(staged.length);
      if (stagedBytes > MAX_STAGED_BYTES) {
        throw new MycelError(
          "too_much_data",
          "sync with peer",
          "the peer sent more than one session may hold",
          {
            value: `${stagedBytes} bytes`,
          },
        );
      }
    }
  };

  await Promise.all([sender(), receiver()]);
  return {
    sent: session.counts.sent,
    staged,
    forks: forks.map((f) => ({
      author: f.author,
      seq: f.seq,
      ours: f.localHash,
      theirs: f.remoteHash,
    })),
  };
}
