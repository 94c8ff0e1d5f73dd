/**
 * @module udp_respond
 * The answering side of LAN discovery, for a long-running `sync serve
 * --listen` ({@link respond}: its own sockets on UDP 7850, answers go back
 * to the sender) and for socket activation ({@link respondStream}: datagrams
 * read from the socket systemd passes as standard input, which hides the
 * sender, so answers go to every link's broadcast/multicast at the probe's
 * reply port; the process exits after a quiet spell). A device never
 * answers its own probe, answers each probe nonce once, and sends at most
 * {@link MAX_ANSWERS_PER_SECOND} answers a second.
 */

import type dgram from "node:dgram";
import { toHex } from "../bytes.ts";
import { pause } from "../deadline.ts";
import { MycelError } from "../errors.ts";
import {
  decodePacket,
  deviceTag,
  DISCOVERY_PORT,
  encodePacket,
  keyring,
  PACKET_BYTES,
  tagMap,
  windowAt,
  type WindowKeys,
} from "../protocol/discovery.ts";
import { type CommonOptions, type DiscoveryIdentity, nonce, send, socket } from "./udp_socket.ts";
import { discoveryTargets } from "./udp_targets.ts";

/** Most answers a responder sends per second (a replayed probe flood stays small). */
export const MAX_ANSWERS_PER_SECOND = 20;

/** A probe a responder accepted: where it came from (when known) and what it said. */
export interface ProbeSeen {
  /** Sender's device id, when it is one of `peers`. */
  deviceId?: string;
  /** Source address, when the responder can see it. */
  host?: string;
  /** The prober's sync port. */
  syncPort: number;
}

/** Options of the responders. */
export interface RespondOptions extends CommonOptions {
  /** Device ids to recognise in probes (for `onProbe`). */
  peers?: readonly string[];
  /** Called for each accepted probe. */
  onProbe?: (p: ProbeSeen) => void;
}

/** A prober heard again within this long gets no second broadcast answer. */
const PROBER_QUIET_MS = 2000;

/**
 * Decides whether to answer a datagram, and builds the answer. Shared by
 * both responders. `perProber`: one answer per prober per
 * {@link PROBER_QUIET_MS} (a broadcast answer already reaches it on every
 * link, so its IPv4 and IPv6 probes need only one).
 */
class Answerer {
  #seen = new Set<string>();
  #probers = new Map<string, number>();
  #rings?: { window: number; secrets: Uint8Array[]; keys: WindowKeys[][] };
  #second = 0;
  #count = 0;
  constructor(private o: RespondOptions, private perProber = false) {}

