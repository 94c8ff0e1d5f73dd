/**
 * @module cut_gate_test
 * How often a home cuts its state into parts for its sessions
 * (src/sync/cut_gate.ts): one cut at a time, and none for a member in the
 * cool-down after its cut was abandoned; a cut sent whole limits nothing.
 * The real-process case (a member asking and hanging up) is
 * cut_abandoned_test.ts; a member reading its parts slowly is
 * cut_gate_slow_reader_test.ts.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { takeCut } from "../../src/sync/cut_gate.ts";

const beta = DeviceKey.of(new Uint8Array(32).fill(1));
const gamma = DeviceKey.of(new Uint8Array(32).fill(2));

Deno.test("a home cuts for one session at a time: another session asking meanwhile is refused busy, and may cut once the first is done", () => {
  const home = {};
  const first = takeCut(home, beta);
  assert.throws(() => takeCut(home, gamma), (e) => isMycelError(e, "busy"));
  assert.throws(() => takeCut(home, beta), (e) => isMycelError(e, "busy"));
  // Another home (another handle) cuts on its own.
  takeCut({}, gamma).done(true);
  first.done(true);
  takeCut(home, gamma).done(true);
  // A cut sent whole leaves its member free to be cut for again.
  takeCut(home, beta).done(true);
});

Deno.test("a cut made (spooled) gives the gate back while its parts are still being sent; its end later takes nothing from the next cut", () => {
  const home = {};
  const sending = takeCut(home, beta);
  sending.made();
  const next = takeCut(home, gamma); // not busy: the first only sends now
  sending.done(true);
  assert.throws(() => takeCut(home, beta), (e) => isMycelError(e, "busy"), "gamma's cut holds it");
  next.made();
  next.done(true);
  takeCut(home, beta).done(true);
});

Deno.test("a member whose cut was abandoned is refused busy for the cool-down; other members are not", () => {
  const home = {};
  takeCut(home, beta).done(false);
  assert.throws(
    () => takeCut(home, beta),
    (e) => isMycelError(e, "busy") && /abandoned/.test(e.message),
  );
  const other = takeCut(home, gamma);
  other.made();
  other.done(false);
  other.done(true); // given back once: a second call changes nothing
  assert.throws(() => takeCut(home, gamma), (e) => isMycelError(e, "busy"));
});
