/**
 * @module pairing_inviter
 * The existing device's side of pairing (`mycel pair`): listen, show a code,
 * and admit exactly one device that proves it knows the code. Every
 * connection is answered at once up to the joiner's first Noise message,
 * which costs the code nothing (pairing_listener.ts, pairing_opening.ts);
 * the code checks that follow are one at a time, since a wrong code costs
 * one of three attempts. After those, or after the code expires, late
 * attempts are told why for a short while before the listener closes.
 * Once both people confirmed the verification string, the joiner is admitted
 * (a signed entry) and gets the mesh's whole state as a signed checkpoint.
 */

import { toBase64 } from "../bytes.ts";
import { isMycelError, MycelError } from "../errors.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import type { Op } from "../log/ops.ts";
import { verifySignature } from "../log/identity.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { newDiscoveryKeyOp, stateSecret } from "../mesh/discovery_key.ts";
import { encodePairingCode, generatePairingSecret } from "../protocol/pairing_code.ts";
import {
  bindingMessage,
  decodeConfirm,
  decodeJoinerInfo,
  encodeRefusal,
  encodeStateChunk,
  encodeVerdict,
  encodeWelcome,
  type JoinerInfo,
  type Refusal,
  verificationString,
} from "../protocol/pairing_messages.ts";
import { Home } from "../storage/home_handle.ts";
import { SecureChannel } from "../transport/secure_channel.ts";
import { listenTcp } from "../transport/tcp_listener.ts";
import type { LocalAddress } from "../mesh/self_endpoints.ts";
import { selfChange } from "./self_record.ts";
import type { NoisePair } from "../storage/noise_cache.ts";
import { confirmBoth, Inbox } from "./pairing_common.ts";
import { PairingListener, type Presented } from "./pairing_listener.ts";
import { connOf, openAttempt, type Opened, PairingOpenings } from "./pairing_opening.ts";

/** How long a successful inviter still tells queued joiners "code already used". */
export const USED_LINGER_MS = 300;

/** Wrong codes allowed before pairing is cancelled. */
export const MAX_ATTEMPTS = 3;

/** Options of {@link invite}. */
export interface InviteOptions {
  /** Address to bind. */
  bindHost: string;
  /** Port to bind (0: any free port). */
  port: number;
  /** Address put into the code (where the joiner connects). */
  advertiseHost: string;
  /** How long the code is valid (ms). */
  ttlMs: number;
  /** How long to keep answering late attempts after the end (ms). */
  lingerMs: number;
  /** Name to give the new device (else its own choice). */
  name?: string;
  /** Wall clock. */
  now: () => number;
  /**
   * How a time reads in messages ("code expired at ..."), which the joiner
   * shows too: local time with its UTC offset, as every command prints times
   * (the CLI passes its formatter; sync does not depend on the CLI).
   */
  timeText: (ms: number) => string;
  /** Environment. */
  env: (name: string) => string | undefined;
  /** Stops waiting (SIGINT). */
  signal: AbortSignal;
  /** Shows the code once the listener is up. */
  onCode: (code: string, expiresAt: number) => void;
  /** Progress lines (wrong attempts, verification string). */
  log: (line: string) => void;
  /**
   * Ask "same verification string on both screens?" (false: do not admit);
   * `dropped` fires when the other side ended the exchange first.
   */
  confirm: (verification: string, dropped: AbortSignal) => Promise<boolean>;
  /** This machine's addresses: our own record is brought up to date before the joiner gets it. */
  addresses?: readonly LocalAddress[];
}

/**
 * How an invitation ended: paired; or expired, cancelled (too many wrong
 * attempts), declined (a verification string not confirmed), failed (the
 * joiner hung up while the verification was being asked), or stopped (the
 * signal fired: Ctrl-C here).
 */
export type InviteResult =
  | { status: "paired"; device: DeviceRecord; verification: string; sentBytes: number }
  | { status: "expired" | "cancelled" | "stopped" | "declined" | "failed"; message: string }
  | {
    /** Admitted (signed, committed) but never confirmed: the code is spent. */
    status: "unconfirmed";
    device: DeviceRecord;
    message: string;
  };

