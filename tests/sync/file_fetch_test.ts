/**
 * The Fetcher (src/sync/file_fetch.ts) against scripted peers over real
 * SecureChannels on in-memory pipes: a chunk the first peer asked lacks is
 * asked of the next, even when it was the only chunk wanted (the other
 * peer must not have left meanwhile); a peer that sends wrong bytes is
 * dropped and its chunk comes from another; a chunk nobody has fails;
 * chunks in pieces arrive whole (through one buffer the fetcher reuses);
 * chunks that checked out before a wrong one are kept; no chunk is handed
 * on twice.
 */

import assert from "node:assert/strict";
import { toHex } from "../../src/bytes.ts";
import { loadBlake3 } from "../../src/files/chunk_hash.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { decodeChunkMessage, encodeChunkMessage } from "../../src/protocol/chunk_messages.ts";
import { Fetcher, type FetchPeer } from "../../src/sync/file_fetch.ts";
import { NobodyHas } from "../../src/sync/unfetchable.ts";
import { channelPair } from "../transport/helpers.ts";

type Serve = "has" | "lacks" | "wrong" | "pieces" | "wrongFifth";

/** A peer that answers wants after `delayMs`: the chunks it has, "none" or wrong bytes. */
async function scriptedPeer(
  name: string,
  chunks: Map<string, Uint8Array>,
  mode: Serve,
  delayMs: number,
): Promise<{ peer: FetchPeer; asked: string[]; done: Promise<void> }> {
  const [mine, theirs] = await channelPair();
  const asked: string[] = [];
  let sentSoFar = 0;
  const done = (async () => {
    for (;;) {
      const raw = await theirs.receive(5000).catch(() => null);
      if (raw === null) break;
      const msg = decodeChunkMessage(raw);
      if (msg.type !== "want") break;
      await new Promise((r) => setTimeout(r, delayMs));
      for (const id of msg.ids) {
        const hex = toHex(id);
        asked.push(hex);
        const bytes = chunks.get(hex);
        if (mode === "lacks" || bytes === undefined) {
          await theirs.send(encodeChunkMessage({ type: "none", id }));
        } else {
          const wrong = mode === "wrong" || (mode === "wrongFifth" && sentSoFar === 4);
          sentSoFar++;
          const sent = wrong ? bytes.map((b) => b ^ 1) : bytes;
          // "pieces": three pieces a chunk, as a responder cuts a chunk over its piece size.
          const step = mode === "pieces" ? Math.ceil(sent.length / 3) : sent.length;
          for (let at = 0; at < sent.length; at += step) {
            await theirs.send(encodeChunkMessage({
              type: "piece",
              id,
              total: sent.length,
              offset: at,
              bytes: sent.subarray(at, at + step),
            }));
          }
        }
      }
    }
    theirs.close();
  })();
  const key = DeviceKey.of(crypto.getRandomValues(new Uint8Array(32)));
  return { peer: { key, name, channel: mine }, asked, done };
}

async function someChunks(n: number): Promise<Map<string, Uint8Array>> {
  const blake3 = await loadBlake3();
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(1000 + i));
    out.set(blake3(bytes), bytes);
  }
  return out;
}

async function fetchAll(peers: FetchPeer[], chunks: Map<string, Uint8Array>, extra: string[] = []) {
  const got = new Map<string, Uint8Array>();
  const f = new Fetcher(peers, "docs", 5000, (hash, bytes) => {
    assert.ok(!got.has(hash), `${hash} handed on twice`);
    got.set(hash, bytes.slice()); // the fetcher's buffer, ours only until we return
    return Promise.resolve();
  });
  for (const [hash, bytes] of chunks) f.want(hash, bytes.length);
  for (const hash of extra) f.want(hash, 10);
  f.close();
  await f.run();
  for (const p of peers) p.channel.close();
  return { got, failed: f.failed, reports: f.reports, fetcher: f };
}

Deno.test("the only chunk wanted, lacked by the peer asked first, comes from the other", async () => {
  const chunks = await someChunks(1);
  const lacking = await scriptedPeer("lacking", chunks, "lacks", 50);
  const having = await scriptedPeer("having", chunks, "has", 0);
  const { got, failed } = await fetchAll([lacking.peer, having.peer], chunks);
  await Promise.all([lacking.done, having.done]);
  assert.deepEqual(lacking.asked, [...chunks.keys()], "the first peer was asked first");
  assert.deepEqual([...failed], []);
  assert.deepEqual([...got.keys()], [...chunks.keys()]);
});

