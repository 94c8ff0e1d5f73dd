/**
 * @module unreachable_test
 * Peers that are down. `sync now` lists each one that cannot be reached as
 * unreachable (naming why), exits 3 both when no peer is reachable and when
 * only some are (a partial round, as `mycel sync now --help` says);
 * `status --json` then shows `last_error` for the peer that was down and
 * none for the one that synced. A peer whose port accepts the
 * connection but never answers is given up after `--timeout`.
 */

import assert from "node:assert/strict";
import { isErrorCode } from "../../src/error_codes.ts";
import { tempHome } from "../helpers/mycel.ts";
import { devices } from "./_helpers.ts";

Deno.test("sync now exits 3 when some or all peers are unreachable, status shows last_error", async () => {
  await using devs = await devices(["hub", "up", "down"]);
  const [hub, up, down] = devs.list;
  await devs.peer(hub, up);
  await devs.peer(hub, down);
  await hub.write("pref", "set", "k", "v");

  await up.serve();
  const some = await hub.syncNow();
  assert.equal(some.result.code, 3, some.result.stdout);
  assert.equal(some.of(up).status, "synced");
  const o = some.of(down);
  assert.equal(o.status, "unreachable");
  assert.equal(o.path, null);
  assert.match(o.error ?? "", new RegExp(`nothing is listening.*127\\.0\\.0\\.1:${down.port}`));

  let st = await hub.status();
  const downBook = st.peers.find((p) => p.id === down.id)!;
  const upBook = st.peers.find((p) => p.id === up.id)!;
  assert.match(downBook.last_error ?? "", /^unreachable: .*nothing is listening/);
  assert.equal(downBook.last_sync, null);
  assert.equal(upBook.last_error, null);
  assert.notEqual(upBook.last_sync, null);

  // The human form names it too.
  const text = await hub.run(["sync", "now", "--timeout", "5"]);
  assert.equal(text.code, 3);
  assert.match(text.stdout, /^down \([A-Z0-9]{7}\): unreachable: /m);
  // Nothing new since the last round: the heads digests match, an idle session.
  assert.match(text.stdout, /^up \([A-Z0-9]{7}\): synced: up to date via direct 127\.0\.0\.1:/m);

  await up.stopServer();
  const none = await hub.syncNow();
  assert.equal(none.result.code, 3, none.result.stdout);
  assert.deepEqual(none.outcomes.map((x) => x.status), ["unreachable", "unreachable"]);
  st = await hub.status();
  for (const p of st.peers) assert.match(p.last_error ?? "", /^unreachable: /, p.name);
  // The peer that synced before keeps its last_sync.
  assert.notEqual(st.peers.find((p) => p.id === up.id)!.last_sync, null);

  // Back up: the error is cleared by the next good round.
  await up.serve();
  const back = await hub.syncNow();
  assert.equal(back.of(up).status, "synced");
  st = await hub.status();
  assert.equal(st.peers.find((p) => p.id === up.id)!.last_error, null);
});

Deno.test("a peer that accepts but never answers is given up after --timeout", async () => {
  await using devs = await devices(["asker", "mute"]);
  const [asker, mute] = devs.list;
  await devs.peer(asker, mute);
  // Something holds the mute device's port and accepts, but never speaks.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: mute.port });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of listener) held.push(c);
  })();
  try {
    const t0 = performance.now();
    const r = await asker.syncNow([], 1);
    const ms = performance.now() - t0;
    assert.equal(r.result.code, 1, r.result.stdout);
    assert.equal(r.of(mute).status, "failed");
    assert.match(r.of(mute).error ?? "", /no data within 1s|took longer than 1s|timed out/);
    assert.ok(ms < 6000, `took ${ms.toFixed(0)} ms`);
    const st = await asker.status();
    assert.match(st.peers[0].last_error ?? "", /^failed: /);
  } finally {
    listener.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
  }
});

Deno.test("every sync now --json row that did not sync carries its error code, an unreachable one too", async () => {
  await using devs = await devices(["asker", "down"]);
  const [asker, down] = devs.list;
  await devs.peer(asker, down);
  // A device that never listened and never ran a round: no endpoint in its record.
  await using bare = await tempHome("mycel-sync-bare-");
  await bare.ok(["init", "--name", "bare"]);
  await asker.write("mesh", "add-peer", (await bare.ok(["mesh", "card"])).stdout.trim());

  // Discovery off: nothing on this link would answer, and the probe's listening is not tested here.
  const r = await asker.syncNow(["--all"], 5, { env: { MYCEL_DISCOVERY: "off" } });
  assert.equal(r.result.code, 3, r.result.stdout);
  const o = r.of(down);
  assert.equal(o.status, "unreachable");
  assert.match(o.error ?? "", /nothing is listening/);
  assert.equal(o.code, "connection_refused");
  const none = r.of("bare");
  assert.equal(none.status, "unreachable");
  // With the fix, as doctor gives it (the row said only "it has no known endpoint").
  assert.match(
    none.error ?? "",
    /no known endpoint .*\(on it: `mycel service install`, or `mycel mesh set-endpoint HOST:PORT`\)/,
  );
  assert.equal(none.code, "endpoint_unknown");
  for (const row of r.outcomes) assert.ok(isErrorCode(row.code ?? ""), JSON.stringify(row));
});
