/**
 * @module ingest_run_test
 * How ingest treats a run of one author's entries whose bytes were damaged
 * (a bit flipped on disk or in transit), with an in-memory log:
 * - the run is authenticated by its chain and its last entry's signature:
 *   from the network, a run whose last signature fails is refused whole (no
 *   signature vouches for any of it; an honest peer sends it intact later);
 * - a damaged entry in the middle ends the run where the next entry no
 *   longer links; what follows waits as a gap — never mistaken for a fork;
 * - salvage mode (repair and migration of our own disk) keeps the longest
 *   prefix whose entries all verify, so damage costs only what is damaged.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import type { DeviceKey } from "../../src/log/device_key.ts";
import { decodeSignedEntry, type SignedEntry } from "../../src/log/entry.ts";
import { Signer } from "../../src/log/identity.ts";
import { type AsideReason, Ingest, type LogTarget } from "../../src/log/ingest.ts";
import { encodeOp } from "../../src/log/ops.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { bodyFields, handMadeEntry, testDevices, testKeys } from "./helpers.ts";

/** The replicated state plus chains, aside entries and fork reports, in memory. */
class MemoryLog extends MemoryState implements LogTarget {
  readonly chains = new Map<DeviceKey, SignedEntry[]>();
  readonly aside: { e: SignedEntry; reason: AsideReason }[] = [];
  readonly forks: { author: DeviceKey; seq: number }[] = [];

  head(author: DeviceKey) {
    const last = this.chains.get(author)?.at(-1);
    return last && { seq: last.entry.seq, hash: last.hash };
  }

  hashAt(author: DeviceKey, seq: number) {
    return this.chains.get(author)?.[seq - 1]?.hash;
  }

  append(e: SignedEntry): void {
    const chain = this.chains.get(e.entry.author) ?? [];
    chain.push(e);
    this.chains.set(e.entry.author, chain);
  }

  setAside(e: SignedEntry, reason: AsideReason): boolean {
    if (this.aside.some((a) => a.e.hash === e.hash && a.reason === reason)) return false;
    this.aside.push({ e, reason });
    return true;
  }

  asideRemovals(): boolean {
    return false; // these tests hold no removals
  }

  takeWaiting(author: DeviceKey): SignedEntry[] {
    const out = this.aside.filter((a) => a.reason === "waiting" && a.e.entry.author === author);
    for (const a of out) this.aside.splice(this.aside.indexOf(a), 1);
    return out.map((a) => a.e);
  }

  noteFork(author: DeviceKey, seq: number): void {
    this.forks.push({ author, seq });
  }
}

/** Five entries of one device: it announces itself, then sets a preference in each. */
async function fiveEntries() {
  const [d] = await testDevices(1);
  d.log.length = 0;
  const device = {
    key: d.key,
    id: d.id,
    name: "dev",
    noiseKey: toBase64(d.keys.noisePublic),
    wgKey: toBase64(d.keys.wgPublic),
    endpoints: [],
    ipv4: "",
    wgPort: 0,
  };
  await d.append([{ type: "device.add", device }], 1000);
  for (let i = 2; i <= 5; i++) {
    await d.append([{ type: "pref.set", key: `k${i}`, value: `value number ${i}` }], 1000 * i);
  }
  return d;
}

/** `e` with one bit of its signature flipped (it still decodes). */
function badSignature(e: SignedEntry): Uint8Array {
  const sig = e.signature.slice();
  sig[7] ^= 0x01;
  return encodeCbor([e.body, sig]);
}

/** `e` with one character of its body changed (it still decodes; its hash changes). */
function damagedBody(e: SignedEntry, from: string, to: string): Uint8Array {
  const body = e.body.slice();
  const text = new TextEncoder().encode(from);
  const at = body.findIndex((_, i) => text.every((b, j) => body[i + j] === b));
  assert.ok(at >= 0);
  body[at] = to.charCodeAt(0);
  const [, signature] = decodeCbor(e.bytes, "entry") as [Uint8Array, Uint8Array];
  return encodeCbor([body, signature]);
}

