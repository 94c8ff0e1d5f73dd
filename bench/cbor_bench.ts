/**
 * @module cbor_bench
 * mycel's own CBOR codec (src/log/cbor.ts) side by side with cbor-x 1.6.9
 * configured as mycel used it before (tagUint8Array false, useRecords false,
 * mapsAsObjects true, variableMapSize true; pure JS, as in the compiled
 * binary), on the same bytes in the same process:
 * - a typical log entry (`pref.set`, ~200 bytes): the `[body, signature]`
 *   wrapper, then the body in a second pass — the CBOR part of every entry
 *   read from disk or a peer;
 * - an entry with a nested config value (~1.3 KB);
 * - a `heads` message for 1,000 authors; an `entries` message of 1,024 entries;
 * - encoding a typical entry body (the old `encodeCbor` copied cbor-x's
 *   output into a fresh array; so does this baseline).
 * Rounds alternate which codec runs first; each round times a batch of
 * calls; the table gives the median and minimum time per call over the
 * rounds and the ratio of medians (ours / cbor-x; below 1 = faster).
 *
 *     deno run -A bench/cbor_bench.ts            # ROUNDS=41 by default
 */

import { Decoder, Encoder } from "cbor-x/encode";
import { decodeCbor, encodeCbor } from "../src/log/cbor.ts";
import { DeviceKey } from "../src/log/device_key.ts";
import { createEntry } from "../src/log/entry.ts";
import { generateDeviceKeys, Signer } from "../src/log/identity.ts";
import { sortedHeads } from "../src/protocol/sync_heads.ts";
import { encodeSyncMessage } from "../src/protocol/sync_messages.ts";

const ROUNDS = Number(Deno.env.get("ROUNDS") ?? 41);
const cborX = new Encoder({
  tagUint8Array: false,
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
});
const cborXDecoder = new Decoder({ useRecords: false, mapsAsObjects: true });

const signer = new Signer(await generateDeviceKeys());
const hlc = { wall: 1_765_000_000_000, counter: 0, node: signer.id };
const typical = await createEntry(signer, {
  seq: 42,
  prev: new Uint8Array(32).fill(1),
  hlc,
  ops: [{ type: "pref.set", key: "editor.theme", value: "solarized-dark" }],
});
const nested = await createEntry(signer, {
  seq: 43,
  prev: typical.hash,
  hlc: { ...hlc, counter: 1 },
  ops: [{
    type: "config.set",
    key: "editor.settings",
    value: {
      font: { family: "Fira Code", size: 13.5, ligatures: true },
      rulers: [80, 100, 120],
      files: Object.fromEntries([...Array(30)].map((_, i) => [`*.ext${i}`, `mode-${i}`])),
      recent: [...Array(20)].map((_, i) => ({ path: `/home/me/p${i}`, at: 1_765_000_000_000 + i })),
    },
  }],
});
const key = (i: number) => new Uint8Array(32).map((_, j) => (i * 31 + j * 7) & 255);
const heads = encodeSyncMessage({
  type: "heads",
  rows: sortedHeads(
    new Map([...Array(1000)].map((_, i) => [DeviceKey.of(key(i)), { seq: i + 1, hash: key(i) }])),
  ),
  last: true,
});
const batch = encodeSyncMessage({ type: "entries", entries: Array(1024).fill(typical.bytes) });
const body = decodeCbor(typical.body, "body");

interface Case {
  name: string;
  bytes: number;
  ours: () => unknown;
  theirs: () => unknown;
}

const CASES: Case[] = [
  {
    name: `decode typical entry + body (${typical.bytes.length} B)`,
    bytes: typical.bytes.length,
    ours: () => decodeCbor((decodeCbor(typical.bytes, "e") as Uint8Array[])[0], "b"),
    theirs: () => cborXDecoder.decode((cborXDecoder.decode(typical.bytes) as Uint8Array[])[0]),
  },
  {
    name: `decode nested-config entry + body (${nested.bytes.length} B)`,
    bytes: nested.bytes.length,
    ours: () => decodeCbor((decodeCbor(nested.bytes, "e") as Uint8Array[])[0], "b"),
    theirs: () => cborXDecoder.decode((cborXDecoder.decode(nested.bytes) as Uint8Array[])[0]),
  },
  {
    name: `decode heads message, 1,000 authors (${heads.length} B)`,
    bytes: heads.length,
    ours: () => decodeCbor(heads, "h"),
    theirs: () => cborXDecoder.decode(heads),
  },
  {
    name: `decode entries message, 1,024 entries (${batch.length} B)`,
    bytes: batch.length,
    ours: () => decodeCbor(batch, "m"),
    theirs: () => cborXDecoder.decode(batch),
  },
  {
    name: `encode typical entry body (${typical.body.length} B)`,
    bytes: typical.body.length,
    ours: () => encodeCbor(body),
    theirs: () => new Uint8Array(cborX.encode(body)),
  },
];

function check(c: Case): void {
  const a = JSON.stringify(c.ours(), (_, v) => v instanceof Uint8Array ? [...v] : v);
  const b = JSON.stringify(c.theirs(), (_, v) => v instanceof Uint8Array ? [...v] : v);
  if (a !== b) throw new Error(`${c.name}: the codecs disagree`);
}

/** Time per call (ns) of a batch sized to take about 5 ms. */
function batchNs(fn: () => unknown, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  return ((performance.now() - t0) * 1e6) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (ns: number) =>
  ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
    ? `${(ns / 1e3).toFixed(2)} µs`
    : `${ns.toFixed(0)} ns`;

console.log(
  `Deno ${Deno.version.deno}, ${ROUNDS} rounds, load average ${
    Deno.loadavg().map((l) => l.toFixed(1)).join(" ")
  }`,
);
console.log("| case | ours median | ours min | cbor-x median | cbor-x min | ours / cbor-x |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const c of CASES) {
  check(c);
  // Warm up both, and size the batch to about 5 ms.
  let n = 1;
  while (batchNs(c.theirs, n) * n < 5e6 && n < 1e6) n *= 2;
  for (let i = 0; i < 5; i++) batchNs(c.ours, n), batchNs(c.theirs, n);
  const ours: number[] = [], theirs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      ours.push(batchNs(c.ours, n));
      theirs.push(batchNs(c.theirs, n));
    } else {
      theirs.push(batchNs(c.theirs, n));
      ours.push(batchNs(c.ours, n));
    }
  }
  const ratio = median(ours) / median(theirs);
  console.log(
    `| ${c.name} | ${fmt(median(ours))} | ${fmt(Math.min(...ours))} | ${fmt(median(theirs))} | ${
      fmt(Math.min(...theirs))
    } | ${ratio.toFixed(2)} |`,
  );
}
console.log(`load average after: ${Deno.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
