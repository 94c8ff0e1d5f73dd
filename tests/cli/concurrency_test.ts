/**
 * @module concurrency_test
 * Many `mycel` processes writing to one home at once: the writers' lock must
 * serialise them so that every write lands, and on a home that does not exist
 * yet the racing first writes must create exactly one identity.
 */

import assert from "node:assert/strict";
import { describe, type MycelResult, type StatusJson, tempHome } from "../helpers/mycel.ts";

const WRITERS = 30;

async function parallelPrefSets(
  h: Awaited<ReturnType<typeof tempHome>>,
  n: number,
): Promise<[string[], MycelResult][]> {
  return await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const args = ["pref", "set", `k${i}`, `v${i}`];
      return [args, await h.run(args)] as [string[], MycelResult];
    }),
  );
}

function checkAll(results: [string[], MycelResult][]): void {
  const failed = results.filter(([, r]) => r.code !== 0);
  assert.equal(
    failed.length,
    0,
    `${failed.length} of ${results.length} writers failed; first:\n` +
      (failed[0] ? describe(failed[0][0], failed[0][1]) : ""),
  );
  for (const [args, r] of results) assert.equal(r.stdout, `${args[2]} = ${args[3]}\n`);
}

async function checkHome(h: Awaited<ReturnType<typeof tempHome>>, n: number): Promise<void> {
  const prefs = await h.json<Record<string, string>>(["pref", "list", "--json"]);
  const expected = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, `v${i}`]));
  assert.deepEqual(prefs, expected);
  const st = await h.json<StatusJson>(["status", "--json"]);
  assert.equal(st.mesh.devices, 1, "exactly one device");
  assert.deepEqual(Object.keys(st.log.heads), [st.device.id], "one author in the log");
  // One genesis entry plus one entry per write, chained without gaps.
  assert.equal(st.log.heads[st.device.id].seq, n + 1);
  const log = await h.json<{ seq: number }[]>(["log", "--json"]);
  assert.deepEqual(log.map((e) => e.seq), Array.from({ length: n + 1 }, (_, i) => n + 1 - i));
  assert.equal(st.log.entries, n + 1, "every entry stored once");
}

Deno.test(`${WRITERS} parallel pref set on an initialised home all land`, async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "box"]);
  const results = await parallelPrefSets(h, WRITERS);
  checkAll(results);
  await checkHome(h, WRITERS);
});

Deno.test(`${WRITERS} parallel pref set on a fresh home create one identity and all land`, async () => {
  await using h = await tempHome();
  const results = await parallelPrefSets(h, WRITERS);
  // Exactly one of them set the home up and said so.
  const announced = results.filter(([, r]) => /Set up a new mesh/.test(r.stderr));
  checkAll(results);
  assert.equal(announced.length, 1, "one writer announces the new mesh");
  await checkHome(h, WRITERS);
});

Deno.test("parallel init on a fresh home: one succeeds, the others say it is set up", async () => {
  await using h = await tempHome();
  const results = await Promise.all(
    Array.from({ length: 8 }, (_, i) => h.run(["init", "--name", `n${i}`])),
  );
  const won = results.filter((r) => r.code === 0);
  assert.equal(won.length, 1, results.map((r) => r.stderr).join(""));
  for (const r of results.filter((r) => r.code !== 0)) {
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: Cannot initialise mycel home: it is already set up/);
  }
  const st = await h.json<StatusJson>(["status", "--json"]);
  assert.equal(st.mesh.devices, 1);
  assert.equal(`Initialised ${h.home}\n`, won[0].stdout.split("\n")[0] + "\n");
  assert.match(won[0].stdout, new RegExp(`device  ${st.device.name} \\(${st.device.id}\\)`));
});

Deno.test("readers running during writes always see a whole state", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "box"]);
  const writes = Array.from({ length: 20 }, (_, i) => h.run(["pref", "set", `w${i}`, `${i}`]));
  const reads = Array.from({ length: 20 }, () => h.run(["status", "--json"]));
  const readResults = await Promise.all(reads);
  checkAll(
    (await Promise.all(writes)).map((r, i) => [["pref", "set", `w${i}`, `${i}`], r]),
  );
  for (const r of readResults) {
    assert.equal(r.code, 0, describe(["status", "--json"], r));
    const st = JSON.parse(r.stdout) as StatusJson;
    assert.equal(
      st.counts.preferences + 1,
      st.log.entries,
      "counts match the log it read: " + r.stdout,
    );
  }
});
