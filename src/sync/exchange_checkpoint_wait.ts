/**
 * @module exchange_checkpoint_wait
 * How long a device waits for a checkpoint its peer said it is making (a
 * `checkpoint wait`, `cpw`, sent before the peer makes it; only to a device
 * whose `hi` takes it: sync_messages.ts ABILITY_CHECKPOINT_WAIT).
 *
 * Making a checkpoint of a large state takes longer than a read deadline
 * (cutting 273 MB into parts took 10.8-11.6 s at a load of 8-9 on 2 cores),
 * and the sender sends this device nothing meanwhile. Under its read
 * deadline alone (`sync now`: 10 s) the device gave up, and the next round
 * cut again. So from the notice it waits
 * under the deadline the whole checkpoint has (pairing_state_time.ts: one
 * checkpoint's bounds at the slowest rate, 512 s, plus what a head in parts
 * declares), which making it, waiting for it and reading it all count
 * against: a peer that announces a checkpoint and sends nothing, or drips
 * it, holds the session no longer than one sending parts at that rate. One
 * notice a session (sync_session.ts): a peer can't renew the wait.
 */

import { MycelError } from "../errors.ts";
import { partsLate } from "./exchange_parts_in.ts";
import { SLOWEST_STATE_RATE, StateClock } from "./pairing_state_time.ts";

/** How much of the checkpoint the peer said it was making has come. */
export type Begun = "none" | "checkpoint" | "parts";

/** Nothing of a checkpoint the peer said it was making came in time. */
function notMade(within: string, rate: string): MycelError {
  return new MycelError(
    "timeout",
    "take checkpoint",
    `the peer said it was making its checkpoint, and none of it came within ${within} (what 64 MiB takes at ${rate})`,
    { hint: "The peer is very slow or faulty; the next round tries again." },
  );
}

/** A checkpoint in one piece that came too slowly after its notice. */
function wholeLate(within: string, rate: string): MycelError {
  return new MycelError(
    "timeout",
    "take checkpoint",
    `its checkpoint did not come within ${within}: it came slower than ${rate}`,
  );
}

/**
 * The whole checkpoint's deadline, started now (at the notice); `cut` ends
 * the connection when it passes, `rate` is the slowest kept (tests raise
 * it), `begun` says what came, for the refusal's words.
 */
export function checkpointClock(
  src: { cut: () => void; rate?: number },
  begun: () => Begun,
): StateClock {
  const clock = new StateClock(
    src.rate ?? SLOWEST_STATE_RATE,
    src.cut,
    (within, rate, declared) => {
      const now = begun();
      if (now === "none") return notMade(within, rate);
      return now === "parts" ? partsLate(within, rate, declared) : wholeLate(within, rate);
    },
  );
  clock.start();
  return clock;
}
