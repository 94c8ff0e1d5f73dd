/**
 * A member serving chunks one byte at a time, or each chunk just inside
 * the read deadline: every message keeps the read deadline, so nothing but
 * the session deadline (600 s by default) cut it, and the chunks it was
 * asked for waited for it while another peer that had them sat idle. Now
 * what a slow peer owes is asked of an idle peer too, and the slow peer is
 * cut once all of it came from elsewhere; a slow peer that alone has its
 * chunks keeps them. The Fetcher (src/sync/file_fetch.ts) runs against
 * scripted peers over real SecureChannels on in-memory pipes.
 */

import assert from "node:assert/strict";
import { toHex } from "../../src/bytes.ts";
import { loadBlake3 } from "../../src/files/chunk_hash.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { decodeChunkMessage, encodeChunkMessage } from "../../src/protocol/chunk_messages.ts";
import { Fetcher, type FetchPeer } from "../../src/sync/file_fetch.ts";
import { channelPair } from "../transport/helpers.ts";

const READ_TIMEOUT_MS = 600;

/** How a scripted peer answers each want: pieces of `step` bytes, each after `dripMs`; each chunk after `answerMs`. */
interface Pace {
  step: number;
  dripMs: number;
  answerMs?: number;
  /** It has only these ids (every id of `chunks` if left out); "none" for the rest, at once. */
  has?: ReadonlySet<string>;
}

/** A peer answering every want with its chunks at `pace`. */
async function peer(name: string, chunks: Map<string, Uint8Array>, pace: Pace) {
  const [mine, theirs] = await channelPair();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const asked = new Set<string>();
  const done = (async () => {
    try {
      for (;;) {
        const raw = await theirs.receive(60_000);
        if (raw === null) break;
        const msg = decodeChunkMessage(raw);
        if (msg.type !== "want") break;
        for (const id of msg.ids) {
          asked.add(toHex(id));
          const bytes = chunks.get(toHex(id))!;
          if (pace.has !== undefined && !pace.has.has(toHex(id))) {
            await theirs.send(encodeChunkMessage({ type: "none", id }));
            continue;
          }
          if (pace.answerMs) await sleep(pace.answerMs);
          for (let at = 0; at < bytes.length; at += pace.step) {
            if (pace.dripMs > 0) await sleep(pace.dripMs);
            const part = bytes.subarray(at, at + pace.step);
            await theirs.send(
              encodeChunkMessage({
                type: "piece",
                id,
                total: bytes.length,
                offset: at,
                bytes: part,
              }),
            );
          }
        }
      }
    } catch {
      // the fetcher hung up on us
    }
    theirs.close();
  })();
  const key = DeviceKey.of(crypto.getRandomValues(new Uint8Array(32)));
  const fetchPeer: FetchPeer = { key, name, channel: mine };
  return { peer: fetchPeer, done, asked, close: () => theirs.close() };
}

async function someChunks(n: number, size: number): Promise<Map<string, Uint8Array>> {
  const blake3 = await loadBlake3();
  const chunks = new Map<string, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const bytes = crypto.getRandomValues(new Uint8Array(size + i));
    chunks.set(blake3(bytes), bytes);
  }
  return chunks;
}

/** Fetch every chunk from peers at these paces (at most 15 s); what came and how long it took. */
async function fetchFrom(chunks: Map<string, Uint8Array>, paces: Pace[]) {
  const peers = await Promise.all(paces.map((pace, k) => peer(`p${k}`, chunks, pace)));
  const got = new Map<string, Uint8Array>();
  const f = new Fetcher(peers.map((p) => p.peer), "docs", READ_TIMEOUT_MS, (hash, bytes) => {
    assert.ok(!got.has(hash), `${hash} handed on twice`);
    got.set(hash, bytes.slice());
    return Promise.resolve();
  });
  for (const [hash, bytes] of chunks) f.want(hash, bytes.length);
  f.close();
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => timer = setTimeout(() => r("late"), 15_000));
  try {
    const outcome = await Promise.race([f.run().then(() => "done" as const), late]);
    const took = Date.now() - started;
    return {
      outcome,
      took,
      got,
      failed: f.failed,
      reports: f.reports,
      asked: peers.map((p) => p.asked),
    };
  } finally {
    clearTimeout(timer);
    for (const p of peers) {
      p.peer.channel.close();
      p.close();
    }
    await Promise.all(peers.map((p) => p.done));
  }
}

