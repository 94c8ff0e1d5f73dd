/**
 * @module chunk_sizes_bench
 * How chunk sizes trade dedup against per-chunk overhead, to pick the
 * defaults (docs/chunking.md). For each candidate min/avg/max it chunks a
 * file, edits it, chunks it again and reports the bytes of chunks the old
 * version did not have ("new" — what a peer must fetch), plus the chunk
 * count and manifest size of the new version (40 bytes a chunk).
 *
 * Files (all generated with a fixed seed, so runs compare):
 * - big: 512 MiB of incompressible bytes (a video, a VM image); edits:
 *   1 MiB overwritten at 5 places around the middle, and 1 MiB inserted
 *   at 3 places around the middle (mean and worst of each reported);
 * - text: 4 MiB of generated prose; edits: a 300-byte paragraph inserted in
 *   the middle, one sentence deleted near the start;
 * - sqlite: a 40 MiB-ish SQLite database (node:sqlite), then 0.1% of its
 *   rows updated and 500 rows inserted (page-level changes all over);
 * - zip-like: 60 members deflated separately plus a directory (how
 *   .docx/.xlsx/.zip are laid out); one member's text edited.
 *
 *     deno run -A bench/chunk_sizes_bench.ts [big MiB]
 */

import { DatabaseSync } from "node:sqlite";
import { deflateRawSync } from "node:zlib";
import type { ChunkParams } from "../src/files/chunk_params.ts";
import { chunkBytes } from "../src/files/content_chunker.ts";
import type { ChunkRef } from "../src/log/chunk_list.ts";
import { concatBytes, utf8 } from "../src/bytes.ts";
import { rng } from "../tests/helpers/random.ts";
import { pseudoRandomBytes } from "../tests/files/helpers.ts";

const MIB = 1 << 20;
const KIB = 1024;
const BIG = Number(Deno.args[0] ?? 512) * MIB;
const SEED = 0x1234_5678_9abcn;

const CANDIDATES: ChunkParams[] = [
  { min: 16 * KIB, avg: 64 * KIB, max: 256 * KIB, normalization: 1 },
  { min: 32 * KIB, avg: 128 * KIB, max: 512 * KIB, normalization: 1 },
  { min: 64 * KIB, avg: 256 * KIB, max: 1 * MIB, normalization: 1 },
  { min: 64 * KIB, avg: 256 * KIB, max: 1 * MIB, normalization: 2 },
  { min: 128 * KIB, avg: 512 * KIB, max: 2 * MIB, normalization: 1 },
  { min: 256 * KIB, avg: 1 * MIB, max: 4 * MIB, normalization: 1 },
  { min: 512 * KIB, avg: 2 * MIB, max: 8 * MIB, normalization: 1 },
];

const WORDS = ("the of and to in a is that for it as was with be by on not he this are or his " +
  "from at which but have an they you were her she there been one all we their has would " +
  "when if so no will more can out up about into than them only other new some time could " +
  "these two may first then do any like my now over such our man me even most made after " +
  "also did many before must through back years where much your way well down should " +
  "because each just those people how too little state good very make world still own see " +
  "men work long get here between both life being under never day same another know while " +
  "last might us great old year off come since against go came right used take three").split(" ");

function prose(bytes: number, random: () => number): string {
  let s = "";
  while (s.length < bytes) {
    const n = 5 + Math.floor(random() * 20);
    const words = Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]);
    s += words.join(" ") + (random() < 0.15 ? ".\n\n" : ". ");
  }
  return s;
}

function sqliteFiles(): [Uint8Array, Uint8Array] {
  const path = Deno.makeTempFileSync({ suffix: ".db" });
  const random = rng(7);
  const db = new DatabaseSync(path);
  db.exec(
    "PRAGMA journal_mode=DELETE; CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, body TEXT)",
  );
  const ins = db.prepare("INSERT INTO t(id, name, body) VALUES (?, ?, ?)");
  db.exec("BEGIN");
  for (let i = 0; i < 200_000; i++) ins.run(i, `name ${i}`, prose(150, random));
  db.exec("COMMIT");
  db.close();
  const before = Deno.readFileSync(path);
  const db2 = new DatabaseSync(path);
  const upd = db2.prepare("UPDATE t SET body = ? WHERE id = ?");
  db2.exec("BEGIN");
  for (let i = 0; i < 200; i++) upd.run(prose(150, random), Math.floor(random() * 200_000));
  const ins2 = db2.prepare("INSERT INTO t(id, name, body) VALUES (?, ?, ?)");
  for (let i = 0; i < 500; i++) ins2.run(200_000 + i, `name ${i}`, prose(150, random));
  db2.exec("COMMIT");
  db2.close();
  const after = Deno.readFileSync(path);
  Deno.removeSync(path);
  return [before, after];
}

