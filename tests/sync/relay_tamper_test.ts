/**
 * @module relay_tamper_test
 * A relay that alters one entry of another device's run, through the real
 * exchange into SQLite homes (in-memory links, tests/sync/_mem_mesh.ts):
 * the run is authenticated by its chain and its last signature, so one
 * altered byte makes the whole run refused (src/log/ingest.ts: network runs
 * are refused whole), with a named reason; nothing of it is stored, folded,
 * kept aside or taken for a fork, and the session says "refused" and why.
 * When the genuine entries arrive from their author, they are taken.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { encodeCbor } from "../../src/log/cbor.ts";
import { decodeSignedEntry } from "../../src/log/entry.ts";
import { MemMesh } from "./_mem_mesh.ts";

/** Flip one byte of the app name in `author`'s stored entry `seq` at `home` (signature kept). */
function tamper(dbPath: string, author: Uint8Array, seq: number, name: string): void {
  const db = new DatabaseSync(dbPath);
  try {
    const row = db.prepare("SELECT bytes FROM entries WHERE author = ? AND seq = ?")
      .get(author, seq) as { bytes: Uint8Array };
    const e = decodeSignedEntry(row.bytes);
    const body = e.body.slice();
    const text = new TextEncoder().encode(name);
    const at = body.findIndex((_, i) => text.every((b, j) => body[i + j] === b));
    assert.ok(at >= 0);
    body[at + text.length - 1] ^= 0x01;
    db.prepare("UPDATE entries SET bytes = ? WHERE author = ? AND seq = ?")
      .run(encodeCbor([body, e.signature]), author, seq);
  } finally {
    db.close();
  }
}

Deno.test("a relayed run with one entry's bytes altered is refused as a whole (named reason); nothing of it is stored", async () => {
  await using mesh = await MemMesh.create(3);
  const [, author, relay] = mesh.devices;
  const target = mesh.devices[0];
  await mesh.peerAll();
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  mesh.partition((a, b) => a === target || b === target); // the target hears only from the relay
  const held = author.home.log.head(author.key)!.seq;
  for (let i = 1; i <= 5; i++) await mesh.write(author, [{ type: "app.add", name: `app${i}` }]);
  await mesh.round(author); // to the relay
  tamper(relay.home.paths.db, author.key.bytes, held + 3, "app3");
  author.up = false;
  mesh.heal();

  const before = target.home.digest();
  const [o] = (await mesh.round(target)).filter((x) => x.peer === relay.key);
  assert.equal(o.status, "refused");
  assert.match(
    o.error!,
    /^refused 5 entries: the run it belongs to does not verify \(altered in transit\?\) \([A-Z0-9]{7}#\d+\)$/,
  );
  const ingest = o.exchange!.ingest!;
  assert.equal(ingest.accepted, 0, "nothing of the run is kept");
  assert.deepEqual(
    ingest.refused.map((r): [number, string] => [r.seq - held, r.code]).sort((a, b) => a[0] - b[0]),
    [[1, "bad_signature"], [2, "bad_signature"], [3, "bad_signature"], [4, "gap"], [5, "gap"]],
  );
  assert.deepEqual(ingest.forks, [], "an altered relay is no fork");
  assert.equal(target.home.log.forks().length, 0);
  assert.deepEqual(target.home.log.asideSummary(), [], "nothing of it is kept aside either");
  assert.equal(target.home.log.head(author.key)!.seq, held, "none of its entries is stored");
  assert.deepEqual(target.home.view.apps(), []);
  assert.equal(target.home.digest(), before, "the state is untouched");

  // The genuine entries, from their author, are taken.
  author.up = true;
  await mesh.round(target);
  assert.equal(target.home.log.head(author.key)!.seq, held + 5);
  assert.deepEqual(target.home.view.apps(), ["app1", "app2", "app3", "app4", "app5"]);
});
