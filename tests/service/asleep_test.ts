/**
 * @module asleep_test
 * A laptop whose peers are partly asleep must not make its timer's service
 * fail every 30 s: the command in the installed unit, run exactly as systemd
 * would run it (ExecStart read back with systemd's rules), exits 3 when one
 * peer synced and one was unreachable, and 3 is among the unit's success
 * codes. A refusing peer is a real failure (exit 1, not in the list).
 */

import assert from "node:assert/strict";
import { childEnv, type TempHome, tempHome } from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";
import { runProcess } from "../helpers/process.ts";
import { parseExecStart, peer, unitValue } from "./_helpers.ts";

/** Run the unit's ExecStart as systemd would (its own argv, a plain environment). */
async function runUnit(h: TempHome, dir: string) {
  const unit = await Deno.readTextFile(`${dir}/mycel-sync.service`);
  const [cmd, ...args] = parseExecStart(unitValue(unit, "Service", "ExecStart"));
  const r = await runProcess(cmd, args, { env: childEnv(), clearEnv: true, timeoutMs: 60_000 });
  const success = [0, ...unitValue(unit, "Service", "SuccessExitStatus").split(/\s+/).map(Number)];
  return { ...r, success, home: h.home };
}

Deno.test("a round with one peer asleep exits 3, which the timer's service counts as success", async () => {
  await using laptop = await tempHome("mycel-asleep-laptop-");
  await using desk = await tempHome("mycel-asleep-desk-");
  await using phone = await tempHome("mycel-asleep-phone-");
  const deskPort = freePort();
  await laptop.ok(["--no-sync", "init", "--name", "laptop"]);
  await desk.ok(["--no-sync", "init", "--name", "desk", "--listen", `127.0.0.1:${deskPort}`]);
  await phone.ok(["--no-sync", "init", "--name", "phone", "--listen", `127.0.0.1:${freePort()}`]);
  await peer(laptop, desk);
  await peer(laptop, phone);
  const dir = laptop.path("units");
  await laptop.ok([
    "--no-sync",
    "service",
    "install",
    "--dir",
    dir,
    "--no-enable",
    "--port",
    "40160",
  ]);

  await using server = desk.spawn(["sync", "serve", "--listen", `127.0.0.1:${deskPort}`]);
  await server.waitFor(/listening on/);
  const r = await runUnit(laptop, dir);
  assert.equal(r.code, 3, `desk synced, phone asleep:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^desk \(\S+\): synced: /m);
  assert.match(r.stdout, /^phone \(\S+\): unreachable: /m);
  assert.ok(r.success.includes(r.code), `SuccessExitStatus covers ${r.code}: ${r.success}`);

  // Everyone asleep: still 3, still success.
  await server.stop("SIGTERM");
  const none = await runUnit(laptop, dir);
  assert.equal(none.code, 3, none.stdout);
  assert.ok(none.success.includes(none.code));
  assert.ok(!none.success.includes(1), "a real failure (1) stays a failure");
});
