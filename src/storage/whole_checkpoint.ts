/**
 * @module whole_checkpoint
 * A whole checkpoint of this home for a sync session (sync/exchange_send.ts),
 * made a step at a time (log/checkpoint_stepwise.ts) from a snapshot read
 * through a connection of its own (snapshot_reader.ts), turning the event
 * loop between steps as the cut in parts does (parts_spool.ts). Made in one
 * piece inside the write queue, it held a `sync serve --listen` for as long
 * as it took (a state near 64 MiB: seconds) for any peer whose `hi` does not
 * take parts (an earlier release, or a member leaving the ability out),
 * which a member can ask for at will: accepts, handshakes and every other
 * session stopped meanwhile.
 *
 * The bytes are those of `Home.checkpoint()` for the same state: the
 * frontier and the rows from the one snapshot.
 */

import { interruption, pause } from "../deadline.ts";
import { signBody } from "../log/checkpoint_encode.ts";
import { checkpointBodyStepwise } from "../log/checkpoint_stepwise.ts";
import type { Signer } from "../log/identity.ts";
import { frontierOf, type KnownHeads } from "./home_checkpoint.ts";
import type { SnapshotReader } from "./snapshot_reader.ts";

/**
 * A checkpoint of what `snap` reads, signed by `signer`; for a peer whose
 * heads are `known`, its heads equal to theirs go without their entries
 * (home_checkpoint.ts `frontierOf`). `signal` aborts once the session it is
 * made for is over: it stops at its next step and throws the signal's reason.
 * `pauseMs` (test only, MYCEL_TEST_CUT_PAUSE_MS): a wait after each step, a
 * slow device's making modelled by a timer, as for the cut in parts.
 */
export async function wholeCheckpoint(
  snap: SnapshotReader,
  meta: { mesh: string; made: number },
  signer: Signer,
  o: { known?: KnownHeads; signal?: AbortSignal; pauseMs?: number } = {},
): Promise<Uint8Array> {
  const { known, signal } = o;
  const frontier = await frontierOf(snap.db, snap.log, known);
  const steps = checkpointBodyStepwise(snap.state, frontier, meta, signer.publicKey);
  let step = steps.next();
  while (!step.done) {
    await pause(o.pauseMs ?? 0, signal);
    if (signal?.aborted) throw interruption("send the state", signal);
    step = steps.next();
  }
  return await signBody(step.value, signer);
}
