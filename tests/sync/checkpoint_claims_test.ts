/**
 * @module checkpoint_claims_test
 * A hostile member signs a checkpoint whose state says more than the
 * entries it covers (src/log/checkpoint_claims.ts): another device's record
 * renamed and re-pointed, a removal in the name of a device that never wrote
 * it. Found by an attack review: before, a member that took such a
 * checkpoint showed the forged record or removed the honest device (its
 * entries set aside). The checkpoints here are the member's genuine ones,
 * changed and signed again with its own key — what a compromised device can
 * send. Real homes (SQLite) over in-memory links (MemMesh).
 */

import assert from "node:assert/strict";
import { makeCheckpoint, readCheckpoint } from "../../src/log/checkpoint.ts";
import { headProofProblem } from "../../src/log/checkpoint_claims.ts";
import { Signer } from "../../src/log/identity.ts";
import { memberCheckpoints } from "../../src/sync/member_checkpoints.ts";
import { forged, threeSynced } from "./_forged_checkpoint.ts";
import { MemMesh } from "./_mem_mesh.ts";

Deno.test("a member's honest checkpoint passes the claim checks", async () => {
  await using mesh = await threeSynced();
  const [a, , m] = mesh.devices;
  await mesh.write(m, [{ type: "pref.set", key: "theme", value: "dark" }]);
  const cp = await readCheckpoint(await m.home.checkpoint());
  assert.equal(memberCheckpoints(a.home, m.key)(cp), undefined);
});

Deno.test("a checkpoint that renames another device or points its endpoints elsewhere is refused, and nothing changes", async () => {
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  const before = a.home.view.member(h.key)!.record;
  const digest = mesh.digests()[0];
  const cp = await forged(m, (s) => {
    const row = s.memberRow(h.key)!;
    s.putMember(h.key, {
      ...row,
      self: {
        ...row.self,
        name: { seq: 999_999, value: "pwned" },
        endpoints: { seq: 999_999, value: ["127.0.0.1:9"] },
      },
    });
  });
  const refusal = memberCheckpoints(a.home, m.key)(cp);
  assert.match(
    refusal ?? "",
    /^it holds its (name|endpoints) of [0-9a-f]{7}… #999999 past the #\d+ it covers$/,
  );
  assert.deepEqual(a.home.view.member(h.key)!.record, before);
  assert.equal(mesh.digests()[0], digest);
});

