/**
 * `mesh up` whose `wg` never answers (a wireguard-go whose control socket is
 * stuck: a stand-in `wg` first on PATH that starts a `sleep` and waits) ends
 * with the named `tool_timeout` error within the deadline (shortened by
 * MYCEL_TEST_TOOL_DEADLINE_MS) and, all or nothing as ever, leaves no
 * interface and no wireguard-go; Ctrl-C while it hangs exits 130 at once
 * and leaves nothing either. The `wg` and its `sleep` are killed, by PID.
 * Before, `mesh up` hung for good, and Ctrl-C left wg, wireguard-go and the
 * interface behind.
 */

import assert from "node:assert/strict";
import { describe } from "../helpers/mycel.ts";
import { pidFromFile } from "../helpers/process.ts";
import { alive, eventually, labTest, type Node } from "./_netns.ts";

/** A hanging `wg` for `a`; the PATH that finds it first. */
async function hangingWg(a: Node): Promise<string> {
  await Deno.mkdir(`${a.dir}/bin`, { recursive: true });
  await Deno.writeTextFile(
    `${a.dir}/bin/wg`,
    `#!/bin/sh\nsleep 600 &\necho $! > '${a.dir}/wg.child'\necho $$ > '${a.dir}/wg.pid'\nwait\n`,
    { mode: 0o755 },
  );
  return `${a.dir}/bin:${Deno.env.get("PATH")}`;
}

async function wgPids(a: Node, p: { exited: boolean; stderr: string }): Promise<number[]> {
  const pid = await pidFromFile(`${a.dir}/wg.pid`, p, "wg never ran");
  return [pid, Number(await Deno.readTextFile(`${a.dir}/wg.child`))];
}

async function noneAlive(pids: number[]): Promise<boolean> {
  return await eventually(async () => !(await Promise.all(pids.map(alive))).some(Boolean), 2000);
}

async function forget(a: Node, pids: number[]): Promise<void> {
  for (const pid of pids) if (await alive(pid)) Deno.kill(pid, "SIGKILL");
  await Deno.remove(`${a.dir}/wg.pid`).catch(() => {});
}

labTest(
  "mesh: a mesh up whose wg hangs ends by name at the deadline, and on Ctrl-C with 130, leaving no interface, wireguard-go or wg behind",
  {
    nodes: ["a"],
  },
  async (lab) => {
    const [a] = lab.nodes;
    await a.init();
    const PATH = await hangingWg(a);
    const args = ["--no-sync", "mesh", "up", "--interface", a.ifname];

    let pids: number[] = [];
    try {
      const p = a.spawn(args, {
        env: a.env({ PATH, MYCEL_TEST_TOOL_DEADLINE_MS: "1000" }),
        timeoutMs: 20_000,
      });
      pids = await wgPids(a, p);
      const r = await p.result();
      assert.ok(!r.timedOut, `${describe(args, r)}: still running after 20 s`);
      assert.equal(r.code, 1, describe(args, r));
      assert.match(
        r.stderr,
        new RegExp(
          `^error: Cannot run wg: it did not answer within 1s \\(wg syncconf ${a.ifname} /dev/stdin\\)$`,
          "m",
        ),
      );
      assert.match(r.stderr, /^hint: A wireguard-go that stopped answering/m);
      assert.ok(await noneAlive(pids), "wg and its sleep are killed");
      assert.ok(!(await a.linkExists()), "the interface was left behind");
      assert.deepEqual(await a.wireguardGoPids(), [], "wireguard-go was left behind");
    } finally {
      await forget(a, pids);
    }

    pids = [];
    try {
      const p = a.spawn(args, { env: a.env({ PATH }), timeoutMs: 20_000 });
      pids = await wgPids(a, p);
      const t0 = performance.now();
      p.kill("SIGINT");
      const r = await p.result();
      const took = performance.now() - t0;
      assert.equal(r.code, 130, describe(args, r));
      assert.match(r.stderr, /^error: Cannot run wg: it was interrupted$/m, describe(args, r));
      assert.ok(took < 3000, `mesh up ended ${Math.round(took)} ms after Ctrl-C`);
      assert.ok(await noneAlive(pids), "wg and its sleep are killed");
      assert.ok(await eventually(async () => !(await a.linkExists()), 2000), "interface left");
      assert.deepEqual(await a.wireguardGoPids(), [], "wireguard-go was left behind");
    } finally {
      await forget(a, pids);
    }
  },
);
