/**
 * @module mesh_remove_test
 * `mesh remove` cannot be undone and names are chosen by each device, so:
 * a name two devices share is refused with both candidates listed (name,
 * short id, last seen) and nothing removed; an id prefix picks exactly one;
 * a text that is one device's name and another's id prefix is ambiguous too;
 * without a terminal it needs --yes; on a terminal it shows the device and
 * asks, and only "y"/"yes" removes; --dry-run changes nothing. Real homes,
 * made through the CLI; the terminal runs are in-process with a scripted
 * terminal (a child process cannot easily be given one).
 */

import assert from "node:assert/strict";
import { shortDeviceId } from "../../src/log/device_id.ts";
import { describe, type StatusJson, type TempHome, tempHome } from "../helpers/mycel.ts";
import { runMain } from "./_in_process.ts";
import { devices } from "../sync/_helpers.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { exchange } from "../storage/helpers.ts";

interface Row {
  id: string;
  name: string;
  revoked: unknown;
  self?: boolean;
}

const OFFLINE = { MYCEL_OFFLINE: "1" };

/** The line after "removed NAME (ID)": what of it stays, and how to replace it. */
const kept = (cut: number) =>
  `keeps its changes up to #${cut} (all this device holds of it); any later ones are set ` +
  "aside on the devices that get them. To replace " +
  "it, pair the new device: `mycel mesh add-device`\n";

/** A home with peers "laptop" (twice: an honest one and one that took its name) and "desk". */
async function meshWithTwins(h: TempHome, others: TempHome[]): Promise<Row[]> {
  await h.ok(["init", "--name", "owner"], { env: OFFLINE });
  for (const [i, name] of ["laptop", "laptop", "desk"].entries()) {
    await others[i].ok(["init", "--name", name], { env: OFFLINE });
    const card = (await others[i].ok(["mesh", "card"])).stdout;
    await h.ok(["mesh", "add-peer", "-"], { env: OFFLINE, stdin: card });
  }
  return await h.json<Row[]>(["mesh", "list", "--json"]);
}

async function revoked(h: TempHome): Promise<string[]> {
  const rows = await h.json<Row[]>(["mesh", "list", "--json"]);
  return rows.filter((r) => r.revoked !== null).map((r) => r.name).sort();
}

Deno.test("mesh remove: a shared name is refused with the candidates; an id prefix removes one", async () => {
  await using h = await tempHome("mycel-remove-");
  await using a = await tempHome("mycel-remove-a-");
  await using b = await tempHome("mycel-remove-b-");
  await using c = await tempHome("mycel-remove-c-");
  const rows = await meshWithTwins(h, [a, b, c]);
  const twins = rows.filter((r) => r.name === "laptop");
  assert.equal(twins.length, 2);

  const args = ["mesh", "remove", "laptop", "--yes"];
  const r = await h.run(args, { env: OFFLINE });
  assert.equal(r.code, 2, describe(args, r));
  assert.match(r.stderr, /^error: Cannot remove device: more than one device matches \(laptop\)/);
  for (const t of twins) {
    assert.match(
      r.stderr,
      new RegExp(`^ {2}laptop {2}${shortDeviceId(t.id)} {2}last seen never$`, "m"),
    );
  }
  assert.deepEqual(await revoked(h), [], "nothing removed");

  // By id prefix: exactly that one goes.
  const target = twins[1];
  const byId = ["mesh", "remove", target.id.slice(0, 9), "--yes"];
  const ok = await h.run(byId, { env: OFFLINE });
  assert.equal(ok.code, 0, describe(byId, ok));
  assert.equal(ok.stdout, `removed laptop (${target.id})\n${kept(0)}`);
  const after = await h.json<Row[]>(["mesh", "list", "--json"]);
  assert.deepEqual(
    after.filter((x) => x.revoked !== null).map((x) => x.id),
    [target.id],
  );
  // Removing it again says so, and changes nothing.
  const again = await h.run(byId, { env: OFFLINE });
  assert.equal(again.stdout, `already removed laptop (${target.id})\n`);

  // Now the name means the one still in the mesh (it stayed ambiguous).
  const byName = await h.run(args, { env: OFFLINE });
  assert.equal(byName.code, 0, describe(args, byName));
  assert.equal(byName.stdout, `removed laptop (${twins[0].id})\n${kept(0)}`);
  // Too short to be an id prefix: said so.
  const short = await h.run(["mesh", "remove", "K4", "--yes"], { env: OFFLINE });
  assert.equal(short.code, 2, describe(["mesh", "remove", "K4"], short));
  assert.match(short.stderr, /hint: An id prefix needs at least 3 characters/);
});