const AT_ONCE: Pace = { step: 1 << 20, dripMs: 0 };

Deno.test("a peer dripping its chunks a byte at a time, each within the read deadline, is cut once another peer is idle; every chunk comes from the other", async () => {
  const chunks = await someChunks(8, 2000);
  // A byte every third of the read deadline: each chunk would take over 6 minutes.
  const r = await fetchFrom(chunks, [{ step: 1, dripMs: READ_TIMEOUT_MS / 3 }, AT_ONCE]);
  assert.equal(r.outcome, "done", "the fetch waited for the dripping peer");
  // The other peer's share comes at once; the dripping peer's oldest want
  // waits a read deadline, then everything it owes is asked of the other.
  assert.ok(r.took < 4 * READ_TIMEOUT_MS, `took ${r.took} ms`);
  assert.deepEqual(r.got, chunks);
  assert.deepEqual([...r.failed], []);
  assert.match(r.reports[0].dropped ?? "", /too slow/);
  assert.equal(r.reports[1].dropped, undefined);
});

Deno.test("a peer answering each chunk just inside the read deadline: what it owes comes from the idle other peer", async () => {
  // 12 chunks its way, 0.48 s each: almost 6 s before; the read deadline never ran out.
  const chunks = await someChunks(24, 1000);
  const r = await fetchFrom(chunks, [{ ...AT_ONCE, answerMs: 0.8 * READ_TIMEOUT_MS }, AT_ONCE]);
  assert.equal(r.outcome, "done");
  assert.ok(r.took < 4 * READ_TIMEOUT_MS, `took ${r.took} ms`);
  assert.deepEqual(r.got, chunks);
  assert.deepEqual([...r.failed], []);
  assert.match(r.reports[0].dropped ?? "", /too slow/);
});

Deno.test("a dripping peer's chunks go to an idle peer lacking them, then to the next one, which has them", async () => {
  const chunks = await someChunks(6, 2000);
  const r = await fetchFrom(chunks, [
    { step: 1, dripMs: READ_TIMEOUT_MS / 3 },
    { ...AT_ONCE, has: new Set() },
    AT_ONCE,
  ]);
  assert.equal(r.outcome, "done");
  assert.ok(r.took < 4 * READ_TIMEOUT_MS, `took ${r.took} ms`);
  assert.deepEqual(r.got, chunks);
  assert.deepEqual([...r.failed], []);
  assert.match(r.reports[0].dropped ?? "", /too slow/);
  assert.equal(r.reports[2].chunks, chunks.size);
});

Deno.test("a slow peer that alone has its chunks keeps them: the idle peer lacking them answers none, nobody is cut", async () => {
  const chunks = await someChunks(3, 500);
  // Each chunk just inside the read deadline, so the later ones wait longer
  // than one; the other peer has none of them.
  const slow: Pace = { ...AT_ONCE, answerMs: 0.8 * READ_TIMEOUT_MS };
  const r = await fetchFrom(chunks, [slow, { ...AT_ONCE, has: new Set() }]);
  assert.equal(r.outcome, "done");
  assert.deepEqual(r.got, chunks);
  assert.deepEqual([...r.failed], []);
  // The first chunk came inside a read deadline; the two after it were asked of the other too.
  const [, second, third] = [...chunks.keys()];
  assert.ok(r.asked[1].has(second) && r.asked[1].has(third), "the idle peer was asked");
  assert.equal(r.reports[0].dropped, undefined);
  assert.equal(r.reports[0].chunks, 3);
});

Deno.test("a slow peer with nobody else to ask is not cut for its pace: every chunk comes from it", async () => {
  const chunks = await someChunks(3, 40);
  // Each chunk takes over a read deadline (a piece each fifth of one).
  const r = await fetchFrom(chunks, [{ step: 5, dripMs: READ_TIMEOUT_MS / 5 }]);
  assert.equal(r.outcome, "done");
  assert.deepEqual(r.got, chunks);
  assert.equal(r.reports[0].dropped, undefined);
});
