/**
 * @module mesh_retire_test
 * `mesh retire` confirms like `mesh remove`: without a terminal it needs
 * --yes, --dry-run changes nothing (and says what it would keep), on a
 * terminal it shows the device and what stays, and only "y"/"yes" retires;
 * this device is never retired. A retirement is one entry: the removal,
 * cut at everything of the device any device is known to hold, and the
 * marker that says it was retired; retiring twice changes nothing. A name
 * no device has is a usage error naming `mesh list`, as for `mesh remove`
 * and `log --device`. Real homes made through the CLI; the terminal runs
 * are in-process with a scripted terminal.
 */

import assert from "node:assert/strict";
import { describe, type LogEntryJson, type TempHome, tempHome } from "../helpers/mycel.ts";
import { runMain } from "./_in_process.ts";

const OFFLINE = { MYCEL_OFFLINE: "1" };

interface Row {
  id: string;
  name: string;
  revoked: { cut: number; retired: boolean } | null;
}

async function withDesk(h: TempHome, desk: TempHome): Promise<Row> {
  await h.ok(["init", "--name", "owner"], { env: OFFLINE });
  await desk.ok(["init", "--name", "desk"], { env: OFFLINE });
  const card = (await desk.ok(["mesh", "card"])).stdout;
  await h.ok(["mesh", "add-peer", "-"], { env: OFFLINE, stdin: card });
  return (await h.json<Row[]>(["mesh", "list", "--json"])).find((r) => r.name === "desk")!;
}

Deno.test("mesh retire without a terminal needs --yes; --dry-run says what it would keep and changes nothing", async () => {
  await using h = await tempHome("mycel-retire-");
  await using desk = await tempHome("mycel-retire-desk-");
  const row = await withDesk(h, desk);
  const entries = (await h.json<LogEntryJson[]>(["log", "--json"])).length;

  const r = await h.run(["mesh", "retire", "desk"], { env: OFFLINE });
  assert.equal(r.code, 2, describe(["mesh", "retire", "desk"], r));
  assert.match(r.stderr, /^error: Cannot retire device: retirement needs confirmation \(desk\)/);
  assert.match(r.stderr, /run again with --yes \(--dry-run shows it without retiring it\)/);

  const dry = await h.json<{ status: string; keeps_up_to: number; id: string }>(
    ["mesh", "retire", "desk", "--dry-run", "--json"],
    { env: OFFLINE },
  );
  assert.deepEqual(dry, { id: row.id, name: "desk", status: "would_retire", keeps_up_to: 0 });
  assert.equal((await h.json<LogEntryJson[]>(["log", "--json"])).length, entries);

  const self = await h.run(["mesh", "retire", "owner", "--yes"], { env: OFFLINE });
  assert.equal(self.code, 2);
  assert.match(self.stderr, /it is this device/);
});

Deno.test("mesh retire on a terminal shows what stays and asks; yes commits the removal and the retired marker in one entry", async () => {
  await using h = await tempHome("mycel-retire-");
  await using desk = await tempHome("mycel-retire-desk-");
  const row = await withDesk(h, desk);
  const env = { MYCEL_HOME: h.home, ...OFFLINE };

  const no = await runMain(["mesh", "retire", "desk"], { env, answers: ["n"] });
  assert.equal(no.code, 1, no.stderr);
  assert.match(no.stderr, /Cannot retire device: not confirmed \(desk\)/);
  assert.equal(
    no.questions[0],
    `About to retire desk for good:\n  id         ${row.id}\n  last seen  never\n` +
      "  keeps      its changes up to #0\n" +
      "It can come back only by pairing again. Retire it? [y/N] ",
  );

  const yes = await runMain(["mesh", "retire", "desk"], { env, answers: ["yes"] });
  assert.equal(yes.code, 0, yes.stderr);
  assert.equal(
    yes.stdout,
    `retired desk (${row.id})\nkeeps its changes up to #0 (all any device is known to hold); ` +
      "any later ones are set aside on the devices that get them. To replace it, pair the new device: " +
      "`mycel mesh add-device`\n",
  );
  const after = (await h.json<Row[]>(["mesh", "list", "--json"])).find((r) => r.name === "desk")!;
  assert.deepEqual([after.revoked?.cut, after.revoked?.retired], [0, true]);
  assert.match(
    (await h.ok(["mesh", "list"])).stdout,
    /^ {2}desk was retired by owner at .*; its entries after #0 are not accepted$/m,
  );
  const log = await h.json<LogEntryJson[]>(["log", "--json"]);
  const last = log.reduce((a, b) => (b.seq > a.seq ? b : a));
  // With a fresh discovery secret (the retired machine never learns it), never shown.
  assert.deepEqual(last.ops.slice(0, 2), [
    { type: "device.revoke", device: row.id, up_to: 0 },
    { type: "device.retire", device: row.id },
  ]);
  assert.equal(last.ops.length, 3);
  assert.deepEqual(
    [last.ops[2].type, last.ops[2].key, last.ops[2].value, last.ops[2].secret],
    ["config.set", "mycel.discovery-key", null, true],
  );
  assert.match(
    (await h.ok(["log", "--limit", "1"])).stdout,
    /device revoke desk \(\w+\) keeping its entries up to #0; device retire desk \(\w+\): gone for good; config mycel\.discovery-key replaced \(secret, not shown\)$/m,
  );

  const again = await h.json<{ status: string }>(["mesh", "retire", "desk", "--yes", "--json"], {
    env: OFFLINE,
  });
  assert.equal(again.status, "already_removed");
  assert.equal((await h.json<LogEntryJson[]>(["log", "--json"])).length, log.length);
});

Deno.test("an unknown device is the same usage error for mesh retire, mesh remove and log --device", async () => {
  await using h = await tempHome("mycel-retire-");
  await using desk = await tempHome("mycel-retire-desk-");
  await withDesk(h, desk);
  for (
    const [cmd, action] of [
      [["mesh", "retire", "nosuch", "--yes"], "retire device"],
      [["mesh", "remove", "nosuch", "--yes"], "remove device"],
      [["log", "--device", "nosuch"], "filter log"],
    ] as const
  ) {
    const r = await h.run([...cmd], { env: OFFLINE });
    assert.equal(r.code, 2, describe(cmd, r));
    assert.equal(
      r.stderr,
      `error: Cannot ${action}: no device has this name or id (nosuch)\n` +
        "hint: `mycel mesh list` shows the devices.\n",
    );
    const j = await h.run([...cmd, "--json"], { env: OFFLINE });
    assert.equal(j.code, 2);
    assert.equal(JSON.parse(j.stderr).error.code, "no_such_device");
  }
});
