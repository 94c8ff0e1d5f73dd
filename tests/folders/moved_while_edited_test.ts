/**
 * A file (or a folder holding it) moved on one device while another device
 * edited it, as real processes. The edit wins over the move's deletion at
 * the old path; the edit is then carried to where the file moved, as the
 * user meant: on every device the new path holds the edit, the old path
 * nothing, the content before the edit is kept under `.mycel/versions`
 * where it was replaced, and `sync now` says it once on each device that
 * saw the pair (`mycel log` shows the entry). Two devices carrying it in
 * the same round make no conflict copy and end with the same tree and
 * state; a device away all along comes back to the same tree. Where the
 * new path changed too, nothing is carried and nothing lost. A plain
 * deletion against an edit, and a copy against an edit, are not moves.
 * Before issue 13 nothing said it; before this, the edit stayed at the old
 * path and the user had to move it over the moved file.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Device,
  type Devices,
  devices,
  keptFiles,
  listTree,
  put,
  rounds,
  sharedFolder,
  syncNow,
  text,
  treeHash,
} from "./_helpers.ts";

// (Deleting more than half of a folder's files would wait for a confirmation.)
const FILLER = ["keep/1.txt", "keep/2.txt", "keep/3.txt", "keep/4.txt"];
const BEFORE = "the words\n";
const EDITED = "the words, and more from b\n";

/** a and b share `docs` holding `seed` and FILLER, both up to date. */
async function shared(devs: Devices, seed: Record<string, string>): Promise<string[]> {
  const roots = await sharedFolder(devs, "docs", {
    seed: async (root) => {
      for (const [p, body] of Object.entries(seed)) await put(root, p, body);
      for (const f of FILLER) await put(root, f, f);
    },
  });
  await rounds(devs.list, 1);
  for (const [p, body] of Object.entries(seed)) assert.equal(await text(roots[1], p), body);
  return roots;
}

/**
 * Each of `changed` scans what was done on it apart from the other, then two
 * rounds on each of `list` (each exiting 0 unless a device is `away`); what
 * each round said on standard error.
 */
async function scansThenRounds(
  list: readonly Device[],
  changed: readonly Device[] = list,
  away: readonly Device[] = [],
): Promise<string[]> {
  for (const d of changed) {
    const scan = await d.ok(["--no-sync", "folder", "scan"]);
    assert.match(scan.stdout, /published [1-9]\d* change/, `${d.name}: ${scan.stdout}`);
  }
  const said: string[] = [];
  for (let i = 0; i < 2; i++) {
    for (const d of list) {
      const r = await syncNow(d);
      // (A device away makes the round say so, and exit non-zero.)
      if (away.length === 0) assert.equal(r.code, 0, `${d.name}: ${r.stdout}${r.stderr}`);
      said.push(`${d.name}: ${r.stderr}`);
    }
  }
  return said;
}

interface ConflictsJson {
  id: string;
  unresolved: string[];
  copies: string[];
  moved_while_edited?: Record<string, string | boolean>[];
}

async function conflictsOf(d: Device): Promise<ConflictsJson> {
  const [c] = await d.tmp.json(["--no-sync", "folder", "conflicts", "docs", "--json"]) as [
    ConflictsJson,
  ];
  return c;
}

async function statusOf(d: Device): Promise<{ conflicts: number; moved_while_edited: number }> {
  const [s] = await d.tmp.json(["--no-sync", "folder", "status", "docs", "--json"]) as [
    { conflicts: number; moved_while_edited: number },
  ];
  return s;
}

const digestOf = async (d: Device): Promise<string> =>
  JSON.parse((await d.ok(["--no-sync", "status", "--json"])).stdout).state_digest;

/**
 * Every device of `list` (roots `roots`) holds the edit at `to` and nothing
 * at `old`, no conflict copy, no conflict left; same tree and state digest.
 */
