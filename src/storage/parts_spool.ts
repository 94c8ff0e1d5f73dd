/**
 * @module parts_spool
 * This home's state as a checkpoint in parts for a sync session
 * (src/log/checkpoint_parts.ts), cut in one pass and spooled to a file as it
 * is cut. Pairing makes the parts twice (once for the head's hashes, once to
 * send them) and names a state that changed in between; a sync session
 * stores the peer's entries while it sends, so the second pass would often
 * not match the first. Cut once, synchronously (nothing of this process
 * writes meanwhile), the parts wait on disk, not in memory: the sender holds
 * one part at a time, as pairing's does.
 *
 * The spool is a file in the home (0700, made 0600) unlinked as soon as it
 * is open: nothing is left behind even if the process is killed.
 */

import type { FrontierHead } from "../log/checkpoint_format.ts";
import { cutParts, signCutParts } from "../log/checkpoint_parts.ts";
import type { Signer } from "../log/identity.ts";
import type { StateRows } from "../log/state_rows.ts";

/** A checkpoint in parts whose parts wait in a spool file. */
export interface SpooledParts extends Disposable {
  /** The signed head. */
  readonly head: Uint8Array;
  /** How many parts the head declares, and their total size. */
  readonly count: number;
  readonly bytes: number;
  /** The parts in order, read back one at a time. */
  parts(): Generator<Uint8Array>;
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length;) at += file.writeSync(bytes.subarray(at));
}

function readExactly(file: Deno.FsFile, into: Uint8Array): void {
  for (let at = 0; at < into.length;) {
    const n = file.readSync(into.subarray(at));
    if (n === null || n === 0) throw new Error("the spooled parts ended early");
    at += n;
  }
}

/**
 * Hold up this thread for `ms`, as cutting a part on a slow device does
 * (test only: MYCEL_TEST_CUT_PAUSE_MS). Blocking, not a timer: the cut
 * runs in one piece, and nothing else of this process runs meanwhile.
 */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Cut `rows` into parts spooled in a file under `dir`, then sign the head.
 * `rows` are read synchronously before the first wait: the caller runs it
 * where no write of its own process can come in between (home_handle.ts
 * queues it with the writes). `pauseMs`: test only, see {@link stall}.
 */
export async function spoolParts(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
  signer: Signer,
  dir: string,
  partBytes?: number,
  pauseMs?: number,
): Promise<SpooledParts> {
  const path = Deno.makeTempFileSync({ dir, prefix: ".parts-out-" });
  const file = Deno.openSync(path, { read: true, write: true });
  Deno.removeSync(path);
  let closed = false;
  try {
    const cut = cutParts(rows, frontier, (p) => {
      writeAll(file, p);
      if (pauseMs !== undefined) stall(pauseMs);
    }, partBytes);
    const head = await signCutParts(cut, meta, signer);
    return {
      head,
      count: cut.declared.length,
      bytes: cut.bytes,
      *parts() {
        file.seekSync(0, Deno.SeekMode.Start);
        for (const [size] of cut.declared) {
          const part = new Uint8Array(size);
          readExactly(file, part);
          yield part;
        }
      },
      [Symbol.dispose]: () => {
        if (!closed) file.close();
        closed = true;
      },
    };
  } catch (e) {
    file.close();
    throw e;
  }
}
