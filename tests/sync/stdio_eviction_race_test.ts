/**
 * @module stdio_eviction_race_test
 * A `sync serve --stdio` process chosen for eviction while its member was
 * not authenticated yet, whose member proved itself before the signal was
 * handled: the decision (under the registry's lock) and the member's `hi`
 * race, and the evicted process only learns of it at its next turn of the
 * event loop. Its session must go on (once authenticated a connection is
 * never evicted, as at the listener) and no failure is booked for the
 * member. Before, the SIGTERM meant for an idle connection ended the
 * member's live session mid-exchange: the rogue was hung up on and the
 * served home noted "failed" against the member.
 *
 * The race is set up, not waited for: the rogue (a member, real keys)
 * holds its `hi` until the test, holding the registry's lock, lets it go;
 * the served process reads it and blocks on the lock (it records its
 * standing); the test then does what a newer process deciding would
 * (StdioRegistry's `terminate`: the entry dropped, the process signalled)
 * and lets the lock go.
 */

import assert from "node:assert/strict";
import { DeviceKey } from "../../src/log/device_key.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { StdioRegistry } from "../../src/transport/stdio_registry.ts";
import { spawnProcess } from "../helpers/process.ts";
import { devices } from "./_helpers.ts";
import { ROGUE, type RogueReport } from "./_rogue.ts";
import {
  activatedDone,
  activateServe,
  activatorAvailable,
  registryOf,
} from "./_socket_activate.ts";

/** Whether a thread of `pid` waits on a file lock (flock) now. */
function waitsOnLock(pid: number): boolean {
  try {
    for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
      const wchan = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/wchan`);
      if (/lock/.test(wchan)) return true;
    }
  } catch {
    // gone
  }
  return false;
}

Deno.test({
  name:
    "sync serve --stdio: a member that authenticates while its eviction is decided keeps its session, and no failure is booked",
  ignore: !(await activatorAvailable()),
  async fn() {
    await using devs = await devices(["socketd", "holder"]);
    const [target, holder] = devs.list;
    await devs.peer(target, holder);
    const activator = await activateServe(target);
    const go = `${holder.tmp.dir}/go`;
    const rogue = spawnProcess(Deno.execPath(), [
      "run",
      "-A",
      ROGUE,
      ...["--home", holder.home, "--mode", "genuine", "--connect", target.endpoint],
      ...["--peer", target.id, "--hold-hi", go],
    ], { env: { NO_COLOR: "1" }, timeoutMs: 60_000 });
    try {
      await rogue.waitFor(/holding/, { stream: "stderr", timeoutMs: 20_000 });
      const dir = registryOf(activator);
      assert.ok(dir !== undefined, "the served process registered");
      const runtime = dir.replace(/\/mycel\/[^/]+$/, "");
      // The registry is named under the home's Noise private key.
      const secret = await (async () => {
        using home = await Home.open(target.home);
        return (await home.noiseKeys()).noisePrivate;
      })();
      using registry = StdioRegistry.open(
        target.home,
        (k) => k === "XDG_RUNTIME_DIR" ? runtime : undefined,
        secret,
      );
      assert.equal(registry.dir, dir, "the served process's own registry");
      const hex = DeviceKey.fromId(holder.id).hex;
      let blocked = false;
      registry.locked((view) => {
        const served = view.live.find((e) => e.device === hex);
        assert.ok(served !== undefined, JSON.stringify(view.live));
        assert.equal(served.standing, "promoted");
        Deno.writeTextFileSync(go, ""); // the rogue sends its hi
        const end = Date.now() + 10_000;
        while (!(blocked = waitsOnLock(served.pid)) && Date.now() < end) {
          // spin: the lock must stay held until it waits on it
        }
        assert.ok(view.terminate(served), "the served process was signalled");
      });
      assert.ok(blocked, "the served process read the hi and waited on the lock");

      const out = await rogue.result();
      await activatedDone(activator);
      const book = (await target.status()).peers.find((p) => p.name === "holder");
      assert.equal(book?.last_error, null, "a failure was booked for the member");
      assert.match(activator.stderr, /^synced with holder/m, activator.stderr);
      assert.equal(out.code, 0, `the rogue failed: ${out.stderr}`);
      const report = JSON.parse(out.stdout) as RogueReport;
      assert.equal(report.reply, "ok");
      assert.equal(report.error, undefined, `the session was cut: ${report.error}`);
    } finally {
      await rogue.stop("SIGKILL").catch(() => {});
      await activator.stop("SIGTERM");
    }
  },
});
