/**
 * @module contested_newcomer_test
 * A newcomer whose admissions disagree (a member admitted it again with its
 * own Noise key, membership.ts `contested`) has no keys on the devices that
 * hold both admissions until its own first entry arrives — and it brings
 * that entry itself: its hello carries its own first entry, which
 * announces its keys and which only it can sign (admission.ts). A review
 * found that without it such a newcomer was refused by every device holding
 * both admissions, for as long as its first entry had not left it. Real
 * homes (SQLite) over in-memory links (MemMesh).
 */

import assert from "node:assert/strict";
import { json, mycel, ok } from "../helpers/mycel.ts";
import { contestNewcomer } from "./_contested.ts";
import { MemMesh } from "./_mem_mesh.ts";

/** Who `doctor` says has disputed keys (each finding names the device first). */
async function disputedIn(home: string): Promise<string[]> {
  const r = await mycel(["--no-sync", "doctor", "--json"], { home });
  const out = JSON.parse(r.stdout) as { findings: Finding[] };
  const found = out.findings.filter((f) => f.check === "keys-disputed");
  for (const f of found) {
    assert.equal(f.ok, false);
    assert.match(f.hint ?? "", /mycel mesh remove/);
  }
  return found.map((f) => /^admissions of (\S+) by other devices disagree/.exec(f.detail)![1]);
}

interface Finding {
  check: string;
  ok: boolean;
  detail: string;
  hint?: string;
}

Deno.test("a newcomer contested by a member's second admission still gets in with its own key, and its keys are back everywhere", async () => {
  await using mesh = await MemMesh.create(3);
  const { a, b, m, n } = await contestNewcomer(mesh);
  for (const d of [a, b]) {
    const row = d.home.view.member(n.key)!;
    assert.equal(row.admitted.contested, true, `${d.name} holds both admissions`);
    assert.deepEqual([row.record.noiseKey, row.record.wgKey], ["", ""], "nobody's keys, not m's");
    assert.equal(d.home.log.head(n.key), undefined, `${d.name} holds nothing of n yet`);
  }

  // What a's commands say meanwhile: keys disputed, not a WireGuard-only phone.
  const rows = await json<{ name: string; keys_disputed: boolean }[]>(
    ["--no-sync", "mesh", "list", "--json"],
    { home: a.root },
  );
  assert.deepEqual(rows.filter((r) => r.keys_disputed).map((r) => r.name), ["n"]);
  const text = await ok(["--no-sync", "mesh", "list"], { home: a.root });
  assert.match(text.stdout, /n: members' admissions of it disagree on its keys/);
  const st = await json<{ peers: { name: string; wireguard_only: boolean }[] }>(
    ["--no-sync", "status", "--json"],
    { home: a.root },
  );
  assert.equal(st.peers.find((p) => p.name === "n")?.wireguard_only, false);
  // doctor says so, rather than leaving n out of its peer check without a word.
  assert.deepEqual(await disputedIn(a.root), ["n"]);

  mesh.heal();
  await mesh.write(n, [{ type: "device.add", device: a.record }]); // n knows a (add-peer)
  const outcomes = await mesh.round(n, { all: true });
  assert.deepEqual(
    outcomes.map((o) => o.status),
    ["synced"],
    JSON.stringify(outcomes.map((o) => [o.status, o.error])),
  );
  const rec = a.home.view.member(n.key)!.record;
  assert.deepEqual([rec.noiseKey, rec.wgKey], [n.record.noiseKey, n.record.wgKey], "back on a");
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  for (const d of [a, b, m]) {
    const rec = d.home.view.member(n.key)!.record;
    assert.deepEqual([rec.noiseKey, rec.wgKey], [n.record.noiseKey, n.record.wgKey], d.name);
  }
  for (let i = 0; i < 2; i++) await mesh.timerRound();
  assert.equal(new Set(mesh.digests()).size, 1, "one state");
  const after = await json<{ name: string; keys_disputed: boolean }[]>(
    ["--no-sync", "mesh", "list", "--json"],
    { home: a.root },
  );
  assert.deepEqual(after.filter((r) => r.keys_disputed), [], "announced: no longer disputed");
  assert.deepEqual(await disputedIn(a.root), [], "nor in doctor");
});
