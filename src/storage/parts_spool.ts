/**
 * @module parts_spool
 * This home's state as a checkpoint in parts for a sync session
 * (src/log/checkpoint_parts.ts), cut in one pass and spooled to a file as it
 * is cut. Pairing makes the parts twice (once for the head's hashes, once to
 * send them) and names a state that changed in between; a sync session
 * stores the peer's entries while it sends, so the second pass would often
 * not match the first. Cut once, from one snapshot (read through a
 * connection of its own: snapshot_reader.ts), the parts wait on disk, not
 * in memory: the sender holds one part at a time, as pairing's does.
 *
 * The cut yields to the event loop as it goes: a large state took
 * 10.8-11.6 s to cut on a loaded machine, and a `sync serve --listen` cutting
 * in one piece answered none of its other peers meanwhile (no accepts, no
 * handshakes, their read deadlines ran out). The snapshot keeps what is cut
 * one state while the process's other sessions commit.
 *
 * The spool is a file in the home (0700, made 0600) unlinked as soon as it
 * is open: nothing is left behind even if the process is killed.
 */

import { MycelError } from "../errors.ts";
import type { FrontierHead } from "../log/checkpoint_format.ts";
import { interruption, pause } from "../deadline.ts";
import { cutPartsStepwise, signCutParts } from "../log/checkpoint_parts.ts";
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
 * Cut `rows` into parts spooled in a file under `dir`, then sign the head.
 * `rows` and `frontier` must read one state until this returns, across its
 * waits (home_handle.ts reads them through a snapshot of their own). It
 * waits for a turn of the event loop after about every MiB of rows
 * (checkpoint_parts.ts BREATH_BYTES) and after each part, or `pauseMs` after
 * a part (test only, MYCEL_TEST_CUT_PAUSE_MS: a slow device's cut, modelled
 * by a timer so that the process answers others meanwhile, as a real cut
 * now lets it).
 *
 * `signal` aborts once the session it is cut for is over (its deadline, the
 * peer gone, Ctrl-C): the cut stops at its next step, within about a MiB of
 * rows or a part, and throws the signal's reason. A member that asks for our
 * state and hangs up at once cost a whole cut (CPU, the spool on disk, the
 * held snapshot keeping the write-ahead log from being checkpointed).
 */
export async function spoolParts(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
  signer: Signer,
  dir: string,
  partBytes?: number,
  pauseMs?: number,
  signal?: AbortSignal,
): Promise<SpooledParts> {
  let file: Deno.FsFile;
  try {
    const path = Deno.makeTempFileSync({ dir, prefix: ".parts-out-" });
    file = Deno.openSync(path, { read: true, write: true });
    Deno.removeSync(path);
  } catch (e) {
    throw spoolError(e, dir);
  }
  let closed = false;
  try {
    const cutting = cutPartsStepwise(rows, frontier, partBytes);
    let step = cutting.next();
    while (!step.done) {
      if (step.value === null) await pause(0);
      else {
        writeAll(file, step.value);
        await pause(pauseMs ?? 0, signal);
      }
      if (signal?.aborted) throw interruption("send the state", signal);
      step = cutting.next();
    }
    const cut = step.value;
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
    throw spoolError(e, dir);
  }
}

/**
 * A full disk named (`disk_full`): the spool outgrew the room left on the
 * home's disk. Before, it was the runtime's "No space left on device (os
 * error 28)", an `internal` failure in `sync serve`'s line, and the peer
 * (told nothing) read that we hung up.
 */
function spoolError(e: unknown, dir: string): unknown {
  if (!(e instanceof Error) || !/No space left|os error 28/i.test(e.message)) return e;
  return new MycelError("disk_full", "send the state", "the disk holding the home is full", {
    value: dir,
    hint: "Free some space on that disk; the peer's next round asks again.",
    cause: e,
  });
}