function zipLike(members: string[]): Uint8Array {
  const parts = members.map((m) => deflateRawSync(utf8(m)));
  const dir = utf8(parts.map((p, i) => `member${i}:${p.length}`).join("\n"));
  return concatBytes(...parts.map((p) => new Uint8Array(p)), dir);
}

function newBytes(before: ChunkRef[], after: ChunkRef[]): number {
  const old = new Set(before.map((c) => c.hash));
  const seen = new Set<string>();
  let n = 0;
  for (const c of after) {
    if (old.has(c.hash) || seen.has(c.hash)) continue;
    seen.add(c.hash);
    n += c.length;
  }
  return n;
}

const mib = (n: number) => `${(n / MIB).toFixed(2)} MiB`;
const kib = (n: number) => `${(n / KIB).toFixed(0)} KiB`;
const label = (p: ChunkParams) =>
  `${kib(p.min)}/${kib(p.avg)}/${kib(p.max)} L${p.normalization}`.replaceAll(" KiB", "K");

console.log(`Deno ${Deno.version.deno}; new = bytes of chunks the old version lacked\n`);

// Small realistic files first.
const random = rng(42);
const text = prose(4 * MIB, random);
const mid = text.indexOf("\n\n", text.length / 2) + 2;
const textInsert = text.slice(0, mid) + prose(300, random) + "\n\n" + text.slice(mid);
const dot = text.indexOf(". ", 10_000) + 2;
const textDelete = text.slice(0, dot) + text.slice(text.indexOf(". ", dot) + 2);
const [dbBefore, dbAfter] = sqliteFiles();
const members = Array.from({ length: 60 }, () => prose(40 * KIB + random() * 200 * KIB, random));
const zipBefore = zipLike(members);
members[30] = members[30].replace(" the ", " THE EDITED ");
const zipAfter = zipLike(members);

const small: [string, Uint8Array, Uint8Array][] = [
  ["text 4 MiB, +300 B paragraph", utf8(text), utf8(textInsert)],
  ["text 4 MiB, -1 sentence", utf8(text), utf8(textDelete)],
  [`sqlite ${mib(dbBefore.length)}, 0.1% rows`, dbBefore, dbAfter],
  [`zip-like ${mib(zipBefore.length)}, 1 member`, zipBefore, zipAfter],
];
for (const [name, a, b] of small) {
  console.log(`${name}:`);
  for (const p of CANDIDATES) {
    const before = await chunkBytes(a, p, SEED);
    const after = await chunkBytes(b, p, SEED);
    console.log(
      `  ${label(p).padEnd(18)} new ${mib(newBytes(before, after)).padStart(10)}  chunks ${
        String(after.length).padStart(5)
      }  manifest ${kib(after.length * 40).padStart(7)}`,
    );
  }
}

// The big file: 1 MiB overwritten around the middle, and 1 MiB inserted.
const big = pseudoRandomBytes(BIG, 0x51ed);
console.log(`\nbig ${mib(BIG)} incompressible:`);
for (const p of CANDIDATES) {
  const before = await chunkBytes(big, p, SEED);
  const costs: number[] = [];
  for (let t = 0; t < 5; t++) {
    const at = BIG / 2 + Math.floor((t - 2) * 7.3 * MIB) + t * 12345;
    const saved = big.slice(at, at + MIB);
    big.set(pseudoRandomBytes(MIB, 1000 + t), at);
    costs.push(newBytes(before, await chunkBytes(big, p, SEED)));
    big.set(saved, at);
  }
  const inserts: number[] = [];
  for (let t = 0; t < 3; t++) {
    const at = BIG / 2 + (t - 1) * 11 * MIB + t * 777;
    const ins = concatBytes(big.subarray(0, at), pseudoRandomBytes(MIB, 99 + t), big.subarray(at));
    inserts.push(newBytes(before, await chunkBytes(ins, p, SEED)));
  }
  const stats = (xs: number[]) =>
    `mean ${mib(xs.reduce((s, x) => s + x, 0) / xs.length)} max ${mib(Math.max(...xs))}`;
  console.log(
    `  ${label(p).padEnd(18)} 1 MiB overwrite: ${stats(costs)}; 1 MiB insert: ${
      stats(inserts)
    }; chunks ${before.length}, manifest ${kib(before.length * 40)}`,
  );
}
