/**
 * @module cut_gate_slow_reader_test
 * A member that asks for our state in parts and then reads it as slowly as
 * it may (a little before each write deadline, for its whole session) does
 * not keep other members from our state: the cut gate (src/sync/cut_gate.ts)
 * is given back once the cut is spooled, not once every part is sent.
 * Before, the gate was held until the last part went: honest members needing
 * a cut were refused `busy` for as long as the slow reader's session lasted
 * (10 minutes by default), and again after each of its 10 s cool-downs.
 *
 * A real home (SQLite in a temporary folder) and the real sending half
 * (exchange_send.ts); the slow reader is the `send` that takes no part until
 * the test lets it (what a peer that stops reading does to our writes). The
 * gate's clock stands still, so beta's cut took no time by it and leaves the
 * home no rest between cuts (cut_budget.ts) to wait out.
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import type { SyncMessage } from "../../src/protocol/sync_messages.ts";
import { takeCut, useCutClock } from "../../src/sync/cut_gate.ts";
import { MemMesh, pref } from "./_mem_mesh.ts";
import { sendHalf } from "./_send_half.ts";

const beta = DeviceKey.of(new Uint8Array(32).fill(7));
const gamma = DeviceKey.of(new Uint8Array(32).fill(8));

Deno.test("a member reading our state's parts slowly does not hold the cut gate: another member may be cut for while its parts are still unsent", async () => {
  await using mesh = await MemMesh.create(1);
  const [alpha] = mesh.devices;
  // Many entries of one key: a peer with nothing lacks far more entries than the state holds.
  for (let i = 0; i < 40; i++) await mesh.write(alpha, pref("big", `${i}`.padEnd(4096, "x")));
  useCutClock(alpha.home, () => 0);

  let partAsked!: () => void;
  const asked = new Promise<void>((r) => partAsked = r);
  let takePart!: () => void;
  const taken = new Promise<void>((r) => takePart = r);
  const sent: string[] = [];
  const send = async (msg: SyncMessage) => {
    if (msg.type === "part") {
      partAsked();
      await taken; // the peer reads nothing until the test lets it
    }
    sent.push(msg.type);
  };
  const { result, done: sending } = sendHalf(alpha.home, beta, { send });
  await Promise.race([asked, sending]);
  assert.ok(sent.includes("parts_head"), `beta was sent the head of our state: ${sent}`);
  assert.ok(!sent.includes("part"), "and none of its parts yet");

  // Gamma's session needs a cut meanwhile: it gets one.
  const other = takeCut(alpha.home, gamma);
  other.made();
  other.done(true);

  takePart();
  await sending;
  assert.ok((result.sentParts ?? 0) >= 1, `beta's parts went once it read: ${result.sentParts}`);
  assert.equal(result.sentCheckpoint, true);
});
