/**
 * @module keys_without_db_test
 * A home whose database is gone or empty but whose keys are still there
 * (deleted by hand, a backup that kept only the keys) is never set up again
 * over them: before, `init` — and any write, which sets up a new mesh by
 * itself — replaced keys.cbor, the only copy of the device's identity, and
 * `status` told the user to run `mycel init`. Real processes.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { tempHome } from "../helpers/mycel.ts";

for (const how of ["deleted", "emptied"] as const) {
  Deno.test(`a home with its keys and its database ${how}: reads, writes and init are refused by name; the keys stay`, async () => {
    await using h = await tempHome();
    await h.ok(["init", "--name", "laptop"]);
    const keys = join(h.home, "keys.cbor");
    const before = await Deno.readFile(keys);
    for (const f of ["mycel.db", "mycel.db-wal", "mycel.db-shm"]) {
      await Deno.remove(join(h.home, f)).catch(() => {});
    }
    if (how === "emptied") await Deno.writeFile(join(h.home, "mycel.db"), new Uint8Array());
    for (const args of [["status"], ["pref", "set", "a", "1"], ["init", "--name", "again"]]) {
      const r = await h.run(args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /it holds this device's keys \(keys\.cbor\) but its database mycel\.db is missing or empty/,
        args.join(" "),
      );
      assert.match(r.stderr, /hint: Put mycel\.db back from a backup/);
      assert.doesNotMatch(r.stderr, /Run `mycel init`/);
    }
    assert.deepEqual(await Deno.readFile(keys), before, "the keys are untouched");
    // Moving the keys aside, as the hint says, starts the home over.
    await Deno.rename(keys, h.path("keys.aside"));
    await h.ok(["init", "--name", "again"]);
  });
}

Deno.test("an init cut short after saving its keys (init.pending left) is not set up, and init again works", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  assert.equal(await Deno.lstat(join(h.home, "init.pending")).catch(() => null), null, "removed");
  // What a kill between saving the keys and committing leaves.
  for (const f of ["mycel.db", "mycel.db-wal", "mycel.db-shm"]) {
    await Deno.remove(join(h.home, f)).catch(() => {});
  }
  await Deno.writeFile(join(h.home, "mycel.db"), new Uint8Array());
  await Deno.writeFile(join(h.home, "init.pending"), new Uint8Array());
  const st = await h.run(["status"]);
  assert.equal(st.code, 1);
  assert.match(st.stderr, /it has not been set up/);
  await h.ok(["init", "--name", "again"]);
  assert.equal(await Deno.lstat(join(h.home, "init.pending")).catch(() => null), null);
  assert.match((await h.ok(["status"])).stdout, /device {2}again/);
});
