/**
 * @module confirm_test
 * Pairing asks both people whether their screens show the same
 * verification string ("[y/N]"), on a terminal only. Real `mycel pair`
 * processes, the one being asked on a pseudo-terminal (`script` from
 * util-linux; the answer is typed into it):
 * - the joiner answers no: neither side pairs, the joiner has no home, the
 *   inviter hears it was declined on the other device;
 * - the inviter answers no: the joiner is told the other device did not
 *   confirm, and nobody is admitted;
 * - `--yes` on a terminal pairs without asking.
 * (Without a terminal the pairing goes on: every other pairing test.)
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { childEnv, describe, MAIN_TS, type TempHome, tempHome } from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";
import { type Proc, spawnProcess, which } from "../helpers/process.ts";
import { CODE_RE, device, exists, startInviter, verificationOf } from "./_helpers.ts";

const SCRIPT = which("script");
if (SCRIPT === undefined) {
  console.log("confirm tests skipped: `script` (util-linux) is not installed");
}

const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/** `mycel ARGS...` for `home` on a pseudo-terminal, `typed` written to it. */
function onTerminal(home: TempHome, args: string[], typed: string): Proc {
  const command = [Deno.execPath(), ...denoRunArgs(MAIN_TS), ...args].map(quote).join(" ");
  return spawnProcess(SCRIPT!, ["-q", "-e", "-c", command, "/dev/null"], {
    env: childEnv({ home: home.home, env: { MYCEL_NO_PUSH: "1" } }),
    clearEnv: true,
    stdin: typed,
    timeoutMs: 60_000,
  });
}

Deno.test({
  name: "pairing: the joiner answers no at the verification prompt: nobody pairs, no home",
  ignore: SCRIPT === undefined,
  async fn() {
    await using a = await device("alpha");
    await a.init();
    await using j = await tempHome("mycel-pair-no-");
    const inv = await startInviter(a.t);
    try {
      const r = await onTerminal(j, ["pair", inv.code, "--name", "joiner"], "n\n").result();
      assert.equal(r.code, 1, describe(["pair", "CODE"], r));
      const v = verificationOf(r.stdout);
      assert.ok(v, r.stdout);
      assert.match(r.stdout, new RegExp(`Does the other screen show ${v} too\\? \\[y/N\\]`));
      assert.match(r.stdout, /you did not confirm the verification string/);
      assert.equal(await exists(j.home), false, "a declined pairing leaves no home");
      const i = await inv.proc.result();
      assert.equal(i.code, 1, describe(["pair"], i));
      assert.equal(verificationOf(i.stderr), v, "both screens showed the same string");
      assert.match(i.stderr, /pairing declined on the other device/);
      assert.deepEqual((await a.meshList()).map((m) => m.name), ["alpha"]);
    } finally {
      await inv.proc.stop();
    }
  },
});

Deno.test({
  name: "pairing: the inviter answers no: the joiner hears the other device did not confirm",
  ignore: SCRIPT === undefined,
  async fn() {
    await using a = await device("alpha");
    await a.init();
    await using j = await tempHome("mycel-pair-other-no-");
    const port = freePort();
    const inviter = onTerminal(
      a.t,
      ["pair", "--listen", `127.0.0.1:${port}`, "--ttl", "1m"],
      "n\n",
    );
    try {
      const code = (await inviter.waitFor(CODE_RE, { timeoutMs: 20_000 }))[1];
      const args = ["pair", code, "--name", "joiner"];
      const r = await j.run(args);
      assert.equal(r.code, 1, describe(args, r));
      assert.match(r.stderr, /the other device did not confirm/);
      assert.equal(await exists(j.home), false);
      const i = await inviter.result();
      assert.equal(i.code, 1, i.stdout);
      assert.match(i.stdout, /\[y\/N\]/);
      assert.match(i.stdout, /pairing declined here/);
      assert.deepEqual((await a.meshList()).map((m) => m.name), ["alpha"]);
    } finally {
      await inviter.stop();
    }
  },
});

Deno.test({
  name: "pairing: --yes on a terminal pairs without asking",
  ignore: SCRIPT === undefined,
  async fn() {
    await using a = await device("alpha");
    await a.init();
    await using j = await tempHome("mycel-pair-yes-");
    const inv = await startInviter(a.t);
    try {
      const r = await onTerminal(j, ["pair", inv.code, "--name", "joiner", "--yes"], "").result();
      assert.equal(r.code, 0, describe(["pair", "CODE", "--yes"], r));
      assert.doesNotMatch(r.stdout, /\[y\/N\]/);
      assert.match(r.stdout, /paired with alpha/);
      assert.equal((await inv.proc.result()).code, 0);
      assert.deepEqual((await a.meshList()).map((m) => m.name).sort(), ["alpha", "joiner"]);
    } finally {
      await inv.proc.stop();
    }
  },
});
