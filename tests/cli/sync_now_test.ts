/**
 * @module sync_now_test
 * `sync now` as users see it, through real processes on 127.0.0.1: exit 3
 * when no peer is reachable and also when only some synced (a partial
 * round), 1 when none synced; each peer's line is printed as soon as its
 * session ends, not after the slowest peer; a device removed from the mesh
 * is told so plainly by `sync now`, by `doctor` (which fails), and after a
 * write (which no longer promises "they get it at the next sync"), and
 * `status --json` and `mesh list --json` say it in `removed`; with
 * --json it prints an array of outcomes even when no peer is contacted.
 */

import assert from "node:assert/strict";
import { roundExitCode } from "../../src/cli/sync_outcome.ts";
import type { MeshRowJson } from "../../src/cli/json_types.ts";
import { removalInOutcomes, removalMessage } from "../../src/cli/removal.ts";
import { localTime } from "../../src/human.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { devices } from "../sync/_helpers.ts";

Deno.test("round exit codes: 0 all synced, 3 none reachable or partial, 1 none synced", () => {
  const cases: [string[], number][] = [
    [[], 0],
    [["synced", "synced"], 0],
    [["unreachable"], 3],
    [["unreachable", "unreachable"], 3],
    [["synced", "unreachable"], 3],
    [["synced", "refused"], 3],
    [["synced", "failed", "unreachable"], 3],
    [["refused"], 1],
    [["failed", "unreachable"], 1],
    [["refused", "refused"], 1],
  ];
  for (const [statuses, code] of cases) assert.equal(roundExitCode(statuses), code, `${statuses}`);
});

Deno.test("sync now --json prints an empty array with no peers, and offline (--no-sync, MYCEL_OFFLINE=1)", async () => {
  await using h = await tempHome("mycel-sync-json-");
  await h.ok(["--no-sync", "init", "--name", "alone"]);
  for (
    const [args, env] of [
      [["sync", "now", "--json"], {}],
      [["--no-sync", "sync", "now", "--json"], {}],
      [["sync", "now", "--json", "--no-sync"], {}],
      [["sync", "now", "--json"], { MYCEL_OFFLINE: "1" }],
    ] as [string[], Record<string, string>][]
  ) {
    const r = await h.run(args, { env });
    assert.equal(r.code, 0, describe(args, r));
    assert.deepEqual(JSON.parse(r.stdout), [], describe(args, r));
  }
  // Offline, the note goes to standard error, never into the JSON.
  const offline = await h.run(["--no-sync", "sync", "now", "--json"]);
  assert.match(
    offline.stderr,
    /^Offline \(--no-sync or MYCEL_OFFLINE=1\): not contacting peers\.$/m,
  );
  // --quiet (background pushes) prints nothing at all.
  const quiet = await h.run(["--no-sync", "sync", "now", "--quiet"]);
  assert.equal(quiet.code, 0, describe(["sync", "now", "--quiet"], quiet));
  assert.equal(quiet.stdout + quiet.stderr, "");
});

Deno.test("sync now prints each peer's line when its session ends and exits 3 for a partial round", async () => {
  await using devs = await devices(["hub", "up", "mute"]);
  const [hub, up, mute] = devs.list;
  await devs.peer(hub, up);
  await devs.peer(hub, mute);
  await up.serve();
  // Something holds mute's port and accepts, but never speaks.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: mute.port });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of listener) held.push(c);
  })();
  try {
    const t0 = performance.now();
    await using round = hub.tmp.spawn(["sync", "now", "--timeout", "6"]);
    await round.waitFor(/^up \([A-Z0-9]{7}\): synced: sent \d+ entr(y|ies), received/m, {
      stream: "stdout",
      timeoutMs: 5000,
    });
    const firstLineMs = performance.now() - t0;
    assert.equal(round.exited, false, "up's line came before the round ended");
    const r = await round.result();
    assert.equal(r.code, 3, describe(["sync", "now"], r));
    assert.match(r.stdout, /^mute \([A-Z0-9]{7}\): failed: /m);
    assert.ok(
      firstLineMs < performance.now() - t0 - 1000,
      `up's line (${firstLineMs.toFixed(0)} ms) well before the end`,
    );
  } finally {
    listener.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
  }
});

