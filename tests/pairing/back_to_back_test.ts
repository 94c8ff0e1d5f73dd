/**
 * Two pairings back to back on one pairing port (a walkthrough pairing
 * three devices did this): the second `mycel pair` failed with
 * `address_in_use`, and a retry a second later worked. Not TIME_WAIT (the
 * listener binds with SO_REUSEADDR, and the closed connections' TIME_WAIT
 * is on the joiner's side): the first inviter still held its listener for
 * 240–350 ms after the joiner had exited, telling late joiners "code
 * already used" for USED_LINGER_MS, and closed it only on its way out. Now
 * it stops accepting as soon as the code is spent (the joiner admitted),
 * before the joiner is even sent the mesh's state; connections already
 * waiting are still told.
 */

import assert from "node:assert/strict";
import { freePort } from "../helpers/net.ts";
import { CODE_RE, describe, device } from "./_helpers.ts";

Deno.test(
  "the pairing port is free once the joiner is done: a second pairing right after " +
    "the first binds it",
  async () => {
    await using a = await device("a");
    await using b = await device("b");
    await using c = await device("c");
    await a.init();
    const port = freePort();
    const invite = () =>
      a.t.spawn(["pair", "--listen", `127.0.0.1:${port}`, "--ttl", "1m"], { timeoutMs: 120_000 });
    /** Join with `j` through `inviter`; then, at once, check the port is free. */
    const join = async (inviter: ReturnType<typeof invite>, j: typeof b) => {
      const code = (await inviter.waitFor(CODE_RE, { stream: "stdout", timeoutMs: 20_000 }))[1];
      const joined = await j.t.run(["pair", "--name", j.name, "-"], { stdin: `${code}\n` });
      assert.equal(joined.code, 0, describe(["pair", "-"], joined));
      let probe: Deno.TcpListener | undefined;
      try {
        probe = Deno.listen({ hostname: "127.0.0.1", port });
      } catch (e) {
        assert.fail(
          `the pairing port is still held after the joiner exited: ${e}\n${inviter.stderr}`,
        );
      } finally {
        probe?.close();
      }
    };
    await using first = invite();
    await join(first, b);
    // The next pairing at once, as a script (or a quick hand) would start it.
    await using second = invite();
    await join(second, c);
    for (const [inviter, j] of [[first, b], [second, c]] as const) {
      const done = await inviter.result();
      assert.equal(done.code, 0, done.stderr);
      assert.match(done.stdout, new RegExp(`paired with ${j.name} `));
    }
    const names = (await a.meshList()).map((r) => r.name).sort();
    assert.deepEqual(names, ["a", "b", "c"]);
  },
);
