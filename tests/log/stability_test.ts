/**
 * @module stability_test
 * What every live device holds, from one device's knowledge of its peers
 * (src/log/stability.ts), against a model:
 * - the stable frontier of an author is the least of our head and every
 *   other live member's acknowledgement (a member never heard from holds
 *   nothing as far as we know, so nothing of it is stable);
 * - removed members are not asked; this device's own acks are not needed;
 * - settled authors: removed, held only as base, and acknowledged in full;
 * - acknowledgements after a session: what the peer reported replaces what
 *   we knew, except authors it left out that we know as removed; what it
 *   took from us in a clean session only raises them.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DeviceKey } from "../../src/log/device_key.ts";
import {
  type Acks,
  type ChainEnd,
  nextAcks,
  settledAuthors,
  stableFrontier,
} from "../../src/log/stability.ts";

const KEYS = Array.from({ length: 6 }, (_, i) => DeviceKey.of(new Uint8Array(32).fill(i + 1)));
const [SELF, A, B, C] = KEYS;

const seqArb = fc.nat(20);
const acksArb: fc.Arbitrary<Record<string, number>> = fc.dictionary(
  fc.constantFrom(...KEYS.map((k) => k.hex)),
  fc.integer({ min: 1, max: 20 }),
  { maxKeys: 6 },
);

Deno.test("the stable frontier is the least of our head and every other live member's ack", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(seqArb, seqArb), { minLength: 6, maxLength: 6 }),
      fc.subarray(KEYS),
      fc.array(acksArb, { minLength: 6, maxLength: 6 }),
      (ends, live, acks) => {
        const heads = new Map<DeviceKey, ChainEnd>(
          KEYS.map((k, i) => [k, { seq: ends[i][0], base: Math.min(ends[i][0], ends[i][1]) }]),
        );
        const ackOf = (p: DeviceKey): Acks => acks[KEYS.indexOf(p)];
        const stable = stableFrontier({ self: SELF, heads, live, acks: ackOf });
        for (const [author, end] of heads) {
          let want = end.seq;
          for (const m of live) if (m !== SELF) want = Math.min(want, ackOf(m)[author.hex] ?? 0);
          assert.equal(stable.get(author) ?? 0, want);
        }
      },
    ),
    { seed: 41, numRuns: 2000 },
  );
});

Deno.test("a live member never heard from holds everything back; a removed one holds nothing back", () => {
  const heads = new Map<DeviceKey, ChainEnd>([[A, { seq: 9, base: 0 }]]);
  const acks = (p: DeviceKey): Acks => p === B ? { [A.hex]: 7 } : {};
  // C is live but never synced with us: nothing of A is stable.
  assert.deepEqual(stableFrontier({ self: SELF, heads, live: [SELF, B, C], acks }), new Map());
  // C removed (not live): B's ack decides.
  assert.deepEqual(
    stableFrontier({ self: SELF, heads, live: [SELF, B], acks }),
    new Map([[A, 7]]),
  );
  // Alone: all we hold is stable.
  assert.deepEqual(stableFrontier({ self: SELF, heads, live: [SELF], acks }), new Map([[A, 9]]));
});

Deno.test("settled authors are removed, held as base only, and acknowledged in full by every live member", () => {
  const heads = new Map<DeviceKey, ChainEnd>([
    [A, { seq: 5, base: 5 }], // removed, compacted, acked by all: settled
    [B, { seq: 5, base: 4 }], // removed, but an entry is still stored
    [C, { seq: 5, base: 5 }], // compacted but not removed
    [SELF, { seq: 3, base: 3 }],
  ]);
  const removed = (k: DeviceKey) => k !== C;
  const all: Acks = { [A.hex]: 5, [B.hex]: 5, [C.hex]: 5, [SELF.hex]: 3 };
  const k = { self: SELF, heads, live: [SELF, KEYS[4], KEYS[5]], acks: () => all };
  assert.deepEqual([...settledAuthors(k, removed)], [A]);
  // One live member that has not acknowledged all of A holds it in the heads.
  const partial = { ...k, acks: (p: DeviceKey) => p === KEYS[5] ? { ...all, [A.hex]: 4 } : all };
  assert.deepEqual([...settledAuthors(partial, removed)], []);
});

Deno.test("acks after a session: reported heads replace, left-out removed authors stay, what the peer took raises", () => {
  fc.assert(
    fc.property(
      acksArb,
      fc.option(acksArb, { nil: undefined }),
      acksArb,
      fc.subarray(KEYS),
      (prev, reportedRaw, sentRaw, removedKeys) => {
        const isRemoved = (hex: string) => removedKeys.some((k) => k.hex === hex);
        const toMap = (r: Record<string, number>) =>
          new Map(KEYS.filter((k) => r[k.hex] !== undefined).map((k) => [k, r[k.hex]]));
        const reported = reportedRaw === undefined ? undefined : toMap(reportedRaw);
        const out = nextAcks(prev, { reported, sent: toMap(sentRaw) }, isRemoved);
        for (const k of KEYS) {
          let want = reportedRaw === undefined
            ? prev[k.hex] ?? 0
            : reportedRaw[k.hex] ?? (isRemoved(k.hex) ? prev[k.hex] ?? 0 : 0);
          want = Math.max(want, sentRaw[k.hex] ?? 0);
          assert.equal(out[k.hex] ?? 0, want, k.short);
          if (out[k.hex] !== undefined) assert.ok(out[k.hex] > 0);
        }
      },
    ),
    { seed: 42, numRuns: 2000 },
  );
});

Deno.test("a peer restored from a backup that reports less is believed (acks go down)", () => {
  const out = nextAcks({ [A.hex]: 9 }, { reported: new Map([[A, 4]]) }, () => false);
  assert.deepEqual(out, { [A.hex]: 4 });
});