Deno.test("a removed device hears it plainly: sync now, doctor and the note after a write", async () => {
  await using devs = await devices(["alpha", "beta"]);
  const [alpha, beta] = devs.list;
  await devs.peer(alpha, beta);
  await alpha.serve();
  await alpha.write("mesh", "remove", "beta", "--yes");

  const args = ["sync", "now", "--timeout", "5"];
  const r = await beta.run(args);
  assert.equal(r.code, 1, describe(args, r));
  // The peer's line and the error below it give the time one way: local, with
  // the offset (before: the line said it as the peer sent it, ISO UTC).
  const time = "(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d [+-]\\d\\d:\\d\\d)";
  const line = r.stdout.match(
    new RegExp(
      `^alpha \\([A-Z0-9]{7}\\): refused: this device was removed from the mesh by alpha at ${time}; pair it again to rejoin$`,
      "m",
    ),
  );
  const error = r.stderr.match(
    new RegExp(`^error: Cannot sync: this device was removed from the mesh by alpha at ${time}\n`),
  );
  assert.ok(line && error, describe(args, r));
  assert.equal(line[1], error[1]);
  assert.match(
    r.stderr,
    /\nhint: Pair it again to rejoin: run `mycel pair` on a device of the mesh/,
  );

  const doctor = await beta.run(["doctor", "--json"]);
  assert.equal(doctor.code, 1, describe(["doctor", "--json"], doctor));
  const findings = (JSON.parse(doctor.stdout) as {
    findings: { check: string; ok: boolean; detail: string; hint?: string }[];
  }).findings;
  const membership = findings.find((f) => f.check === "membership");
  assert.equal(membership?.ok, false);
  assert.match(
    membership?.detail ?? "",
    /^this device was removed from the mesh by alpha at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+00:00$/,
  );
  // The peer's refusal under it says the time as sync now does, and what to
  // do (before: ISO UTC, and "see `mycel status` on alpha", of no help).
  const peer = findings.find((f) => f.check === "peer");
  assert.equal(peer?.ok, false);
  assert.match(
    peer?.detail ?? "",
    new RegExp(`^alpha at \\S+ refuses this device: this device was removed .* at ${time};`),
  );
  assert.match(peer?.hint ?? "", /^Pair it again to rejoin/);

  const write = await beta.run(["pref", "set", "after", "removal"]);
  assert.equal(write.code, 0, describe(["pref", "set"], write));
  assert.match(
    write.stderr,
    /note: saved on this device only: this device was removed from the mesh/,
  );
  assert.doesNotMatch(write.stderr, /next sync/);

  // status and mesh list say it too; a code to admit a device is never shown
  // (the device it admitted would be refused by every member).
  const removed = /this device was removed from the mesh by alpha at \d{4}-\d\d-\d\d /;
  const status = (await beta.ok(["status"])).stdout;
  assert.match(status, removed);
  // The peer's last answer under the table says the time the same way.
  assert.match(
    status,
    new RegExp(`^  alpha: refused: this device was removed .* at ${time};`, "m"),
  );
  assert.doesNotMatch(status, /\d\dT\d\d:/);
  assert.match((await beta.ok(["mesh", "list"])).stdout, removed);
  // --json says it too (before: only inside the peer's last_error text).
  const st = await beta.tmp.json<{ removed: { source: string; by: string | null } | null }>(
    ["status", "--json"],
  );
  assert.equal(st.removed?.source, "peer");
  assert.equal(st.removed?.by, "alpha");
  // mesh list --json as status --json, on this device's row (before: nothing, its `revoked`
  // being null when only the peers' refusals say so).
  const rows = await beta.tmp.json<MeshRowJson[]>(["mesh", "list", "--json"]);
  const self = rows.find((r) => r.self)!;
  assert.equal(self.revoked, null);
  assert.deepEqual(self.removed, st.removed);
  assert.deepEqual(rows.filter((r) => !r.self).map((r) => r.removed), [null]);
  const onAlpha = await alpha.tmp.json<MeshRowJson[]>(["mesh", "list", "--json"]);
  // Rows come in device-key order (random keys): compared sorted by name.
  const alphaRows = onAlpha.map((r) => [r.name, r.removed]).sort();
  assert.deepEqual(alphaRows, [["alpha", null], ["beta", null]]);
  for (const cmd of [["mesh", "add-device"], ["pair"]]) {
    const add = await beta.run([...cmd, "--listen", "127.0.0.1:47998", "--ttl", "5s", "--yes"]);
    assert.equal(add.code, 1, describe(cmd, add));
    assert.match(add.stderr, /^error: Cannot add device: this device was removed from the mesh/m);
    assert.match(add.stderr, /hint: Pair it again to rejoin/);
    assert.doesNotMatch(add.stdout, /MYCEL-/, "a code was shown");
  }
  // Nor does it take anyone out: its removal of the device that removed it only
  // starts a race (before: written and signed).
  const rm = await beta.run(["mesh", "remove", "alpha", "--yes"]);
  assert.equal(rm.code, 1, describe(["mesh", "remove"], rm));
  assert.match(rm.stderr, /^error: Cannot remove device: this device was removed from the mesh/m);
  // `mycel pair` there joins, as the hint says: it asks for the code (none here to ask).
  const pair = await beta.run(["pair"]);
  assert.equal(pair.code, 2, describe(["pair"], pair));
  assert.match(pair.stderr, /give the code shown on the other device/);
});

