/**
 * @module sync_messages
 * The sync protocol's messages after the handshake (version 2; see
 * docs/sync_protocol.md). Each is one SecureChannel message holding a CBOR
 * array whose first item names it. Every field is checked by both the
 * encoder and the decoder (sync_fields.ts), so we never send what a peer
 * would refuse, and a peer's bytes become a `bad_message` naming the field.
 *
 * - `hi`: `["hi", now, digest16, [port…], observed, [[device32, endpoint]…], mesh]`
 *   — the sender's clock (for skew in both directions), the digest of its
 *   heads, the ports it accepts sync on, the address it sees the other side
 *   at ("" if none), where its WireGuard sees other members' tunnels now
 *   (`seen`, at most 16 IP-literal `host:port`s: NAT traversal, the receiver
 *   points its own tunnel to that device there), and its mesh id (two
 *   devices that peered by cards converge on one; see src/cli/peering.ts);
 * - `heads`: `["hd", [row…], last]` — only when the digests differ;
 * - `checkpoint`: `["cp", chunk, last]` — a signed checkpoint in chunks;
 * - `parts head` / `part`: `["cph", chunk, last]`, `["cpp", chunk, last]` —
 *   a checkpoint in parts (src/log/checkpoint_parts.ts): its signed head in
 *   chunks, then each part in chunks; sent only to a peer whose `hi` says it
 *   takes them ({@link ABILITY_PARTS});
 * - `checkpoint wait`: `["cpw"]` — the sender is making the checkpoint it
 *   sends next (a state of hundreds of MB takes longer to cut than a read
 *   deadline): the receiver waits for it under the whole checkpoint's
 *   deadline, not a read's; at most once a session, before the checkpoint,
 *   and only to a peer whose `hi` says it takes it
 *   ({@link ABILITY_CHECKPOINT_WAIT});
 * - `entries`: `["en", [entry…]]` — raw signed entries, a bounded batch;
 * - `end`: `["end", sent, more]` — the sender is done for this session;
 *   `more` says it stopped at its budget and the next round continues;
 * - `ack`: `["ack", accepted, refused]` — after storing what the other side
 *   sent, so "synced" means the peer holds our changes;
 * - `error`: `["err", code, text]` — the sender gives up; an initiator
 *   that only checked the handshake (`mycel doctor`) sends one with code
 *   {@link HANDSHAKE_CHECK} instead of its `hi`.
 */

import { asBytes } from "../bytes.ts";
import { DeviceKey } from "../log/device_key.ts";
import { isIpv4 } from "../ip.ts";
import { formatEndpoint, parseEndpoint } from "../log/endpoint.ts";
import { formatIpv6, parseIpv6 } from "../ip.ts";
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
import { type Head, headsFromWire } from "./sync_heads.ts";

/**
 * The `error` code of an initiator that wanted the handshake only (`mycel
 * doctor`'s peer check, sync/peer_probe.ts), sent in place of its `hi`: the
 * responder ends the session as a check, nothing exchanged and nothing
 * noted. A release before it takes the same message for a peer giving up
 * (it logs a failed session, "no hi", where it logged one for the bare
 * hang-up probes made before): no new message, nothing an older peer refuses.
 */
export const HANDSHAKE_CHECK = "handshake_check";

/**
 * What a peer's `hi` says it can take besides what every version 2 peer
 * takes, as bits: a checkpoint in parts. A release before them reads none.
 */
export const ABILITY_PARTS = 1;
/**
 * A `checkpoint wait` before a checkpoint. Its own bit, not the parts': a
 * build that took parts before it was added (bit 1 alone) refuses the
 * message as unknown, ending the session.
 */
export const ABILITY_CHECKPOINT_WAIT = 2;
/** The abilities this release has. */
export const OUR_ABILITIES = ABILITY_PARTS | ABILITY_CHECKPOINT_WAIT;

