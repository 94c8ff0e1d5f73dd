/**
 * withoutUnavailable and frontierBelow (src/files/unavailable.ts), pure: a
 * file version is left out only when its maker was removed and no device
 * still in the mesh reported holding it (joined, nothing left to fetch, not
 * stopped, its frontier at or past the version's entry) and this disk does
 * not hold it; deletions, links and empty files are never left out; a
 * device's published frontier stops below what it left out.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { encodeFileVersion, type FileVersion } from "../../src/files/file_version.ts";
import {
  type Availability,
  frontierBelow,
  type HolderReport,
  type KeptVersion,
  type UnavailableVersion,
  withoutUnavailable,
} from "../../src/files/unavailable.ts";
import { testDevice } from "./helpers.ts";

const GONE = "aa".repeat(32), LIVE = "bb".repeat(32), OTHER = "cc".repeat(32);

function kept(v: FileVersion, author: string, seq: number): KeptVersion {
  const bytes = encodeFileVersion(v);
  return { id: `${author}:${seq}:${v.kind}`, author, seq, bytes };
}

const file = (path: string, size = 3): FileVersion => ({
  kind: "file",
  path,
  mtime: 1000,
  modifiedBy: testDevice(1),
  vv: new Map([[testDevice(1), 1]]),
  size,
  exec: false,
  chunks: { inline: size === 0 ? [] : [{ hash: "ab".repeat(32), length: size }] },
});

function availability(reports: HolderReport[], heldHere = () => false): Availability {
  return { removed: (d) => d === GONE, reports, heldHere };
}

function run(paths: [string, KeptVersion[]][], a: Availability) {
  const out: UnavailableVersion[] = [];
  const left = [...withoutUnavailable(paths, a, out)].map(([p, l]) => [p, l.map((v) => v.id)]);
  return { left, out };
}

const report = (o: Partial<HolderReport> = {}): HolderReport => ({
  device: LIVE,
  joined: true,
  needFiles: 0,
  stopped: "",
  frontier: [[GONE, 5]],
  ...o,
});

Deno.test("a removed maker's file nobody holds is left out; the path's other versions stay; a path left empty is skipped", () => {
  const mine = kept(file("p.txt"), LIVE, 2), theirs = kept(file("p.txt"), GONE, 5);
  const only = kept(file("new.txt"), GONE, 5);
  const { left, out } = run([["new.txt", [only]], ["p.txt", [mine, theirs]]], availability([]));
  assert.deepEqual(left, [["p.txt", [mine.id]]]);
  assert.deepEqual(out, [
    { path: "new.txt", maker: GONE, seq: 5 },
    { path: "p.txt", maker: GONE, seq: 5 },
  ]);
});

Deno.test("deletions, links and empty files of a removed maker need no fetch and are kept; a live maker's file is kept", () => {
  const versions: KeptVersion[] = [
    kept(
      {
        kind: "deleted",
        path: "d",
        mtime: 1,
        modifiedBy: testDevice(1),
        vv: new Map([[testDevice(1), 1]]),
      },
      GONE,
      3,
    ),
    kept(
      {
        kind: "symlink",
        path: "l",
        mtime: 1,
        modifiedBy: testDevice(1),
        vv: new Map([[testDevice(1), 1]]),
        target: "x",
      },
      GONE,
      3,
    ),
    kept(file("e", 0), GONE, 3),
    kept(file("f"), OTHER, 9),
  ];
  const { left, out } = run(versions.map((v, i) => [`p${i}`, [v]]), availability([]));
  assert.equal(left.length, 4);
  assert.deepEqual(out, []);
});

Deno.test("a device still in the mesh that reported holding the version keeps it; a report that proves nothing does not", () => {
  const v = kept(file("p.txt"), GONE, 5);
  const keeps = (r: HolderReport[], here = false) =>
    run([["p.txt", [v]]], availability(r, () => here)).left.length === 1;
  assert.ok(keeps([report()]));
  assert.ok(keeps([report({ frontier: [[GONE, 9]] })]));
  assert.ok(keeps([], true), "this disk holds it");
  assert.ok(!keeps([report({ frontier: [[GONE, 4]] })]), "reported before the version");
  assert.ok(!keeps([report({ needFiles: 1 })]), "still fetching");
  assert.ok(!keeps([report({ stopped: "marker missing" })]), "stopped");
  assert.ok(!keeps([report({ joined: false })]), "left the folder");
  assert.ok(!keeps([report({ device: GONE })]), "the removed maker itself");
  assert.ok(!keeps([report({ frontier: [[OTHER, 9]] })]), "another author's frontier");
});

Deno.test("a published frontier stops below the first entry left out of each maker, and only there", () => {
  const left: UnavailableVersion[] = [
    { path: "a", maker: GONE, seq: 7 },
    { path: "b", maker: GONE, seq: 5 },
  ];
  assert.deepEqual(
    frontierBelow([[GONE, 9], [LIVE, 4]] as [string, number][], (k) => k, left),
    [[GONE, 4], [LIVE, 4]],
  );
  assert.deepEqual(frontierBelow([[GONE, 3]] as [string, number][], (k) => k, left), [[GONE, 3]]);
});

Deno.test("property: what is kept plus what is left out is every version, in order; a holder covering every seq keeps all", () => {
  const arb = fc.array(
    fc.tuple(
      fc.constantFrom(GONE, LIVE),
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 0, max: 3 }),
    ),
    { maxLength: 12 },
  );
  fc.assert(fc.property(arb, fc.integer({ min: 0, max: 25 }), (specs, covered) => {
    const paths: [string, KeptVersion[]][] = specs.map(([a, seq, size], i) => [
      `p${i % 4}/${i}`,
      [kept(file(`p${i}`, size), a, seq)],
    ]);
    const { left, out } = run(paths, availability([report({ frontier: [[GONE, covered]] })]));
    assert.equal(left.length + out.length, paths.length);
    for (const o of out) assert.ok(o.maker === GONE && o.seq > covered);
    const all = run(paths, availability([report({ frontier: [[GONE, 99]] })]));
    assert.equal(all.out.length, 0);
  }));
});