Deno.test("removal messages: who and when when known, else which peer refuses", () => {
  const at = Date.UTC(2025, 4, 1, 12, 0, 0);
  const peer = removalInOutcomes([{
    name: "alpha",
    status: "refused",
    code: "removed",
    error: `this device was removed from the mesh by owner at ${
      new Date(at).toISOString()
    }; pair it again to rejoin`,
  }]);
  assert.equal(
    removalMessage(peer!),
    `this device was removed from the mesh by owner at ${localTime(at)}`,
  );
  assert.equal(
    removalMessage({ source: "state", byName: "owner", at }),
    `this device was removed from the mesh by owner at ${localTime(at)}`,
  );
  // Other refusals, and successes, are not removals.
  assert.equal(
    removalInOutcomes([
      {
        name: "a",
        status: "refused",
        code: "not_accepted",
        error: "this device does not accept your device",
      },
      { name: "c", status: "synced", error: "was removed from the mesh" },
    ]),
    undefined,
  );
});

Deno.test("sync now --json stopped by Ctrl-C during its sessions still prints one document (the rows of sessions that ended), then the error", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  // b's endpoint accepts and says nothing: a's handshake waits on it.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: b.port });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of silent) held.push(c);
  })();
  try {
    const p = a.tmp.spawn(["sync", "now", "--timeout", "10", "--json"], { timeoutMs: 30_000 });
    while (held.length === 0) await new Promise((r) => setTimeout(r, 50));
    Deno.kill(p.pid, "SIGINT");
    const r = await p.result();
    assert.equal(r.code, 130, describe(["sync", "now", "--json"], r));
    // One document still: the sessions that had ended (none here, the only one cut short).
    assert.deepEqual(JSON.parse(r.stdout), [], r.stdout);
    assert.equal(
      JSON.parse(r.stderr.trim().split("\n").at(-1)!).error.code,
      "sync_interrupted",
      r.stderr,
    );
  } finally {
    silent.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
  }
});