Deno.test("chunks a peer lacks are asked of the others; a chunk nobody has fails", async () => {
  const chunks = await someChunks(40);
  const nobody = "ab".repeat(32);
  const lacking = await scriptedPeer("lacking", chunks, "lacks", 20);
  const having = await scriptedPeer("having", chunks, "has", 5);
  const { got, failed } = await fetchAll([lacking.peer, having.peer], chunks, [nobody]);
  await Promise.all([lacking.done, having.done]);
  assert.equal(got.size, chunks.size);
  for (const [hash, bytes] of chunks) assert.deepEqual(got.get(hash), bytes);
  assert.deepEqual([...failed], [nobody]);
});

Deno.test("a peer sending wrong bytes is dropped and its chunks come from another", async () => {
  const chunks = await someChunks(8);
  const liar = await scriptedPeer("liar", chunks, "wrong", 0);
  const honest = await scriptedPeer("honest", chunks, "has", 30);
  const { got, failed, reports } = await fetchAll([liar.peer, honest.peer], chunks);
  await Promise.all([liar.done, honest.done]);
  assert.equal(got.size, chunks.size);
  for (const [hash, bytes] of chunks) assert.deepEqual(got.get(hash), bytes);
  assert.deepEqual([...failed], []);
  assert.match(reports[0].dropped ?? "", /wrong bytes/);
});

Deno.test("a peer whose fifth chunk is wrong: the four before it are kept, the rest come from another", async () => {
  const chunks = await someChunks(16);
  const keys = [...chunks.keys()];
  const liar = await scriptedPeer("liar", chunks, "wrongFifth", 0);
  const honest = await scriptedPeer("honest", chunks, "has", 30);
  const { got, failed, reports } = await fetchAll([liar.peer, honest.peer], chunks);
  await Promise.all([liar.done, honest.done]);
  assert.deepEqual(got, chunks);
  assert.deepEqual([...failed], []);
  assert.match(reports[0].dropped ?? "", /wrong bytes for chunk/);
  assert.deepEqual(liar.asked.slice(0, 5), keys.slice(0, 5));
  assert.equal(reports[0].chunks, 4);
  assert.equal(reports[1].chunks, 12);
  for (const h of keys.slice(0, 4)) assert.ok(!honest.asked.includes(h), "asked again");
});

Deno.test("chunks sent in pieces arrive whole, each as it was sent", async () => {
  const chunks = await someChunks(12);
  const cut = await scriptedPeer("cut", chunks, "pieces", 0);
  const { got, failed } = await fetchAll([cut.peer], chunks);
  await cut.done;
  assert.deepEqual([...failed], []);
  assert.deepEqual(got, chunks);
});

Deno.test("stop() asks for nothing more: what was asked is read, the rest is neither fetched nor failed", async () => {
  // 24 chunks of 1 MiB: more than the 16 MiB a peer is asked for at once.
  const blake3 = await loadBlake3();
  const chunks = new Map<string, Uint8Array>();
  for (let i = 0; i < 24; i++) {
    const bytes = new Uint8Array(1 << 20).fill(i);
    chunks.set(blake3(bytes), bytes);
  }
  const slow = await scriptedPeer("slow", chunks, "has", 0);
  const got: string[] = [];
  const f: Fetcher = new Fetcher([slow.peer], "docs", 5000, (hash) => {
    got.push(hash);
    f.stop(); // the disk is full, say
    return Promise.resolve();
  });
  for (const [hash, bytes] of chunks) f.want(hash, bytes.length);
  f.close();
  await f.run();
  slow.peer.channel.close();
  await slow.done;
  assert.ok(got.length >= 1 && got.length < chunks.size, `delivered ${got.length}`);
  assert.deepEqual([...f.failed], []);
  assert.ok(slow.asked.length < chunks.size, `asked ${slow.asked.length} of ${chunks.size}`);
});

Deno.test("stop() with two peers, one lacking what it was asked: the round still ends", async () => {
  // A peer waiting only on an item the other answers "none" for must be woken after a stop.
  const chunks = await someChunks(20);
  const lacking = await scriptedPeer("lacking", chunks, "lacks", 50);
  const having = await scriptedPeer("having", chunks, "has", 0);
  const f: Fetcher = new Fetcher([lacking.peer, having.peer], "docs", 5000, () => {
    f.stop();
    return Promise.resolve();
  });
  for (const [hash, bytes] of chunks) f.want(hash, bytes.length);
  f.close();
  const ended = await Promise.race([
    f.run().then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 4000)),
  ]);
  lacking.peer.channel.close();
  having.peer.channel.close();
  await Promise.all([lacking.done, having.done]);
  assert.ok(ended, "the fetch never ended after stop()");
  assert.deepEqual([...f.failed], []);
});

