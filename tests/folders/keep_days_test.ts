/**
 * `--keep-days N` on real processes: files a peer's change replaced or
 * deleted are kept under the folder's `.mycel/versions` for N days on the
 * device that set N, and only there (another device keeps its own 30 days);
 * `--keep-days 0` keeps none once its round is over; a bad value (`-1`,
 * `abc`, `36501`) is a usage error (exit 2) that changes nothing — no
 * folder made, no marker written, nothing shared or joined. Days pass under
 * libfaketime: pruning reads the time stamped into a kept version's name
 * against the clock (src/files/versions.ts), so `sync now` runs with its wall
 * clock moved ahead. Outside CI the aging test is skipped, saying why, when
 * libfaketime is missing.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { describe } from "../helpers/mycel.ts";
import { snapshot } from "../sync/_helpers.ts";
import {
  type Device,
  devices,
  folderOf,
  listTree,
  put,
  rounds,
  syncNow,
  syncOk,
  text,
} from "./_helpers.ts";
import { fakeClock, faketimeTest } from "../helpers/faketime.ts";

/** Every kept version in the folder at `root` (paths under `.mycel/versions`), sorted. */
async function kept(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(root, ".mycel/versions", rel))) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else out.push(p);
    }
  };
  await walk("").catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
  return out.sort();
}

/** The kept versions of `root` as `name-without-stamp: content`, sorted. */
async function keptContents(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const p of await kept(root)) {
    const content = await Deno.readTextFile(join(root, ".mycel/versions", p));
    out.push(`${p.replace(/~\d{8}-\d{6}-\d{3}/, "")}: ${content.trim()}`);
  }
  return out.sort();
}

/** Peer every pair, serve, share `docs` from the first device; the others join with `flags`. */
async function share(devs: Device[], joinFlags: string[][]): Promise<string[]> {
  for (let i = 0; i < devs.length; i++) {
    for (let j = i + 1; j < devs.length; j++) {
      await devs[i].write("mesh", "add-peer", await devs[j].card());
      await devs[j].write("mesh", "add-peer", await devs[i].card());
    }
  }
  for (const d of devs) await d.serve();
  const roots = devs.map((d) => folderOf(d));
  await Deno.mkdir(roots[0], { recursive: true });
  await devs[0].ok(["--no-sync", "folder", "add", roots[0], "--id", "docs"]);
  for (const [i, d] of devs.slice(1).entries()) {
    await syncOk(d);
    await d.ok(["--no-sync", "folder", "join", "docs", roots[i + 1], ...joinFlags[i]]);
  }
  return roots;
}

