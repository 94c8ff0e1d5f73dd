/**
 * @module sync_plan_test
 * planTransfer (table and property: exactly the ranges the peer lacks, in
 * author order) and divergent (forks at equal seqs, below our head, and the
 * cases heads cannot decide).
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import type { Heads } from "../../src/protocol/sync_messages.ts";
import { divergent, planTransfer } from "../../src/protocol/sync_session.ts";

const id = (n: number) => deviceIdFromKey(new Uint8Array(32).fill(n));
const h = (n: number) => new Uint8Array(32).fill(n);
const heads = (rows: [number, number, number][]): Heads =>
  new Map(rows.map(([a, seq, hash]) => [id(a), { seq, hash: h(hash) }]));

Deno.test("planTransfer() sends (remoteSeq, localSeq] for every author the peer is behind on", () => {
  const local = heads([[1, 5, 0], [2, 3, 0], [3, 7, 0], [4, 1, 0]]);
  const remote = heads([[1, 2, 0], [2, 3, 0], [3, 9, 0], [5, 4, 0]]);
  const plan = planTransfer(local, remote);
  const want = [
    { author: id(1), afterSeq: 2, toSeq: 5 },
    { author: id(4), afterSeq: 0, toSeq: 1 },
  ].sort((a, b) => (a.author < b.author ? -1 : 1));
  assert.deepStrictEqual(plan, want);
  assert.deepStrictEqual(planTransfer(new Map(), remote), []);
});

Deno.test("planTransfer() covers exactly what the peer lacks, in author order (property)", () => {
  const side = fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 9 })))
    .map((rows) => heads(rows.map(([a, s]) => [a, s, 0])));
  fc.assert(
    fc.property(side, side, (local, remote) => {
      const plan = planTransfer(local, remote);
      const authors = plan.map((r) => r.author);
      assert.deepStrictEqual(authors, [...authors].sort());
      for (const [author, { seq }] of local) {
        const r = plan.find((p) => p.author === author);
        const theirs = remote.get(author)?.seq ?? 0;
        if (seq > theirs) assert.deepStrictEqual(r, { author, afterSeq: theirs, toSeq: seq });
        else assert.equal(r, undefined);
      }
    }),
  );
});

Deno.test("divergent() finds forks at equal seqs and below our head, and nothing else", () => {
  const local = heads([[1, 5, 1], [2, 5, 1], [3, 5, 1], [4, 5, 1], [6, 2, 1]]);
  const remote = heads([
    [1, 5, 2], // equal seq, other hash: fork
    [2, 3, 9], // below ours, other hash than our seq 3: fork
    [3, 3, 3], // below ours, same hash as our seq 3: fine
    [4, 8, 7], // ahead of us: cannot tell from heads
    [5, 1, 1], // we lack the author
    [6, 1, 9], // below ours but we no longer have seq 1
  ]);
  const ours = (author: string, seq: number) => author === id(6) && seq === 1 ? undefined : h(seq);
  const forks = divergent(local, remote, ours);
  const want = [
    { author: id(1), seq: 5, localHash: h(1), remoteHash: h(2) },
    { author: id(2), seq: 3, localHash: h(3), remoteHash: h(9) },
  ].sort((a, b) => (a.author < b.author ? -1 : 1));
  assert.deepStrictEqual(forks, want);
  assert.deepStrictEqual(divergent(local, local, ours), []);
});
