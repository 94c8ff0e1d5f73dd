/**
 * @module member_bound_test
 * A mesh whose member rows pass what one checkpoint holds (a member admits
 * made-up devices by the thousand: any member may admit any number) can make
 * no checkpoint, whole or in parts (every head holds all member rows): no
 * device can pair and no compaction base can be made. The failure is named
 * by its cause (`mesh_too_many_members`), with who admitted them and the way
 * out, before the CBOR encoder's bound gives the generic
 * `checkpoint_too_large`, whose hint (a smaller state) cannot help, and
 * before parts are tried for nothing (src/log/checkpoint_member_bound.ts).
 * At about 21 items a row, a state of 99,800 or so member rows is enough.
 */

import assert from "node:assert/strict";
import { toBase64 } from "../../src/bytes.ts";
import { isMycelError } from "../../src/errors.ts";
import { makeCheckpoint } from "../../src/log/checkpoint_encode.ts";
import { memberBoundProblem } from "../../src/log/checkpoint_member_bound.ts";
import { makePartedCheckpoint } from "../../src/log/checkpoint_parts.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { generateDeviceKeys, Signer } from "../../src/log/identity.ts";
import { MemoryState } from "../../src/log/state_memory.ts";

const signer = new Signer(await generateDeviceKeys());
const owner = DeviceKey.of(signer.publicKey);
const META = { mesh: "m", made: 0 };

/** `owner`, and `n` made-up devices admitted by a device named "thief". */
function madeUp(n: number): { state: MemoryState; thief: DeviceKey } {
  const state = new MemoryState();
  const fields = (name: string, k: Uint8Array, i: number) => ({
    name,
    noiseKey: toBase64(k),
    wgKey: toBase64(k),
    endpoints: [],
    ipv4: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    wgPort: 51820,
  });
  const thiefBytes = new Uint8Array(32).fill(7);
  const thief = DeviceKey.of(thiefBytes);
  state.putMember(owner, { self: {} } as never);
  state.putMember(thief, {
    added: { by: owner, wall: 1, counter: 0, fields: fields("thief", thiefBytes, 0) },
    self: {},
  });
  for (let i = 0; i < n; i++) {
    const k = new Uint8Array(32);
    new DataView(k.buffer).setUint32(0, i + 1);
    state.putMember(DeviceKey.of(k), {
      added: { by: thief, wall: 1000 + i, counter: 0, fields: fields(`d${i}`, k, i + 1) },
      self: {},
    });
  }
  return { state, thief };
}

function namesTheCause(e: unknown): boolean {
  assert.ok(isMycelError(e, "mesh_too_many_members"), String(e));
  assert.match(e.message, /the mesh has 100003 devices \(admitted or removed\)/);
  assert.match(String(e.value), /thief \(\S+\) admitted 100001/);
  assert.match(String(e.hint), /Removing devices does not help/);
  assert.match(String(e.hint), /start a new mesh/);
  return true;
}

Deno.test("a mesh with 100,001 made-up devices fails to make a checkpoint, whole or in parts, naming the cause and who admitted them", async () => {
  const { state } = madeUp(100_001);
  await assert.rejects(makeCheckpoint(state, [], META, signer), namesTheCause);
  await assert.rejects(makePartedCheckpoint(state, [], META, signer), namesTheCause);
});

Deno.test("a mesh with 50,000 devices still makes a checkpoint", async () => {
  const { state } = madeUp(50_000);
  const cp = await makeCheckpoint(state, [], META, signer);
  assert.ok(cp.length > 0);
});

Deno.test("an inviter can tell before admitting a joiner that no state could be sent: the member rows alone are past the bound", () => {
  assert.equal(memberBoundProblem(madeUp(1_000).state.memberRows()), undefined);
  const e = memberBoundProblem(madeUp(100_001).state.memberRows());
  assert.ok(e !== undefined && namesTheCause(e));
});
