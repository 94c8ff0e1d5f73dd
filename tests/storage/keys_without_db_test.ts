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
import { encodePairingCode, PAIRING_SECRET_BYTES } from "../../src/protocol/pairing_code.ts";
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

Deno.test("joining a mesh into a home with keys but no database is refused before connecting to the inviter", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  for (const f of ["mycel.db", "mycel.db-wal", "mycel.db-shm"]) {
    await Deno.remove(join(h.home, f)).catch(() => {});
  }
  // An inviter stand-in that counts connections: before, the join connected, the
  // inviter admitted a fresh key, and only creating the home then failed.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let connections = 0;
  const accepting = (async () => {
    for await (const conn of listener) {
      connections++;
      conn.close();
    }
  })();
  try {
    const { port } = listener.addr as Deno.NetAddr;
    const secret = new Uint8Array(PAIRING_SECRET_BYTES).fill(7);
    const code = encodePairingCode({ host: "127.0.0.1", port, secret });
    const r = await h.run(["pair", code]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Cannot join the mesh: it holds this device's keys \(keys\.cbor\)/);
    assert.equal(connections, 0, "nothing reached the inviter");
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
});

Deno.test("a set-up marker left after its commit goes at the next write, so losing the database later is still named", async () => {
  await using h = await tempHome();
  await h.ok(["init", "--name", "laptop"]);
  // What a kill between the commit and removing the marker leaves.
  await Deno.writeFile(join(h.home, "init.pending"), new Uint8Array());
  await h.ok(["pref", "set", "theme", "dark"]);
  assert.equal(await Deno.lstat(join(h.home, "init.pending")).catch(() => null), null, "removed");
  for (const f of ["mycel.db", "mycel.db-wal", "mycel.db-shm"]) {
    await Deno.remove(join(h.home, f)).catch(() => {});
  }
  const r = await h.run(["init", "--name", "again"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /it holds this device's keys \(keys\.cbor\) but its database/);
});
