/**
 * @module fork_test
 * A device restored from a backup writes again at sequence numbers it had
 * already used: its log forks. After a sync, both sides report the fork
 * (`status --json` `forks`, the `sync now` line), neither branch is lost
 * (each side keeps the entry it had applied and keeps the other branch's
 * entry aside, in its database's `aside` table), no process crashes, and
 * syncing keeps working for everything else.
 */

import assert from "node:assert/strict";
import { toHex } from "../../src/bytes.ts";
import { type Device, devices } from "./_helpers.ts";

/** Copy a home folder (as a backup tool would). */
async function copyHome(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
}

/** Replace `d`'s home with the backup at `backup`. */
async function restore(d: Device, backup: string): Promise<void> {
  await Deno.remove(d.home, { recursive: true });
  await copyHome(backup, d.home);
}

async function prefs(d: Device): Promise<Record<string, string>> {
  return await d.tmp.json<Record<string, string>>(["pref", "list", "--json"]);
}

/** Hash (hex) of `d`'s own entry `author#seq`, from `log --json`. */
async function hashAt(d: Device, author: string, seq: number): Promise<string> {
  const e = (await d.log()).find((x) => x.device === author && x.seq === seq);
  assert.ok(e, `${d.name} has no ${author.slice(0, 7)}#${seq}`);
  return e.hash;
}

function noCrash(stderr: string) {
  assert.doesNotMatch(stderr, /Uncaught|stack backtrace|at file:\/\/|internal error/i, stderr);
}

Deno.test("a device restored from a backup forks its log: reported on both sides, both branches kept", async () => {
  await using devs = await devices(["restored", "peer"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  await a.write("pref", "set", "base", "1");
  await b.serve();
  await a.syncAll();
  const backup = a.tmp.path("backup");
  await copyHome(a.home, backup);
  const seq = (await a.status()).log.heads[a.id].seq + 1;

  // After the backup: a change that reaches the peer.
  await a.write("pref", "set", "color", "red");
  await a.syncAll();
  const red = await hashAt(b, a.id, seq);

  // Restore the backup and make a different change at the same seq.
  await restore(a, backup);
  await a.write("pref", "set", "color", "blue");
  const blue = await hashAt(a, a.id, seq);
  assert.notEqual(red, blue);

  const r = await a.syncNow();
  noCrash(r.result.stderr);
  const o = r.of(b);
  assert.ok(o.forks >= 1, `sync now does not report the fork: ${JSON.stringify(o)}`);
  const text = await a.run(["sync", "now"]);
  noCrash(text.stderr);
  await b.stopServer();
  noCrash(b.servers[0].stderr);

  // Both sides report it, naming the author, the seq and both hashes.
  const [sa, sb] = await Promise.all([a.status(), b.status()]);
  for (
    const [name, st, kept, other] of [["restored", sa, blue, red], ["peer", sb, red, blue]] as const
  ) {
    const f = st.forks.find((x) => x.author === a.id && x.seq === seq);
    assert.ok(f, `${name} does not report the fork: ${JSON.stringify(st.forks)}`);
    assert.deepEqual([f.kept, f.other], [kept, other], name);
  }
  // Nothing lost: each side applied its branch and keeps the other aside.
  assert.equal((await prefs(a)).color, "blue");
  assert.equal((await prefs(b)).color, "red");
  const keptOnA = (await a.forkedEntries()).map((e) => toHex(e.hash));
  const keptOnB = (await b.forkedEntries()).map((e) => toHex(e.hash));
  assert.ok(keptOnA.includes(red), `restored device lost the peer's branch: ${keptOnA}`);
  assert.ok(keptOnB.includes(blue), `peer lost the restored branch: ${keptOnB}`);

  // Other changes still flow, in both directions, without crashing.
  await b.write("app", "add", "after-fork");
  await a.write("pref", "set", "later", "yes"); // extends the forked branch
  await b.serve();
  const again = await a.syncNow();
  noCrash(again.result.stderr);
  assert.notEqual(again.of(b).status, "unreachable");
  assert.ok((await a.tmp.json<string[]>(["app", "list", "--json"])).includes("after-fork"));
  await b.stopServer();
  noCrash(b.servers[1].stderr);
  const st = await b.status(); // still loads
  assert.ok(st.forks.length >= 1);
});

Deno.test("a restored device behind its peer: the fork is found from the peer's newer entries", async () => {
  await using devs = await devices(["phone", "desk"]);
  const [a, b] = devs.list;
  await devs.peer(a, b);
  await a.serve(); // this time the restored device serves and the peer dials
  await b.syncAll();
  const backup = a.tmp.path("backup");
  await copyHome(a.home, backup);
  const seq = (await a.status()).log.heads[a.id].seq + 1;
  await a.stopServer();

  await a.write("config", "set", "x", "1");
  await a.write("config", "set", "x", "2"); // the peer gets two entries past the backup
  await a.serve();
  await b.syncAll();
  await a.stopServer();
  const lost = await hashAt(b, a.id, seq);

  await restore(a, backup);
  await a.write("config", "set", "x", "3"); // seq again, one behind the peer's head of A
  const mine = await hashAt(a, a.id, seq);
  await a.serve();
  const r = await b.syncNow();
  noCrash(r.result.stderr);
  await a.stopServer();
  noCrash(a.servers.at(-1)!.stderr);

  const [sa, sb] = await Promise.all([a.status(), b.status()]);
  const fa = sa.forks.find((f) => f.author === a.id);
  const fb = sb.forks.find((f) => f.author === a.id);
  assert.ok(fa && fb, `fork not reported: ${JSON.stringify([sa.forks, sb.forks])}`);
  assert.equal(fb.seq, seq);
  assert.deepEqual([fb.kept, fb.other], [lost, mine]);
  // Both branches kept somewhere on each side.
  const onA = (await a.forkedEntries()).map((e) => toHex(e.hash));
  const onB = (await b.forkedEntries()).map((e) => toHex(e.hash));
  assert.ok(onA.includes(lost), `restored device does not keep the peer's branch: ${onA}`);
  const cfgA = await a.tmp.json<Record<string, number>>(["config", "list", "--json"]);
  const cfgB = await b.tmp.json<Record<string, number>>(["config", "list", "--json"]);
  assert.equal(cfgA.x, 3);
  assert.equal(cfgB.x, 2);
  // The peer saw the fork from the heads only; it must also keep the
  // restored branch's entry (otherwise that branch lives on one device only).
  assert.ok(
    onB.includes(mine),
    `peer reports the fork but does not keep the restored branch: [${onB}]`,
  );
});
