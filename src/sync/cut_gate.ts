/**
 * @module cut_gate
 * How often members make us cut our state into a checkpoint in parts
 * (exchange_send.ts; docs/sync_protocol.md, "How often a state is cut"). A
 * cut reads the whole state, spools it to disk and holds a snapshot that
 * keeps the write-ahead log from being checkpointed; a member could reconnect
 * in a loop asking for it each time. So, per home handle (one `sync serve
 * --listen` serves all its sessions through one):
 *
 * - at most one cut at a time: a session needing one while another is cut
 *   is refused `busy` (its peer reads `peer_busy`; its next round tries
 *   again). The gate is given back once the cut is spooled ({@link Cut}
 *   `made`), not once its parts are sent: sending from the spool holds no
 *   snapshot and costs no cutting, and a member reading its parts as slowly
 *   as the write timeout lets it (a byte every 29 s, for its whole session
 *   deadline) held the gate for that long, and every other member needing
 *   our state was refused `busy` meanwhile (found by a review);
 * - a member whose cut was abandoned (its session ended before every part
 *   was sent: it hung up, its deadline passed) gets no cut for
 *   {@link CUT_COOL_DOWN_MS} after: refused `busy` too. A cut sent whole
 *   brings the member to our state; it needs no other soon.
 *
 * Under `--stdio` (a process per connection) each process has its own gate.
 */

import { MycelError } from "../errors.ts";
import type { DeviceKey } from "../log/device_key.ts";

/**
 * How long after an abandoned cut a member gets no other (ms): shorter than
 * the rounds of the sync service (every 30 s or more), so an honest device
 * whose session broke mid-cut is cut for again in its next round; a member
 * hanging up in a loop makes us cut at most once in that time (and each
 * abandoned cut stops within about a part: parts_spool.ts).
 */
export const CUT_COOL_DOWN_MS = 10_000;

interface Gate {
  cutting: boolean;
  /** Per member: when its last abandoned cut ended (performance.now()). */
  abandoned: Map<DeviceKey | undefined, number>;
}

const gates = new WeakMap<object, Gate>();

function busy(reason: string): MycelError {
  return new MycelError("busy", "send the state", reason, {
    hint: "The next round tries again.",
  });
}

/** A cut taken from the gate. */
export interface Cut {
  /** The cut is spooled: another session may cut now. */
  made(): void;
  /** The session is done with it (once): `whole` when every part was sent. */
  done(whole: boolean): void;
}

/** Take the gate of `home` for a cut for `peer`, or throw `busy`. */
export function takeCut(home: object, peer: DeviceKey | undefined): Cut {
  let gate = gates.get(home);
  if (gate === undefined) gates.set(home, gate = { cutting: false, abandoned: new Map() });
  if (gate.cutting) throw busy("it is cutting its state for another session now");
  const at = gate.abandoned.get(peer);
  if (at !== undefined && performance.now() - at < CUT_COOL_DOWN_MS) {
    throw busy("its last cut of the state for this device was abandoned moments ago");
  }
  gate.abandoned.delete(peer);
  gate.cutting = true;
  let made = false, given = false;
  const g = gate;
  const release = () => {
    if (!made) g.cutting = false;
    made = true;
  };
  return {
    made: release,
    done: (whole) => {
      if (given) return;
      given = true;
      release();
      if (!whole) g.abandoned.set(peer, performance.now());
    },
  };
}