faketimeTest(
  "replaced and deleted files are kept for --keep-days days on that device only; --keep-days 0 keeps none",
  async () => {
    await using devs = await devices(["a", "b", "c"]);
    const [a, b, c] = devs.list;
    const [ra, rb, rc] = await share(devs.list, [["--keep-days", "2"], ["--keep-days", "0"]]);
    await put(ra, "notes.txt", "notes v1\n");
    await put(ra, "old.txt", "old\n");
    await put(ra, "stay.txt", "stay v1\n");
    await rounds([a, b, c], 1);
    for (const r of [rb, rc]) {
      assert.deepEqual(await listTree(r), ["notes.txt", "old.txt", "stay.txt"]);
    }

    // a replaces one file and deletes another; b and c apply both.
    await put(ra, "notes.txt", "notes v2\n");
    await Deno.remove(join(ra, "old.txt"));
    await rounds([a, b, c], 1);
    for (const r of [rb, rc]) {
      assert.equal(await text(r, "notes.txt"), "notes v2\n");
      assert.equal(await text(r, "old.txt"), undefined);
    }
    assert.deepEqual(await keptContents(rb), ["notes.txt: notes v1", "old.txt: old"]);
    assert.deepEqual(await kept(rc), [], "--keep-days 0 keeps nothing");
    assert.deepEqual(await kept(ra), [], "the device that made the changes keeps nothing");

    // b replaces a file: a (default 30 days) keeps the old one.
    await put(rb, "stay.txt", "stay v2\n");
    await rounds([b, a, c], 1);
    assert.equal(await text(ra, "stay.txt"), "stay v2\n");
    assert.deepEqual(await keptContents(ra), ["stay.txt: stay v1"]);
    assert.deepEqual(await kept(rc), [], "--keep-days 0 still keeps nothing");

    // A day later b still has its versions (2 days); three days later they are gone.
    let r = await b.run(["sync", "now", "--timeout", "10"], fakeClock("+1d"));
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.deepEqual(await keptContents(rb), ["notes.txt: notes v1", "old.txt: old"]);
    r = await b.run(["sync", "now", "--timeout", "10"], fakeClock("+3d"));
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.deepEqual(await kept(rb), [], "b's versions are pruned after 2 days");

    // b's setting is b's alone: three days on, a still keeps its version (30 days) ...
    r = await a.run(["sync", "now", "--timeout", "10"], fakeClock("+3d"));
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.deepEqual(await keptContents(ra), ["stay.txt: stay v1"]);
    // ... and lets it go after 31.
    r = await a.run(["sync", "now", "--timeout", "10"], fakeClock("+31d"));
    assert.equal(r.code, 0, describe(["sync", "now"], r));
    assert.deepEqual(await kept(ra), []);
    // The files themselves are untouched everywhere.
    for (const root of [ra, rb, rc]) {
      assert.deepEqual(await listTree(root), ["notes.txt", "stay.txt"]);
      assert.equal(await text(root, "stay.txt"), "stay v2\n");
    }
  },
);

Deno.test("a bad --keep-days is a usage error that changes nothing", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  await a.serve();
  const ra = folderOf(a), rb = folderOf(b);
  await Deno.mkdir(ra);
  await put(ra, "x.txt", "x\n");

  // folder add: nothing shared, no marker written.
  const before = await snapshot(a);
  for (const bad of ["-1", "abc", "36501", "1.5", ""]) {
    const args = ["--no-sync", "folder", "add", ra, "--id", "docs", `--keep-days=${bad}`];
    const r = await a.run(args);
    assert.equal(r.code, 2, describe(args, r));
    assert.match(r.stderr, /keep-days/, describe(args, r));
    assert.deepEqual(await listTree(ra), ["x.txt"]);
    assert.equal(await text(ra, ".mycel-folder"), undefined, `no marker after ${bad}`);
  }
  assert.deepEqual(await snapshot(a), before, "a's log and state are unchanged");
  assert.deepEqual(await a.tmp.json(["folder", "list", "--json"]), { folders: [], offers: [] });

  // folder join: the folder is not made, nothing joined.
  await a.ok(["--no-sync", "folder", "add", ra, "--id", "docs"]);
  await syncOk(b);
  const joinBefore = await snapshot(b);
  for (const bad of ["-1", "abc", "36501"]) {
    const args = ["--no-sync", "folder", "join", "docs", rb, "--keep-days", bad];
    const r = await b.run(args);
    assert.equal(r.code, 2, describe(args, r));
    assert.match(r.stderr, /keep-days/, describe(args, r));
    assert.equal(await Deno.lstat(rb).catch(() => null), null, `${rb} was made after ${bad}`);
  }
  assert.deepEqual(await snapshot(b), joinBefore, "b's log and state are unchanged");
  const list = await b.tmp.json<{ folders: unknown[]; offers: { id: string }[] }>(
    ["folder", "list", "--json"],
  );
  assert.deepEqual(list.folders, []);
  assert.deepEqual(list.offers.map((o) => o.id), ["docs"]);
  // A good value still works afterwards.
  await b.ok(["--no-sync", "folder", "join", "docs", rb, "--keep-days", "7"]);
  const r = await syncNow(b);
  assert.equal(r.code, 0, describe(["sync", "now"], r));
  assert.equal(await text(rb, "x.txt"), "x\n");
});
