/**
 * @module prompt_ctrl_c_test
 * Ctrl-C at a question mycel asks on a real terminal (tmux,
 * tests/cli/_tmux.ts) drops the question at once: the command says it was
 * interrupted and that nothing changed, and exits 130 right away — not
 * silently 3 seconds later, when main.ts's last-resort timer ends a process
 * still blocked reading the terminal. Covered: `mesh remove`'s "Remove it?"
 * (the device stays a member) and `pair`'s code prompt on a device not set up
 * (no home is made). Skipped, with the reason printed, when tmux is not
 * installed.
 */

import assert from "node:assert/strict";
import { denoRunArgs } from "../../src/runtime_flags.ts";
import { MAIN_TS, tempHome } from "../helpers/mycel.ts";
import { Terminal, tmuxSkip } from "./_tmux.ts";

const SKIP = tmuxSkip();
if (SKIP) console.log(`prompt Ctrl-C tests skipped: ${SKIP}`);

/** Below main.ts's 3 s fallback, with room for a loaded machine. */
const PROMPT_EXIT_MS = 2_000;

function terminalEnv(dir: string, home: string): Record<string, string> {
  return {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: dir,
    MYCEL_HOME: home,
    MYCEL_OFFLINE: "1",
    NO_COLOR: "1",
  };
}

/**
 * Ctrl-C, as the terminal delivers it to mycel: SIGINT to its PID (a C-c key
 * would signal the pane's whole process group, and the `sh` that prints
 * EXIT= dies of it at once); the screen once the command ended, and how long
 * that took.
 */
async function interrupt(t: Terminal): Promise<{ screen: string; ms: number }> {
  const pid = await t.commandPid();
  const start = Date.now();
  Deno.kill(pid, "SIGINT");
  const screen = await t.waitFor(/EXIT=\d+/, 10_000);
  return { screen, ms: Date.now() - start };
}

Deno.test({
  name: "mesh remove: Ctrl-C at the question exits 130 at once, says so, and removes nothing",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-prompt-c-");
    await using desk = await tempHome("mycel-prompt-c-desk-");
    await h.ok(["init", "--name", "owner"], { env: { MYCEL_OFFLINE: "1" } });
    await desk.ok(["init", "--name", "desk"], { env: { MYCEL_OFFLINE: "1" } });
    const card = (await desk.ok(["mesh", "card"])).stdout;
    await h.ok(["mesh", "add-peer", "-"], { env: { MYCEL_OFFLINE: "1" }, stdin: card });

    await using t = await Terminal.start(
      [Deno.execPath(), ...denoRunArgs(MAIN_TS), "mesh", "remove", "desk"],
      terminalEnv(h.dir, h.home),
    );
    await t.waitFor(/Remove it\? \[y\/N\]\s*$/);
    const { screen, ms } = await interrupt(t);
    assert.match(screen, /EXIT=130/, screen);
    assert.match(screen, /^error: Cannot remove device: it was interrupted \(desk\)$/m, screen);
    assert.match(screen, /^hint: Nothing was changed\.$/m, screen);
    assert.ok(ms < PROMPT_EXIT_MS, `took ${ms} ms to exit after Ctrl-C`);

    const rows = await h.json<{ name: string; revoked: unknown }[]>(["mesh", "list", "--json"]);
    assert.deepEqual(rows.filter((r) => r.revoked !== null).map((r) => r.name), []);
  },
});

Deno.test({
  name: "pair: Ctrl-C at the code prompt exits 130 at once, says so, and sets nothing up",
  ignore: SKIP !== undefined,
  async fn() {
    await using h = await tempHome("mycel-prompt-c-pair-");
    await using t = await Terminal.start(
      [Deno.execPath(), ...denoRunArgs(MAIN_TS), "pair", "--name", "new"],
      terminalEnv(h.dir, h.home),
    );
    await t.waitFor(/Code shown on the other device:\s*$/);
    const { screen, ms } = await interrupt(t);
    assert.match(screen, /EXIT=130/, screen);
    assert.match(screen, /^error: Cannot read the pairing code: it was interrupted$/m, screen);
    assert.ok(ms < PROMPT_EXIT_MS, `took ${ms} ms to exit after Ctrl-C`);
    await assert.rejects(Deno.stat(`${h.home}/mycel.db`), Deno.errors.NotFound);
  },
});
