/**
 * @module pairing_inviter
 * The existing device's side of pairing (`mycel pair`): listen, show a code,
 * and admit exactly one device that proves it knows the code. Every
 * connection is answered at once up to the joiner's first Noise message,
 * which costs the code nothing (pairing_listener.ts, pairing_opening.ts);
 * the code checks that follow are one at a time, since a wrong code costs
 * one of three attempts. After those, or after the code expires, late
 * attempts are told why for a short while before the listener closes.
 * A code spent (the joiner admitted) stops the listener at once (what the
 * kernel already accepted is taken first): only connections already there
 * are still told "code already used", each before it is closed.
 * Once both people confirmed the verification string, the joiner is admitted
 * (a signed entry) and gets the mesh's whole state as a signed checkpoint.
 */

import { encodePairingCode, generatePairingSecret } from "../protocol/pairing_code.ts";
import { encodeRefusal, type Refusal } from "../protocol/pairing_messages.ts";
import { Home } from "../storage/home_handle.ts";
import type { NoisePair } from "../storage/noise_cache.ts";
import { listenTcp } from "../transport/tcp_listener.ts";
import { attempt } from "./pairing_attempt.ts";
import { type InviteOptions, type InviteResult, MAX_ATTEMPTS } from "./pairing_invite_types.ts";
import { PairingListener, type Presented } from "./pairing_listener.ts";
import { connOf, openAttempt, PairingOpenings } from "./pairing_opening.ts";

/**
 * How long a successful inviter still tells joiners already connected "code
 * already used". Its listening socket is closed when the code is spent, not
 * after this: it held the port for 240–350 ms after the joiner had exited,
 * so a `mycel pair` started right after (a script pairing a third device)
 * failed with address_in_use.
 */
export const USED_LINGER_MS = 300;

/** Run one invitation for the home at `root`. */
export async function invite(root: string, o: InviteOptions): Promise<InviteResult> {
  const secret = generatePairingSecret();
  const listener = listenTcp(o.bindHost, o.port);
  const expiresAt = o.now() + o.ttlMs;
  let failures = 0;
  let ended: InviteResult | undefined;
  let endedAt = 0;
  // Our Noise keys, read once for every opening (pairing_opening.ts); read
  // again by the next joiner if reading failed (said here: the joiner is only hung up on).
  let noise: Promise<NoisePair> | undefined;
  const keys = () =>
    noise ??= noiseKeysOf(root, o).catch((e) => {
      noise = undefined;
      o.log(`pairing attempt failed: ${(e as Error).message}`);
      throw e;
    });
  const accepting = new PairingListener(listener);
  const incoming = new PairingOpenings(
    accepting,
    (conn) => openAttempt(conn, secret, keys, o.log),
    () => ended !== undefined,
  );
  const spent = () => ended?.status === "paired" || ended?.status === "unconfirmed";
  const refusalNow = (): Refusal =>
    spent()
      ? { code: "used", message: "code already used" }
      : failures >= MAX_ATTEMPTS
      ? { code: "cancelled", message: "too many wrong attempts; pairing cancelled" }
      : { code: "expired", message: `code expired at ${o.timeText(expiresAt)}` };
  try {
    o.onCode(encodePairingCode({ host: o.advertiseHost, port: listener.port, secret }), expiresAt);
    const stop = () => void incoming.close();
    o.signal.addEventListener("abort", stop, { once: true });
    if (o.signal.aborted) stop(); // Ctrl-C came before the listener was ours to close
    while (true) {
      // After success, only answer devices that were already waiting (a
      // moment); after expiry or cancellation, late ones for `lingerMs`.
      const linger = spent() ? Math.min(o.lingerMs, USED_LINGER_MS) : o.lingerMs;
      const closeAt = ended ? endedAt + linger : expiresAt;
      const conn = await incoming.next(closeAt - o.now());
      if (o.signal.aborted) {
        if (conn) connOf(conn).done();
        return ended ?? { status: "stopped", message: "the pairing was cancelled here" };
      }
      if (conn === null) {
        if (ended) return ended;
        ended = { status: "expired", message: `code expired at ${o.timeText(expiresAt)}` };
        endedAt = o.now();
        if (o.lingerMs <= 0) return ended;
        o.onEnded?.(ended.message, endedAt + o.lingerMs);
        continue;
      }
      if (ended || !("m0" in conn)) {
        await refuse(connOf(conn), refusalNow());
        continue;
      }
      const result = await attempt(root, conn, o, () => failures, () => {
        void accepting.stopAccepting();
      });
      if (result === "wrong") {
        failures++;
        if (failures >= MAX_ATTEMPTS) {
          ended = { status: "cancelled", message: "too many wrong attempts; pairing cancelled" };
          endedAt = o.now();
          if (o.lingerMs <= 0) return ended;
          o.onEnded?.(ended.message, endedAt + o.lingerMs);
        }
      } else if (result !== "failed") {
        // Ended at the verification question: now, not after lingering for late joiners
        // (a question the other side dropped still has its read pending on the terminal,
        // which would take the next line typed; and a declined code is not "expired").
        if (result.status !== "paired" && result.status !== "unconfirmed") return result;
        ended = result;
        endedAt = o.now();
      }
    }
  } finally {
    // A code that ended (used, expired, cancelled) is said to every
    // connection still open, a joiner between its hello and its code check
    // say, which is closed once it read it; cut off, it heard a reset.
    const tell = ended !== undefined && !o.signal.aborted;
    await incoming.close(tell ? encodeRefusal(refusalNow()) : undefined);
  }
}

/** Our Noise keys, from a read-only open of the home. */
async function noiseKeysOf(root: string, o: InviteOptions): Promise<NoisePair> {
  const home = await Home.open(root, { now: o.now, env: o.env, signal: o.signal });
  try {
    return await home.noiseKeys();
  } finally {
    home.close();
  }
}

/** Tell a late joiner (it spoke first) why it cannot pair. */
async function refuse(conn: Presented, r: Refusal): Promise<void> {
  try {
    await conn.frames.writeFrame(encodeRefusal(r));
  } catch {
    // a late joiner that hangs up is not our problem
  } finally {
    conn.done();
  }
}

export { type InviteOptions, type InviteResult, MAX_ATTEMPTS };
