/**
 * @module _send_half
 * Our sending half of a session (exchange_send.ts `sendLacking`) run in
 * this process against a home, for a peer asking with chosen abilities and
 * heads, each message handed to the test: how the cut-gate tests play a
 * member asking for our state without a network or a second home.
 */

import type { DeviceKey } from "../../src/log/device_key.ts";
import type { Heads } from "../../src/protocol/sync_heads.ts";
import { ABILITY_PARTS, type SyncMessage } from "../../src/protocol/sync_messages.ts";
import type { Home } from "../../src/storage/home_handle.ts";
import { sendLacking } from "../../src/sync/exchange_send.ts";
import type { ExchangeOptions, ExchangeResult } from "../../src/sync/exchange_types.ts";

/** What {@link sendHalf} is given beside the home and the peer. */
export interface SendHalfOptions {
  /** Each message we send; awaited, so a test can hold the peer's reading. */
  send: (msg: SyncMessage) => Promise<void> | void;
  /** The peer's `hi` abilities (default: it takes parts). */
  abilities?: number;
  /** The heads the peer holds (default: none). */
  holds?: Heads;
}

/** Send `peer` what it lacks of `home` (parts of 1 KiB, any state size a checkpoint); `result` fills as it goes. */
export function sendHalf(
  home: Home,
  peer: DeviceKey,
  s: SendHalfOptions,
): { result: ExchangeResult; done: Promise<void> } {
  const result = {
    idle: false,
    sent: 0,
    sentCheckpoint: false,
    more: false,
    peer: { abilities: s.abilities ?? ABILITY_PARTS },
    peerMore: false,
    newer: [],
    sentUpTo: new Map(),
    headsSent: 0,
  } as unknown as ExchangeResult;
  const o = { peer, checkpointMin: 0, partBytes: 1024 } as unknown as ExchangeOptions;
  const done = sendLacking({
    home,
    o,
    send: async (msg) => await s.send(msg),
    heads: home.log.heads(),
    evidence: [],
    theirs: Promise.resolve(s.holds ?? new Map()),
    result,
  });
  return { result, done };
}
