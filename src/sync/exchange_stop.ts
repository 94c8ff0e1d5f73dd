/**
 * @module exchange_stop
 * How a sync exchange (exchange.ts) ends early and says why, both ways.
 *
 * Telling: a side that gives up sends an `error` message before it closes,
 * then reads until the peer has closed too (at most {@link LINGER_MS}):
 * closing with the peer's data unread resets the connection, and the reset
 * can overtake the error (seen on loopback). Before, a side that could not
 * store the peer's entries (its disk full) just closed, and the peer's
 * round said "the peer hung up before it was done", which points at the
 * network, not at a disk.
 *
 * Hearing: the peer's `error` becomes a `peer_<code>` error (`peer_error`,
 * naming the code, for a code this mycel does not know: error_codes.ts
 * `peerCode` keeps the set of codes closed). Its text is
 * the peer's word, already bounded and checked for control characters when
 * decoded (sync_fields.ts `expectText`); for the codes we know (a peer that
 * can't store what we sent) we say it in our own words.
 */

import { peerCode } from "../error_codes.ts";
import { MycelError } from "../errors.ts";
import { MAX_ERROR_TEXT } from "../protocol/sync_fields.ts";
import type { SyncMessage } from "../protocol/sync_messages.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import { safeText } from "../text_safety.ts";

/** How long a session we end waits for the peer to close first (ms). */
export const LINGER_MS = 2000;

/** What a peer that stopped with one of these codes could not do, in our words. */
const KNOWN: Readonly<Record<string, { reason: string; hint: string }>> = {
  disk_full: {
    reason: "its disk is full",
    hint: "Free some space on that device's disk; the next round sends the rest.",
  },
  read_only: {
    reason: "its home is read-only",
    hint: "Remount that device's disk read-write; the next round sends the rest.",
  },
};

/** How {@link makeFailure}'s text begins: the peer could not make its state for us. */
const MAKING = "could not make its state to send you";

/** The error for a peer's `error` message (code and text as decoded). */
export function peerStopped(code: string, message: string): MycelError {
  const known = Object.hasOwn(KNOWN, code) ? KNOWN[code] : undefined;
  const ours = peerCode(code);
  if (known) {
    const what = message.startsWith(MAKING)
      ? "it could not make its state to send us"
      : "it could not store what we sent";
    return new MycelError(ours, "sync with peer", `${known.reason} (${what})`, known);
  }
  const value = ours === "peer_error" ? code : undefined;
  return new MycelError(ours, "sync with peer", `the peer stopped: ${message}`, { value });
}

/**
 * What we tell the peer when we could not store what it sent: the error's
 * code, and its reason as text the peer's decoder accepts (no control
 * characters, at most {@link MAX_ERROR_TEXT} characters).
 */
export function storeFailure(e: unknown): { code: string; message: string } {
  const mycel = e instanceof MycelError && /^[a-z_]{1,64}$/.test(e.code) ? e : undefined;
  const reason = mycel?.reason ?? "an error";
  return {
    code: mycel?.code ?? "store_failed",
    message: boundedText(`could not store what you sent: ${reason}`),
  };
}

/**
 * What we tell the peer when we could not make our state to send it (the
 * parts' spool outgrew our disk: storage/parts_spool.ts).
 */
export function makeFailure(e: MycelError): { code: string; message: string } {
  return { code: e.code, message: boundedText(`${MAKING}: ${e.reason}`) };
}

function boundedText(text: string): string {
  const safe = safeText(text);
  return safe.length <= MAX_ERROR_TEXT
    ? safe
    : `${safe.slice(0, MAX_ERROR_TEXT - 1)}…`.toWellFormed();
}

/** Send `error` and wait (bounded) for the peer to close; never throws. */
export async function tellPeer(
  send: (msg: SyncMessage) => Promise<void>,
  channel: SecureChannel,
  code: string,
  message: string,
): Promise<void> {
  await send({ type: "error", code, message }).catch(() => {});
  const until = performance.now() + LINGER_MS;
  for (let left = LINGER_MS; left > 0; left = until - performance.now()) {
    if (await channel.receive(left).catch(() => null) === null) break;
  }
}
