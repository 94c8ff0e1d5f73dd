/**
 * @module pairing_state_time
 * How long a joiner waits for the whole of the mesh's state. Each read has
 * its deadline, but an inviter that knows the code could drip a chunk just
 * inside each one for days (a state in parts may declare up to 4096 parts of
 * 64 MiB): `mycel pair` then hung until Ctrl-C. So the transfer as a whole
 * has a deadline too, from its first message: one checkpoint's bounds (the
 * head or checkpoint, up to 64 MiB), plus what a signed head declares once
 * it is read, at the slowest rate an honest transfer is expected to keep
 * ({@link SLOWEST_STATE_RATE}), at most {@link MAX_STATE_WAIT_MS}. When it
 * passes, the connection is cut and the wait ends with `pairing_timeout`;
 * the home being made is rolled back as for any refusal.
 */

import { MycelError } from "../errors.ts";
import { MAX_CHECKPOINT_BYTES } from "../log/checkpoint_format.ts";
import { seconds, startTimer, type Timer } from "../deadline.ts";

/** Test knob: the slowest rate (bytes per second), so a test is cut within seconds. */
export const STATE_RATE_KNOB = "MYCEL_TEST_STATE_RATE";

/**
 * 128 KiB/s (1 Mbit/s): a pairing over a slow uplink (a `--peer` at home
 * reached from a hotel) still keeps it; 64 MiB of head alone may take 512 s.
 * Only a device pairing itself waits on this, so the floor errs slow.
 */
export const SLOWEST_STATE_RATE = 128 << 10;

/** Six hours, whatever a head declares (at the slowest rate, about 2.6 GiB). */
export const MAX_STATE_WAIT_MS = 6 * 3600_000;

/** How long a state that declares `declared` bytes past its head may take, in ms. */
export function stateWaitMs(declared: number, rate = SLOWEST_STATE_RATE): number {
  const ms = Math.ceil(((MAX_CHECKPOINT_BYTES + declared) / rate) * 1000);
  return Math.max(1, Math.min(MAX_STATE_WAIT_MS, ms));
}

/** The deadline over one state's transfer; see the module doc. */
export class StateClock {
  #timer: Timer | undefined;
  #started = 0;
  #declared = 0;

  /**
   * `cut` ends the connection, so a read under way fails soon and lets go of
   * what it holds; `late` is the refusal (pairing's, unless a sync session
   * gives its own: exchange_parts_in.ts).
   */
  constructor(
    readonly rate: number,
    readonly cut: () => void,
    readonly late: (within: string, rate: string, declared: number) => MycelError = pairingLate,
  ) {}

  /** Start the clock (at the state's first message), before anything is declared. */
  start(): void {
    this.#started = performance.now();
    this.#arm();
  }

  /** A signed head declared `bytes` in parts: the transfer may take that much longer. */
  declare(bytes: number): void {
    this.#declared = bytes;
    this.#arm();
  }

  /** The whole transfer's deadline as it stands (ms from its start). */
  get totalMs(): number {
    return stateWaitMs(this.#declared, this.rate);
  }

  /** `work` (a read), or this clock's refusal once it passed. */
  async race<T>(work: Promise<T>): Promise<T> {
    if (this.#timer === undefined) return await work;
    return await Promise.race([work, this.#timer.expired]);
  }

  /** Stop the clock: the state came, or the pairing ended. Safe to call more than once. */
  stop(): void {
    this.#timer?.cancel();
  }

  #arm(): void {
    this.#timer?.cancel();
    const total = stateWaitMs(this.#declared, this.rate);
    const left = Math.max(1, Math.ceil(total - (performance.now() - this.#started)));
    const declared = this.#declared;
    this.#timer = startTimer(
      left,
      () => this.late(seconds(total), rateText(this.rate), declared),
      this.cut,
    );
  }
}

function pairingLate(within: string, rate: string, declared: number): MycelError {
  return new MycelError(
    "pairing_timeout",
    "join mesh",
    `the mesh's state did not come within ${within}: it came slower than ${rate}`,
    {
      value: declared > 0 ? `${declared} bytes declared in parts` : undefined,
      hint: "The inviting device sent it too slowly. Pair again over a faster network.",
    },
  );
}

/** A rate for the error text: "128 KiB/s", "64 MiB/s". */
function rateText(rate: number): string {
  return rate >= 1 << 20
    ? `${Number((rate / (1 << 20)).toFixed(2))} MiB/s`
    : `${Number((rate / 1024).toFixed(1))} KiB/s`;
}
