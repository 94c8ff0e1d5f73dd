/**
 * @module converge_test
 * Real mycel processes on 127.0.0.1 converge: two and three devices, each
 * with different changes (prefs, config, apps, patterns including a removal,
 * and a concurrent edit of one key on two devices), end with equal state
 * digests and the same values. With three devices peered A–B and B–C only,
 * and only B serving, B relays both ways and A never reaches C directly.
 */

import assert from "node:assert/strict";
import { type Device, devices } from "./_helpers.ts";

/** What a device shows of the replicated state, for readable diffs. */
async function view(d: Device) {
  const [prefs, config, apps, patterns] = await Promise.all(
    (["pref", "config", "app", "pattern"] as const).map((g) =>
      d.tmp.json<unknown>([g, "list", "--json"])
    ),
  );
  return { prefs, config, apps, patterns };
}

Deno.test("two devices converge after different changes, a removal and a concurrent edit", async () => {
  await using devs = await devices(["alpha", "beta"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);

  await a.write("pref", "set", "theme", "dark");
  await a.write("config", "set", "editor.tab_size", "4");
  await a.write("app", "add", "firefox", "ripgrep");
  await a.write("pattern", "add", '{"id":"greet","text":"Good morning"}');
  await a.write("pattern", "add", '{"id":"bye","text":"See you"}');
  await b.write("pref", "set", "font", "mono");
  await b.write("config", "set", "editor.wrap", "true");
  await b.write("app", "add", "htop");
  await b.write("pattern", "add", '{"id":"lunch","text":"Noon"}');

  await b.serve();
  const first = await a.syncAll();
  assert.equal(first.of(b).status, "synced");
  assert.ok(first.of(b).sent >= 5 && first.of(b).received >= 4, JSON.stringify(first.outcomes));
  await devs.assertConverged();

  // A removal of something learned from the peer, and the same key edited on both.
  await b.write("pattern", "remove", "greet");
  await a.write("config", "set", "editor.font", '"Fira"');
  await b.write("config", "set", "editor.font", '"Iosevka"');
  await a.write("pref", "set", "shared", "from-alpha");
  await b.write("pref", "set", "shared", "from-beta");
  await a.syncAll();

  const digest = await devs.assertConverged();
  const [va, vb] = await Promise.all([view(a), view(b)]);
  assert.deepEqual(va, vb);
  const patterns = (va.patterns as { id: string }[]).map((p) => p.id).sort();
  assert.deepEqual(patterns, ["bye", "lunch"]);
  assert.deepEqual(va.apps, ["firefox", "htop", "ripgrep"]);
  const config = va.config as Record<string, unknown>;
  assert.ok(["Fira", "Iosevka"].includes(config["editor.font"] as string), JSON.stringify(config));
  assert.equal(config["editor.tab_size"], 4);
  assert.equal(config["editor.wrap"], true);

  // A second round has nothing to do and keeps the digest.
  const again = await a.syncAll();
  assert.deepEqual([again.of(b).sent, again.of(b).received], [0, 0]);
  assert.equal(await a.digest(), digest);
  const st = await a.status();
  const peerB = st.peers.find((p) => p.id === b.id)!;
  assert.ok(peerB.last_sync !== null && peerB.last_error === null, JSON.stringify(peerB));
});

Deno.test("three devices peered A–B and B–C converge through B, A never reaching C", async () => {
  await using devs = await devices(["ada", "bob", "cyd"]);
  const [a, b, c] = devs.list;
  await devs.peer(a, b);
  await devs.peer(b, c);
  // One mesh, three members, although A and C never exchanged cards.
  const meshes = new Set(
    (await Promise.all(devs.list.map((d) => d.status()))).map((s) => s.mesh.id),
  );
  assert.equal(meshes.size, 1);

  await a.write("pref", "set", "theme", "dark");
  await a.write("pattern", "add", '{"id":"p-a","text":"from ada"}');
  await a.write("config", "set", "shell.name", '"zsh"');
  await b.write("app", "add", "git");
  await b.write("config", "set", "editor.tab_size", "2");
  await c.write("app", "add", "vim");
  await c.write("pattern", "add", '{"id":"p-c","text":"from cyd"}');
  await c.write("config", "set", "shell.name", '"fish"'); // concurrent with A's

  // Only B serves; A's and C's endpoints have nobody listening.
  await b.serve();
  const a1 = await a.syncAll(); // A learns C's record from B here, after the session
  assert.deepEqual(a1.outcomes.map((o) => o.name), ["bob"]);
  const c1 = await c.syncAll(); // C gets A's changes through B
  assert.deepEqual(c1.outcomes.map((o) => o.name), ["bob"]);

  await c.write("pattern", "remove", "p-a"); // removal of a relayed pattern
  const c2 = await c.syncNow();
  assert.equal(c2.of(b).status, "synced");
  assert.equal(c2.of(a).status, "unreachable", "C now knows A, but A does not serve");

  const a2 = await a.syncNow();
  assert.equal(a2.result.code, 3, "one peer synced, one unreachable → exit 3");
  assert.equal(a2.of(b).status, "synced");
  assert.equal(a2.of(c).status, "unreachable");
  assert.ok(a2.of(b).received > 0);

  await devs.assertConverged();
  const [va, vb, vc] = await Promise.all([view(a), view(b), view(c)]);
  assert.deepEqual(va, vb);
  assert.deepEqual(vb, vc);
  assert.deepEqual(va.apps, ["git", "vim"]);
  assert.deepEqual((va.patterns as { id: string }[]).map((p) => p.id), ["p-c"]);
  assert.ok(["zsh", "fish"].includes((va.config as Record<string, string>)["shell.name"]));

  // A and C never talked: neither ever recorded a sync with the other.
  const sa = await a.status();
  const sc = await c.status();
  assert.equal(sa.peers.find((p) => p.id === c.id)?.last_sync, null);
  assert.equal(sc.peers.find((p) => p.id === a.id)?.last_sync, null);
  // Status says their changes come relayed, and through whom; B is direct.
  for (const [st, other] of [[sa, c], [sc, a]] as const) {
    const p = st.peers.find((x) => x.id === other.id)!;
    assert.equal(p.path, "relayed");
    assert.deepEqual(p.relayed_via, { id: b.id, name: "bob" });
    assert.equal(st.peers.find((x) => x.id === b.id)!.path, "direct");
  }
  const table = await a.ok(["status"]);
  assert.match(table.stdout, /^cyd .* relayed via bob /m);
  // B's server saw both of them.
  const served = b.server!.stderr;
  assert.match(served, /synced with ada/);
  assert.match(served, /synced with cyd/);
});
