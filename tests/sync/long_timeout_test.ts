/**
 * @module long_timeout_test
 * `--timeout` takes up to 86400 seconds, and a session may last 60 times the
 * read deadline by default. Past about 24.8 days a timer can't wait (2^31 - 1
 * ms): Deno fires such a timer after 1 ms, so a long `--timeout` failed every
 * session at once ("the session took longer than 5184000s"). The whole-session
 * deadline is now at most a day (MYCEL_SESSION_DEADLINE's own limit), on both
 * sides of a session.
 */

import assert from "node:assert/strict";
import { devices } from "./_helpers.ts";

Deno.test("sync now and sync serve with --timeout 86400 (the flag's most) still sync", async () => {
  await using devs = await devices(["asker", "server"]);
  const [asker, server] = devs.list;
  await devs.peer(asker, server);
  await asker.write("pref", "set", "theme", "dark");
  await server.serve(86400);
  const round = await asker.syncNow([], 86400);
  assert.equal(round.result.code, 0, round.result.stdout + round.result.stderr);
  assert.equal(round.of(server).status, "synced", round.of(server).error ?? "");
  assert.deepEqual(await server.digest(), await asker.digest());
});
