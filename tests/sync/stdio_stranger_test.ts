/**
 * @module stdio_stranger_test
 * A stranger dialling a device served the systemd way (a fresh `mycel sync
 * serve --stdio` per connection, under real socket activation) gets the
 * one generic refusal and leaves no trace, as with `sync serve --listen`
 * (trust_test.ts): the database file is not written (size and mtime), the
 * bookkeeping rows are the same, nothing it may not learn crosses the wire.
 * The per-connection process opens the home and reads the Noise pair
 * before the handshake (it has nothing else to answer with); what the issue
 * asks is that a connection that never authenticates writes nothing.
 */

import assert from "node:assert/strict";
import { GENERIC_REFUSAL } from "../../src/protocol/sync_hello.ts";
import { devices, settleHome, tableRows } from "./_helpers.ts";
import { activatedDone, activateServe, activatorAvailable } from "./_socket_activate.ts";
import { contains, fileStamp, secretsOf, strangerDials } from "./_stranger.ts";

Deno.test({
  name: "sync serve --stdio: a stranger gets the generic refusal, and the home is not written",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "laptop"]);
    const [target, friend] = devs.list;
    await devs.peer(target, friend);
    const meshId = (await target.status()).mesh.id;
    const activator = await activateServe(target);
    try {
      // A member's session first: whatever a first served session keeps
      // (the Noise pair's copy, say) is kept before the "before" below.
      assert.equal((await friend.syncAll()).of(target).status, "synced");
      await activatedDone(activator);
      const db = settleHome(target.home);
      const before = {
        db: await fileStamp(db),
        peers: tableRows(target.home, "peers"),
        local: tableRows(target.home, "local"),
        meta: tableRows(target.home, "meta"),
        entries: tableRows(target.home, "entries"),
      };
      const from = activator.stderr.length;

      for (let i = 0; i < 3; i++) {
        const got = await strangerDials(target);
        assert.deepEqual(got.reply, { ok: false, ...GENERIC_REFUSAL });
        assert.equal(got.extra, 0, "nothing follows the refusal");
        for (const [what, bytes] of secretsOf(meshId, [target, friend])) {
          assert.ok(!contains(got.raw, bytes), `${what} crossed the wire`);
          assert.ok(!contains(got.decrypted, bytes), `the stranger was told ${what}`);
        }
      }
      await activator.waitFor(/(?:refused [^\n]*\n[\s\S]*){3}/, {
        stream: "stderr",
        from,
        timeoutMs: 10_000,
      });
      await activatedDone(activator); // each activated process exits after its line

      assert.deepEqual(await fileStamp(db), before.db, "the database file was written");
      const wal = await fileStamp(`${db}-wal`);
      assert.ok(
        wal === undefined || wal.size === 0,
        `the write-ahead log holds ${wal?.size} bytes`,
      );
      assert.equal(tableRows(target.home, "peers"), before.peers);
      assert.equal(tableRows(target.home, "local"), before.local);
      assert.equal(tableRows(target.home, "meta"), before.meta);
      assert.equal(tableRows(target.home, "entries"), before.entries);
    } finally {
      await activator.stop("SIGTERM");
    }
  },
});
