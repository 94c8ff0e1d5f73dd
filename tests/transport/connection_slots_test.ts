/**
 * @module connection_slots_test
 * The slots a listener hands connections that have not authenticated yet:
 * a total cap, a per-source-address cap, and releases that count once.
 */

import assert from "node:assert/strict";
import { ConnectionSlots, sourceOf } from "../../src/transport/connection_slots.ts";

Deno.test("sourceOf: the host part of host:port, IPv6 in brackets included", () => {
  assert.equal(sourceOf("192.0.2.7:7420"), "192.0.2.7");
  assert.equal(sourceOf("[fd00::1]:7420"), "[fd00::1]");
  assert.equal(sourceOf("127.0.0.1:1"), "127.0.0.1");
});

Deno.test("ConnectionSlots: one source gets maxPerSource, others still get in, up to maxTotal", () => {
  const slots = new ConnectionSlots(6, 4);
  const a = Array.from({ length: 5 }, (_, i) => slots.take(`198.18.0.1:${4000 + i}`));
  assert.equal(a.filter(Boolean).length, 4, "the fifth from one source is refused");
  assert.ok(slots.take("198.18.0.2:1"), "another source still gets in");
  assert.ok(slots.take("198.18.0.3:1"));
  assert.equal(slots.taken, 6);
  assert.equal(slots.take("198.18.0.4:1"), undefined, "full in all");
  a[0]!();
  assert.equal(slots.taken, 5);
  assert.ok(slots.take("198.18.0.4:1"), "a released slot is free again");
});

Deno.test("ConnectionSlots: a release counts once, however often it is called", () => {
  const slots = new ConnectionSlots(2, 2);
  const r1 = slots.take("198.18.0.1:1")!;
  slots.take("198.18.0.1:2")!;
  r1();
  r1();
  r1();
  assert.equal(slots.taken, 1);
  assert.ok(slots.take("198.18.0.1:3"));
  assert.equal(slots.take("198.18.0.1:4"), undefined, "still two from that source");
});
