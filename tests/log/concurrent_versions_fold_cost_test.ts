/**
 * Attack (found by a review): a hostile member publishes entries of many
 * pairwise-concurrent versions of one path (each vector names a made-up
 * device). Folding each version used to read and strictly decode every
 * version already held at the path, N²/2 decodes for N versions: a 250 KB
 * entry of 2,000 took a minute to fold on every device that took it, a
 * 1 MiB one far longer, and a `sync serve` process stalled all its sessions
 * meanwhile. Checkpoint merges went the same way. These tests count how
 * often held versions' bytes are read (each read is a strict decode): it
 * must grow with N, not N² (timings: bench/folder_fold_bench.ts).
 */

import assert from "node:assert/strict";
import type { FileVersion } from "../../src/log/file_version.ts";
import { deviceIdFromKey } from "../../src/log/device_id.ts";
import { foldEntry } from "../../src/log/fold.ts";
import { MemoryFolders } from "../../src/log/folder_memory.ts";
import type { StoredVersion } from "../../src/log/folder_state.ts";
import type { Op } from "../../src/log/ops.ts";
import { mergeState } from "../../src/log/state_merge.ts";
import { MemoryState } from "../../src/log/state_memory.ts";
import { type TestDevice, testDevices } from "./helpers.ts";

/** Folder rows that count how often the bytes of a held version are read. */
class CountingFolders extends MemoryFolders {
  reads = 0;

  override versionsAt(folder: string, path: string): StoredVersion[] {
    const count = () => this.reads++;
    return super.versionsAt(folder, path).map((v) => ({
      id: v.id,
      author: v.author,
      seq: v.seq,
      get bytes() {
        count();
        return v.bytes;
      },
    }));
  }
}

class CountingState extends MemoryState {
  readonly counting = new CountingFolders();
  override folders(): CountingFolders {
    return this.counting;
  }
}

let tag = 0;

/** `n` deletions of `path` by `d`, pairwise concurrent: each also names its own made-up device. */
function concurrent(d: TestDevice, path: string, n: number): Op[] {
  tag++;
  return Array.from({ length: n }, (_, i) => {
    const k = new Uint8Array(32);
    k.set([tag & 0xff, tag >> 8, i & 0xff, i >> 8]);
    const version: FileVersion = {
      kind: "deleted",
      path,
      mtime: 1,
      modifiedBy: d.id,
      vv: new Map([[d.id, 1], [deviceIdFromKey(k), 1]]),
    };
    return { type: "file.version", folder: "docs", version };
  });
}

const N = 2000;

Deno.test("folding one entry of 2,000 concurrent versions of a path decodes each held version at most once", async () => {
  const [a] = await testDevices(1);
  const s = new CountingState();
  const first = await a.append(concurrent(a, "p", N), 1);
  foldEntry(s, first.entry);
  assert.equal(s.folders().versionsAt("docs", "p").length, N); // all side by side
  // A second entry of as many, folded onto them.
  const second = await a.append(concurrent(a, "p", N), 2);
  foldEntry(s, second.entry);
  assert.equal(s.folders().versionsAt("docs", "p").length, 2 * N);
  assert.ok(s.counting.reads <= 2 * N, `${s.counting.reads} reads of held versions`);
});

// What this counts is decodes (reads of a held version's bytes). Rows read from
// the home's tables: tests/storage/folder_held_rows_test.ts. The comparisons still
// add up to 300²/2: issue 13, docs/folders.md "File versions".
Deno.test("folding 300 entries of one concurrent version each decodes a number of held versions linear in 300", async () => {
  const [a] = await testDevices(1);
  const s = new CountingState();
  for (let i = 0; i < 300; i++) foldEntry(s, (await a.append(concurrent(a, "q", 1), i + 1)).entry);
  assert.equal(s.folders().versionsAt("docs", "q").length, 300);
  assert.ok(s.counting.reads <= 2 * 300, `${s.counting.reads} reads of held versions`);
});

Deno.test("merging a checkpoint of 2,000 concurrent versions of a path decodes each at most once", async () => {
  const [a, b] = await testDevices(2);
  const from = new MemoryState();
  foldEntry(from, (await a.append(concurrent(a, "r", N), 1)).entry);
  const into = new CountingState();
  foldEntry(into, (await b.append(concurrent(b, "r", 10), 1)).entry);
  mergeState(into, from);
  assert.equal(into.folders().versionsAt("docs", "r").length, N + 10);
  assert.ok(into.counting.reads <= 2 * (N + 10), `${into.counting.reads} reads of held versions`);
});
