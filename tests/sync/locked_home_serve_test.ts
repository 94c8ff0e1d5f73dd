/**
 * @module locked_home_serve_test
 * A `sync serve --listen` whose session waits for the home's write lock
 * (another process holds it: a command's change, a timer's round) goes on
 * answering its other connections meanwhile. `node:sqlite` is synchronous:
 * `BEGIN IMMEDIATE` under SQLite's busy timeout slept inside the JS thread,
 * so one session that had a peer's entries to store froze the accept loop,
 * every handshake and every other session until the lock came free (up to
 * the 60 s busy timeout; the other peers' rounds timed out). Real processes:
 * the holder is a separate process that releases only when told, so the
 * order (the second peer's round ended while the lock was still held) is
 * known without timing the sessions. c's round reads a's entry from the
 * home meanwhile (reads never wait for a writer in WAL mode) and has no
 * entry to store there (a's record of the session waits its turn).
 */

import assert from "node:assert/strict";
import { homePaths } from "../../src/storage/home.ts";
import { spawnProcess } from "../helpers/process.ts";
import { writeLockHeld } from "../helpers/db_lock.ts";
import { devices, sleep } from "./_helpers.ts";

/** A process holding the write lock of the database at `path` until a line on its stdin. */
async function holdWriteLock(path: string) {
  const code = `
    import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync(${JSON.stringify(path)}, { timeout: 0 });
    db.exec("BEGIN IMMEDIATE");
    console.log("held");
    for await (const _ of Deno.stdin.readable) break;
    db.exec("ROLLBACK");
    db.close();
    console.log("released");
  `;
  const p = spawnProcess(Deno.execPath(), ["eval", "--ext=ts", code], {
    stdin: "piped",
    timeoutMs: 120_000,
    name: "lock holder",
  });
  await p.waitFor(/held/, { stream: "stdout" });
  const writer = p.child.stdin.getWriter();
  return {
    proc: p,
    async release(): Promise<void> {
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
      await p.waitFor(/released/, { stream: "stdout" });
      await p.result();
    },
  };
}

