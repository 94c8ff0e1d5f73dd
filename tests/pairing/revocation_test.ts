/**
 * @module revocation_test
 * `mycel mesh remove` after pairing, with real devices on 127.0.0.1: alpha
 * revokes beta, gossip carries it to gamma, and from then on every device
 * refuses beta and nothing beta writes is applied anywhere. Re-pairing the
 * machine gives it a new key; the old one stays revoked. A revocation and a
 * concurrent re-admission of the same key converge to revoked.
 */

import assert from "node:assert/strict";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { describe } from "../helpers/mycel.ts";
import { Device, device, type MeshRow, pair, startInviter } from "./_helpers.ts";

/** alpha (init), beta and gamma paired via alpha; servers up; all synced. */
async function threeDevices(a: Device, b: Device, c: Device): Promise<void> {
  await a.init();
  b.id = (await pair(a.t, b.t, "beta")).joinerId;
  await b.setEndpoint();
  c.id = (await pair(a.t, c.t, "gamma")).joinerId;
  await c.setEndpoint();
  await Promise.all([a.serve(), b.serve(), c.serve()]);
  await syncAll([a, b, c]);
}

/** Sync rounds until one round is clean and the digests agree. */
async function syncAll(devices: Device[]): Promise<void> {
  let codes: number[] = [];
  for (let round = 0; round < 3; round++) {
    codes = [];
    for (const d of devices) codes.push((await d.syncNow()).code);
    if (codes.every((c) => c === 0)) break;
  }
  assert.deepEqual(codes, devices.map(() => 0), "every device synced with every peer");
  const digests = await Promise.all(devices.map(async (d) => (await d.status()).state_digest));
  assert.equal(new Set(digests).size, 1, `digests differ: ${digests.join(" ")}`);
}

function row(rows: MeshRow[], id: string): MeshRow {
  const r = rows.find((x) => x.id === id);
  assert.ok(r, `${id} not in ${JSON.stringify(rows)}`);
  return r;
}

Deno.test("pairing: a removed device is refused everywhere, its new entries go nowhere, re-pairing gives a new key", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await using c = await device("gamma");
  await threeDevices(a, b, c);
  const oldB = b.id;
  const bSeqBefore = (await b.status()).log.heads[oldB].seq;

  // alpha removes beta; beta, unaware, keeps writing.
  const removed = await a.t.ok(["--no-sync", "mesh", "remove", "beta", "--yes"]);
  assert.match(removed.stdout, new RegExp(`removed beta \\(${oldB}\\)`));
  await b.t.ok(["--no-sync", "pref", "set", "written_after_removal", "yes"]);
  const bSeqAfter = (await b.status()).log.heads[oldB].seq;
  assert.ok(bSeqAfter > bSeqBefore);

  // Gossip: alpha syncs with gamma (and no longer dials beta).
  const gossip = await a.syncNow();
  assert.deepEqual(gossip.outcomes.map((o) => [o.id, o.status]), [[c.id, "synced"]]);

  // beta is refused by both, and both servers say whom they refused.
  const args = ["sync", "now", "--timeout", "15"];
  const r = await b.t.run(args);
  assert.notEqual(r.code, 0, describe(args, r));
  assert.match(r.stdout, /alpha \([A-Z0-9]+\): refused/, describe(args, r));
  assert.match(r.stdout, /gamma \([A-Z0-9]+\): refused/, describe(args, r));
  const names = new RegExp(`refused .*beta \\(${shortDeviceId(oldB)}\\)`);
  await c.server!.waitFor(names, { stream: "stderr", timeoutMs: 5000 });
  await a.server!.waitFor(names, { stream: "stderr", timeoutMs: 5000 });

  // Nothing beta wrote after its removal was applied on alpha or gamma.
  for (const d of [a, c]) {
    const s = await d.status();
    assert.equal(s.log.heads[oldB]?.seq, bSeqBefore, `${d.name} holds beta's later entries`);
    assert.equal(s.mesh.devices, 2);
    assert.equal(s.mesh.revoked, 1);
    const prefs = await d.t.run(["pref", "get", "written_after_removal"]);
    assert.notEqual(prefs.code, 0, `${d.name}: ${prefs.stdout}`);
  }
  assert.equal((await a.status()).state_digest, (await c.status()).state_digest);

  // mesh list: beta revoked by alpha, on alpha and on gamma.
  for (const d of [a, c]) {
    const rb = row(await d.meshList(), oldB);
    assert.equal(rb.revoked?.by, a.id, `${d.name}: ${JSON.stringify(rb)}`);
    assert.equal(rb.revoked?.by_name, "alpha");
  }
  assert.match((await a.t.ok(["mesh", "list"])).stdout, /beta was removed by alpha at /);

  // Re-pairing beta's machine (same home, no --name) makes a new key; the old
  // id stays revoked; the device keeps its name and the endpoints it had.
  await b.stopServer();
  const oldEndpoints = (await b.status()).device.endpoints;
  assert.ok(oldEndpoints.length > 0);
  const inv = await startInviter(a.t);
  const j = await b.t.run(["pair", inv.code], { timeoutMs: 60_000 });
  assert.equal(j.code, 0, describe(["pair", inv.code], j));
  const invited = await inv.proc.result();
  assert.equal(invited.code, 0);
  // The inviter's screen says who holds the code: the removed beta, by name and id.
  assert.match(
    invited.stderr,
    new RegExp(
      `^refused a device at 127\\.0\\.0\\.1:\\d+: it holds the key of beta \\(${
        shortDeviceId(oldB)
      }\\), removed from the mesh by alpha at .*; it may try again at once with a new key: admit it only if you mean to bring beta back$`,
      "m",
    ),
    invited.stderr,
  );
  // The old home is kept beside, named by a UTC time one can read, and said where.
  const kept = j.stderr.match(
    /^Kept the old home \(its key was removed from the mesh\) as (\S+\.revoked-\d{8}T\d{6}Z)\.$/m,
  );
  assert.ok(kept, j.stderr);
  assert.equal(kept[1], `${b.t.home}.revoked-${kept[1].slice(-16)}`);
  assert.ok((await Deno.stat(kept[1])).isDirectory);
  const st = await b.status();
  const newB = st.device.id;
  assert.notEqual(newB, oldB, "a new key, hence a new device id");
  assert.equal(st.device.name, "beta", "re-pairing kept the name");
  assert.deepEqual(st.device.endpoints, oldEndpoints, "re-pairing kept the endpoints");
  const seen = (await a.status()).peers.find((p) => p.id === newB)!;
  assert.equal(seen.name, "beta");
  assert.deepEqual(seen.endpoints, oldEndpoints);
  const list = await a.meshList();
  assert.equal(row(list, oldB).revoked?.by, a.id, "the old id stays revoked");
  assert.equal(row(list, newB).revoked, null);
  assert.equal(row(list, newB).admitted?.by, a.id);
});