Deno.test("a checkpoint that removes a device in the name of a member whose entries we hold is refused", async () => {
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  const cp = await forged(m, (s) => {
    const row = s.memberRow(h.key)!;
    s.putMember(h.key, { ...row, removed: { by: a.key, wall: 1, counter: 0, cut: 1 } });
  });
  const refusal = memberCheckpoints(a.home, m.key)(cp);
  assert.equal(
    refusal,
    `it holds a removal of ${h.key.short} by ${a.key.short}, whose entries here have none`,
  );
  assert.equal(a.home.view.isMember(h.key), true);
  // Within what the checkpoint covers, the state merge keeps the record
  // fields of entries this device folded: a forged name stamped with H's
  // last folded entry (which wrote no name) does not replace what H wrote.
  const name = a.home.view.member(h.key)!.record.name;
  await mesh.write(h, [{ type: "pref.set", key: "h", value: "1" }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const last = a.home.view.seen(h.key);
  await mesh.write(m, [{ type: "pref.set", key: "theme", value: "dark" }]); // A lacks it
  const sameSeq = await forged(m, (s) => {
    const row = s.memberRow(h.key)!;
    assert.ok(last > row.self.name!.seq, "H's last entry wrote no name");
    s.putMember(h.key, { ...row, self: { ...row.self, name: { seq: last, value: "x" } } });
  });
  assert.equal(memberCheckpoints(a.home, m.key)(sameSeq), undefined);
  await a.home.takeCheckpoint(sameSeq);
  assert.equal(a.home.view.member(h.key)!.record.name, name);
  assert.equal(a.home.view.pref("theme"), "dark", "what it does cover is taken");
});

Deno.test("a checkpoint with a made-up head past ours, without that device's signed entry, is refused", async () => {
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  await mesh.write(h, [{ type: "pref.set", key: "h", value: "1" }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  const genuine = await readCheckpoint(await m.home.checkpoint());
  const real = genuine.frontier.find((f) => f.author === h.key)!;
  assert.equal(real.seq, a.home.log.head(h.key)!.seq, "A holds H's chain to its head");
  const sign = async (frontier: typeof genuine.frontier) =>
    await makeCheckpoint(
      genuine.state,
      frontier,
      { mesh: genuine.mesh, made: genuine.made },
      new Signer(m.keys),
    );
  const madeUp = genuine.frontier.map((f) =>
    f.author === h.key
      ? { author: f.author, seq: f.seq + 1, hash: crypto.getRandomValues(new Uint8Array(32)) }
      : f
  );
  const cp = await readCheckpoint(await sign(madeUp));
  assert.equal(
    memberCheckpoints(a.home, m.key)(cp),
    `it covers ${h.key.short}'s entries to #${real.seq + 1} without ${h.key.short}'s own ` +
      `signed entry #${real.seq + 1}`,
  );
  // An honest checkpoint carries each head's own signed entry.
  for (const f of genuine.frontier) assert.ok(f.proof, `${f.author.short}'s head has its entry`);
  assert.equal(memberCheckpoints(a.home, m.key)(genuine), undefined);
  // A head no further than ours needs none: nothing is taken from it.
  const same = genuine.frontier.map((f) => ({ author: f.author, seq: f.seq, hash: f.hash }));
  assert.equal(memberCheckpoints(a.home, m.key)(await readCheckpoint(await sign(same))), undefined);

  // An entry given as proof must be that head's: H's real entry under the
  // made-up head, or M's own entry for H's head, is refused when read.
  const wrong = [
    madeUp.map((f) => (f.author === h.key ? { ...f, proof: real.proof } : f)),
    genuine.frontier.map((f) =>
      f.author === h.key
        ? { ...f, proof: genuine.frontier.find((g) => g.author === m.key)!.proof }
        : f
    ),
  ];
  for (const frontier of wrong) {
    await assert.rejects(
      async () => await readCheckpoint(await sign(frontier)),
      new RegExp(`the entry given for ${h.key.short}'s head #\\d+ is not that head`),
    );
  }

  // Refused, so H's next entries still link here.
  await mesh.write(h, [{ type: "pref.set", key: "h", value: "2" }]);
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  assert.equal(a.home.view.pref("h"), "2");
  assert.equal(new Set(mesh.digests()).size, 1);
});

Deno.test("a joiner, holding nothing, refuses any head without its entry; heads of keys that are no device of the mesh are refused", async () => {
  await using mesh = await threeSynced();
  const [a, h, m] = mesh.devices;
  const genuine = await readCheckpoint(await m.home.checkpoint());
  assert.equal(headProofProblem(genuine), undefined, "a joiner takes an honest checkpoint");
  const sign = async (frontier: typeof genuine.frontier) =>
    await readCheckpoint(
      await makeCheckpoint(
        genuine.state,
        frontier,
        { mesh: genuine.mesh, made: genuine.made },
        new Signer(m.keys),
      ),
    );
  // Even H's real head, without its entry: a joiner can't check it.
  const bare = await sign(
    genuine.frontier.map((f) => f.author === h.key ? { ...f, proof: undefined } : f),
  );
  assert.match(headProofProblem(bare) ?? "", /without .+'s own signed entry/);
  assert.equal(memberCheckpoints(a.home, m.key)(bare), undefined, "a member holding it needs none");

  // A key M made up signs a first entry of its own: a real entry, of no device.
  const stranger = await MemMesh.create(1, { seed: 4242 }); // keys none of the mesh has
  try {
    const [x] = stranger.devices;
    const entry = await stranger.write(x, [{ type: "pref.set", key: "x", value: "1" }]);
    const withStranger = await sign([
      ...genuine.frontier,
      { author: x.key, seq: entry.entry.seq, hash: entry.hash, proof: entry.bytes },
    ]);
    const why = `it covers entries of ${x.key.short}, which is no device of its state`;
    assert.equal(memberCheckpoints(a.home, m.key)(withStranger), why);
    assert.equal(headProofProblem(withStranger), why);
  } finally {
    await stranger[Symbol.asyncDispose]();
  }
});
