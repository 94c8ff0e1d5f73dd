/**
 * @module served_home_test
 * The listener's home followed across a replacement (served_home.ts), with
 * real homes in-process: opening the new home never holds up whoever checks
 * (the accept loop); connections that start meanwhile are served from the
 * new home once it is open; the replaced handle closes when its last
 * connection ends; a new home that can't be opened leaves the old one served.
 */

import assert from "node:assert/strict";
import { Home } from "../../src/storage/home_handle.ts";
import { ServedHome } from "../../src/sync/served_home.ts";
import { makeHome, type TestHome } from "../storage/helpers.ts";

/** Put `next`'s home in `home`'s place (the old one moved aside). */
async function replace(home: TestHome, next: TestHome): Promise<void> {
  await Deno.rename(home.root, `${home.root}.old`);
  await Deno.rename(next.root, home.root);
}

function isOpen(h: Home): boolean {
  try {
    h.log.heads();
    return true;
  } catch {
    return false;
  }
}

Deno.test("a replaced home: checking returns at once, the next connection gets the new home, the old handle closes after its last connection", async () => {
  await using a = await makeHome(0, "a");
  await using b = await makeHome(1, "b");
  const logs: string[] = [];
  let gate!: () => void;
  const opened = new Promise<void>((r) => gate = r);
  const first = await a.writer();
  const served = new ServedHome(a.root, first, async () => {
    await opened; // a busy home: opening waits
    const h = await Home.open(a.root, { write: true, now: () => b.now, env: () => undefined });
    h.useKeys(b.keys);
    return h;
  }, (l) => logs.push(l));
  try {
    // A connection on the old home, still running when the home is replaced.
    let endOld!: () => void;
    const oldRunning = served.use((h) =>
      new Promise<string>((r) => endOld = () => r(h.device.hex))
    );
    await new Promise((r) => setTimeout(r, 0));
    await replace(a, b);
    served.check(); // returns although the open is held
    const next = served.use((h) => Promise.resolve(h.device.hex));
    let nextDone = false;
    next.then(() => nextDone = true);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(nextDone, false, "the new connection waits for the new home");
    gate();
    assert.equal(await next, b.device.hex);
    assert.match(logs.join("\n"), /the home was replaced \(paired again\?\): serving it as /);
    assert.ok(isOpen(first), "the old handle stays open while a connection uses it");
    endOld();
    assert.equal(await oldRunning, a.device.hex);
    assert.equal(isOpen(first), false, "closed after its last connection");
  } finally {
    await served.close();
    await Deno.rename(a.root, b.root).catch(() => {});
    await Deno.rename(`${a.root}.old`, a.root).catch(() => {});
  }
});

Deno.test("a replacement that can't be opened is logged and the old home keeps being served", async () => {
  await using a = await makeHome(0, "a");
  const logs: string[] = [];
  const first = await a.writer();
  let tries = 0;
  const served = new ServedHome(a.root, first, () => {
    tries++;
    return Promise.reject(new Error("not a mycel home"));
  }, (l) => logs.push(l));
  try {
    // Another database file in its place (same path, new inode).
    const db = `${a.root}/mycel.db`;
    await Deno.copyFile(db, `${db}.copy`);
    await Deno.rename(`${db}.copy`, db);
    served.check();
    assert.equal(await served.use((h) => Promise.resolve(h.device.hex)), a.device.hex);
    assert.match(
      logs.join("\n"),
      /error: the home was replaced and can't be opened: not a mycel home/,
    );
    assert.ok(isOpen(first));
    served.check(); // tried again on the next connection
    await served.use(() => Promise.resolve());
    assert.equal(tries, 2);
  } finally {
    await served.close();
  }
  assert.equal(isOpen(first), false, "closed when serving ends");
});