Deno.test("pairing: a new device joins a mesh that has a revoked member and gets the same state", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await using d = await device("delta");
  await a.init();
  b.id = (await pair(a.t, b.t, "beta")).joinerId;
  await b.setEndpoint();
  await b.t.ok(["--no-sync", "pref", "set", "set_by_beta", "before removal"]);
  await Promise.all([a.serve(), b.serve()]);
  await syncAll([a, b]);
  await a.t.ok(["--no-sync", "mesh", "remove", "beta", "--yes"]);

  // alpha's log now holds beta's entries (made while it was a member) and its removal.
  const joined = await pair(a.t, d.t, "delta");
  assert.match(joined.joiner.stdout, /paired with alpha/);
  assert.match(joined.joiner.stdout, /received the mesh's state \(2 devices\)/);
  // The newcomer starts from alpha's checkpoint: the same values and members
  // at once (its own first entry, announcing itself, reaches alpha at the
  // first sync; until then only the digests differ).
  const sd = await d.status();
  assert.equal(sd.mesh.revoked, 1);
  assert.equal(sd.mesh.devices, 2);
  assert.equal(row(await d.meshList(), b.id).revoked?.by, a.id);
  const prefs = (t: Device["t"]) => t.json(["pref", "list", "--json"]);
  assert.deepEqual(await prefs(d.t), await prefs(a.t));
  assert.deepEqual(await prefs(d.t), { set_by_beta: "before removal" });
  const round = await d.syncNow();
  assert.deepEqual(round.outcomes.map((o) => [o.id, o.status]), [[a.id, "synced"]]);
  const [sa, sd2] = [await a.status(), await d.status()];
  assert.equal(sd2.state_digest, sa.state_digest, "the newcomer holds the mesh's state");
});

Deno.test("pairing: a revocation and a concurrent re-admission of the same key converge to revoked", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await using c = await device("gamma");
  await threeDevices(a, b, c);
  const card = (await b.t.ok(["mesh", "card"])).stdout.trim();
  await b.stopServer();

  // Concurrently: alpha revokes beta; gamma, not yet aware, admits beta's card.
  await a.t.ok(["--no-sync", "mesh", "remove", "beta", "--yes"]);
  const readd = await c.t.run(["--no-sync", "mesh", "add-peer", card]);
  assert.equal(readd.code, 0, describe(["mesh", "add-peer", "CARD"], readd));

  // Gossip both ways between alpha and gamma.
  await a.syncNow();
  await c.syncNow();
  await a.syncNow();
  for (const d of [a, c]) {
    const rb = row(await d.meshList(), b.id);
    assert.ok(rb.revoked, `${d.name} does not show beta revoked: ${JSON.stringify(rb)}`);
    assert.equal(rb.revoked.by, a.id);
    const s = await d.status();
    assert.equal(s.mesh.devices, 2, `${d.name} still counts beta as a member`);
  }
  assert.equal((await a.status()).state_digest, (await c.status()).state_digest);
  // And gamma now refuses beta's card for good.
  const again = await c.t.run(["--no-sync", "mesh", "add-peer", card]);
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /removed from the mesh for good/);
});