/** Run one invitation for the home at `root`. */
export async function invite(root: string, o: InviteOptions): Promise<InviteResult> {
  const secret = generatePairingSecret();
  const listener = listenTcp(o.bindHost, o.port);
  const expiresAt = o.now() + o.ttlMs;
  let failures = 0;
  let ended: InviteResult | undefined;
  let endedAt = 0;
  // Our Noise keys, read once for every opening (pairing_opening.ts).
  let noise: Promise<NoisePair> | undefined;
  const keys = () => noise ??= noiseKeysOf(root, o);
  const incoming = new PairingOpenings(
    new PairingListener(listener),
    (conn) => openAttempt(conn, secret, keys),
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
        continue;
      }
      if (ended || !("m0" in conn)) {
        await refuse(connOf(conn), refusalNow());
        continue;
      }
      const result = await attempt(root, conn, o, () => failures);
      if (result === "wrong") {
        failures++;
        if (failures >= MAX_ATTEMPTS) {
          ended = { status: "cancelled", message: "too many wrong attempts; pairing cancelled" };
          endedAt = o.now();
          if (o.lingerMs <= 0) return ended;
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
    await incoming.close();
  }
}

/** Our Noise keys, from a read-only open of the home. */
async function noiseKeysOf(root: string, o: InviteOptions): Promise<NoisePair> {
  const home = await Home.open(root, { now: o.now, env: o.env });
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

/** How long the joiner may take for each message after its first Noise one (ms). */
const READ_MS = 15_000;

/**
 * One attempt, from a joiner's first Noise message on (pairing_opening.ts
 * answered its CPace share): "wrong" (a wrong code), "failed" (anything
 * else), or the pairing. The home is opened only once the code matched.
 */
async function attempt(
  root: string,
  opened: Opened,
  o: InviteOptions,
  failures: () => number,
): Promise<InviteResult | "wrong" | "failed"> {
  const { conn, hello, hs, m0 } = opened;
  const { frames } = conn;
  let home: Home | undefined;
  let admittedRecord: DeviceRecord | undefined;
  try {
    try {
      // The code's key is mixed in at the end of this message: a wrong code
      // fails here, before our static key is sent.
      await hs.readMessage(m0);
    } catch (e) {
      if (!isMycelError(e, "noise_decrypt")) throw e;
      const left = MAX_ATTEMPTS - failures() - 1;
      const message = left > 0
        ? `code did not match (${left} attempt${left === 1 ? "" : "s"} left)`
        : "code did not match; too many wrong attempts; pairing cancelled";
      o.log(`a device tried a wrong code (${left} ${left === 1 ? "attempt" : "attempts"} left)`);
      await frames.writeFrame(
        encodeRefusal({ code: left > 0 ? "wrong_code" : "cancelled", message }),
      );
      return "wrong";
    }
    home = await Home.open(root, { write: true, now: o.now, env: o.env });
    await frames.writeFrame(await hs.writeMessage());
    const m2 = await frames.readFrame(READ_MS);
    if (m2 === null) return "failed";
    const joiner = decodeJoinerInfo(await hs.readMessage(m2));
    const refusal = await checkJoiner(home, joiner, hs.remoteStatic!, hello.sid);
    await frames.writeFrame(encodeVerdict(refusal));
    if (refusal) {
      o.log(`refused a device: ${refusal.message}`);
      return "failed";
    }
    const channel = SecureChannel.fromHandshake(frames, hs);
    const verification = verificationString(channel.handshakeHash);
    o.log(`verification: ${verification} (the other screen shows the same)`);
    const inbox = new Inbox(channel);
    const agreed = await confirmBoth(
      inbox,
      (dropped) => o.confirm(verification, dropped),
      READ_MS * 20,
    );
    if (o.signal.aborted) return { status: "stopped", message: "the pairing was cancelled here" };
    if (agreed === "peer_gone") {
      return {
        status: "failed",
        message: "the other device hung up before the verification string was confirmed",
      };
    }
    if (agreed !== "yes") {
      o.log(agreed === "no" ? "pairing declined here" : "pairing declined on the other device");
      return { status: "declined", message: "the verification string was not confirmed" };
    }
    const admitted = await admit(home, joiner.record, o);
    admittedRecord = admitted.record;
    const self = home.view.member(home.device)!.record;
    await channel.send(
      encodeWelcome({ admission: admitted.bytes, mesh: home.meshId, inviter: self }),
    );
    const cp = await home.checkpoint();
    for (let at = 0;; at += 1 << 20) {
      const last = at + (1 << 20) >= cp.length;
      await channel.send(encodeStateChunk(cp.subarray(at, at + (1 << 20)), last));
      if (last) break;
    }
    // The joiner answers once it has stored the state: only then is it paired.
    const done = await inbox.next(READ_MS * 4);
    if (done === null || !decodeConfirm(done)) {
      throw new MycelError(
        "pairing_failed",
        "admit device",
        "the new device did not store the mesh's state",
      );
    }
    channel.close();
    await home.write((w) =>
      w.peer(admitted.record.key, (b) => {
        b.lastSeen = b.lastSync = o.now();
        b.address = conn.remote;
        b.path = "pairing";
      })
    );
    return { status: "paired", device: admitted.record, verification, sentBytes: cp.length };
  } catch (e) {
    o.log(`pairing attempt from ${conn.remote} failed: ${(e as Error).message}`);
    // Past the admission the code is spent: the device is in the mesh's log
    // for good, and a second joiner on the same code would make two.
    if (admittedRecord !== undefined) {
      return {
        status: "unconfirmed",
        device: admittedRecord,
        message: `${admittedRecord.name} was admitted but never confirmed it stored the ` +
          `mesh's state (${(e as Error).message})`,
      };
    }
    return "failed";
  } finally {
    home?.close();
    conn.done();
  }
}

async function checkJoiner(
  home: Home,
  joiner: JoinerInfo,
  noiseKey: Uint8Array,
  sid: Uint8Array,
): Promise<Refusal | undefined> {
  if (joiner.record.noiseKey !== toBase64(noiseKey)) {
    return { code: "bad_proof", message: "the device's record does not match its key" };
  }
  if (
    !(await verifySignature(joiner.record.key.bytes, bindingMessage(sid, noiseKey), joiner.proof))
  ) {
    return { code: "bad_proof", message: "the device could not prove its identity" };
  }
  if (joiner.members > 1 && joiner.mesh !== home.meshId) {
    return {
      code: "already_paired",
      message: `that device already belongs to another mesh with ${joiner.members} devices`,
    };
  }
  if (home.view.member(joiner.record.key)?.removed !== undefined) {
    return {
      code: "revoked",
      message: "this device's key was removed from the mesh; it needs a new key",
    };
  }
  if (joiner.record.key === home.device) {
    return { code: "bad_proof", message: "a device cannot pair with itself" };
  }
  return undefined;
}

/** Commit the `device.add` admitting the joiner; returns the entry and record. */
async function admit(home: Home, record: DeviceRecord, o: InviteOptions) {
  return await home.write(async (w) => {
    const taken = new Set(
      w.view.members().filter((m) => m.record.key !== record.key).map((m) => m.record.ipv4).filter(
        Boolean,
      ),
    );
    const admitted: DeviceRecord = {
      ...record,
      name: o.name ?? record.name,
      ipv4: allocateIpv4(home.meshId, record.id, taken),
    };
    // A mesh made before discovery secrets existed gets one with its next admission.
    const secret = stateSecret(w.view) ? [] : [newDiscoveryKeyOp(w.view)];
    // The joiner gets our endpoints and WireGuard port as they are now, in
    // the same entry: `mesh up` right after pairing works on both sides.
    const change = o.addresses ? selfChange(home, o.addresses, { wgPort: true }) : { fields: {} };
    const own: Op[] = Object.keys(change.fields).length === 0
      ? []
      : [{ type: "device.update", device: home.device, fields: change.fields }];
    if (change.auto) w.setLocal("autoEndpoints", change.auto);
    const entry = await w.commit([...own, { type: "device.add", device: admitted }, ...secret]);
    return { bytes: entry!.bytes, record: admitted };
  });
}
