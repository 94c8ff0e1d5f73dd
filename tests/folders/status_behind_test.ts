/**
 * `folder status` tells who is behind, on real processes (text and
 * `--json`): after device a changes files, a shows b behind by exactly those
 * files and bytes until b's own report (published after b's round) reaches
 * it; when b fetched only part of them (a per-round budget), b shows itself
 * behind by the files its disk lacks, and a — once b's report arrives — shows
 * b behind by what b said it still needed; after a full round both devices
 * show everyone in sync. A device that has not heard of a change yet shows
 * nothing behind (the standing "may be a round old", docs/folders.md). Another
 * device's "behind" says it is as of that device's last report.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { humanBytes, plural } from "../../src/human.ts";
import { describe } from "../helpers/mycel.ts";
import { type Device, devices, put, rounds, sharedFolder, syncOk, text } from "./_helpers.ts";

interface Standing {
  name: string;
  self: boolean;
  state: string;
  behind_files: number;
  behind_bytes: number;
  reported_at: string | null;
}

/** `folder status docs --json` of `d`: each device's standing by name. */
async function standings(d: Device): Promise<Record<string, Standing>> {
  const [s] = await d.tmp.json<{ devices: Standing[] }[]>(["folder", "status", "docs", "--json"]);
  return Object.fromEntries(s.devices.map((x) => [x.name, x]));
}

/** Assert `d`'s JSON and text standing of `who`: `files` and `bytes` behind, or in sync (0). */
async function assertStanding(d: Device, who: Device, files: number, bytes: number) {
  const s = (await standings(d))[who.name];
  const where = `${who.name} as seen on ${d.name}`;
  assert.ok(s !== undefined, `${where}: no standing`);
  assert.equal(s.self, d === who, where);
  assert.deepEqual(
    [s.state, s.behind_files, s.behind_bytes],
    [files > 0 ? "behind" : "in_sync", files, bytes],
    where,
  );
  const r = await d.ok(["folder", "status", "docs"]);
  const label = `${who.name} \\(${d === who ? "this device" : who.id.slice(0, 7)}\\)`;
  // Another device's "behind" says it is as of that device's last report.
  const how = files > 0
    ? `behind by ${plural(files, "file")} and ${humanBytes(bytes).replace(".", "\\.")}` +
      (d === who ? "" : " \\(as of its report [^)]+\\)")
    : "in sync";
  // This device's line ends with when it last scanned (status_scan_age_test.ts).
  const scanned = d === who ? " \\(last scan [^)]+\\)" : "";
  assert.match(
    r.stdout,
    new RegExp(`^  ${label}: ${how}${scanned}$`, "m"),
    `${where}:\n${r.stdout}`,
  );
}

Deno.test("folder status shows a device behind by the files and bytes it lacks, then in sync", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "base.txt", "base\n");
  await rounds([a, b], 2);
  for (const d of [a, b]) for (const who of [a, b]) await assertStanding(d, who, 0, 0);

  // a changes two files (one chunk each: one round's budget takes one of them).
  const sizes: Record<string, number> = { "one.txt": 1500, "two.txt": 40_000 };
  for (const [p, n] of Object.entries(sizes)) await put(ra, p, "x".repeat(n - 1) + "\n");
  await a.ok(["folder", "scan", "docs"]);
  await assertStanding(a, a, 0, 0);
  await assertStanding(a, b, 2, 41_500);
  // b has not heard of them: it sees nobody behind.
  await assertStanding(b, a, 0, 0);
  await assertStanding(b, b, 0, 0);

  // a's round delivers the entries; b fetches only one of the files.
  await syncOk(a);
  const partial = await b.run(["sync", "now", "--timeout", "10"], {
    env: { MYCEL_FILE_BUDGET: "1" },
  });
  assert.equal(partial.code, 3, describe(["sync", "now"], partial));
  assert.match(partial.stdout, /1 file \([\d.]+ KiB\) still to come/);
  const missing = [];
  for (const p of Object.keys(sizes)) if (await text(rb, p) === undefined) missing.push(p);
  assert.equal(missing.length, 1, `one file fetched, one not: ${missing}`);
  const lacking = sizes[missing[0]];
  await assertStanding(b, b, 1, lacking);
  // a still measures b by b's report from before its round ...
  await assertStanding(a, b, 2, 41_500);
  // ... until b's new report (published after that round) reaches it.
  await syncOk(a);
  await assertStanding(a, b, 1, lacking);
  await assertStanding(a, a, 0, 0);

  // A full round: b fetches the rest, a hears of it, both in sync everywhere.
  await syncOk(b);
  assert.equal(await Deno.readTextFile(join(rb, missing[0])), await text(ra, missing[0]));
  await syncOk(a);
  for (const d of [a, b]) for (const who of [a, b]) await assertStanding(d, who, 0, 0);

  // A change b made itself: b is not behind on it, before its next report too
  // (it showed "behind by 1 file" until then).
  await put(rb, "base.txt", "b's edit\n");
  await b.ok(["folder", "scan", "docs"]);
  await syncOk(a);
  assert.equal(await text(ra, "base.txt"), "b's edit\n");
  await assertStanding(a, b, 0, 0);
  await assertStanding(a, a, 0, 0);
});

Deno.test("folder status leaves out a removed device (it gets nothing more, so it is never 'behind' for good)", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra] = await sharedFolder(devs);
  await put(ra, "one.txt", "1\n");
  await rounds([a, b], 1);
  assert.ok((await standings(a))[b.name] !== undefined, "b is listed while a member");
  await a.ok(["mesh", "remove", b.name, "--yes"]);
  await put(ra, "two.txt", "2\n");
  await a.ok(["folder", "scan", "docs"]);
  const s = await standings(a);
  assert.equal(s[b.name], undefined, `before: behind by 1 file for good (${JSON.stringify(s)})`);
  const r = await a.ok(["folder", "status", "docs"]);
  assert.doesNotMatch(r.stdout, new RegExp(`^\\s*${b.name} \\(`, "m"), r.stdout);
});

Deno.test("folder status says another device is behind as of its last report, which may be older than that device's disk", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  await put(ra, "base.txt", "base\n");
  await rounds([a, b], 2);
  const before = Date.now();
  await put(ra, "new.txt", "new\n");
  await a.ok(["folder", "scan", "docs"]);
  await syncOk(a);
  // b fetches the file in its own round; its report saying so goes out only with a later round.
  await syncOk(b);
  assert.equal(await text(rb, "new.txt"), "new\n");
  const s = (await standings(a))[b.name];
  assert.deepEqual([s.state, s.behind_files], ["behind", 1], JSON.stringify(s));
  // The report a measures b by is the one b wrote before a's change.
  assert.ok(s.reported_at !== null && Date.parse(s.reported_at) <= before, JSON.stringify(s));
  assert.equal((await standings(a))[a.name].reported_at, null, "this device: no report needed");
  const r = await a.ok(["folder", "status", "docs"]);
  assert.match(
    r.stdout,
    new RegExp(
      `^  b \\(${
        b.id.slice(0, 7)
      }\\): behind by 1 file and 4 B \\(as of its report (\\d+s ago|just now)\\)$`,
      "m",
    ),
    `before: "behind by 1 file and 4 B" with nothing saying it is b's old report:\n${r.stdout}`,
  );
  // b's next report reaches a with a's next round: in sync, nothing more to say.
  await syncOk(a);
  await assertStanding(a, b, 0, 0);
});
