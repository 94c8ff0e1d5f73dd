/**
 * @module known_sources_test
 * The sources a listener saw members connect from: by host, whatever the
 * port; seeded from bookkeeping (empty addresses skipped); bounded, the
 * longest unseen forgotten first.
 */

import assert from "node:assert/strict";
import { KnownSources, MAX_KNOWN } from "../../src/transport/known_sources.ts";

Deno.test("KnownSources: a source is known by its host, whatever the port", () => {
  const known = new KnownSources(["198.18.0.1:4000", "", "[fd00::1]:7420"]);
  assert.ok(known.has("198.18.0.1:5555"));
  assert.ok(known.has("[fd00::1]:1"));
  assert.ok(!known.has("198.18.0.2:4000"));
  known.add("198.18.0.2:9");
  assert.ok(known.has("198.18.0.2:4000"));
});

Deno.test("KnownSources: past the bound, the source seen longest ago is forgotten first", () => {
  const known = new KnownSources(["10.0.0.1:1"]);
  for (let i = 0; i < MAX_KNOWN - 1; i++) known.add(`10.1.${i >> 8}.${i & 255}:1`);
  known.add("10.0.0.1:2"); // seen again: now the newest
  known.add("10.2.0.0:1"); // one past the bound
  assert.ok(known.has("10.0.0.1:3"), "a source seen again is kept");
  assert.ok(!known.has("10.1.0.0:1"), "the oldest is forgotten");
  assert.ok(known.has("10.1.0.1:1"));
  assert.ok(known.has("10.2.0.0:1"));
});

// Where an IPv4 member shares its address (NAT), an IPv6 one shares its
// network's /64 and, with temporary addresses (RFC 8981, the default on
// desktops and phones), dials from a new address in it every day or so:
// known by the exact address, it was a stranger again after each change.
Deno.test("KnownSources: an IPv6 source is known by its /64, an IPv4-mapped one by its IPv4 address", () => {
  const known = new KnownSources(["[2001:db8:1:2::a]:7420", "198.18.0.1:4000"]);
  assert.ok(known.has("[2001:db8:1:2:c0ff:ee:0:1]:5555"), "another address of the same /64");
  assert.ok(!known.has("[2001:db8:1:3::a]:7420"), "the next /64 is elsewhere");
  assert.ok(known.has("[::ffff:198.18.0.1]:9"), "a listener on [::] sees IPv4 so");
  known.add("[::ffff:198.18.0.2]:9");
  assert.ok(known.has("198.18.0.2:1"));
});
