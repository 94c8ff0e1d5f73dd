/**
 * A file (or a folder holding it) moved on one device while another device
 * edited it, as real processes: the edit wins over the move's deletion at
 * the old path, so both devices end with the edit at the old path and the
 * content before it at the new one. Both are kept, and now said, the same
 * way on both devices: `folder conflicts` (text and --json) names the pair,
 * the devices and what to do, `folder status` counts it with the conflicts,
 * and `sync now` says it once, in the round that finds it. Moving the edit
 * over the moved file ends it everywhere; so does deleting the moved copy
 * (the edit stays where it was). A plain deletion against an edit,
 * and a copy against an edit, are not reported as moves. Before, nothing
 * said it: `folder conflicts` listed nothing (issue 13, found by a
 * walkthrough).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Device,
  type Devices,
  devices,
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
  moved_while_edited?: Record<string, string>[];
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

/** Both devices report `old` edited on b while a moved it to `to`, alike, and `sync now` said it once. */
async function reportedOnBoth(
  [a, b]: readonly Device[],
  said: readonly string[],
  old: string,
  to: string,
): Promise<void> {
  const pair = {
    path: old,
    moved_to: to,
    moved_by: a.id.slice(0, 7),
    edited_by: b.id.slice(0, 7),
  };
  for (const d of [a, b]) {
    const c = await conflictsOf(d);
    assert.deepEqual(c.unresolved, [old], d.name);
    assert.deepEqual(c.copies, [], d.name);
    const names = d === a ? ["this device", "b"] : ["a", "this device"];
    assert.deepEqual(c.moved_while_edited, [
      { ...pair, moved_by_name: names[0], edited_by_name: names[1] },
    ], d.name);
    const textOut = await d.ok(["--no-sync", "folder", "conflicts", "docs"]);
    assert.match(
      textOut.stdout,
      new RegExp(
        `^docs: ${old} was edited on ${names[1]} while ${names[0]} moved it to ${to}: ` +
          "both are kept",
        "m",
      ),
      textOut.stdout,
    );
    assert.doesNotMatch(textOut.stdout, /resolving/, textOut.stdout);
    assert.match(textOut.stderr, /move it over the moved file/, textOut.stderr);
    assert.deepEqual(await statusOf(d), {
      ...await statusOf(d),
      conflicts: 1,
      moved_while_edited: 1,
    });
    const st = await d.ok(["--no-sync", "folder", "status", "docs"]);
    assert.match(st.stdout, /1 conflict \(1 of them a file moved on one device while edited/);
    // Said once on each device, by the round that found it.
    const rounds = said.filter((s) => s.startsWith(`${d.name}: `));
    const saying = rounds.filter((s) => s.includes(`${old} was edited on ${names[1]} while`));
    assert.equal(saying.length, 1, rounds.join("\n---\n"));
  }
}

Deno.test("a file moved on one device while edited on another: both kept, and said alike on both until the edit is moved over", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "notes.txt": BEFORE });

  await Deno.mkdir(join(ra, "archive"));
  await Deno.rename(join(ra, "notes.txt"), join(ra, "archive/notes.txt"));
  await put(rb, "notes.txt", EDITED);
  const said = await scansThenRounds([a, b]);

  for (const root of [ra, rb]) {
    assert.equal(await text(root, "notes.txt"), EDITED, root);
    assert.equal(await text(root, "archive/notes.txt"), BEFORE, root);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
  await reportedOnBoth([a, b], said, "notes.txt", "archive/notes.txt");

  // What the hint says: move the edit over the moved file, on either device.
  await Deno.rename(join(rb, "notes.txt"), join(rb, "archive/notes.txt"));
  await scansThenRounds([b, a], [b]);
  for (const [d, root] of [[a, ra], [b, rb]] as const) {
    assert.equal(await text(root, "notes.txt"), undefined, root);
    assert.equal(await text(root, "archive/notes.txt"), EDITED, root);
    assert.deepEqual(await conflictsOf(d), { id: "docs", unresolved: [], copies: [] }, d.name);
    assert.equal((await statusOf(d)).moved_while_edited, 0, d.name);
  }
});

Deno.test("a folder renamed on one device while a file in it is edited on another: the edited file is reported with its new place", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await shared(devs, { "drafts/x.txt": BEFORE, "drafts/y.txt": "y\n" });

  await Deno.rename(join(ra, "drafts"), join(ra, "final"));
  await put(rb, "drafts/x.txt", EDITED);
  const said = await scansThenRounds([a, b]);

  for (const root of [ra, rb]) {
    assert.equal(await text(root, "drafts/x.txt"), EDITED, root);
    assert.equal(await text(root, "drafts/y.txt"), undefined, root);
    assert.equal(await text(root, "final/x.txt"), BEFORE, root);
    assert.equal(await text(root, "final/y.txt"), "y\n", root);
  }
  assert.equal(await treeHash(ra), await treeHash(rb));
  await reportedOnBoth([a, b], said, "drafts/x.txt", "final/x.txt");

  // The other way out the hint gives: delete the moved copy, keep the edit where it was.
  await Deno.remove(join(ra, "final/x.txt"));
  await scansThenRounds([a, b], [a]);
  for (const [d, root] of [[a, ra], [b, rb]] as const) {
    assert.equal(await text(root, "drafts/x.txt"), EDITED, root);
    assert.equal(await text(root, "final/x.txt"), undefined, root);
    assert.deepEqual(await conflictsOf(d), { id: "docs", unresolved: [], copies: [] }, d.name);
    assert.deepEqual((await statusOf(d)).conflicts, 0, d.name);
  }
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

Deno.test("a device away while a file was moved and edited meets both at once and says the same pair", async () => {
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

  await c.serve();
  const r = await syncNow(c);
  assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stderr, /notes\.txt was edited on b while a moved it to archive\/notes\.txt/);
  await rounds([a, b, c], 1);
  assert.equal(await text(rc, "notes.txt"), EDITED);
  assert.equal(await text(rc, "archive/notes.txt"), BEFORE);
  assert.equal(await treeHash(rc), await treeHash(ra));
  const pair = {
    path: "notes.txt",
    moved_to: "archive/notes.txt",
    moved_by: a.id.slice(0, 7),
    moved_by_name: "a",
    edited_by: b.id.slice(0, 7),
    edited_by_name: "b",
  };
  assert.deepEqual(await conflictsOf(c), {
    id: "docs",
    unresolved: ["notes.txt"],
    copies: [],
    moved_while_edited: [pair],
  });
  // Still open on the two others: c's round merged nothing.
  assert.deepEqual((await conflictsOf(a)).unresolved, ["notes.txt"]);
  assert.deepEqual((await conflictsOf(b)).unresolved, ["notes.txt"]);
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