/**
 * How abilities travel without changing what an earlier release reads: as
 * the last item of `seen`, under this key (no device's: 32 bytes of a fixed
 * text), its endpoint `0.0.0.0:BITS`. An earlier release takes it for a
 * tunnel seen of a device that is not a member and skips it (nat_hints.ts
 * `noteSeen`); its strict decoders refuse any new field or message, and a
 * version bump would make every earlier release refuse the session. It takes
 * one of the {@link MAX_SEEN} items.
 */
export const ABILITIES_KEY = DeviceKey.of(
  Uint8Array.from({ length: 32 }, (_, i) => "mycel/sync/abilities/v1".charCodeAt(i) || 0),
);

/** Largest checkpoint chunk in one message. */
export const MAX_CHUNK = 1 << 20;
/** Most ports a `hi` may list. */
const MAX_PORTS = 8;
/** Most WireGuard endpoints a `hi` may tell. */
export const MAX_SEEN = 16;

/** Where the sender's WireGuard sees another member's tunnel. */
export interface SeenEndpoint {
  /** The member. */
  readonly device: DeviceKey;
  /** Its WireGuard endpoint as seen (`ip:port`, `[ipv6]:port`). */
  readonly endpoint: string;
}

/** An application message. */
export type SyncMessage =
  | {
    readonly type: "hi";
    readonly now: number;
    readonly digest: Uint8Array;
    readonly ports: readonly number[];
    readonly observed: string;
    readonly seen: readonly SeenEndpoint[];
    readonly mesh: string;
    /** {@link ABILITY_PARTS} and the like; absent: none (an earlier release). */
    readonly abilities?: number;
  }
  | { readonly type: "heads"; readonly rows: readonly [DeviceKey, Head][]; readonly last: boolean }
  | { readonly type: "checkpoint"; readonly chunk: Uint8Array; readonly last: boolean }
  | { readonly type: "parts_head"; readonly chunk: Uint8Array; readonly last: boolean }
  | { readonly type: "part"; readonly chunk: Uint8Array; readonly last: boolean }
  | { readonly type: "checkpoint_wait" }
  | { readonly type: "entries"; readonly entries: readonly Uint8Array[] }
  | { readonly type: "end"; readonly sent: number; readonly more: boolean }
  | { readonly type: "ack"; readonly accepted: number; readonly refused: number }
  | { readonly type: "error"; readonly code: string; readonly message: string };

function bool(raw: unknown, field: string, dir: Direction): boolean {
  if (typeof raw !== "boolean") throw badMessage(`${field} must be true or false`, dir);
  return raw;
}

function bytesOf(
  raw: unknown,
  field: string,
  min: number,
  max: number,
  dir: Direction,
): Uint8Array {
  const b = asBytes(raw);
  if (b === undefined || b.length < min || b.length > max) {
    throw badMessage(`${field} must be ${min}–${max} bytes`, dir);
  }
  return b.slice();
}

function ports(raw: unknown, dir: Direction): number[] {
  if (!Array.isArray(raw) || raw.length > MAX_PORTS) {
    throw badMessage(`ports must be a list of at most ${MAX_PORTS}`, dir);
  }
  return raw.map((p) => {
    const n = expectCount(p, "port", dir);
    if (n > 65535) throw badMessage("port must be 1–65535", dir);
    return n;
  });
}

function observedText(raw: unknown, dir: Direction): string {
  if (typeof raw !== "string" || raw.length > 64 || !/^[0-9A-Fa-f.:[\]%a-z-]*$/.test(raw)) {
    throw badMessage("observed address malformed", dir);
  }
  return raw;
}

function seenList(raw: unknown, dir: Direction): SeenEndpoint[] {
  if (!Array.isArray(raw) || raw.length > MAX_SEEN) {
    throw badMessage(`seen must be a list of at most ${MAX_SEEN}`, dir);
  }
  return raw.map((item) => {
    if (!Array.isArray(item) || item.length !== 2) throw badMessage("seen item malformed", dir);
    const key = asBytes(item[0]);
    if (key === undefined || key.length !== 32) {
      throw badMessage("seen device must be 32 bytes", dir);
    }
    const endpoint = item[1];
    if (typeof endpoint !== "string" || endpoint.length > 64 || !isIpEndpoint(endpoint)) {
      throw badMessage("seen endpoint malformed", dir);
    }
    return { device: DeviceKey.of(key), endpoint };
  });
}

