/**
 * @module membership_test
 * The membership merge rules (src/log/membership.ts) as properties over
 * random events about one device — admissions by several members, removals
 * with random `upTo`, fields the device wrote about itself:
 * - folding the events in any order gives the same row;
 * - `joinRows` of two replicas' rows is the row of the union of their
 *   events: commutative, associative, idempotent;
 * - the cut is the minimum `upTo`, the admission kept is another device's
 *   over the device's own then the oldest, self-written fields beat the
 *   admission's and later self-writes beat earlier ones.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { DeviceFields } from "../../src/log/device_record.ts";
import {
  admit,
  EMPTY_MEMBER,
  isMemberRow,
  joinRows,
  mayFold,
  type MemberRow,
  recordOf,
  remove,
  writeSelf,
} from "../../src/log/membership.ts";
import { rng } from "../helpers/random.ts";
import { deviceFieldsArb, partialDeviceFieldsArb } from "./helpers.ts";

const KEYS = [1, 2, 3, 4].map((b) => DeviceKey.of(new Uint8Array(32).fill(b)));
const SUBJECT = KEYS[0];

type Event =
  | { kind: "admit"; by: DeviceKey; wall: number; counter: number; fields: DeviceFields }
  | { kind: "remove"; by: DeviceKey; wall: number; counter: number; upTo: number }
  | { kind: "self"; seq: number; fields: Partial<DeviceFields> };

const byArb = fc.constantFrom(...KEYS);
const admitArb: fc.Arbitrary<Event> = fc.record({
  kind: fc.constant("admit" as const),
  by: byArb,
  wall: fc.nat(5),
  counter: fc.nat(2),
  fields: deviceFieldsArb,
});
const removeArb: fc.Arbitrary<Event> = fc.record({
  kind: fc.constant("remove" as const),
  by: byArb,
  wall: fc.nat(5),
  counter: fc.nat(2),
  upTo: fc.oneof(fc.nat(10), fc.constant(Number.MAX_SAFE_INTEGER)),
});

/**
 * Events as the fold sees them: each (author, stamp) is one entry, so two
 * events of one author never share a stamp, and self-writes have distinct seqs.
 */
const eventsArb: fc.Arbitrary<Event[]> = fc.tuple(
  fc.uniqueArray(admitArb, {
    maxLength: 4,
    selector: (e) => e.kind === "admit" && `${e.by.hex}/${e.wall}/${e.counter}`,
  }),
  fc.uniqueArray(removeArb, {
    maxLength: 3,
    selector: (e) => e.kind === "remove" && `${e.by.hex}/${e.wall}/${e.counter}`,
  }),
  fc.uniqueArray(
    fc.record({ seq: fc.integer({ min: 1, max: 20 }), fields: partialDeviceFieldsArb }),
    {
      maxLength: 4,
      selector: (e) => e.seq,
    },
  ).map((xs) => xs.map((x): Event => ({ kind: "self", ...x }))),
).map(([a, r, s]) => [...a, ...r, ...s]);

function applyEvent(row: MemberRow, e: Event): MemberRow {
  switch (e.kind) {
    case "admit":
      return admit(row, SUBJECT, e);
    case "remove":
      return remove(row, e);
    case "self":
      return writeSelf(row, e.seq, e.fields);
  }
}

const foldEvents = (events: readonly Event[]) => events.reduce(applyEvent, EMPTY_MEMBER);

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const random = rng(seed);
  return xs.map((x) => [random(), x] as const).sort(([a], [b]) => a - b).map(([, x]) => x);
}

/** Rows compared as data (keys by their hex). */
const data = (row: MemberRow) =>
  JSON.parse(JSON.stringify(row, (_k, v) => (v instanceof DeviceKey ? v.hex : v)));

Deno.test("membership: folding the same events in any order gives the same row", () => {
  fc.assert(
    fc.property(eventsArb, fc.nat(), (events, seed) => {
      assert.deepStrictEqual(data(foldEvents(shuffled(events, seed))), data(foldEvents(events)));
    }),
    { seed: 71, numRuns: 1000 },
  );
});