Deno.test("mesh remove: when a member took this device's name, the candidates say which one is this device", async () => {
  await using h = await tempHome("mycel-remove-");
  await using thief = await tempHome("mycel-remove-thief-");
  await h.ok(["init", "--name", "laptop"], { env: OFFLINE });
  await thief.ok(["init", "--name", "laptop"], { env: OFFLINE });
  await h.ok(["mesh", "add-peer", "-"], {
    env: OFFLINE,
    stdin: (await thief.ok(["mesh", "card"])).stdout,
  });
  const rows = await h.json<Row[]>(["mesh", "list", "--json"]);
  const [me, other] = [rows.find((r) => r.self)!, rows.find((r) => !r.self)!];
  const args = ["mesh", "remove", "laptop", "--yes"];
  const r = await h.run(args, { env: OFFLINE });
  assert.equal(r.code, 2, describe(args, r));
  assert.match(r.stderr, new RegExp(`^ {2}laptop {2}${shortDeviceId(me.id)} {2}this device$`, "m"));
  assert.match(
    r.stderr,
    new RegExp(`^ {2}laptop {2}${shortDeviceId(other.id)} {2}last seen never$`, "m"),
  );
  assert.deepEqual(await revoked(h), []);
});

Deno.test("mesh remove: a name that is also another device's id prefix is ambiguous", async () => {
  await using h = await tempHome("mycel-remove-");
  await using a = await tempHome("mycel-remove-a-");
  await using b = await tempHome("mycel-remove-b-");
  await h.ok(["init", "--name", "owner"], { env: OFFLINE });
  await a.ok(["init", "--name", "honest"], { env: OFFLINE });
  const honest = (await a.json<StatusJson>(["status", "--json"])).device.id;
  // The other device names itself after the honest device's short id.
  await b.ok(["init", "--name", shortDeviceId(honest)], { env: OFFLINE });
  for (const t of [a, b]) {
    await h.ok(["mesh", "add-peer", "-"], {
      env: OFFLINE,
      stdin: (await t.ok(["mesh", "card"])).stdout,
    });
  }
  const args = ["mesh", "remove", shortDeviceId(honest), "--yes"];
  const r = await h.run(args, { env: OFFLINE });
  assert.equal(r.code, 2, describe(args, r));
  assert.match(r.stderr, /more than one device matches/);
  assert.match(r.stderr, /^ {2}honest {2}/m);
  assert.deepEqual(await revoked(h), []);
});

Deno.test("mesh remove without a terminal needs --yes; --dry-run changes nothing", async () => {
  await using h = await tempHome("mycel-remove-");
  await using a = await tempHome("mycel-remove-a-");
  await using b = await tempHome("mycel-remove-b-");
  await using c = await tempHome("mycel-remove-c-");
  await meshWithTwins(h, [a, b, c]);
  const before = await h.json<StatusJson>(["status", "--json"]);

  const args = ["mesh", "remove", "desk"];
  const r = await h.run(args, { env: OFFLINE });
  assert.equal(r.code, 2, describe(args, r));
  assert.match(r.stderr, /^error: Cannot remove device: removal needs confirmation \(desk\)/);
  assert.match(r.stderr, /run again with --yes/);
  assert.equal(r.stdout, "");

  const dry = await h.run(["mesh", "remove", "desk", "--dry-run", "--json"], { env: OFFLINE });
  assert.equal(dry.code, 0, describe(["mesh", "remove", "desk", "--dry-run"], dry));
  assert.equal(JSON.parse(dry.stdout).status, "would_remove");

  const after = await h.json<StatusJson>(["status", "--json"]);
  assert.deepEqual(after.log, before.log, "nothing was written");
  assert.deepEqual(await revoked(h), []);

  // Self is never removed, asked or not; the message names it (as typed it
  // may be a prefix) and says where to run it instead.
  const self = await h.run(["mesh", "remove", "owner", "--yes"], { env: OFFLINE });
  assert.equal(self.code, 2);
  const me = await h.json<StatusJson>(["status", "--json"]);
  assert.match(
    self.stderr,
    new RegExp(
      `^error: Cannot remove device: it is this device \\(owner, ${me.device.id.slice(0, 7)}\\)\n` +
        "hint: Run `mycel mesh remove` on another device of the mesh\\.",
    ),
  );
});

