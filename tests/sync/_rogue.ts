/**
 * @module rogue
 * Running the hostile member of the sync tests (fixtures/rogue_peer.ts, the
 * real protocol with a member's own keys) as the initiator towards a real
 * server, and its report: shared by the tests that make it dial
 * (malicious_test, record_test, hostile_socket_test, device_sessions_test,
 * tests/folders/hostile_test).
 */

import assert from "node:assert/strict";
import { REPO_ROOT } from "../helpers/mycel.ts";
import { spawnProcess } from "../helpers/process.ts";

/** The rogue's entry point. */
export const ROGUE = `${REPO_ROOT}/tests/sync/fixtures/rogue_peer.ts`;

/** What the rogue prints when it is done (its header says each field). */
export interface RogueReport {
  reply: "ok" | "refused";
  sent?: number;
  received?: number;
  error?: string;
  /** drip, trickle: how long the session lasted (ms). */
  ms?: number;
  /** drip, trickle: wire bytes the victim sent (frame headers and tags included). */
  wire?: number;
  stored?: { accepted: number; refused: number };
  crafted?: string | null;
  crafted_prev?: string | null;
}

/**
 * The rogue with `rogue`'s home dials `victim`'s server in `mode` (`extra`:
 * further flags, e.g. `--as ID`); its report once it exits, which it must
 * do cleanly.
 */
export async function rogueDials(
  rogue: { home: string },
  victim: { endpoint: string; id: string },
  mode: string,
  extra: string[] = [],
  timeoutMs = 60_000,
): Promise<RogueReport> {
  const out = await spawnProcess(Deno.execPath(), [
    "run",
    "-A",
    ROGUE,
    ...["--home", rogue.home, "--mode", mode, "--connect", victim.endpoint],
    ...["--peer", victim.id, ...extra],
  ], { env: { NO_COLOR: "1" }, timeoutMs }).result();
  assert.equal(out.code, 0, `rogue failed: ${out.stdout}${out.stderr}`);
  return JSON.parse(out.stdout) as RogueReport;
}
