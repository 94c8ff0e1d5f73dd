/**
 * @module make_home_worker
 * Worker for make_home.ts: builds one device's run of entries — body, Ed25519
 * signature, wrapper, hash, each naming the previous entry's hash — so chains
 * of different devices are signed in parallel. Private keys stay in memory.
 */

/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />

import { concatBytes, plain, utf8 } from "../src/bytes.ts";
import { encodeCbor } from "../src/log/cbor.ts";
import { hashEntryBytes } from "../src/log/entry.ts";

const CONTEXT = utf8("mycel/entry/v1\0");

/** One request: a run of one device's entries. */
interface Job {
  id: number;
  jwk: JsonWebKey;
  key: Uint8Array;
  seq: number;
  prev: Uint8Array | null;
  items: { op: unknown[]; wall: number }[];
}

const keys = new Map<string, CryptoKey>();

self.onmessage = async (e: MessageEvent<Job>) => {
  const job = e.data;
  let key = keys.get(job.jwk.x!);
  if (key === undefined) {
    key = await crypto.subtle.importKey("jwk", job.jwk, { name: "Ed25519" }, false, ["sign"]);
    keys.set(job.jwk.x!, key);
  }
  const out: Uint8Array[] = [];
  let prev = job.prev;
  let seq = job.seq;
  for (const item of job.items) {
    seq++;
    const body = encodeCbor([1, job.key, seq, prev, item.wall, 0, [item.op]]);
    const sig = new Uint8Array(
      await crypto.subtle.sign("Ed25519", key, plain(concatBytes(CONTEXT, body))),
    );
    const bytes = encodeCbor([body, sig]);
    prev = hashEntryBytes(bytes);
    out.push(bytes);
  }
  self.postMessage({ id: job.id, entries: out, hash: prev });
};