Deno.test("joinRows(): the join of two replicas' rows is the row of the union of their events", () => {
  fc.assert(
    fc.property(eventsArb, fc.array(fc.nat(2)), (events, sides) => {
      // Each event is held by replica A, replica B, or both.
      const side = (i: number) => sides[i % Math.max(sides.length, 1)] ?? 2;
      const a = events.filter((_, i) => side(i) !== 1);
      const b = events.filter((_, i) => side(i) !== 0);
      const joined = joinRows(SUBJECT, foldEvents(a), foldEvents(b));
      assert.deepStrictEqual(data(joined), data(foldEvents(events)));
    }),
    { seed: 72, numRuns: 1000 },
  );
});

Deno.test("joinRows() is commutative, associative and idempotent", () => {
  // Three replicas holding subsets of one history (one seq is one entry everywhere).
  fc.assert(
    fc.property(eventsArb, fc.array(fc.nat(7), { minLength: 1 }), (events, masks) => {
      const subset = (bit: number) => events.filter((_, i) => (masks[i % masks.length] >> bit) & 1);
      const [a, b, c] = [0, 1, 2].map((bit) => foldEvents(subset(bit)));
      const j = (p: MemberRow, q: MemberRow) => joinRows(SUBJECT, p, q);
      assert.deepStrictEqual(data(j(a, b)), data(j(b, a)));
      assert.deepStrictEqual(data(j(j(a, b), c)), data(j(a, j(b, c))));
      assert.deepStrictEqual(data(j(a, a)), data(a));
    }),
    { seed: 73, numRuns: 500 },
  );
});

Deno.test("remove(): the cut is the minimum upTo; the reported removal is the earliest", () => {
  fc.assert(
    fc.property(eventsArb, (events) => {
      const removals = events.filter((e) => e.kind === "remove");
      const row = foldEvents(events);
      if (removals.length === 0) {
        assert.equal(row.removed, undefined);
        return;
      }
      assert.equal(row.removed!.cut, Math.min(...removals.map((r) => r.upTo)));
      const earliest = [...removals].sort((p, q) =>
        p.wall - q.wall || p.counter - q.counter || p.by.compare(q.by)
      )[0];
      assert.deepEqual([row.removed!.by, row.removed!.wall], [earliest.by, earliest.wall]);
      assert.equal(isMemberRow(row), false, "a removed device is never a member");
      assert.equal(mayFold(row, row.removed!.cut + 1), false);
    }),
    { seed: 74, numRuns: 1000 },
  );
});

Deno.test("admit(): another device's admission beats the device's own, then the oldest stamp, then the key", () => {
  fc.assert(
    fc.property(eventsArb, (events) => {
      const admissions = events.filter((e) => e.kind === "admit");
      const row = foldEvents(events);
      if (admissions.length === 0) {
        assert.equal(row.added, undefined);
        assert.equal(recordOf(SUBJECT, row), undefined);
        assert.equal(mayFold(row, 1), false);
        return;
      }
      const best = [...admissions].sort((p, q) =>
        Number(p.by === SUBJECT) - Number(q.by === SUBJECT) || p.wall - q.wall ||
        p.counter - q.counter || p.by.compare(q.by)
      )[0];
      assert.equal(row.added!.by, best.by);
      assert.equal(row.added!.wall, best.wall);
      assert.deepEqual(row.added!.fields, best.fields);
    }),
    { seed: 75, numRuns: 1000 },
  );
});

Deno.test("recordOf(): each field is the latest self-written value, else the admission's (no keys when admissions by others disagree on them)", () => {
  fc.assert(
    fc.property(eventsArb, (events) => {
      const row = foldEvents(events);
      const record = recordOf(SUBJECT, row);
      if (record === undefined) return;
      const selfs = events.filter((e) => e.kind === "self").sort((p, q) => p.seq - q.seq);
      // Admissions by other devices that disagree on its keys give none (contested).
      const keys = new Set(
        events.flatMap((e) =>
          e.kind === "admit" && e.by !== SUBJECT ? [`${e.fields.noiseKey} ${e.fields.wgKey}`] : []
        ),
      );
      assert.equal(row.added!.contested === true, keys.size > 1);
      const expected: Record<string, unknown> = {
        ...row.added!.fields,
        ...(keys.size > 1 ? { noiseKey: "", wgKey: "" } : {}),
      };
      for (const s of selfs) Object.assign(expected, s.fields);
      assert.deepStrictEqual({ ...record, key: undefined, id: undefined }, {
        ...expected,
        key: undefined,
        id: undefined,
      });
      assert.equal(record.key, SUBJECT);
      assert.equal(record.id, SUBJECT.id);
    }),
    { seed: 76, numRuns: 1000 },
  );
});