/** `seen` on the wire, with the abilities (if any) as its last item. */
function seenWithAbilities(
  seen: readonly SeenEndpoint[],
  abilities: number | undefined,
  dir: Direction,
): unknown[] {
  const rows: unknown[][] | undefined = seen?.map((x) => [x.device?.bytes, x.endpoint]);
  if (abilities !== undefined && rows !== undefined) {
    if (!Number.isSafeInteger(abilities) || abilities < 1 || abilities > 65535) {
      throw badMessage("abilities must be 1–65535", dir);
    }
    rows.push([ABILITIES_KEY.bytes, `0.0.0.0:${abilities}`]);
  }
  // A seen item in the abilities' form would be read as them.
  if (abilitiesOf(seenList(rows, dir), dir) !== abilities) {
    throw badMessage("seen item malformed", dir);
  }
  return rows!.map(([k, e]) => [(k as Uint8Array).slice(), e]);
}

/**
 * The abilities a decoded `seen` ends with (one item at most, and only
 * last), if any. Only an item in their form (`0.0.0.0:BITS`, an endpoint no
 * tunnel has) is them: an item under the key at a real endpoint is a tunnel
 * seen, which an earlier release lists for a member admitted under that key
 * (a member may admit any 32 bytes); refused, it ended every session with
 * that release while the device was seen alive.
 */
function abilitiesOf(seen: readonly SeenEndpoint[], dir: Direction): number | undefined {
  const at = seen.findIndex((x) => x.device === ABILITIES_KEY && x.endpoint.startsWith("0.0.0.0:"));
  if (at < 0) return undefined;
  if (at !== seen.length - 1) throw badMessage("abilities malformed", dir);
  return Number(seen[at].endpoint.slice("0.0.0.0:".length));
}

/** `ip:port` or `[ipv6]:port` in canonical endpoint form (no names, no zones). */
function isIpEndpoint(text: string): boolean {
  try {
    const e = parseEndpoint(text);
    if (e.host.includes("%")) return false;
    const host = isIpv4(e.host)
      ? e.host
      : e.host.includes(":")
      ? formatIpv6(parseIpv6(e.host))
      : undefined;
    return host !== undefined && formatEndpoint({ host, port: e.port }) === text;
  } catch {
    return false;
  }
}

function meshText(raw: unknown, dir: Direction): string {
  if (typeof raw !== "string" || !/^[a-z0-9-]{1,64}$/.test(raw)) {
    throw badMessage("mesh id malformed", dir);
  }
  return raw;
}

function toWire(msg: SyncMessage, dir: Direction): unknown[] {
  switch (msg?.type) {
    case "hi":
      return [
        "hi",
        expectCount(msg.now, "now", dir, true),
        bytesOf(msg.digest, "digest", 16, 16, dir),
        ports(msg.ports, dir),
        observedText(msg.observed, dir),
        seenWithAbilities(msg.seen, msg.abilities, dir),
        meshText(msg.mesh, dir),
      ];
    case "heads": {
      headsFromWire(msg.rows.map(([k, h]) => [k.bytes, h.seq, h.hash])); // same checks as the peer
      return [
        "hd",
        msg.rows.map(([k, h]) => [k.bytes, h.seq, h.hash]),
        bool(msg.last, "last", dir),
      ];
    }
    case "checkpoint":
      return ["cp", bytesOf(msg.chunk, "chunk", 0, MAX_CHUNK, dir), bool(msg.last, "last", dir)];
    case "parts_head":
      return ["cph", bytesOf(msg.chunk, "chunk", 0, MAX_CHUNK, dir), bool(msg.last, "last", dir)];
    case "part":
      return ["cpp", bytesOf(msg.chunk, "chunk", 0, MAX_CHUNK, dir), bool(msg.last, "last", dir)];
    case "checkpoint_wait":
      return ["cpw"];
    case "entries":
      return ["en", expectEntryList(msg.entries, "entries", 1, MAX_BATCH_ENTRIES, dir)];
    case "end":
      return ["end", expectCount(msg.sent, "sent", dir, true), bool(msg.more, "more", dir)];
    case "ack":
      return [
        "ack",
        expectCount(msg.accepted, "accepted", dir, true),
        expectCount(msg.refused, "refused", dir, true),
      ];
    case "error":
      return ["err", expectCode(msg.code, dir), expectText(msg.message, dir)];
    default:
      throw badMessage("unknown message type", dir);
  }
}

