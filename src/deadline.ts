/**
 * @module deadline
 * The one deadline primitive, beside errors.ts so every layer may use it (it
 * touches no Deno.* and imports nothing but errors.ts). Promises race a
 * {@link startTimer} / {@link withDeadline}; APIs that take an `AbortSignal`
 * (a child process, a fetch) get {@link deadlineSignal}, which also carries
 * Ctrl-C. A per-read timeout alone does not stop a peer that trickles one byte
 * just before each timeout (slow-loris), so besides the timer each read races
 * against, {@link withDeadline} bounds a whole session. Every timer is cleared
 * on every path, so no test or process is kept alive by a deadline that no
 * longer matters.
 */

import { interruptedError, MycelError } from "./errors.ts";

/** The longest delay `setTimeout` honours (about 24.8 days; past it, it fires at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `1500` → `"1.5s"`: how timeouts are shown in messages. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))}s`;
}

/**
 * Throw a `RangeError` unless `ms` is a usable timeout: finite, above zero and
 * within what `setTimeout` supports. "No deadline" is deliberately not allowed.
 */
export function checkTimeout(ms: number, what = "timeout"): void {
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMER_MS) {
    throw new RangeError(`${what} must be between 1 and ${MAX_TIMER_MS} ms, got ${ms}`);
  }
}

/** A `timeout` error: "Cannot <action>: <reason> (<value>)". */
export function timeoutError(action: string, reason: string, value?: string): MycelError {
  return new MycelError("timeout", action, reason, {
    value,
    hint: "Check that the peer is running mycel and that the network between you works.",
  });
}

/**
 * Wait `ms`, or less when `signal` aborts first (Ctrl-C): a listening window
 * that the user may cut short. Never rejects.
 */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(id);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const id = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** A running timer that work can race against; see {@link startTimer}. */
export interface Timer {
  /** Rejects with the timer's error once it fires; never resolves. */
  readonly expired: Promise<never>;
  /** Stop the timer. Safe to call more than once. */
  cancel(): void;
}

/**
 * Start a timer of `ms` that, when it fires, rejects `expired` with the
 * error `fail()` builds and then runs `onExpire`. Call `cancel()` in a `finally`.
 */
export function startTimer(ms: number, fail: () => Error, onExpire?: () => void): Timer {
  checkTimeout(ms);
  let id: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    id = setTimeout(() => {
      id = undefined;
      // Reject first: whatever onExpire makes fail must lose the race to the timeout.
      reject(fail());
      onExpire?.();
    }, ms);
  });
  // Nobody may be racing at the moment it fires; that must not crash the process.
  expired.catch(() => undefined);
  return {
    expired,
    cancel() {
      if (id !== undefined) clearTimeout(id);
      id = undefined;
    },
  };
}

/**
 * Settle like `work`, or reject with a `timeout` MycelError ("Cannot <what>:
 * it did not finish within Ns") if it takes longer than `ms`. `onExpire` runs
 * first, typically closing the connection so `work` fails soon and releases
 * what it holds; `work`'s own later rejection is absorbed.
 *
 * ```ts
 * await withDeadline(runSession(conn), 60_000, "sync with peer", () => conn.close());
 * ```
 */
export async function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  onExpire?: () => void,
): Promise<T> {
  const timer = startTimer(
    ms,
    () => timeoutError(what, `it did not finish within ${seconds(ms)}`),
    onExpire,
  );
  try {
    return await Promise.race([work, timer.expired]);
  } finally {
    timer.cancel();
  }
}

/**
 * What `what` fails with once `signal` (Ctrl-C, SIGTERM) aborted: its reason
 * when that is a MycelError, else `sync_interrupted` ("Cannot <what>: it was
 * interrupted", exit 130), as every other interruption.
 */
export function interruption(what: string, signal: AbortSignal): MycelError {
  return signal.reason instanceof MycelError ? signal.reason : interruptedError(what);
}

/** A deadline as an `AbortSignal`; see {@link deadlineSignal}. */
export interface DeadlineSignal extends Disposable {
  /** Aborts at the deadline (reason: a `timeout` MycelError) or on the parent's abort (`sync_interrupted`). */
  readonly signal: AbortSignal;
  /** True when it was the deadline, not the parent, that aborted `signal`. */
  readonly expired: boolean;
  /** Stop the timer and stop following the parent. Safe to call more than once. */
  cancel(): void;
}

/**
 * A signal that aborts after `ms` with a `timeout` MycelError ("Cannot
 * <what>: it did not finish within Ns"), or earlier when `parent` aborts
 * (Ctrl-C, SIGTERM: main.ts's signal): with the parent's reason when that is
 * a MycelError, else `sync_interrupted` ("Cannot <what>: it was
 * interrupted", exit 130), the error every other interruption gives, so a
 * caller throws the reason as it is. Not `AbortSignal.timeout`: its reason is
 * a DOMException and its timer cannot be cleared. Call `cancel()` in a
 * `finally`, or hold it with `using`.
 *
 * ```ts
 * using deadline = deadlineSignal(20_000, "run secret-tool", ctx.signal);
 * deadline.signal.addEventListener("abort", () => child.kill("SIGKILL"));
 * ```
 */
export function deadlineSignal(ms: number, what: string, parent?: AbortSignal): DeadlineSignal {
  checkTimeout(ms);
  const ctl = new AbortController();
  let expired = false;
  const follow = () => stop(interruption(what, parent!));
  const id = setTimeout(() => {
    expired = true;
    stop(new MycelError("timeout", what, `it did not finish within ${seconds(ms)}`));
  }, ms);
  function stop(reason: unknown) {
    cancel();
    ctl.abort(reason);
  }
  function cancel() {
    clearTimeout(id);
    parent?.removeEventListener("abort", follow);
  }
  if (parent?.aborted) follow();
  else parent?.addEventListener("abort", follow, { once: true });
  return {
    signal: ctl.signal,
    get expired() {
      return expired;
    },
    cancel,
    [Symbol.dispose]: cancel,
  };
}
