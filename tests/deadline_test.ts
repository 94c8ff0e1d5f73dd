/**
 * @module deadline_test
 * The deadline as an AbortSignal: it aborts with a `timeout` MycelError at
 * the deadline, on the parent's abort (Ctrl-C) before it as an interruption
 * (`sync_interrupted`, or the parent's own MycelError), and not at all
 * once cancelled — leaving no timer behind (the test sanitizers check that).
 */

import assert from "node:assert/strict";
import { deadlineSignal } from "../src/deadline.ts";
import { MycelError } from "../src/errors.ts";

function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) =>
    signal.addEventListener("abort", () => resolve(signal.reason), { once: true })
  );
}

Deno.test("a deadline signal aborts at the deadline with a timeout error naming the work", async () => {
  const t0 = performance.now();
  using d = deadlineSignal(50, "run df");
  const reason = await aborted(d.signal);
  assert.ok(performance.now() - t0 >= 45);
  assert.ok(reason instanceof MycelError);
  assert.equal(reason.code, "timeout");
  assert.equal(reason.message, "Cannot run df: it did not finish within 0.05s");
  assert.equal(d.expired, true);
});

Deno.test("Ctrl-C before the deadline aborts the deadline signal with Ctrl-C's reason", async () => {
  const ctrlC = new AbortController();
  const d = deadlineSignal(60_000, "run df", ctrlC.signal);
  try {
    const reason = new MycelError("sync_interrupted", "run df", "stopped by Ctrl-C");
    setTimeout(() => ctrlC.abort(reason), 10);
    assert.equal(await aborted(d.signal), reason);
    assert.equal(d.expired, false);
  } finally {
    d.cancel(); // the 60 s timer is already cleared: the sanitizer would say otherwise
  }
});

Deno.test("a deadline signal under an already aborted parent is aborted at once", () => {
  using d = deadlineSignal(
    60_000,
    "run df",
    AbortSignal.abort(new MycelError("timeout", "a", "b")),
  );
  assert.equal(d.signal.aborted, true);
  assert.equal((d.signal.reason as MycelError).code, "timeout");
  assert.equal(d.expired, false);
});

Deno.test("Ctrl-C as main.ts gives it (a plain abort) ends a deadline as an interruption: exit 130", () => {
  const ctrlC = new AbortController();
  ctrlC.abort(); // main.ts's signal: a DOMException reason, nothing a user should read
  using d = deadlineSignal(60_000, "run secret-tool", ctrlC.signal);
  const reason = d.signal.reason;
  assert.ok(reason instanceof MycelError);
  assert.equal(reason.code, "sync_interrupted");
  assert.equal(reason.exit, 130);
  assert.equal(reason.message, "Cannot run secret-tool: it was interrupted");
  assert.equal(d.expired, false);
});

Deno.test("a cancelled deadline signal never aborts, even when its parent does later", async () => {
  const parent = new AbortController();
  const d = deadlineSignal(30, "run df", parent.signal);
  d.cancel();
  d.cancel();
  parent.abort();
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(d.signal.aborted, false);
  assert.equal(d.expired, false);
});

Deno.test("a deadline signal refuses a timeout that is not a usable number of ms", () => {
  for (const ms of [0, -1, NaN, Infinity, 2 ** 31]) {
    assert.throws(() => deadlineSignal(ms, "run df"), RangeError);
  }
});
