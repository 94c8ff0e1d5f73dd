/**
 * @module cut_gate_test
 * How often a home cuts its state into parts for its sessions
 * (src/sync/cut_gate.ts): one cut at a time, and none for a member in the
 * cool-down after its cut was abandoned; a cut sent whole limits nothing.
 * The real-process case (a member asking and hanging up) is
 * cut_abandoned_test.ts.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { takeCut } from "../../src/sync/cut_gate.ts";

const beta = DeviceKey.of(new Uint8Array(32).fill(1));
const gamma = DeviceKey.of(new Uint8Array(32).fill(2));

Deno.test("a home cuts for one session at a time: another session asking meanwhile is refused busy, and may cut once the first is done", () => {
  const home = {};
  const done = takeCut(home, beta);
  assert.throws(() => takeCut(home, gamma), (e) => isMycelError(e, "busy"));
  assert.throws(() => takeCut(home, beta), (e) => isMycelError(e, "busy"));
  // Another home (another handle) cuts on its own.
  takeCut({}, gamma)(true);
  done(true);
  takeCut(home, gamma)(true);
  // A cut sent whole leaves its member free to be cut for again.
  takeCut(home, beta)(true);
});

Deno.test("a member whose cut was abandoned is refused busy for the cool-down; other members are not", () => {
  const home = {};
  takeCut(home, beta)(false);
  assert.throws(
    () => takeCut(home, beta),
    (e) => isMycelError(e, "busy") && /abandoned/.test(e.message),
  );
  const other = takeCut(home, gamma);
  other(false);
  other(true); // given back once: a second call changes nothing
  assert.throws(() => takeCut(home, gamma), (e) => isMycelError(e, "busy"));
});