Deno.test(
  "a sync serve waiting for the home's write lock answers another peer's round meanwhile, " +
    "then stores the first peer's entries once the lock is free",
  async () => {
    await using devs = await devices(["a", "b", "c"]);
    const [a, b, c] = devs.list;
    await devs.peer(a, b);
    await devs.peer(a, c);
    await a.serve(30);
    // Everyone up to date: c's round below has nothing to store at a.
    for (const d of [b, c, b]) assert.equal((await d.syncNow()).of(a).status, "synced");
    await b.write("pref", "set", "editor", "helix"); // b has an entry a must store
    await a.write("pref", "set", "theme", "dark"); // a has one to send (read from its home)

    const db = homePaths(a.home).db;
    const holder = await holdWriteLock(db);
    await using _holder = holder.proc;
    // b's round: a takes b's entry and then waits for the lock to store it.
    const bRound = b.syncNow([], 60);
    let bEnded = false;
    bRound.then(() => bEnded = true, () => bEnded = true);
    // By then b's session has reached its commit and waits (the order that
    // matters is only that c's round below ends before the lock is freed:
    // had b's session not reached its wait yet, the test would prove less,
    // never fail wrongly).
    await sleep(3000);
    const cRound = await c.syncNow(); // the usual 10 s deadline
    const stillHeld = writeLockHeld(db);
    const bWaiting = !bEnded;
    await holder.release();
    const bDone = await bRound;
    assert.ok(stillHeld, "the holder kept the lock until told");
    assert.equal(cRound.of(a).status, "synced", JSON.stringify(cRound.of(a)));
    assert.equal(cRound.of(a).received, 1, "c got a's entry, read while the lock was held");
    assert.ok(bWaiting, "b's round was still waiting for a to store its entry");
    assert.equal(bDone.of(a).status, "synced", JSON.stringify(bDone.of(a)));
    assert.equal(
      (await a.tmp.json<Record<string, string>>(["pref", "list", "--json"])).editor,
      "helix",
    );
    // a's own record of both sessions (written after each, in turn) is there too.
    await a.server!.waitFor(/synced with c \(/, { stream: "stderr" });
    await a.server!.waitFor(/synced with b \(.*received 1/, { stream: "stderr" });
    await devs.stopServers();
    await devs.assertConverged([a, b]);
    assert.equal(
      (await c.tmp.json<Record<string, string>>(["pref", "list", "--json"])).theme,
      "dark",
    );
  },
);

Deno.test(
  "a member's sessions that ended free their places at once, though their records " +
    "wait for the home's write lock: its next rounds are not refused as busy",
  async () => {
    await using devs = await devices(["a", "c"]);
    const [a, c] = devs.list;
    await devs.peer(a, c);
    await a.serve(30);
    assert.equal((await c.syncNow()).of(a).status, "synced");
    const db = homePaths(a.home).db;
    const holder = await holdWriteLock(db);
    await using _holder = holder.proc;
    // A serves at most two sessions of one device at once (MAX_PER_DEVICE):
    // each of these rounds' records waits for the lock, their connections
    // are closed. Before, the third was refused "serves 2 sessions of yours".
    const rounds = [];
    for (let i = 0; i < 3; i++) rounds.push((await c.syncNow()).of(a));
    const stillHeld = writeLockHeld(db);
    const released = Date.now();
    await holder.release();
    assert.ok(stillHeld, "the holder kept the lock until told");
    for (const r of rounds) assert.equal(r.status, "synced", JSON.stringify(r));
    // Its four records (one before the lock) are written once the lock is
    // free, each saying when its session was, not when it was written.
    await a.server!.waitFor(/(synced with c \([\s\S]*?){4}/, { stream: "stderr" });
    await devs.stopServers();
    const book = (await a.status()).peers.find((p) => p.id === c.id)!;
    assert.ok(book.last_sync !== null, JSON.stringify(book));
    assert.ok(Date.parse(book.last_sync) <= released, `${book.last_sync} vs ${released}`);
  },
);

Deno.test(
  "a member's sessions that broke while the home's write lock was held keep their places until the entries they left in memory are stored: its rounds past its share are refused busy",
  async () => {
    await using devs = await devices(["a", "c"]);
    const [a, c] = devs.list;
    await devs.peer(a, c);
    await a.serve(30);
    assert.equal((await c.syncNow()).of(a).status, "synced");
    for (let i = 0; i < 6; i++) await c.write("pref", "set", `k${i}`, "v");
    const db = homePaths(a.home).db;
    const holder = await holdWriteLock(db);
    await using _holder = holder.proc;
    // Each of c's rounds sends three entries and stops short
    // (MYCEL_TEST_SEND_STALL), then its process is killed: a holds the three
    // in memory (less than a batch, so not yet taken in) until its next write,
    // which waits for the lock. Before, each such session gave its places
    // back at once: a member coming back so could leave entries held in a's
    // memory 64 times over (MAX_RECORDS_WAITING), up to 16 MiB each.
    const env = { ...c.tmp.defaults.env, MYCEL_TEST_SEND_STALL: "3" };
    const round = () => c.tmp.spawn(["sync", "now", "--json", "--timeout", "10"], { env });
    for (let i = 0; i < 2; i++) {
      await using broken = round();
      await sleep(2500); // its three entries reach a meanwhile
      broken.kill("SIGKILL");
      await broken.result();
    }
    await sleep(500);
    await using third = round();
    const refused = await Promise.race([third.result(), sleep(8000).then(() => undefined)]);
    const stillHeld = writeLockHeld(db);
    await holder.release();
    assert.ok(stillHeld, "the holder kept the lock until told");
    assert.ok(
      refused !== undefined,
      "c's third round was let in while two of its sessions' entries were held",
    );
    const line = (JSON.parse(refused.stdout) as { name: string; code?: string }[])
      .find((o) => o.name === "a");
    assert.equal(line?.code, "busy", refused.stdout);
    // Once the lock is free, what the broken sessions left is stored, and c's next round is served.
    await a.server!.waitFor(/(failed c \([\s\S]*?){2}/, { stream: "stderr" });
    assert.equal((await c.syncNow()).of(a).status, "synced");
  },
);