Deno.test("mesh remove on a terminal shows the device and asks; only yes removes", async () => {
  await using h = await tempHome("mycel-remove-");
  await using a = await tempHome("mycel-remove-a-");
  await using b = await tempHome("mycel-remove-b-");
  await using c = await tempHome("mycel-remove-c-");
  const rows = await meshWithTwins(h, [a, b, c]);
  const desk = rows.find((r) => r.name === "desk")!;
  const env = { MYCEL_HOME: h.home, ...OFFLINE };

  for (const answer of ["", "n", "no", "maybe"]) {
    const r = await runMain(["mesh", "remove", "desk"], { env, answers: [answer] });
    assert.equal(r.code, 1, `answer ${JSON.stringify(answer)}: ${r.stderr}`);
    assert.match(r.stderr, /Cannot remove device: not confirmed \(desk\)/);
    assert.equal(r.questions.length, 1);
    assert.match(
      r.questions[0],
      new RegExp(`About to remove desk for good:\\n {2}id {9}${desk.id}\\n`),
    );
    assert.match(r.questions[0], /last seen {2}never\n.*\[y\/N\] $/s);
  }
  assert.deepEqual(await revoked(h), []);

  const yes = await runMain(["mesh", "remove", "desk"], { env, answers: ["y"] });
  assert.equal(yes.code, 0, yes.stderr);
  assert.equal(yes.stdout, `removed desk (${desk.id})\n${kept(0)}`);
  assert.deepEqual(await revoked(h), ["desk"]);

  // --yes does not ask even on a terminal.
  const laptop = rows.find((r) => r.name === "laptop")!;
  const noAsk = await runMain(["mesh", "remove", laptop.id, "--yes"], { env, answers: [] });
  assert.equal(noAsk.code, 0, noAsk.stderr);
  assert.deepEqual(noAsk.questions, []);
});

Deno.test("mesh list after a removal says which device was removed: its short id beside a shared name, and on the removed device 'this device'", async () => {
  await using devs = await devices(["desk", "laptop", "laptop"]);
  const [desk, kept, gone] = devs.list;
  await devs.peer(desk, kept);
  await devs.peer(desk, gone);
  await desk.write("mesh", "remove", gone.id, "--yes");

  const onDesk = (await desk.ok(["mesh", "list"])).stdout;
  assert.match(
    onDesk,
    new RegExp(`^ {2}laptop \\(${gone.id.slice(0, 7)}\\) was removed by desk at `, "m"),
  );

  // The removed device holds the removal entry itself (as when a peer that had not heard
  // of it yet passed it on: desk's refusal alone would not bring it), then tells itself
  // apart from the other laptop.
  const from = await Home.open(desk.home);
  const to = await Home.open(gone.home, { write: true });
  try {
    await exchange(from, to);
  } finally {
    from.close();
    to.close();
  }
  const onGone = (await gone.ok(["mesh", "list"])).stdout;
  assert.match(
    onGone,
    new RegExp(`^laptop +${gone.id.slice(0, 7)} +\\S+ +removed \\(this device\\) `, "m"),
  );
  assert.match(onGone, /^ {2}this device \(laptop\) was removed by desk at /m);
  assert.match(onGone, new RegExp(`^laptop +${kept.id.slice(0, 7)} +\\S+ +member `, "m"));
});
