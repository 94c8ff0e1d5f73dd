/**
 * @module mesh_rename_test
 * `mesh rename NAME` renames the device it runs on, and the new name reaches
 * the other devices at the next sync (a device record changes only by its
 * own signed entries, so this is the one way to a new name besides pairing
 * with --name). Renaming to the current name writes nothing; a bad name, a
 * missing home and a device removed from its mesh are refused and change
 * nothing. Real homes and a real `sync serve` on 127.0.0.1.
 */

import assert from "node:assert/strict";
import { describe, tempHome } from "../helpers/mycel.ts";
import { devices } from "../sync/_helpers.ts";

interface Row {
  id: string;
  name: string;
}

Deno.test("mesh rename gives this device a new name, and the other devices learn it at the next sync", async () => {
  await using devs = await devices(["desk", "laptop"]);
  const [desk, laptop] = devs.list;
  await devs.peer(desk, laptop);
  await desk.serve();

  const args = ["--no-sync", "mesh", "rename", "work-laptop"];
  const r = await laptop.run(args);
  assert.equal(r.code, 0, describe(args, r));
  assert.equal(r.stdout, `renamed laptop to work-laptop (${laptop.id})\n`);
  assert.equal((await laptop.status()).device.name, "work-laptop");

  await laptop.syncAll();
  const rows = await desk.tmp.json<Row[]>(["mesh", "list", "--json"]);
  assert.equal(rows.find((x) => x.id === laptop.id)?.name, "work-laptop");
  await devs.assertConverged();

  // The same name again: said, and nothing is written.
  const heads = (await laptop.status()).log.heads;
  const again = await laptop.ok(["--no-sync", "mesh", "rename", "work-laptop", "--json"]);
  assert.deepEqual(JSON.parse(again.stdout), {
    id: laptop.id,
    name: "work-laptop",
    previous: "work-laptop",
  });
  assert.deepEqual((await laptop.status()).log.heads, heads);
});

Deno.test("mesh rename refuses a bad name, a missing home and a removed device, and changes nothing", async () => {
  await using devs = await devices(["desk", "laptop"]);
  const [desk, laptop] = devs.list;
  await devs.peer(desk, laptop);

  const bad = ["--no-sync", "mesh", "rename", " padded"];
  const r = await laptop.run(bad);
  assert.equal(r.code, 2, describe(bad, r));
  assert.match(r.stderr, /^error: Cannot use device name: it starts or ends with a space/);
  assert.equal((await laptop.status()).device.name, "laptop");

  await using none = await tempHome("mycel-rename-none-");
  const missing = await none.run(["mesh", "rename", "x"]);
  assert.equal(missing.code, 1, describe(["mesh", "rename", "x"], missing));
  assert.match(missing.stderr, /Cannot open mycel home: it has not been set up/);
  assert.equal(await Deno.stat(none.home).then(() => true, () => false), false, "no home made");

  // Removed by desk; laptop learns it from desk's entries (a card exchange carries none, so sync).
  await desk.write("mesh", "remove", laptop.id, "--yes");
  await desk.serve();
  await laptop.syncNow();
  const heads = (await laptop.status()).log.heads;
  const removed = ["--no-sync", "mesh", "rename", "again"];
  const refused = await laptop.run(removed);
  assert.equal(refused.code, 1, describe(removed, refused));
  assert.match(
    refused.stderr,
    /^error: Cannot rename this device: this device was removed from the mesh by desk/,
  );
  assert.deepEqual((await laptop.status()).log.heads, heads);
});
