/**
 * @module connection_slots_test
 * The slots a listener hands connections that have not authenticated yet:
 * a total cap, a per-source-address cap, releases that count once, and,
 * slots full, the oldest evictable connection not yet authenticated making
 * room for a new one.
 */

import assert from "node:assert/strict";
import { ConnectionSlots, sourceOf } from "../../src/transport/connection_slots.ts";

Deno.test("sourceOf: the host part of host:port, IPv6 in brackets included", () => {
  assert.equal(sourceOf("192.0.2.7:7420"), "192.0.2.7");
  assert.equal(sourceOf("[fd00::1]:7420"), "[fd00::1]");
  assert.equal(sourceOf("127.0.0.1:1"), "127.0.0.1");
});

// A listener on [::] sees an IPv4 caller as ::ffff:a.b.c.d: the same host,
// counted as one source with its plain spelling (bookkeeping's addresses of
// members we dialled are plain), whichever way it came.
Deno.test("sourceOf: an IPv4-mapped IPv6 source is its IPv4 address", () => {
  assert.equal(sourceOf("[::ffff:192.0.2.7]:7420"), "192.0.2.7");
  assert.equal(sourceOf("[::FFFF:c000:207]:1"), "192.0.2.7");
  assert.equal(sourceOf("[FD00:0::01]:1"), "[fd00::1]", "one spelling of an IPv6 host");
  assert.equal(sourceOf("stdio"), "stdio", "what is no address stays as it is");
  const slots = new ConnectionSlots(8, 2);
  assert.ok(slots.take("192.0.2.7:1"));
  assert.ok(slots.take("[::ffff:192.0.2.7]:2"));
  assert.equal(slots.take("[::ffff:192.0.2.7]:3"), undefined, "one source, at its cap");
});

Deno.test("ConnectionSlots: one source gets maxPerSource, others still get in, up to maxTotal", () => {
  const slots = new ConnectionSlots(6, 4);
  const a = Array.from({ length: 5 }, (_, i) => slots.take(`198.18.0.1:${4000 + i}`));
  assert.equal(a.filter(Boolean).length, 4, "the fifth from one source is refused");
  assert.ok(slots.take("198.18.0.2:1"), "another source still gets in");
  assert.ok(slots.take("198.18.0.3:1"));
  assert.equal(slots.taken, 6);
  assert.equal(slots.take("198.18.0.4:1"), undefined, "full in all");
  a[0]!.release();
  assert.equal(slots.taken, 5);
  assert.ok(slots.take("198.18.0.4:1"), "a released slot is free again");
});

Deno.test("ConnectionSlots: a release counts once, however often it is called", () => {
  const slots = new ConnectionSlots(2, 2);
  const r1 = slots.take("198.18.0.1:1")!;
  slots.take("198.18.0.1:2")!;
  r1.release();
  r1.release();
  r1.release();
  assert.equal(slots.taken, 1);
  assert.ok(slots.take("198.18.0.1:3"));
  assert.equal(slots.take("198.18.0.1:4"), undefined, "still two from that source");
});

Deno.test("ConnectionSlots: full, the oldest evictable slot not authenticated makes room; an authenticated one never does", () => {
  const slots = new ConnectionSlots(3, 2);
  const evicted: string[] = [];
  const take = (remote: string) => slots.take(remote, () => evicted.push(remote));
  const member = take("198.18.0.1:1")!;
  member.keep();
  take("198.18.0.2:1");
  take("198.18.0.3:1");
  assert.equal(slots.taken, 3);
  // Full: the oldest not authenticated (198.18.0.2) is evicted, not the member.
  assert.ok(take("198.18.0.4:1"));
  assert.deepEqual(evicted, ["198.18.0.2:1"]);
  assert.equal(slots.taken, 3);
  assert.ok(take("198.18.0.5:1"));
  assert.deepEqual(evicted, ["198.18.0.2:1", "198.18.0.3:1"]);
  // Only authenticated ones and the two newest left: the newest are evicted next, in order.
  assert.ok(take("198.18.0.6:1"));
  assert.deepEqual(evicted.at(-1), "198.18.0.4:1");
  // The per-source cap still holds, and is checked before anything is evicted.
  take("198.18.0.6:2");
  const before = evicted.length;
  assert.equal(take("198.18.0.6:3"), undefined);
  assert.equal(evicted.length, before, "nothing evicted for a refused connection");
  // An evicted slot's own release later counts nothing.
  member.release();
  assert.equal(slots.taken, 2);
});

Deno.test("ConnectionSlots: slots taken without an evict are never taken back", () => {
  const slots = new ConnectionSlots(2, 2);
  slots.take("198.18.0.1:1");
  slots.take("198.18.0.2:1");
  assert.equal(slots.take("198.18.0.3:1", () => {}), undefined, "full, nothing evictable");
});

Deno.test("ConnectionSlots: full, one that has shown nothing is evicted before a promoted one, however old", () => {
  const slots = new ConnectionSlots(3, 2);
  const evicted: string[] = [];
  const take = (remote: string) => slots.take(remote, () => evicted.push(remote));
  take("198.18.0.1:1")!.promote(); // oldest, but its first message read
  take("198.18.0.2:1");
  take("198.18.0.3:1")!.promote();
  assert.ok(take("198.18.0.4:1"));
  assert.deepEqual(evicted, ["198.18.0.2:1"], "the one that showed nothing goes first");
  assert.ok(take("198.18.0.5:1"));
  assert.deepEqual(evicted.at(-1), "198.18.0.4:1");
  // Only promoted ones left but the newest: it goes, then the promoted, oldest first.
  assert.ok(take("198.18.0.6:1")!);
  assert.deepEqual(evicted.at(-1), "198.18.0.5:1");
  const last = take("198.18.0.7:1")!;
  assert.deepEqual(evicted.at(-1), "198.18.0.6:1");
  last.promote();
  assert.ok(take("198.18.0.8:1"));
  assert.deepEqual(evicted.at(-1), "198.18.0.1:1");
  // Kept after a promotion: never evicted; promoting again changes nothing.
  const kept = take("198.18.0.9:1")!;
  kept.promote();
  kept.keep();
  kept.promote();
  for (let i = 10; i < 14; i++) take(`198.18.0.${i}:1`);
  assert.ok(!evicted.includes("198.18.0.9:1"));
});
