/**
 * @module retired_maker_test
 * A file version whose maker was retired before any other device fetched
 * it can't be fetched from anyone; every device waits for it (a limit,
 * docs/folders.md). `folder status` says so — which files and whose —
 * instead of a bare "behind by N files" that never changes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { devices, listTree, put, rounds, sharedFolder, syncNow, text } from "./_helpers.ts";

Deno.test("folder status names the files this device waits for from a device removed since", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, , rc] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "p.txt", "base\n"),
  });
  await rounds([b, c, a, b, c], 1);
  await put(ra, "p.txt", "from a\n");
  await Deno.utime(join(ra, "p.txt"), new Date(), new Date(Date.now() - 60_000));
  await put(rc, "p.txt", "from c\n");
  await put(rc, "new.txt", "only on c\n");
  await c.ok(["--no-sync", "folder", "scan"]);
  await c.ok(["sync", "now", "--push"]); // entries go out; files are fetched in the peers' own rounds
  await c.stopServer();
  await a.ok(["--no-sync", "mesh", "retire", "c", "--yes"]);
  await rounds([a, b], 1);

  const [status] = JSON.parse((await a.ok(["--no-sync", "folder", "status", "--json"])).stdout);
  const self = status.devices.find((d: { self: boolean }) => d.self);
  assert.equal(self.behind_files, 2);
  assert.deepEqual(self.waiting_on_removed, [{ name: "c", files: 2 }]);
  const text = (await a.ok(["--no-sync", "folder", "status"])).stdout;
  assert.match(text, /2 files of it made by c, which was removed from the mesh/);
  assert.match(text, /mycel folder override docs --dry-run/);
  // b, which did not fetch them either, is shown waiting for the same files, and why.
  const [other] = status.devices.filter((d: { self: boolean }) => !d.self);
  assert.equal(other.name, "b");
  assert.ok(other.behind_files >= 2, "c's two files at least (its last report may lag)");
  assert.deepEqual(other.waiting_on_removed, [{ name: "c", files: 2 }]);
  assert.match(text, /b \([^)]*\): behind by[^\n]*\n\s+2 files of it made by c, which was removed/);
});

Deno.test("sync now says which files no device can send any more and does not exit 3 for them; a holder not reached still makes them 'still to come'", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, , rc] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "p.txt", "base\n"),
  });
  await rounds([b, c, a, b, c], 1);
  await put(rc, "p.txt", "from c\n");
  await put(rc, "new.txt", "only on c\n");
  await c.ok(["--no-sync", "folder", "scan"]);
  await c.ok(["sync", "now", "--push"]); // entries go out; nobody fetches the files
  await c.stopServer();
  await a.ok(["--no-sync", "mesh", "retire", "c", "--yes"]);
  await rounds([a, b], 1);

  // Every device that could hold them (b) answered that it lacks them.
  const r = await syncNow(a);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(
    r.stderr,
    /folder docs: 2 files \(\d+ B\) can't be fetched: no device that syncs the folder has their content \(made by c \(removed\)\)/,
  );
  assert.match(r.stderr, /mycel folder override docs/);
  assert.doesNotMatch(r.stdout, /still to come/);
  assert.equal(await text(ra, "p.txt"), "base\n"); // nothing written over, nothing lost

  // b not reached: nothing says b lacks them, so they are still to come (exit 3).
  await b.stopServer();
  const away = await syncNow(a);
  assert.equal(away.code, 3, `${away.stdout}${away.stderr}`);
  assert.match(away.stdout, /2 files \(\d+ B\) still to come/);
  assert.doesNotMatch(away.stderr, /can't be fetched/);
});

Deno.test("folder override ends the wait: this device's copy becomes the folder's on every device, after refusing what it must", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "p.txt", "base\n"),
  });
  await rounds([b, c, a, b, c], 1);
  await put(rc, "p.txt", "from c\n");
  await put(rc, "new.txt", "only on c\n");
  await c.ok(["--no-sync", "folder", "scan"]);
  await c.ok(["sync", "now", "--push"]);
  await c.stopServer();
  await a.ok(["--no-sync", "mesh", "retire", "c", "--yes"]);
  await rounds([a, b], 1);

  // Refusals first: they change nothing.
  const noTty = await a.run(["--no-sync", "folder", "override", "docs"]);
  assert.equal(noTty.code, 2, noTty.stderr);
  assert.match(noTty.stderr, /needs confirmation/);
  const outside = await a.run(["--no-sync", "folder", "override", "docs", "../x", "--yes"]);
  assert.equal(outside.code, 2, outside.stderr);
  // new.txt never reached a: left alone unless a says it can't come (--missing).
  const plain = JSON.parse(
    (await a.ok(["--no-sync", "folder", "override", "docs", "--dry-run", "--json"])).stdout,
  );
  assert.deepEqual(plain.paths, [{ path: "p.txt", becomes: "file", replaces: 1 }]);
  assert.deepEqual(plain.not_arrived, ["new.txt"]);
  const dry = JSON.parse(
    (await a.ok(["--no-sync", "folder", "override", "docs", "--missing", "--dry-run", "--json"]))
      .stdout,
  );
  assert.deepEqual(dry.paths, [
    { path: "new.txt", becomes: "deleted", replaces: 1 },
    { path: "p.txt", becomes: "file", replaces: 1 },
  ]);

  await a.ok(["--no-sync", "folder", "override", "docs", "--missing", "--yes"]);
  await rounds([a, b, a, b], 1);
  for (const [d, root] of [[a, ra], [b, rb]] as const) {
    const r = await syncNow(d);
    assert.equal(r.code, 0, `${d.name}: ${r.stdout}${r.stderr}`);
    assert.deepEqual(await listTree(root), ["p.txt"]);
    assert.equal(await text(root, "p.txt"), "base\n");
  }
  const again = JSON.parse(
    (await a.ok(["--no-sync", "folder", "override", "docs", "--dry-run", "--json"])).stdout,
  );
  assert.deepEqual(again.paths, [], "nothing left to override");
});

Deno.test("a conflict whose losing version only a removed device had: folder status counts the copy this device waits for, and folder status and conflicts name the maker", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, , rc] = await sharedFolder(devs, "docs", {
    seed: (root) => put(root, "x.txt", "base\n"),
  });
  await rounds([b, c, a, b, c], 1);
  // Concurrent edits, neither device has heard the other's; c's is older, so it loses.
  await put(rc, "x.txt", "c's edit, older\n");
  await Deno.utime(join(rc, "x.txt"), new Date(), new Date(Date.now() - 3600_000));
  await c.ok(["--no-sync", "folder", "scan"]);
  await put(ra, "x.txt", "a's edit, newer\n");
  await a.ok(["--no-sync", "folder", "scan"]);
  await c.ok(["sync", "now", "--push"]); // entries only: nobody fetches c's version
  await c.stopServer();
  await a.ok(["--no-sync", "mesh", "retire", "c", "--yes"]);
  await rounds([a, b, a], 1);

  assert.equal(await text(ra, "x.txt"), "a's edit, newer\n");
  const [status] = JSON.parse((await a.ok(["--no-sync", "folder", "status", "--json"])).stdout);
  const self = status.devices.find((d: { self: boolean }) => d.self);
  assert.equal(self.state, "behind");
  assert.deepEqual(self.waiting_on_removed, [{ name: "c", files: 1 }]);
  assert.match(
    (await a.ok(["--no-sync", "folder", "status"])).stdout,
    /mycel folder override docs/,
  );
  // folder conflicts says why this conflict does not resolve, not "(resolving)".
  const [conflicts] = JSON.parse(
    (await a.ok(["--no-sync", "folder", "conflicts", "--json"])).stdout,
  );
  assert.deepEqual(conflicts.unresolved, ["x.txt"]);
  assert.deepEqual(conflicts.waiting_on_removed, [{ path: "x.txt", makers: ["c"] }]);
  const listed = (await a.ok(["--no-sync", "folder", "conflicts"])).stdout;
  assert.match(listed, /x\.txt: versions in conflict \(waiting for a version made by c, removed/);
  assert.doesNotMatch(listed, /resolving/);
});