Deno.test("ingest: from the network, a run whose last entry is damaged is refused whole", async () => {
  const d = await fiveEntries();
  const log = new MemoryLog();
  const ingest = new Ingest(log, new Set([d.key]));
  const raw = d.log.map((e) => e.bytes);
  raw[4] = badSignature(d.log[4]);
  await ingest.push(raw);
  const r = ingest.finish();
  assert.equal(r.accepted, 0);
  assert.equal(r.refusedCount, 5);
  assert.deepEqual(r.refused.map((x) => [x.seq, x.code, x.reason]), [
    [1, "bad_signature", "the run it belongs to does not verify (altered in transit?)"],
    [2, "bad_signature", "the run it belongs to does not verify (altered in transit?)"],
    [3, "bad_signature", "the run it belongs to does not verify (altered in transit?)"],
    [4, "bad_signature", "the run it belongs to does not verify (altered in transit?)"],
    [5, "bad_signature", "its signature does not verify"],
  ]);
  assert.equal(log.head(d.key), undefined);
  assert.deepEqual(r.forks, []);
  assert.deepEqual(log.space("prefs").versions("k4"), []);
});

Deno.test("ingest in salvage mode (our own disk): a damaged last entry costs only that entry", async () => {
  const d = await fiveEntries();
  const log = new MemoryLog();
  const ingest = new Ingest(log, new Set([d.key]), true);
  const raw = d.log.map((e) => e.bytes);
  raw[4] = badSignature(d.log[4]);
  await ingest.push(raw);
  const r = ingest.finish();
  assert.equal(r.accepted, 4);
  assert.deepEqual(r.refused.map((x) => [x.seq, x.code, x.reason]), [
    [5, "bad_signature", "its signature does not verify"],
  ]);
  assert.equal(log.head(d.key)?.seq, 4);
  assert.equal(log.space("prefs").versions("k4")[0].value, "value number 4");
  assert.deepEqual(log.space("prefs").versions("k5"), []);
});

Deno.test("ingest: a damaged entry mid-run ends the run; the rest waits as a gap, not a fork", async () => {
  const d = await fiveEntries();
  const log = new MemoryLog();
  const ingest = new Ingest(log, new Set([d.key]));
  const raw = d.log.map((e) => e.bytes);
  raw[2] = damagedBody(d.log[2], "value number 3", "V");
  assert.ok(decodeSignedEntry(raw[2]), "the damaged entry still decodes");
  await ingest.push(raw);
  const r = ingest.finish();
  assert.equal(r.accepted, 0, "no signature vouches for the run that ends at the damage");
  assert.equal(log.head(d.key), undefined);
  assert.deepEqual(r.forks, [], "a broken link inside a run is no fork");
  assert.deepEqual(log.forks, []);
  assert.deepEqual(r.refused.map((x) => [x.seq, x.code]), [
    [1, "bad_signature"],
    [2, "bad_signature"],
    [3, "bad_signature"],
    [4, "gap"],
    [5, "gap"],
  ]);

  // The intact entries arrive later (from a peer that holds them): all fold.
  const again = new Ingest(log, new Set([d.key]));
  await again.push(d.log.map((e) => e.bytes));
  assert.equal(again.finish().accepted, 5);
  assert.equal(log.head(d.key)?.seq, 5);
});

Deno.test("ingest: a run whose last two entries both fail is refused whole", async () => {
  const d = await fiveEntries();
  const [, other] = await testKeys(2);
  const forger = new Signer(other);
  // Entries 4 and 5 link onto the chain but are signed with another key.
  const e4 = decodeSignedEntry(
    await handMadeEntry(
      forger,
      bodyFields(d.signer, {
        seq: 4,
        prev: d.log[2].hash,
        wall: 9000,
        ops: [encodeOp({ type: "pref.set", key: "evil", value: "4" })],
      }),
    ),
  );
  const e5 = await handMadeEntry(
    forger,
    bodyFields(d.signer, {
      seq: 5,
      prev: e4.hash,
      wall: 9001,
      ops: [encodeOp({ type: "pref.set", key: "evil", value: "5" })],
    }),
  );
  const log = new MemoryLog();
  const ingest = new Ingest(log, new Set([d.key]));
  await ingest.push([...d.log.slice(0, 3).map((e) => e.bytes), e4.bytes, e5]);
  const r = ingest.finish();
  assert.equal(r.accepted, 0);
  assert.equal(log.head(d.key), undefined);
  assert.deepEqual(r.refused.map((x) => [x.seq, x.reason]), [
    [1, "the run it belongs to does not verify (altered in transit?)"],
    [2, "the run it belongs to does not verify (altered in transit?)"],
    [3, "the run it belongs to does not verify (altered in transit?)"],
    [4, "the run it belongs to does not verify (altered in transit?)"],
    [5, "its signature does not verify"],
  ]);
});
