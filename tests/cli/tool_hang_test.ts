/**
 * @module tool_hang_test
 * A system tool that never answers (a `wg` whose wireguard-go's control
 * socket is stuck, an `ip` waiting on the kernel, a `crontab` on a locked
 * spool) no longer hangs the command that ran it: real `mycel status`,
 * `doctor`, `mesh down` and `service` processes, with a stand-in tool first
 * on PATH that starts a `sleep` and waits for it, end with the named
 * `tool_timeout` error within the deadline (shortened by
 * MYCEL_TEST_TOOL_DEADLINE_MS), and Ctrl-C ends them at once with exit 130;
 * either way the tool and the `sleep` it started (its process group) are
 * gone, checked by PID. Before, each command hung until killed, and Ctrl-C
 * left the tool running (main.ts's fallback exit after 3 s, no message).
 */

import assert from "node:assert/strict";
import { Home } from "../../src/storage/home_handle.ts";
import { procAlive } from "../../src/mesh/processes.ts";
import { describe, type MycelProcess, type TempHome, tempHome } from "../helpers/mycel.ts";
import { pidFromFile } from "../helpers/process.ts";

const OFFLINE = { MYCEL_OFFLINE: "1" };
const ROOT = Deno.uid() === 0;

/** `name` first on PATH: starts `sleep` (its child), writes both PIDs, waits for ever. */
async function hangingTool(h: TempHome, name: string): Promise<Record<string, string>> {
  await Deno.mkdir(h.path("bin"), { recursive: true });
  await Deno.writeTextFile(
    h.path(`bin/${name}`),
    `#!/bin/sh\nsleep 600 &\necho $! > '${h.path(`${name}.child`)}'\n` +
      `echo $$ > '${h.path(`${name}.pid`)}'\nwait\n`,
    { mode: 0o755 },
  );
  return { ...OFFLINE, PATH: `${h.path("bin")}:${Deno.env.get("PATH")}` };
}

/** The stand-in's PID and its `sleep`'s, once `p` ran it. */
async function toolPids(h: TempHome, name: string, p: MycelProcess): Promise<number[]> {
  const pid = await pidFromFile(h.path(`${name}.pid`), p, `${name} never ran`);
  const child = Number(await Deno.readTextFile(h.path(`${name}.child`)));
  return [pid, child];
}

/** Wait (up to 2 s) until none of `pids` is alive; the ones still alive. */
async function stillAlive(pids: number[]): Promise<number[]> {
  for (let i = 0; i < 80; i++) {
    const alive = [];
    for (const pid of pids) if (await procAlive(pid)) alive.push(pid);
    if (alive.length === 0 || i === 79) return alive;
    await new Promise((r) => setTimeout(r, 25));
  }
  return [];
}

async function forget(h: TempHome, name: string, pids: number[]): Promise<void> {
  for (const pid of pids) {
    if (await procAlive(pid)) Deno.kill(pid, "SIGKILL");
  }
  await Deno.remove(h.path(`${name}.pid`)).catch(() => {});
  await Deno.remove(h.path(`${name}.child`)).catch(() => {});
}

/** A home that records a mesh interface (as `mesh up` leaves it), so status asks `wg`. */
async function homeWithMesh(prefix: string): Promise<TempHome> {
  const h = await tempHome(prefix);
  await h.ok(["init", "--name", "desk", "--keys", "file"], { env: OFFLINE });
  using home = await Home.open(h.home, { write: true });
  await home.write((w) =>
    w.setLocal("mesh", { interface: "mycel0", port: 51871, backend: "kernel" })
  );
  return h;
}

interface Case {
  args: string[];
  tool: string;
  /** What the tool was asked, as the error names it. */
  asked: string;
  /** Where the error is said: the command's error line, or a doctor finding. */
  finding?: boolean;
  /** Said as a line of its output, the rest still shown (exit 0): status's view of `wg`. */
  shown?: boolean;
}

const CASES: Case[] = [
  { args: ["status"], tool: "wg", asked: "wg show mycel0 dump", shown: true },
  { args: ["doctor"], tool: "wg", asked: "wg --version", finding: true },
  { args: ["service", "status"], tool: "crontab", asked: "crontab -l" },
  { args: ["service", "install", "--cron", "--apply"], tool: "crontab", asked: "crontab -l" },
  ...(ROOT ? [{ args: ["mesh", "down"], tool: "ip", asked: "ip link show dev mycel0" }] : []),
];

Deno.test("a tool that never answers ends doctor, service and mesh down with a named error within its deadline (status says it and shows the rest), the tool and what it started killed", async () => {
  if (!ROOT) console.log("mesh down skipped: needs root");
  await using h = await homeWithMesh("mycel-tool-hang-");
  for (const c of CASES) {
    const env = { ...await hangingTool(h, c.tool), MYCEL_TEST_TOOL_DEADLINE_MS: "500" };
    let pids: number[] = [];
    try {
      await using p = h.spawn(c.args, { env, timeoutMs: 15_000 });
      pids = await toolPids(h, c.tool, p);
      const r = await p.result();
      const said = c.finding || c.shown ? r.stdout : r.stderr;
      const line = c.shown
        ? `on mycel0 (unknown: ${c.asked}: it did not answer within 0.5s;`
        : `Cannot run ${c.tool}: it did not answer within 0.5s (${c.asked})`;
      assert.ok(!r.timedOut, `${describe(c.args, r)}: still running after 15 s`);
      assert.equal(r.code, c.shown ? 0 : 1, describe(c.args, r));
      assert.ok(said.includes(line), `${describe(c.args, r)}\nexpected: ${line}`);
      if (c.shown) assert.match(r.stdout, /^state /m, "the rest of status is shown");
      else if (!c.finding) assert.match(r.stderr, /^hint: /m, "a hint line says what to do");
      assert.ok(r.ms < 10_000, `${c.args.join(" ")} took ${Math.round(r.ms)} ms`);
      assert.deepEqual(await stillAlive(pids), [], `${c.tool} and its sleep are killed`);
    } finally {
      await forget(h, c.tool, pids);
    }
  }
});

Deno.test("Ctrl-C while a tool hangs (status, doctor, service, mesh down) exits 130 at once with the interruption named, the tool and what it started killed", async () => {
  await using h = await homeWithMesh("mycel-tool-ctrlc-");
  for (const c of CASES) {
    const env = await hangingTool(h, c.tool); // the default deadline: 10 s or more
    let pids: number[] = [];
    try {
      await using p = h.spawn(c.args, { env, timeoutMs: 15_000 });
      pids = await toolPids(h, c.tool, p);
      const t0 = performance.now();
      p.kill("SIGINT");
      const r = await p.result();
      const took = performance.now() - t0;
      assert.equal(r.code, 130, describe(c.args, r));
      assert.match(r.stderr, new RegExp(`^error: Cannot run ${c.tool}: it was interrupted$`, "m"));
      assert.ok(took < 2000, `${c.args.join(" ")} ended ${Math.round(took)} ms after Ctrl-C`);
      assert.deepEqual(await stillAlive(pids), [], `${c.tool} and its sleep are killed`);
    } finally {
      await forget(h, c.tool, pids);
    }
  }
});