async function carriedOnAll(
  list: readonly Device[],
  roots: readonly string[],
  old: string,
  to: string,
): Promise<void> {
  for (const [i, d] of list.entries()) {
    assert.equal(await text(roots[i], old), undefined, d.name);
    assert.equal(await text(roots[i], to), EDITED, d.name);
    const tree = await listTree(roots[i]);
    assert.ok(!tree.some((p) => p.includes("sync-conflict")), `${d.name}: ${tree.join(", ")}`);
    assert.deepEqual(await conflictsOf(d), { id: "docs", unresolved: [], copies: [] }, d.name);
    const s = await statusOf(d);
    assert.deepEqual([s.conflicts, s.moved_while_edited], [0, 0], d.name);
    assert.equal(await treeHash(roots[i]), await treeHash(roots[0]), d.name);
    assert.equal(await digestOf(d), await digestOf(list[0]), d.name);
  }
}

/** `root` keeps, under .mycel/versions, a file of `body` whose name starts `prefix`. */
async function keeps(root: string, prefix: string, body: string): Promise<void> {
  const kept = await keptFiles(root);
  const found = kept.some((k) =>
    k.path.startsWith(prefix) && new TextDecoder().decode(k.bytes) === body
  );
  assert.ok(found, `${root}: ${kept.map((k) => k.path).join(", ")}`);
}

/** What a's and b's rounds said of the carry: once each, and no "both are kept". */
function saidCarriedOnce(said: readonly string[], old: string, to: string): void {
  const expect: [string, RegExp][] = [
    [
      "a",
      new RegExp(`the edit of ${old} made on b was carried to ${to}, where this device moved it`),
    ],
    [
      "b",
      new RegExp(`the edit of ${old} made on this device was carried to ${to}, where a moved it`),
    ],
  ];
  for (const [name, line] of expect) {
    const rounds = said.filter((s) => s.startsWith(`${name}: `));
    assert.equal(rounds.filter((s) => line.test(s)).length, 1, rounds.join("\n---\n"));
  }
  assert.doesNotMatch(said.join("\n"), /both are kept/);
}

Deno.test("a file moved on one device while edited on another: the edit is carried to where it moved on both, said once, the content before it kept", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE });

  await Deno.mkdir(join(ra, "archive"));
  await Deno.rename(join(ra, "notes.txt"), join(ra, "archive/notes.txt"));
  await put(rb, "notes.txt", EDITED);
  const said = await scansThenRounds([a, b]);
  await rounds([a, b], 1); // the last progress records, for the state digests

  await carriedOnAll([a, b], [ra, rb], "notes.txt", "archive/notes.txt");
  // a held the content before the edit at the new path: replaced, so kept.
  await keeps(ra, "archive/notes", BEFORE);
  saidCarriedOnce(said, "notes.txt", "archive/notes.txt");
  // The entry that carried it: b's, the edit at the new path and the old path deleted.
  const log = await a.ok(["--no-sync", "log", "--device", "b"]);
  assert.match(
    log.stdout,
    /b#\d+ +file docs\/archive\/notes\.txt file; file docs\/notes\.txt deleted$/m,
  );
});

Deno.test("a folder renamed on one device while a file in it is edited on another: the edit is carried into the renamed folder", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "drafts/x.txt": BEFORE, "drafts/y.txt": "y\n" });

  await Deno.rename(join(ra, "drafts"), join(ra, "final"));
  await put(rb, "drafts/x.txt", EDITED);
  const said = await scansThenRounds([a, b]);
  await rounds([a, b], 1); // the last progress records, for the state digests

  await carriedOnAll([a, b], [ra, rb], "drafts/x.txt", "final/x.txt");
  for (const root of [ra, rb]) {
    assert.equal(await text(root, "final/y.txt"), "y\n", root);
    const tree = await listTree(root);
    assert.ok(!tree.some((p) => p.startsWith("drafts/")), `${root}: ${tree.join(", ")}`);
  }
  await keeps(ra, "final/x", BEFORE);
  saidCarriedOnce(said, "drafts/x.txt", "final/x.txt");
});