Deno.test("nobody has a chunk only when every holder answered that it lacks it; a peer dropped before answering does not count", async () => {
  const chunks = await someChunks(3);
  const nobody = "cd".repeat(32);
  const lacking = await scriptedPeer("lacking", chunks, "lacks", 0);
  const having = await scriptedPeer("having", chunks, "has", 0);
  const run = await fetchAll([lacking.peer, having.peer], chunks, [nobody]);
  await Promise.all([lacking.done, having.done]);
  assert.deepEqual([...run.fetcher.noneFrom(nobody) ?? []], [lacking.peer.key, having.peer.key]);
  const both = new NobodyHas([lacking.peer.key, having.peer.key], (id) => id);
  both.heard(run.fetcher, [nobody, ...chunks.keys()]);
  assert.equal(both.lacks(nobody), true);
  for (const hash of chunks.keys()) assert.equal(both.lacks(hash), false, "having has it");
  // A holder this round did not reach leaves it open.
  const third = DeviceKey.of(new Uint8Array(32).fill(9));
  const more = new NobodyHas([lacking.peer.key, having.peer.key, third], (id) => id);
  more.heard(run.fetcher, [nobody]);
  assert.equal(more.lacks(nobody), false);
  // No holder left at all: nobody has anything the home lacks.
  assert.equal(new NobodyHas([], (id) => id).lacks(nobody), true);

  // A liar is dropped at its first answer: it never said it lacks the others.
  const liar = await scriptedPeer("liar", chunks, "wrong", 0);
  const honest = await scriptedPeer("honest", new Map(), "lacks", 30);
  const dropped = await fetchAll([liar.peer, honest.peer], chunks);
  await Promise.all([liar.done, honest.done]);
  const seen = new NobodyHas([liar.peer.key, honest.peer.key], (id) => id);
  seen.heard(dropped.fetcher, chunks.keys());
  for (const hash of chunks.keys()) assert.equal(seen.lacks(hash), false, hash);
});

// A member may publish a version naming a real chunk's id with another length
// (found by a review). Wants were kept by id alone, with the length of the
// first file to ask: the honest peer's right bytes failed that length, it
// was dropped as "sent wrong bytes", and the honest file never arrived.
for (const mode of ["has", "pieces"] as const) {
  Deno.test(`a chunk wanted with a length its bytes lack is the version's fault: the peer stays, the right length arrives (${mode})`, async () => {
    const chunks = await someChunks(4);
    const [lied, alone] = [...chunks.keys()];
    const honest = await scriptedPeer("honest", chunks, mode, 0);
    const got: [string, number][] = [];
    const misstated: [string, number, number][] = [];
    const f = new Fetcher([honest.peer], "docs", 5000, (hash, bytes) => {
      got.push([hash, bytes.length]);
      return Promise.resolve();
    }, (hash, claimed, actual) => misstated.push([hash, claimed, actual]));
    f.want(lied, 5); // the lie, asked first
    f.want(alone, 7); // a lie about a chunk no honest file wants
    for (const [hash, bytes] of chunks) if (hash !== alone) f.want(hash, bytes.length);
    f.want(lied, 5); // asked again by another lying file: once is enough
    for (let n = 1; n <= 40; n++) f.want(lied, n * 11); // many lies of one id: known by then
    f.close();
    await f.run();
    honest.peer.channel.close();
    await honest.done;
    assert.equal(f.reports[0].dropped, undefined, "the honest peer was dropped");
    const size = (h: string) => chunks.get(h)!.length;
    const lies: [string, number, number][] = [[lied, 5, size(lied)], [alone, 7, size(alone)]];
    for (let n = 1; n <= 40; n++) lies.push([lied, n * 11, size(lied)]);
    assert.deepEqual(misstated.toSorted(), lies.toSorted());
    // One answer told the id's length: its honest want took those bytes, and
    // the other lies were settled without asking again.
    assert.equal(honest.asked.filter((h) => h === lied).length, 1);
    assert.equal(honest.asked.filter((h) => h === alone).length, 1);
    assert.deepEqual(
      got.toSorted(),
      [...chunks].filter(([h]) => h !== alone).map(([h, b]): [string, number] => [h, b.length])
        .toSorted(),
    );
    assert.deepEqual([...f.failed], []);
  });
}
