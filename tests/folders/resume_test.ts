/**
 * Transfers resume: across rounds (a per-round budget), after kill -9 of the
 * fetching process, and after kill -9 of the serving process. At every
 * moment the target path holds the old file or the new one, never a torn
 * one; a resumed transfer fetches only what it still lacked — the chunks its
 * `transfers` row did not mark done when the round ended or was killed.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { homePaths } from "../../src/storage/home.ts";
import { sleep } from "../helpers/process.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { type Device, devices, put, rounds, sharedFolder, syncNow, syncOk } from "./_helpers.ts";
import { recordedDone } from "./_fetch_hold.ts";

const MiB = 1 << 20;

/** Rows of the `transfers` table of `d`'s home (files being fetched). */
function transferRows(d: Device): number {
  const db = new DatabaseSync(homePaths(d.home).db, { readOnly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM transfers").get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

/**
 * Wait until `d` has recorded a transfer in progress, holding the fetching
 * process `pid` to a quarter of the CPU meanwhile (SIGSTOP/SIGCONT), so the
 * transfer is still under way when the row appears however fast the machine
 * is (a progress row is written only after 16 MiB and 1 s of wall time).
 */
async function untilTransferRecorded(d: Device, pid: number): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  try {
    while (Date.now() < deadline) {
      if (transferRows(d) > 0) return true;
      Deno.kill(pid, "SIGSTOP");
      await sleep(30);
      Deno.kill(pid, "SIGCONT");
      await sleep(10);
    }
    return false;
  } catch {
    return transferRows(d) > 0; // the process ended (finished or failed)
  }
}

/** Bytes a `sync now` reported fetched. */
function fetched(stdout: string): number {
  const m = /([\d.]+) (B|KiB|MiB|GiB) fetched/.exec(stdout);
  if (m === null) return 0;
  const unit = { B: 1, KiB: 1024, MiB: MiB, GiB: 1024 * MiB }[m[2] as "B"];
  return Number(m[1]) * unit;
}

async function sameBytes(path: string, want: Uint8Array): Promise<boolean> {
  const got = await Deno.readFile(path).catch(() => undefined);
  return got !== undefined && got.length === want.length && got.every((x, i) => x === want[i]);
}

Deno.test("a transfer cut by the per-round budget resumes where it stopped", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const data = pseudoRandomBytes(40 * MiB, 7);
  await put(ra, "big.bin", data);
  await syncOk(a);
  let total = 0;
  for (let round = 0; round < 6; round++) {
    const r = await b.run(["sync", "now", "--timeout", "10"], {
      env: { MYCEL_FILE_BUDGET: String(12 * MiB) },
    });
    total += fetched(r.stdout);
    if (r.code === 0) break;
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /still to come/);
    assert.equal(await Deno.lstat(join(rb, "big.bin")).catch(() => null), null, "no torn file");
  }
  assert.ok(await sameBytes(join(rb, "big.bin"), data));
  assert.ok(total < 44 * MiB, `fetched ${total} bytes for a 40 MiB file`);
});

Deno.test("kill -9 of the fetching process mid-transfer: old or new file, then the rest", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const old = pseudoRandomBytes(8 * MiB, 1), fresh = pseudoRandomBytes(96 * MiB, 2);
  await put(ra, "disk.img", old);
  await rounds([a, b], 1);
  assert.ok(await sameBytes(join(rb, "disk.img"), old));
  await put(ra, "disk.img", fresh);
  await syncOk(a);

  const p = b.tmp.spawn(["sync", "now", "--timeout", "10"], { timeoutMs: 120_000 });
  const midway = await untilTransferRecorded(b, p.pid);
  await p.stop("SIGKILL");
  assert.ok(midway, "the transfer was under way when it was killed");
  const whole = await sameBytes(join(rb, "disk.img"), old) ||
    await sameBytes(join(rb, "disk.img"), fresh);
  assert.ok(whole, "the file is the old one or the new one, never torn");
  // What the killed process recorded as written (a row comes after 16 MiB at least).
  const done = recordedDone(b, a, "disk.img");
  assert.ok(done >= 16 * MiB && done < fresh.length, `recorded ${done} bytes done`);

  const r = await syncNow(b);
  assert.ok(await sameBytes(join(rb, "disk.img"), fresh), r.stdout + r.stderr);
  // The rest, and only the rest: nothing of the old file or a local copy
  // matches it, and only chunk bytes are counted. The allowance is the
  // output's rounding (whole MiB from 10 MiB up: half a MiB either way).
  const rest = fresh.length - done, got = fetched(r.stdout);
  const shown = `resumed with ${done} of ${fresh.length} bytes done, fetching ${got}: ${r.stdout}`;
  assert.ok(got <= rest + MiB / 2, shown);
  assert.ok(got >= rest - MiB / 2, `the measure holds: ${shown}`);
});

Deno.test("kill -9 of the serving process mid-transfer: the file waits whole, then completes", async () => {
  await using devs = await devices(["a", "b"]);
  const [a, b] = devs.list;
  const [ra, rb] = await sharedFolder(devs);
  const fresh = pseudoRandomBytes(96 * MiB, 3);
  await put(ra, "video.mkv", fresh);
  await syncOk(a);

  const p = b.tmp.spawn(["sync", "now", "--timeout", "5"], { timeoutMs: 120_000 });
  assert.ok(await untilTransferRecorded(b, p.pid), "the transfer was under way");
  await a.killServer();
  const r = await p.result();
  assert.equal(await Deno.lstat(join(rb, "video.mkv")).catch(() => null), null, "nothing torn");
  assert.equal(r.code, 3, r.stdout + r.stderr);
  const done = recordedDone(b, a, "video.mkv");
  assert.ok(done >= 16 * MiB && done < fresh.length, `recorded ${done} bytes done`);

  await a.serve();
  const again = await syncNow(b);
  assert.ok(await sameBytes(join(rb, "video.mkv"), fresh), again.stdout + again.stderr);
  // The rest only, give or take the output's rounding (as above).
  const rest = fresh.length - done, got = fetched(again.stdout);
  const shown =
    `resumed with ${done} of ${fresh.length} bytes done, fetching ${got}: ${again.stdout}`;
  assert.ok(got <= rest + MiB / 2 && got >= rest - MiB / 2, shown);
});
