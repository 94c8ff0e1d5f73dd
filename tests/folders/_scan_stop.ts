/**
 * @module scan_stop_helpers
 * Interrupting a scan in a real mycel process (scan_interrupt*_test.ts):
 * SIGINT once the process holds a file of the folder open, and what must
 * hold after it.
 */

import assert from "node:assert/strict";
import { describe, type TempHome } from "../helpers/mycel.ts";
import { pseudoRandomBytes } from "../files/helpers.ts";
import { holdsOpen, interruptTimed, tempFiles, throttleUntil } from "./_helpers.ts";

/** Write a 512 MiB file at `path`: random content a MiB at a time (repeated: hashing costs the same). */
export async function bigFile(path: string): Promise<void> {
  using f = await Deno.open(path, { write: true, create: true });
  const block = pseudoRandomBytes(1 << 20, 7);
  for (let i = 0; i < 512; i++) await f.write(block);
}

/** The folder's index and the log, as the commands show them. */
export async function recorded(h: TempHome): Promise<string> {
  const folders = await h.json(["--no-sync", "folder", "status", "--json"]);
  const status = await h.json<{ log: unknown }>(["status", "--json"]);
  return JSON.stringify({ folders, log: status.log });
}

/**
 * `args` on `h`, sent SIGINT once it holds a file under `docs` open (held to
 * a part of the CPU until then); the result and the ms from the signal to
 * the exit.
 */
export async function interrupted(h: TempHome, args: string[], docs: string) {
  const p = h.spawn(args, { timeoutMs: 60_000 });
  const t0 = Date.now();
  let under = false;
  await throttleUntil(p.pid, () => (under = holdsOpen(p.pid, docs)) || Date.now() - t0 > 30_000);
  const { r, took } = await interruptTimed(p);
  return { r, took, under, shown: describe(args, r) };
}

/** Assert a scan of `docs` was interrupted by itself and recorded nothing. */
export function assertStopped(
  o: Awaited<ReturnType<typeof interrupted>>,
  docs: string,
): void {
  assert.ok(o.under, `caught under way: ${o.shown}`);
  assert.equal(o.r.code, 130, o.shown);
  assert.ok(
    o.r.stderr.includes(`Cannot scan folder: it was interrupted (${docs})`),
    o.shown,
  );
  assert.match(o.r.stderr, /hint: Nothing of this scan was recorded/, o.shown);
  // By itself: main.ts ends what still runs 3 s after the signal, without a message.
  assert.ok(o.took < 1500, `exited ${o.took} ms after the signal: ${o.shown}`);
  assert.deepEqual(tempFiles(docs), [], "no temporary file left");
}
