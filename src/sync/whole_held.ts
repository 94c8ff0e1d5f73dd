/**
 * @module whole_held
 * How many whole checkpoints a home holds in memory at once for sessions of
 * peers that take no parts (exchange_send.ts): each is made (up to 64 MiB)
 * and held until its last chunk is sent, and the cut gate is given back
 * once it is made (cut_gate.ts), so that a peer reading it slowly keeps no
 * other member from our state. Unbounded, a member with devices it made up
 * (admitted in a chain, each a group of its own), each asking without parts
 * and reading as slowly as our write deadline lets it for its whole session,
 * held one per session: up to 32 sessions of 64 MiB in a `sync serve
 * --listen`. Past {@link MAX_WHOLE_HELD} a session is refused `busy` before
 * anything is made (its peer reads `peer_busy`; its next round tries again).
 * A cut in parts, spooled to disk, is not counted: current devices are not
 * held up by them. Per home handle, as the cut gate; under `--stdio` (a
 * process per connection) each process holds at most its own one.
 */

import { MycelError } from "../errors.ts";

/** Whole checkpoints held in memory at once per home, at most. */
export const MAX_WHOLE_HELD = 2;

const held = new WeakMap<object, number>();

/** A place for one whole checkpoint of `home`, given back when disposed; or throw `busy`. */
export function holdWhole(home: object): Disposable {
  const n = held.get(home) ?? 0;
  if (n >= MAX_WHOLE_HELD) {
    throw new MycelError(
      "busy",
      "send the state",
      "it holds its state whole in memory for other sessions now",
      { hint: "The next round tries again." },
    );
  }
  held.set(home, n + 1);
  let given = false;
  return {
    [Symbol.dispose]: () => {
      if (given) return;
      given = true;
      held.set(home, (held.get(home) ?? 1) - 1);
    },
  };
}
