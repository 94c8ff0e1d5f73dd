/**
 * @module build_smoke
 * What a built mycel (the bundle, a compiled binary) must do end to end,
 * with real processes on 127.0.0.1: print its version, and let two devices
 * made with it pair by cards and sync, ending with the same state digest.
 * `cmd` is the argv that starts the build (`[binary]`, or
 * `[deno, "run", "-A", V8_FLAGS_ARG, "dist/bundle/main.js"]`).
 */

import assert from "node:assert/strict";
import { childEnv } from "./mycel.ts";
import { freePort } from "./net.ts";
import { type Proc, type ProcResult, runProcess, spawnProcess } from "./process.ts";

/** Run the build with a mycel child's environment (and `env`); a deadline kills it by PID. */
export function runBuild(
  cmd: readonly string[],
  args: string[],
  env: Record<string, string> = {},
): Promise<ProcResult> {
  return runProcess(cmd[0], [...cmd.slice(1), ...args], {
    env: childEnv({ env }),
    clearEnv: true,
    timeoutMs: 60_000,
  });
}

/** `--version` prints `mycel VERSION`; two devices made with the build sync. */
export async function buildSyncsTwoDevices(cmd: readonly string[], version: string): Promise<void> {
  const v = await runBuild(cmd, ["--version"]);
  assert.equal(v.code, 0, v.stderr);
  assert.equal(v.stdout.trim(), `mycel ${version}`);

  const tmp = await Deno.makeTempDir({ prefix: "mycel-build-" });
  let server: Proc | undefined;
  try {
    const a = `${tmp}/a`, b = `${tmp}/b`;
    const port = freePort();
    const ok = async (args: string[]) => {
      const r = await runBuild(cmd, args);
      assert.equal(r.code, 0, `mycel ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
      return r;
    };
    await ok(["--home", a, "--no-sync", "init", "--name", "alpha"]);
    await ok(["--home", b, "--no-sync", "init", "--name", "beta", "--listen", `127.0.0.1:${port}`]);
    const cardA = (await ok(["--home", a, "--no-sync", "mesh", "card"])).stdout.trim();
    const cardB = (await ok(["--home", b, "--no-sync", "mesh", "card"])).stdout.trim();
    await ok(["--home", a, "--no-sync", "mesh", "add-peer", cardB]);
    await ok(["--home", b, "--no-sync", "mesh", "add-peer", cardA]);
    await ok(["--home", a, "--no-sync", "pref", "set", "from", "alpha"]);
    await ok(["--home", b, "--no-sync", "pref", "set", "to", "beta"]);

    server = spawnProcess(
      cmd[0],
      [...cmd.slice(1), "--home", b, "sync", "serve", "--listen", `127.0.0.1:${port}`],
      { env: childEnv(), clearEnv: true, timeoutMs: 0 },
    );
    await server.waitFor(/listening on/, { stream: "stderr", timeoutMs: 30_000 });
    const round = await ok(["--home", a, "sync", "now", "--json", "--timeout", "20"]);
    const outcomes = JSON.parse(round.stdout) as { name: string; status: string }[];
    assert.deepEqual(outcomes.map((o) => [o.name, o.status]), [["beta", "synced"]]);
    const digest = async (h: string) =>
      JSON.parse((await ok(["--home", h, "--no-sync", "status", "--json"])).stdout).state_digest;
    assert.equal(await digest(a), await digest(b));
    const prefs = JSON.parse(
      (await ok(["--home", a, "--no-sync", "pref", "list", "--json"])).stdout,
    );
    assert.deepEqual(prefs, { from: "alpha", to: "beta" });
    await server.stop("SIGTERM");
    server = undefined;
  } finally {
    await server?.stop("SIGKILL");
    await Deno.remove(tmp, { recursive: true });
  }
}