Deno.test("two devices carrying the same edit in the same round make no conflict copy and end with the same tree and state", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE });

  await Deno.mkdir(join(ra, "archive"));
  await Deno.rename(join(ra, "notes.txt"), join(ra, "archive/notes.txt"));
  await put(rb, "notes.txt", EDITED);
  for (const d of [a, b]) await d.ok(["--no-sync", "folder", "scan"]);
  // a's round: each gets the other's change; a fetches the edit, and waits.
  const first = await syncNow(a, ["--json", "--folders"]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout).folders[0].carried, []);
  assert.equal(await text(ra, "notes.txt"), EDITED);
  // Until it is carried, `folder conflicts` says it is on its way: nothing to do.
  const waiting = await conflictsOf(a);
  assert.deepEqual(waiting.moved_while_edited?.map((m) => m.carrying), [true]);
  const listed = await a.ok(["--no-sync", "folder", "conflicts", "docs"]);
  assert.match(
    listed.stdout,
    /^docs: notes\.txt was edited on b while this device moved it to archive\/notes\.txt: the edit goes there/m,
  );
  assert.doesNotMatch(listed.stderr, /move it over/);
  const st = await a.ok(["--no-sync", "folder", "status", "docs"]);
  assert.match(
    st.stdout,
    /1 conflict \(1 of them a file moved on one device while edited on another\)/,
  );
  // Apart now: each carries it on its own, in its own round.
  await a.stopServer();
  await b.stopServer();
  for (const d of [b, a]) {
    const r = await syncNow(d, ["--json", "--folders"]);
    const [carried] = JSON.parse(r.stdout).folders[0].carried;
    assert.deepEqual(carried, {
      path: "notes.txt",
      moved_to: "archive/notes.txt",
      edited_by: b.id.slice(0, 7),
      edited_by_name: d === b ? "this device" : "b",
      moved_by: a.id.slice(0, 7),
      moved_by_name: d === a ? "this device" : "a",
    }, d.name);
  }
  for (const d of [a, b]) await d.serve();
  await rounds([a, b], 2);

  await carriedOnAll([a, b], [ra, rb], "notes.txt", "archive/notes.txt");
  // Both carried it: each log holds both entries.
  const log = (await a.ok(["--no-sync", "log"])).stdout;
  for (const name of ["a", "b"]) {
    assert.match(
      log,
      new RegExp(`${name}#\\d+ +file docs/archive/notes\\.txt file; file docs/notes\\.txt deleted`),
      log,
    );
  }
});

Deno.test("a file moved and then edited at its new place while edited at the old one on another device: nothing carried, nothing lost", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE });

  await Deno.mkdir(join(ra, "archive"));
  await Deno.rename(join(ra, "notes.txt"), join(ra, "archive/notes.txt"));
  await a.ok(["--no-sync", "folder", "scan"]);
  await put(ra, "archive/notes.txt", "a's own edit\n");
  await put(rb, "notes.txt", EDITED);
  const said = await scansThenRounds([a, b]);

  for (const root of [ra, rb]) {
    assert.equal(await text(root, "notes.txt"), EDITED, root);
    assert.equal(await text(root, "archive/notes.txt"), "a's own edit\n", root);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
  assert.doesNotMatch(said.join("\n"), /carried/);
});

Deno.test("a file moved on one device while the other edited it and made a file of its own at the new path: said, not carried, nothing lost", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE });

  await Deno.mkdir(join(ra, "archive"));
  await Deno.rename(join(ra, "notes.txt"), join(ra, "archive/notes.txt"));
  await put(rb, "notes.txt", EDITED);
  await put(rb, "archive/notes.txt", "b's own file\n");
  const said = await scansThenRounds([a, b]);

  assert.match(
    said.join("\n"),
    /notes\.txt was edited on (b|this device) while (a|this device) moved it to archive\/notes\.txt: both are kept/,
  );
  assert.doesNotMatch(said.join("\n"), /carried/);
  for (const root of [ra, rb]) {
    assert.equal(await text(root, "notes.txt"), EDITED, root);
    const held = [];
    for (const p of await listTree(root)) {
      if (p.startsWith("archive/")) held.push(await text(root, p));
    }
    assert.deepEqual(held.sort(), [BEFORE, "b's own file\n"].sort(), root);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
});

/** No move reported on either device, the edit at `path`, nothing left in conflict. */
async function noMove(list: readonly Device[], roots: readonly string[], path: string) {
  for (const [i, d] of list.entries()) {
    assert.equal(await text(roots[i], path), EDITED, d.name);
    assert.deepEqual(await conflictsOf(d), { id: "docs", unresolved: [], copies: [] }, d.name);
    const s = await statusOf(d);
    assert.equal(s.moved_while_edited, 0, d.name);
    assert.equal(s.conflicts, 0, d.name);
  }
}