/** Encode a message; checks it as the peer will. */
export function encodeSyncMessage(msg: SyncMessage): Uint8Array {
  const bytes = encodeCbor(toWire(msg, "write"));
  if (bytes.length > MAX_SYNC_MESSAGE) {
    throw badMessage(`it is ${bytes.length} bytes, over the ${MAX_SYNC_MESSAGE} limit`, "write");
  }
  return bytes;
}

/**
 * Decode a message. `lastHead` is the last author of the previous `heads`
 * message of this session (rows continue ascending across messages).
 * @throws MycelError `bad_message` naming the faulty field
 */
export function decodeSyncMessage(bytes: Uint8Array, lastHead?: DeviceKey): SyncMessage {
  const raw = expectArray(decodeTop(bytes, "sync message"), "sync message", 1, "read", true);
  const r = "read";
  const fields = (n: number, what: string) => expectArray(raw, what, n, r);
  switch (raw[0]) {
    case "hi": {
      const [, now, digest, p, observed, seen, mesh] = fields(7, "hi message");
      const listed = seenList(seen, r);
      const abilities = abilitiesOf(listed, r);
      return {
        type: "hi",
        now: expectCount(now, "now", r, true),
        digest: bytesOf(digest, "digest", 16, 16, r),
        ports: ports(p, r),
        observed: observedText(observed, r),
        seen: abilities === undefined ? listed : listed.slice(0, -1),
        mesh: meshText(mesh, r),
        ...(abilities === undefined ? {} : { abilities }),
      };
    }
    case "hd": {
      const [, rows, last] = fields(3, "heads message");
      return { type: "heads", rows: headsFromWire(rows, lastHead), last: bool(last, "last", r) };
    }
    case "cp": {
      const [, chunk, last] = fields(3, "checkpoint message");
      return {
        type: "checkpoint",
        chunk: bytesOf(chunk, "chunk", 0, MAX_CHUNK, r),
        last: bool(last, "last", r),
      };
    }
    case "cph":
    case "cpp": {
      const [, chunk, last] = fields(3, "checkpoint part message");
      return {
        type: raw[0] === "cph" ? "parts_head" : "part",
        chunk: bytesOf(chunk, "chunk", 0, MAX_CHUNK, r),
        last: bool(last, "last", r),
      };
    }
    case "cpw":
      fields(1, "checkpoint wait message");
      return { type: "checkpoint_wait" };
    case "en": {
      const [, entries] = fields(2, "entries message");
      return {
        type: "entries",
        entries: expectEntryList(entries, "entries", 1, MAX_BATCH_ENTRIES, r),
      };
    }
    case "end": {
      const [, sent, more] = fields(3, "end message");
      return { type: "end", sent: expectCount(sent, "sent", r, true), more: bool(more, "more", r) };
    }
    case "ack": {
      const [, accepted, refused] = fields(3, "ack message");
      return {
        type: "ack",
        accepted: expectCount(accepted, "accepted", r, true),
        refused: expectCount(refused, "refused", r, true),
      };
    }
    case "err": {
      const [, code, message] = fields(3, "error message");
      return { type: "error", code: expectCode(code, r), message: expectText(message, r) };
    }
    default:
      throw badMessage("unknown message type");
  }
}
