/**
 * @module socket_activation_test
 * `mycel sync serve --stdio` under real socket activation:
 * `systemd-socket-activate --accept --inetd -l 127.0.0.1:PORT deno run -A
 * main.ts --home H sync serve --stdio` (the accepted socket is stdin and
 * stdout of a fresh mycel per connection, as with systemd `Accept=yes` or
 * inetd), driven by real `sync now` runs from another home. Both directions
 * carry changes, digests end equal, each activated mycel logs its session to
 * stderr. The activator (tests/sync/_socket_activate.ts) is killed by its
 * PID at the end.
 */

import assert from "node:assert/strict";
import { devices } from "./_helpers.ts";
import { activateServe, activatorAvailable } from "./_socket_activate.ts";

Deno.test({
  name: "sync serve --stdio under systemd-socket-activate syncs with a real sync now",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "laptop"]);
    const [server, laptop] = devs.list;
    await devs.peer(server, laptop);
    await server.write("pref", "set", "from", "server");
    await server.write("pattern", "add", '{"id":"s","text":"served"}');
    await laptop.write("config", "set", "editor.tab_size", "8");
    await laptop.write("app", "add", "tmux");

    const activator = await activateServe(server);
    try {
      const first = await laptop.syncAll();
      assert.equal(first.of(server).status, "synced");
      assert.equal(first.of(server).sent, 4, JSON.stringify(first.outcomes)); // 2 + genesis + add-peer
      assert.ok(first.of(server).received >= 3);
      await devs.assertConverged();

      // A second connection gets a fresh activated mycel.
      await server.write("pref", "set", "round", "two");
      await laptop.write("pref", "set", "laptop", "two");
      const second = await laptop.syncAll();
      assert.deepEqual([second.of(server).sent, second.of(server).received], [1, 1]);
      await devs.assertConverged();
      const prefs = await laptop.tmp.json<Record<string, string>>(["pref", "list", "--json"]);
      assert.deepEqual(prefs, { from: "server", laptop: "two", round: "two" });

      // Each activated mycel logged its session.
      await activator.waitFor(/synced with laptop[\s\S]*synced with laptop/, {
        stream: "stderr",
        timeoutMs: 5_000,
      });
      const log = activator.stderr;
      assert.match(log, /synced with laptop \([A-Z0-9]{7}\): sent 4, received \d+/);
      assert.match(log, /synced with laptop \([A-Z0-9]{7}\): sent 1, received 1/);
    } finally {
      await activator.stop("SIGTERM");
    }
  },
});
