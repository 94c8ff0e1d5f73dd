/**
 * @module log_aside_test
 * A stolen phone, removed on the laptop, sets a preference; the change
 * reaches the laptop through the desktop, which had not heard of the
 * removal, and the laptop sets it aside (past the cut). Before, `mycel log`
 * on the laptop never showed it: the owner could not see what the thief
 * tried. Now the log says, in a last line, that it is kept aside and how to
 * see it; `log --aside` shows it in place, marked, in text and JSON (found
 * walking through a stolen phone, H113). Real processes on 127.0.0.1.
 */

import assert from "node:assert/strict";
import type { LogEntryJson } from "../../src/cli/json_types.ts";
import { devices } from "../sync/_helpers.ts";

Deno.test("mycel log says what a removed phone's change past its cut is, and log --aside shows it in place, marked, never as applied", async () => {
  await using devs = await devices(["laptop", "desktop", "phone"]);
  const [laptop, desktop, phone] = devs.list;
  await devs.peer(laptop, desktop);
  await devs.peer(laptop, phone);
  await devs.peer(desktop, phone);
  await desktop.serve();
  assert.equal((await phone.syncNow()).of(desktop).status, "synced");
  assert.equal((await laptop.syncNow()).of(desktop).status, "synced");
  await laptop.write("mesh", "remove", "phone", "--yes");
  // The thief's change after its removal reaches the desktop, which has not heard of it.
  await phone.write("pref", "set", "theme", "stolen-light\x1b[2J");
  const seq = (await phone.status()).log.heads[phone.id].seq;
  assert.equal((await phone.syncNow()).of(desktop).status, "synced");
  await desktop.stopServer();
  await laptop.serve();
  assert.equal((await desktop.syncNow()).of(laptop).status, "synced");
  await laptop.stopServer();

  const log = (await laptop.ok(["log"])).stdout;
  assert.doesNotMatch(log, /stolen/, log);
  assert.match(
    log,
    new RegExp(
      `^\\(phone: 1 entry set aside, not applied \\(#${seq}; past the cut of its removal\\): ` +
        "`mycel log --aside` shows it\\)$",
      "m",
    ),
    log,
  );
  const aside = (await laptop.ok(["log", "--aside"])).stdout;
  assert.match(
    aside,
    new RegExp(
      `phone#${seq} +pref theme = stolen-light\\\\x1b\\[2J  ` +
        "\\(set aside: past the cut of its removal, not applied\\)$",
      "m",
    ),
    aside,
  );
  assert.ok(!aside.includes("\x1b"), "no raw escape from the entry reaches the terminal");

  const plain = await laptop.tmp.json<LogEntryJson[]>(["log", "--json"]);
  assert.ok(plain.every((e) => !("set_aside" in e)));
  assert.ok(!plain.some((e) => e.device === phone.id && e.seq === seq), "not in the plain log");
  const all = await laptop.tmp.json<LogEntryJson[]>(["log", "--aside", "--json"]);
  const marked = all.filter((e) => e.set_aside !== null);
  assert.deepEqual(
    marked.map((e) => [e.device, e.seq, e.set_aside]),
    [[phone.id, seq, "past_cut"]],
  );
  assert.equal(all.length, plain.length + 1);
  assert.ok(all.every((e) => "set_aside" in e));
});
