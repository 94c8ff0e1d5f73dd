/**
 * @module contested_admission_test
 * Admissions of one device by other devices that give it different keys
 * (src/log/membership.ts, `contested`). A member could admit a device
 * again, backdated so every device keeps its admission, with its own Noise
 * key: until the device's own first entry arrived, sessions with that key
 * counted as the device's. Now such a row gives no keys at all until the
 * device announces its own — the same in every order and every join, in
 * checkpoints, in the stored row and in the state digest. Admissions that
 * agree on the keys (pairing, cards with other endpoints) are not marked.
 */

import assert from "node:assert/strict";
import { concatBytes, utf8 } from "../../src/bytes.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { makeCheckpoint, readCheckpoint } from "../../src/log/checkpoint.ts";
import {
  type Admission,
  admit,
  EMPTY_MEMBER,
  joinRows,
  type MemberRow,
  recordOf,
  writeSelf,
} from "../../src/log/membership.ts";
import { stateDigest } from "../../src/log/state_digest.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { memberFromJson, memberToJson } from "../../src/storage/member_json.ts";
import { assertRejectsMycel } from "../helpers/assert.ts";
import { interleavings } from "./fold_orders.ts";
import { testDevices } from "./helpers.ts";

const T0 = 1_700_000_000_000;
const CONTEXT = utf8("mycel/checkpoint/v1\0");

async function cast() {
  const [f, a, m, c] = await testDevices(4);
  const { key: _key, id: _id, ...mine } = a.record("a"); // the fields an admission holds
  const by = (d: typeof f, wall: number, fields = mine): Admission => ({
    by: d.key,
    wall,
    counter: 0,
    fields,
  });
  return {
    a,
    m,
    mine,
    honest: by(f, T0),
    // Backdated, with m's own Noise key: the order keeps it.
    evil: by(m, 0, { ...mine, noiseKey: m.record().noiseKey }),
    // Another member's card of a: other endpoints, the same keys.
    card: by(c, T0 + 5, { ...mine, endpoints: ["192.0.2.7:4433"] }),
    self: by(a, T0 + 1),
  };
}

/** `d`'s own admission of itself. */
function selfAdmission(d: Awaited<ReturnType<typeof testDevices>>[number]): Admission {
  const { key: _key, id: _id, ...fields } = d.record("a");
  return { by: d.key, wall: T0, counter: 0, fields };
}

/** Every order of `admissions` folded into one row, each with every split joined: one result. */
function everyWay(subject: Parameters<typeof admit>[1], admissions: Admission[]): MemberRow {
  const fold = (xs: Admission[]) => xs.reduce((r, x) => admit(r, subject, x), EMPTY_MEMBER);
  let first: MemberRow | undefined;
  for (const order of interleavings(admissions.map((x) => [x]))) {
    for (let cut = 0; cut <= order.length; cut++) {
      const [l, r] = [fold(order.slice(0, cut)), fold(order.slice(cut))];
      for (const row of [fold(order), joinRows(subject, l, r), joinRows(subject, r, l)]) {
        first ??= row;
        assert.deepEqual(row, first, `${order.map((x) => x.by.short)} split at ${cut}`);
      }
    }
  }
  return first!;
}

Deno.test("admissions by other devices that disagree on a device's keys give it none, in every order and join, until it announces its own", async () => {
  const { a, m, mine, honest, evil, card, self } = await cast();
  const row = everyWay(a.key, [honest, evil, card, self]);
  assert.equal(row.added?.by, m.key, "the backdated one is still the one kept");
  assert.equal(row.added?.contested, true);
  const rec = recordOf(a.key, row)!;
  assert.deepEqual([rec.noiseKey, rec.wgKey], ["", ""], "nobody's, never m's");
  assert.equal(rec.name, "a", "other fields still come from it");
  // a's own first entry (its own device.add) writes every field: its keys.
  const announced = writeSelf(row, 1, mine);
  assert.deepEqual(recordOf(a.key, announced), a.record("a"));

  // Admissions that agree on the keys — pairing, and a card with other endpoints.
  const agreed = everyWay(a.key, [honest, card, self]);
  assert.equal(agreed.added?.contested, undefined);
  assert.equal(recordOf(a.key, agreed)!.noiseKey, mine.noiseKey);
});

Deno.test("the contested mark round-trips checkpoints and the stored row, counts in the state digest, and a malformed one is refused", async () => {
  const { a, m, honest, evil } = await cast();
  const row = admit(admit(EMPTY_MEMBER, a.key, honest), a.key, evil);
  assert.equal(row.added?.contested, true);
  assert.deepEqual(memberFromJson(memberToJson(row)), row);
  const state = new MemoryState();
  state.putMember(a.key, row);
  const plain = new MemoryState();
  plain.putMember(a.key, { ...row, added: { ...row.added!, contested: undefined } });
  assert.notEqual(stateDigest(state), stateDigest(plain));

  const bytes = await makeCheckpoint(state, [], { mesh: "m", made: 0 }, m.signer);
  const cp = await readCheckpoint(bytes);
  assert.deepEqual(cp.state.member(a.key), row);
  assert.equal(stateDigest(cp.state), stateDigest(state));

  // The admission's 5th element as anything but 1.
  const [body] = decodeCbor(bytes, "cp") as [Uint8Array, Uint8Array];
  const fields = decodeCbor(body, "body") as unknown[];
  const members = fields[12] as unknown[][];
  for (const mark of [0, 2, "1", null]) {
    const g = structuredClone(fields);
    ((g[12] as unknown[][])[members.length - 1][1] as unknown[])[4] = mark;
    const raw = encodeCbor(g);
    const signed = encodeCbor([raw, await m.signer.sign(concatBytes(CONTEXT, raw))]);
    await assertRejectsMycel(() => readCheckpoint(signed), "bad_checkpoint", String(mark));
  }
  // A mark on the device's own admission kept: no fold gives that.
  const own = new MemoryState();
  own.putMember(a.key, { self: {}, added: { ...selfAdmission(a), contested: true } });
  await assertRejectsMycel(
    async () => readCheckpoint(await makeCheckpoint(own, [], { mesh: "m", made: 0 }, m.signer)),
    "bad_checkpoint",
    "self-admission marked",
  );
});
