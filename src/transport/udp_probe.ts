/**
 * @module udp_probe
 * The asking side of LAN discovery: one probe per link (IPv4 directed
 * broadcast, IPv6 all-nodes on each interface, a fresh nonce each), then
 * answers are collected for a short window. Only answers that carry the MAC
 * of this mesh over one of this probe's nonces, from a device this device
 * knows, count. IPv6 link-local senders get the probed interface as zone
 * when there is only one (the socket cannot tell which link a packet used).
 * A device counts at no more than {@link MAX_FOUND_PER_DEVICE} addresses: a
 * member holding the mesh secret (a stolen device, or a removed one before
 * its removal arrives) can answer in any member's name from as many
 * addresses as it has (an IPv6 /64), and a round dials every find.
 */

import type dgram from "node:dgram";
import { toHex } from "../bytes.ts";
import {
  decodePacket,
  deviceTag,
  DISCOVERY_PORT,
  encodePacket,
  keyring,
  PACKET_BYTES,
  tagMap,
} from "../protocol/discovery.ts";
import { type CommonOptions, type Found, nonce, send, socket } from "./udp_socket.ts";
import { discoveryTargets } from "./udp_targets.ts";
import { pause } from "../deadline.ts";

/**
 * Most addresses one device is found at per probe: its IPv4 and IPv6
 * addresses on two links. Before, every answering address counted, and a
 * round dialled each (a hostile member answering from 40 addresses for one
 * device: 40 finds, 40 dials in turn).
 */
export const MAX_FOUND_PER_DEVICE = 4;

/**
 * An IPv4 and an IPv6 socket on the same port, so one reply port reaches
 * this prober on both families (a socket-activated responder broadcasts one
 * answer on every link). Only IPv4 when this host has no IPv6.
 */
async function socketPair(): Promise<{ s4: dgram.Socket; s6?: dgram.Socket }> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const s6 = await socket("udp6", 0).catch(() => undefined);
    if (s6 === undefined) return { s4: await socket("udp4", 0) };
    const s4 = await socket("udp4", s6.address().port).catch(() => undefined);
    if (s4) return { s4, s6 };
    s6.close(); // that port is taken on IPv4: draw another
  }
  return { s4: await socket("udp4", 0) };
}

/** Options of {@link probe}. */
export interface ProbeOptions extends CommonOptions {
  /** Device ids to recognise (the mesh's other members). */
  peers: readonly string[];
  /** Called for each new find as it arrives (a round can dial it at once). */
  onFound?: (f: Found) => void;
  /** How long to wait for answers (ms, default 1500: covers a socket-activated start). */
  listenMs?: number;
  /** Port responders listen on (default 7850). */
  port?: number;
  /** Ctrl-C: stop listening and return what was found so far. */
  signal?: AbortSignal;
}

/** Send a probe on every link and return the known devices that answered. */
export async function probe(o: ProbeOptions): Promise<Found[]> {
  const now = o.now ?? Date.now;
  const keys = keyring(o.identity.secret, now());
  const own = deviceTag(keys[0], o.identity.deviceId);
  const targets = o.targets ?? discoveryTargets();
  const zones = [...new Set(targets.filter((t) => t.zone).map((t) => t.zone!))];
  const tags = keys.map((k) => tagMap(k, o.peers.filter((p) => p !== o.identity.deviceId)));
  const { s4, s6 } = await socketPair();
  const sent: Uint8Array[] = [];
  const found = new Map<string, Found>();
  const perDevice = new Map<string, number>();
  const onMessage = (msg: Uint8Array, from: dgram.RemoteInfo) => {
    if (o.counters) o.counters.received++;
    if (msg.length !== PACKET_BYTES) return;
    for (const n of sent) {
      let p;
      try {
        p = decodePacket(new Uint8Array(msg), keys, n);
      } catch {
        continue;
      }
      const id = tags[keys.findIndex((k) => k.window === p.window)].get(toHex(p.tag));
      if (id === undefined || p.syncPort === 0) return;
      let host = from.address.replace(/^::ffff:(?=\d+\.)/, "");
      if (/^fe80:/i.test(host)) {
        if (zones.length !== 1) return; // which link it came over is unknowable here
        host = `${host}%${zones[0]}`;
      }
      const key = `${id} ${host}`;
      const count = perDevice.get(id) ?? 0;
      if (!found.has(key) && count < MAX_FOUND_PER_DEVICE) {
        perDevice.set(id, count + 1);
        const f = { deviceId: id, host, port: p.syncPort };
        found.set(key, f);
        o.onFound?.(f);
      }
      return;
    }
  };
  s4.on("message", onMessage);
  s6?.on("message", onMessage);
  try {
    for (const t of targets) {
      const s = t.family === 4 ? s4 : s6;
      if (!s) continue;
      const n = nonce();
      sent.push(n);
      const bytes = encodePacket(keys[0], {
        kind: "probe",
        nonce: n,
        syncPort: o.identity.syncPort,
        replyPort: s.address().port,
        tag: own,
      });
      await send(s, bytes, t.host, t.port ?? o.port ?? DISCOVERY_PORT, o.counters);
    }
    await pause(o.listenMs ?? 1500, o.signal);
  } finally {
    s4.close();
    s6?.close();
  }
  return [...found.values()].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
}