Deno.test("a file deleted on one device while edited on another is not reported as moved: the edit comes back, no conflict stays", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE, "other.txt": "other\n" });

  await Deno.remove(join(ra, "notes.txt"));
  // Published in the same scan as the deletion, with other content: not a move.
  await put(ra, "new.txt", "something new\n");
  await put(rb, "notes.txt", EDITED);
  const said = await scansThenRounds([a, b]);

  await noMove([a, b], [ra, rb], "notes.txt");
  assert.doesNotMatch(said.join("\n"), /moved it/);
});

Deno.test("a file copied on one device while edited on another, and its original deleted by a later scan, is not reported as moved", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE });

  // A copy, then (a scan later) the original deleted: two entries, not a move.
  await put(ra, "copy.txt", BEFORE);
  await a.ok(["--no-sync", "folder", "scan"]);
  await Deno.remove(join(ra, "notes.txt"));
  await put(rb, "notes.txt", EDITED);
  const said = await scansThenRounds([a, b]);

  await noMove([a, b], [ra, rb], "notes.txt");
  for (const root of [ra, rb]) assert.equal(await text(root, "copy.txt"), BEFORE, root);
  assert.doesNotMatch(said.join("\n"), /moved it/);
});

Deno.test("a device away while a file was moved, edited and carried comes back to the same tree", async () => {
  await using devs = await devices(["a", "b", "c"]);
  const [a, b, c] = devs.list;
  const [ra, rb, rc] = await shared(devs, { "notes.txt": BEFORE });
  await rounds([c], 1);
  assert.equal(await text(rc, "notes.txt"), BEFORE);

  await c.stopServer();
  await Deno.mkdir(join(ra, "archive"));
  await Deno.rename(join(ra, "notes.txt"), join(ra, "archive/notes.txt"));
  await put(rb, "notes.txt", EDITED);
  await scansThenRounds([a, b], [a, b], [c]);
  assert.equal(await text(ra, "archive/notes.txt"), EDITED);

  await c.serve();
  const r = await syncNow(c);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  // c never saw the pair: nothing to say, only the files to take.
  assert.doesNotMatch(r.stderr, /both are kept|carried/);
  await rounds([a, b, c], 1);
  await carriedOnAll([a, b, c], [ra, rb, rc], "notes.txt", "archive/notes.txt");
  // c held the content before the edit at the old path: removed, so kept.
  await keeps(rc, "notes", BEFORE);
});

Deno.test("a file moved into a folder of its own name while edited on another device: the folder keeps the name, the edit becomes a conflict copy, nothing stays open", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE });

  // a: notes.txt becomes a folder holding the file (one scan: a move into it).
  await Deno.rename(join(ra, "notes.txt"), join(ra, "tmp"));
  await Deno.mkdir(join(ra, "notes.txt"));
  await Deno.rename(join(ra, "tmp"), join(ra, "notes.txt/notes.txt"));
  await put(rb, "notes.txt", EDITED);
  for (const d of [a, b]) await d.ok(["--no-sync", "folder", "scan"]);
  for (let i = 0; i < 3; i++) for (const d of [a, b]) await syncNow(d);

  for (const root of [ra, rb]) {
    assert.equal(await text(root, "notes.txt/notes.txt"), BEFORE, root);
  }
  const copy = (await listTree(ra)).find((p) => p.startsWith("notes.sync-conflict-"));
  assert.ok(copy !== undefined, (await listTree(ra)).join(", "));
  assert.equal(await text(ra, copy), EDITED);
  assert.equal(await treeHash(ra), await treeHash(rb));
  for (const d of [a, b]) {
    // Before: the merge that publishes notes.txt deleted (kind_change) was held
    // as a move's, so the conflict stayed open on every device, forever.
    assert.deepEqual((await conflictsOf(d)).unresolved, [], d.name);
    assert.equal((await statusOf(d)).conflicts, 0, d.name);
    const r = await syncNow(d);
    assert.equal(r.code, 0, `${d.name}: ${r.stdout}${r.stderr}`);
    const st = await d.ok(["folder", "status"]);
    assert.match(st.stdout, /\(this device\): in sync/, st.stdout);
  }
});
