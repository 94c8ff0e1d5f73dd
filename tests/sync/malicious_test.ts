/**
 * @module malicious_test
 * An admitted but hostile member (fixtures/rogue_peer.ts: the real protocol,
 * version 2, its own real keys) sends one crafted entry per session — a bad
 * signature, a chain that does not link, a gap, an entry claiming another
 * member as its author (signed with the rogue's key), an entry of a
 * non-member key. The victim is a real mycel, either serving (`sync serve
 * --listen`) or dialling the rogue (`sync now` towards the rogue as a fake
 * server). Every time the victim reports it (the server's stderr line / the
 * `sync now` line, naming the entry as AUTHOR#SEQ) and tells the rogue in its
 * ack, and nothing of the crafted entry is applied: digest, heads and `log`
 * are unchanged and it never shows up in the state.
 */

import assert from "node:assert/strict";
import { toHex } from "../../src/bytes.ts";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { type Proc, spawnProcess } from "../helpers/process.ts";
import { type Device, devices, snapshot } from "./_helpers.ts";
import { ROGUE, rogueDials, type RogueReport } from "./_rogue.ts";

/** `deno run -A rogue_peer.ts ARGS...` in the background (no deadline: the tests end it). */
function rogueProcess(args: string[]): Proc {
  return spawnProcess(Deno.execPath(), ["run", "-A", ROGUE, ...args], {
    env: { NO_COLOR: "1" },
    timeoutMs: 0,
  });
}

/** The rogue running as a fake server, its output collected as it comes. */
interface Fake {
  /** The process; `proc.stop()` kills it by PID and reaps it. */
  proc: Proc;
  /** Its report (stdout, parsed) once it exits. */
  report: Promise<RogueReport>;
}

/** Start the rogue as a fake server on its own endpoint. */
function spawnFake(rogue: Device, mode: string, as = ""): Fake {
  const proc = rogueProcess([
    "--home",
    rogue.home,
    "--mode",
    mode,
    "--listen",
    rogue.endpoint,
    ...(as ? ["--as", as] : []),
  ]);
  const report = proc.result().then((r) => JSON.parse(r.stdout) as RogueReport);
  report.catch(() => {}); // awaited by the tests that need it
  return { proc, report };
}

/** Mode → what the victim must say (refusal reason, or a fork). */
const CASES: { mode: string; expect: RegExp; author: "rogue" | "third" | "none" }[] = [
  {
    mode: "bad_signature",
    expect: /refused 1 entry: its signature does not verify/,
    author: "rogue",
  },
  {
    mode: "impersonate",
    expect: /refused 1 entry: its signature does not verify/,
    author: "third",
  },
  {
    mode: "stranger",
    expect: /refused 1 entry: its author is not a member of this mesh/,
    author: "none",
  },
  {
    mode: "gap",
    expect: /refused 1 entry: earlier entries of its author are missing/,
    author: "rogue",
  },
  {
    mode: "bomb_entry",
    expect: /refused 1 entry: .*not valid CBOR/,
    author: "none",
  },
];

async function setup() {
  const devs = await devices(["victim", "rogue", "third"]);
  try {
    const [victim, rogue, third] = devs.list;
    await devs.peer(victim, rogue);
    await devs.peer(victim, third);
    await third.write("pref", "set", "owner", "third");
    await victim.write("pref", "set", "theme", "calm");
    await victim.serve();
    await third.syncNow(); // third ↔ victim (rogue does not serve: exit 1 is fine)
    await rogue.syncNow(); // the rogue now holds third's entries too
    await devs.assertConverged([victim, rogue]);
    return devs;
  } catch (e) {
    await devs[Symbol.asyncDispose]();
    throw e;
  }
}

Deno.test("a rogue member dialling mycel sync serve: every crafted entry is refused, nothing applied", async () => {
  await using devs = await setup();
  const [victim, rogue, third] = devs.list;
  const before = await snapshot(victim, { prefs: true });
  const server = victim.server!;
  for (const c of CASES) {
    const from = server.stderr.length;
    const r = await rogueDials(rogue, victim, c.mode, ["--as", third.id]);
    assert.equal(r.reply, "ok", `${c.mode}: ${JSON.stringify(r)}`);
    assert.equal(r.sent, 1);
    // The victim tells the dialling rogue it refused the entry.
    assert.deepEqual(r.stored, { accepted: 0, refused: 1 }, c.mode);
    const [line] = await server.waitFor(/^.*rogue.*$/m, {
      stream: "stderr",
      from,
      timeoutMs: 15_000,
    });
    assert.match(line, new RegExp(`^refused rogue \\(${shortDeviceId(rogue.id)}\\): `), c.mode);
    assert.match(line, c.expect, c.mode);
    const who = c.author === "rogue" ? rogue.id : c.author === "third" ? third.id : "";
    if (who) assert.match(line, new RegExp(`\\(${who.slice(0, 7)}#\\d+\\)`), `${c.mode}: ${line}`);
    assert.deepEqual(
      await snapshot(victim, { prefs: true }),
      before,
      `${c.mode} changed the victim`,
    );
  }
  const st = await victim.status();
  const book = st.peers.find((p) => p.id === rogue.id)!;
  assert.match(book.last_error ?? "", /^refused: refused 1 entry/);
  assert.deepEqual(st.forks, []);
  // The owner can still remove the attacker.
  const removed = await victim.run(["--no-sync", "mesh", "remove", "rogue", "--yes"]);
  assert.equal(removed.code, 0, removed.stdout + removed.stderr);
});

