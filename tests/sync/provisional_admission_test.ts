/**
 * @module provisional_admission_test
 * A device whose admission has not reached us yet may show it in its hello
 * (`admitInitiator`, src/sync/admission.ts, on a real home with real signed
 * entries). It counts only as evidence: a `device.add` naming the proved
 * Noise key, validly signed by a current member, that fits that member's
 * chain as we hold it and lies beyond our head of it. Everything else — a
 * self-signed admission, one from a removed member, one whose signature was
 * altered, one that contradicts an entry we hold (a fork), one at a seq we
 * already passed — gets the one generic refusal, and none of it is recorded.
 * tests/pairing/chain_test.ts shows the honest case over real processes.
 */

import assert from "node:assert/strict";
import { encodeCbor } from "../../src/log/cbor.ts";
import type { SignedEntry } from "../../src/log/entry.ts";
import { GENERIC_REFUSAL, type Hello } from "../../src/protocol/sync_hello.ts";
import { admitInitiator } from "../../src/sync/admission.ts";
import { type DeviceKeys } from "../../src/log/identity.ts";
import { TestDevice as Device, testKeys } from "../log/helpers.ts";
import { makeHome } from "../storage/helpers.ts";

const T0 = 1_700_000_000_000;

function hello(...admission: SignedEntry[]): Hello {
  return { version: 2, admission: admission.map((e) => e.bytes) };
}

/** `e` with one bit of its signature flipped (its body, and so its claims, unchanged). */
function altered(e: SignedEntry): SignedEntry {
  const sig = new Uint8Array(e.signature);
  sig[7] ^= 1;
  return { ...e, bytes: encodeCbor([e.body, sig]), signature: sig };
}

Deno.test("a hello's admission counts only when a current member signed it beyond our head of its chain", async () => {
  // Key 0 is the home's own; members m and r, newcomer x.
  const [, km, kr, kx, ky] = await testKeys(5);
  const m = new Device(km), r = new Device(kr), x = new Device(kx);
  await using h = await makeHome(0, "home");
  const home = await h.writer();
  try {
    await home.write(async (w) => {
      await w.commit([
        { type: "device.add", device: m.record("m") },
        { type: "device.add", device: r.record("r") },
      ]);
    });
    const held = [
      await m.append([{ type: "device.add", device: m.record("m") }], T0),
      await m.append([{ type: "app.add", name: "git" }], T0 + 1),
      await r.append([{ type: "device.add", device: r.record("r") }], T0 + 2),
    ];
    await home.write(async (w) => {
      const i = w.ingest();
      await w.pushIngest(i, held.map((e) => e.bytes));
      assert.equal(w.finishIngest(i).accepted, 3);
      await w.commit([{ type: "device.revoke", device: r.key, upTo: 1 }]);
    });
    const admitX = { type: "device.add" as const, device: x.record("x") };
    const noise = x.keys.noisePublic;
    const refused = { ok: false, ...GENERIC_REFUSAL };

    // Self-signed: x is nobody's member.
    const self = await x.append([admitX], T0 + 3);
    assert.deepEqual(await admitInitiator(home, hello(self), noise), refused, "self-signed");
    // Signed by r, removed since.
    const byRemoved = await r.append([admitX], T0 + 4);
    assert.deepEqual(
      await admitInitiator(home, hello(byRemoved), noise),
      refused,
      "removed signer",
    );
    // m's key, but another entry 1 than the one we hold (a fork of m's log).
    const atHeld = await new Device(km).append([admitX], T0 + 5);
    assert.deepEqual(
      await admitInitiator(home, hello(atHeld), noise),
      refused,
      "contradicts m's entry 1, which we hold",
    );
    // m's real next entry, its signature altered.
    const next = await m.append([admitX], T0 + 6);
    assert.deepEqual(await admitInitiator(home, hello(altered(next)), noise), refused, "altered");
    // Presented for another Noise key than the one proved.
    assert.deepEqual(
      await admitInitiator(home, hello(next), ky.noisePublic),
      refused,
      "names another Noise key",
    );

    // The genuine one: m's next entry, beyond our head of m.
    const verdict = await admitInitiator(home, hello(self, byRemoved, next), noise);
    assert.deepEqual(verdict, {
      ok: true,
      peer: x.key,
      name: "x",
      provisional: { by: m.key, seq: 3 },
    });

    // Once we hold more of m's chain, the same entry no longer fits it.
    const m3 = await forkMChain(km, held.slice(0, 2), T0 + 7);
    await home.write(async (w) => {
      const i = w.ingest();
      await w.pushIngest(i, [m3.bytes]);
      assert.equal(w.finishIngest(i).accepted, 1);
    });
    assert.deepEqual(
      await admitInitiator(home, hello(next), noise),
      refused,
      "an admission at a seq whose entry we hold and which is not it",
    );
    assert.equal(home.view.member(x.key), undefined, "nothing was recorded about x");
  } finally {
    home.close();
  }
});

/** m's entry 3 (an app), continuing the chain `held` (entries 1 and 2 of m). */
async function forkMChain(
  keys: DeviceKeys,
  held: SignedEntry[],
  wall: number,
): Promise<SignedEntry> {
  const d = new Device(keys);
  d.log.push(...held);
  d.clock.observe(held[held.length - 1].entry.hlc, wall);
  return await d.append([{ type: "app.add", name: "vim" }], wall);
}