  answer(msg: Uint8Array, host?: string): { bytes: Uint8Array; replyPort: number } | undefined {
    const now = (this.o.now ?? Date.now)();
    // Keys change every window; derive them once per window (and secret), not per packet.
    const window = windowAt(now);
    const secrets = [this.o.identity.secret, ...(this.o.identity.also ?? [])];
    if (
      this.#rings?.window !== window || this.#rings.secrets.length !== secrets.length ||
      this.#rings.secrets.some((x, i) => x !== secrets[i])
    ) {
      this.#rings = { window, secrets, keys: secrets.map((x) => keyring(x, now)) };
    }
    if (msg.length !== PACKET_BYTES || msg[3] !== 0x11) return undefined;
    let p: ReturnType<typeof decodePacket> | undefined;
    let keys: WindowKeys[] = [];
    for (const ring of this.#rings.keys) {
      try {
        p = decodePacket(msg, ring);
        keys = ring;
        break;
      } catch {
        // another mesh's, or under the next secret
      }
    }
    if (p === undefined) return undefined;
    const k = keys.find((x) => x.window === p!.window)!;
    if (toHex(p.tag) === toHex(deviceTag(k, this.o.identity.deviceId))) return undefined; // our own
    const key = toHex(p.nonce);
    if (this.#seen.has(key)) return undefined;
    const prober = toHex(p.tag);
    if (this.perProber && now - (this.#probers.get(prober) ?? -Infinity) < PROBER_QUIET_MS) {
      return undefined;
    }
    if (Math.floor(now / 1000) !== this.#second) {
      [this.#second, this.#count] = [Math.floor(now / 1000), 0];
    }
    if (++this.#count > MAX_ANSWERS_PER_SECOND) return undefined;
    if (this.#seen.size >= 1024) this.#seen.clear();
    if (this.#probers.size >= 1024) this.#probers.clear();
    this.#seen.add(key);
    this.#probers.set(prober, now);
    const deviceId = tagMap(k, this.o.peers ?? []).get(toHex(p.tag));
    this.o.onProbe?.({
      ...(deviceId ? { deviceId } : {}),
      ...(host ? { host } : {}),
      syncPort: p.syncPort,
    });
    return { bytes: answerFor(k, this.o.identity, p.nonce), replyPort: p.replyPort };
  }
}

function answerFor(k: WindowKeys, id: DiscoveryIdentity, probeNonce: Uint8Array): Uint8Array {
  const tag = deviceTag(k, id.deviceId);
  return encodePacket(k, {
    kind: "answer",
    nonce: nonce(),
    syncPort: id.syncPort,
    replyPort: 0,
    tag,
  }, probeNonce);
}

function portInUse(port: number, e: unknown): MycelError {
  return new MycelError("port_in_use", "answer discovery probes", `UDP port ${port} is in use`, {
    value: port,
    hint: "Another responder (the mycel-discovery socket unit?) already answers on this host.",
    cause: e,
  });
}

/**
 * Answer probes on UDP `port` (default 7850, IPv4 and IPv6) until `signal`
 * aborts. Answers go straight back to the prober, or to its link's
 * broadcast/multicast when its address is an IPv6 link-local one.
 */
export async function respond(
  o: RespondOptions & { signal: AbortSignal; port?: number; onListening?: () => void },
): Promise<void> {
  const port = o.port ?? DISCOVERY_PORT;
  const s4 = await socket("udp4", port).catch((e) => {
    throw portInUse(port, e);
  });
  const s6 = await socket("udp6", port).catch(() => undefined); // no IPv6 here
  const answerer = new Answerer(o);
  const handle = (s: dgram.Socket) => (msg: Uint8Array, from: dgram.RemoteInfo) => {
    if (o.counters) o.counters.received++;
    const host = from.address.replace(/^::ffff:(?=\d+\.)/, "");
    const a = answerer.answer(new Uint8Array(msg), host);
    if (a === undefined) return;
    if (!/^fe80:/i.test(host)) {
      void send(s, a.bytes, host, a.replyPort, o.counters);
      return;
    }
    for (const t of (o.targets ?? discoveryTargets()).filter((x) => x.family === 6)) {
      void send(s, a.bytes, t.host, a.replyPort, o.counters);
    }
  };
  s4.on("message", handle(s4));
  s6?.on("message", handle(s6));
  o.onListening?.();
  await new Promise<void>((resolve) => {
    if (o.signal.aborted) resolve();
    o.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  s4.close();
  s6?.close();
}

/**
 * Socket activation: answer the probes read (one datagram per read) from
 * `read` — systemd's datagram socket as standard input — until nothing came
 * for `idleMs`. Returns how many probes were answered. The last read is
 * still pending then (a read of standard input cannot be cancelled): the
 * caller exits the process.
 */
export async function respondStream(
  o: RespondOptions & { read: (buf: Uint8Array) => Promise<number | null>; idleMs?: number },
): Promise<number> {
  const answerer = new Answerer(o, true);
  const s4 = await socket("udp4", 0);
  const s6 = await socket("udp6", 0).catch(() => undefined);
  const buf = new Uint8Array(2048);
  let answered = 0;
  try {
    while (true) {
      const heard = new AbortController();
      const idle = pause(o.idleMs ?? 10_000, heard.signal).then(() => null);
      const n = await Promise.race([o.read(buf), idle]);
      heard.abort(); // clears the idle timer
      if (n === null) break;
      if (o.counters) o.counters.received++;
      const a = answerer.answer(buf.slice(0, n));
      if (a === undefined) continue;
      answered++;
      for (const t of o.targets ?? discoveryTargets()) {
        const s = t.family === 4 ? s4 : s6;
        if (s) await send(s, a.bytes, t.host, a.replyPort, o.counters);
      }
    }
  } finally {
    s4.close();
    s6?.close();
  }
  return answered;
}
