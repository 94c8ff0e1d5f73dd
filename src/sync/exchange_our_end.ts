/**
 * @module exchange_our_end
 * The receiving half's wait for our `end` (exchange.ts), once the peer has
 * sent its own. While we are making our state for it (a checkpoint, cut in
 * parts: minutes for a large state) an honest peer, done, says nothing until
 * our `end`; so a read is begun meanwhile, and a peer that hangs up (or
 * speaks out of turn) ends the session then, and with it the cut
 * (ExchangeOptions `signal`). Before, nothing was read until our `end` was
 * sent: a member that asked for our state and hung up at once still cost the
 * whole cut (CPU, the spool on disk, a held snapshot keeping the write-ahead
 * log from being checkpointed). The read begun is the one that takes the
 * peer's ack, under the same read deadline as before, counted from our `end`.
 */

import { MAX_TIMER_MS } from "../deadline.ts";
import { MycelError } from "../errors.ts";
import type { SyncMessage } from "../protocol/sync_messages.ts";
import type { SyncSession } from "../protocol/sync_session.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { peerStopped } from "./exchange_stop.ts";

/** What the wait works with (a part of exchange_receive.ts's context). */
export interface OurEndContext {
  channel: SecureChannel;
  session: SyncSession;
  /** The peer's next message; `started`: a read already begun. */
  receive: (ms?: number, started?: Promise<Uint8Array | null>) => Promise<SyncMessage>;
  /** Settles when we have sent `end` (true if we sent anything). */
  ended: Promise<boolean>;
  /** True while our sending half makes a checkpoint and has not sent `end`. */
  making: () => boolean;
}

/**
 * Whether we sent anything, once our `end` went; and the read of the peer's
 * next message when one was begun meanwhile (the caller takes the ack from
 * it). Throws when the peer hung up or spoke before our `end`.
 */
export async function ourEnd(
  c: OurEndContext,
): Promise<{ sentAny: boolean; next?: Promise<Uint8Array | null> }> {
  if (!c.making()) return { sentAny: await c.ended };
  const next = c.channel.receive(MAX_TIMER_MS);
  next.catch(() => {}); // the session may end first, closing the channel
  const first = await Promise.race([c.ended, next.then(() => undefined, () => undefined)]);
  if (first !== undefined) return { sentAny: first, next };
  const said = c.session.receive(await c.receive(undefined, next));
  if (said.kind === "peer_error") throw peerStopped(said.code, said.message);
  throw new MycelError("protocol_violation", "sync with peer", `${said.kind} before our end`);
}