Deno.test("mycel sync now towards a rogue fake server: every crafted entry is refused, nothing applied", async () => {
  await using devs = await setup();
  const [victim, rogue, third] = devs.list;
  const before = await snapshot(victim, { prefs: true });
  for (const c of CASES) {
    const fake = spawnFake(rogue, c.mode, third.id);
    try {
      await fake.proc.waitFor(/listening on/, { stream: "stderr", timeoutMs: 30_000 });
      const round = await victim.syncNow();
      assert.equal(round.result.code, 1, round.result.stdout);
      const o = round.of(rogue);
      assert.equal(o.status, "refused", `${c.mode}: ${JSON.stringify(o)}`);
      assert.match(o.error ?? "", c.expect, c.mode);
      assert.equal((await fake.report).reply, "ok", fake.proc.stderr);
    } finally {
      await fake.proc.stop();
    }
    assert.deepEqual(
      await snapshot(victim, { prefs: true }),
      before,
      `${c.mode} changed the victim`,
    );
  }
});

Deno.test("a rogue's entry that does not link onto its chain is kept aside as a fork, not applied, and reported", async () => {
  await using devs = await setup();
  const [victim, rogue] = devs.list;
  const before = await snapshot(victim, { prefs: true });

  const rogueHead = before.heads[rogue.id];

  // The victim dials a fake server that sends the unlinked entry.
  const fake = spawnFake(rogue, "broken_chain");
  let first: RogueReport;
  try {
    await fake.proc.waitFor(/listening on/, { stream: "stderr", timeoutMs: 30_000 });
    const round = await victim.syncNow();
    const o = round.of(rogue);
    assert.equal(o.forks, 1, JSON.stringify(o));
    first = await fake.report;
  } finally {
    await fake.proc.stop();
  }
  assert.deepEqual(await snapshot(victim, { prefs: true }), before);
  let st = await victim.status();
  // The fork is at the rogue's head: our entry there is kept, the crafted
  // entry names another one as its predecessor.
  const report = [rogue.id, rogueHead.seq, rogueHead.hash, first.crafted_prev];
  assert.deepEqual(st.forks.map((f) => [f.author, f.seq, f.kept, f.other]), [report]);
  assert.deepEqual(victim.forkedEntries().map((e) => toHex(e.hash)), [first.crafted]);

  // The rogue dials the victim's server with another unlinked entry.
  const server = victim.server!;
  const from = server.stderr.length;
  const r = await rogueDials(rogue, victim, "broken_chain");
  assert.equal(r.reply, "ok");
  const [line] = await server.waitFor(/^.*rogue.*$/m, {
    stream: "stderr",
    from,
    timeoutMs: 15_000,
  });
  assert.deepEqual(await snapshot(victim, { prefs: true }), before);
  st = await victim.status();
  // One report per forked log (the first one stays); both crafted entries kept aside.
  assert.deepEqual(st.forks.map((f) => [f.author, f.seq, f.kept, f.other]), [report]);
  const kept = victim.forkedEntries();
  assert.deepEqual(kept.map((e) => e.entry.author.id), [rogue.id, rogue.id]);
  assert.deepEqual(kept.map((e) => toHex(e.hash)).sort(), [first.crafted, r.crafted].sort());
  // The server's line must say something went wrong, as `sync now` does
  // ("fork detected in 1 log(s)"), not just "synced … received 0".
  assert.match(line, /fork|refused/, `server line does not report the unlinked entry: ${line}`);
});

Deno.test("a member's 450-byte shared-reference hello is refused at once; the server keeps serving and stops on SIGTERM", async () => {
  await using devs = await setup();
  const [victim, rogue, third] = devs.list;
  const before = await snapshot(victim, { prefs: true });
  const server = victim.server!;
  const t0 = performance.now();
  const r = await rogueDials(rogue, victim, "bomb_hello");
  const ms = performance.now() - t0;
  assert.equal(r.reply, "refused", JSON.stringify(r));
  // A whole rogue process (start-up included) in well under the 10 s handshake deadline.
  assert.ok(ms < 8_000, `answered after ${ms.toFixed(0)} ms`);
  assert.deepEqual(await snapshot(victim, { prefs: true }), before, "the bomb changed the victim");
  // The server is not pinned: a member syncs with it right after.
  await third.write("pref", "set", "after", "bomb");
  assert.equal((await third.syncNow()).of(victim).status, "synced");
  assert.equal((await victim.ok(["pref", "get", "after"])).stdout.trim(), "bomb");
  // SIGTERM ends it by itself (stopServer would SIGKILL after 5 s).
  const t1 = performance.now();
  const end = await victim.stopServer();
  assert.ok(performance.now() - t1 < 4_000, "stopped on SIGTERM");
  assert.notEqual(end?.signal, "SIGKILL", server.stderr);
});
