import assert from "node:assert/strict";
import { WaitQueue } from "../../src/transport/wait_queue.ts";

Deno.test("WaitQueue: items come out in arrival order, a waiting consumer wakes on push", async () => {
  const q = new WaitQueue<number>();
  q.push(1);
  const waiting = (async () => [await q.next(1000), await q.next(1000)])();
  setTimeout(() => q.push(2), 20);
  assert.deepEqual(await waiting, [1, 2]);
});

Deno.test("WaitQueue: next is null at its deadline", async () => {
  const q = new WaitQueue<string>();
  const t0 = performance.now();
  assert.equal(await q.next(50), null);
  assert.ok(performance.now() - t0 >= 45);
});

Deno.test("WaitQueue: close wakes the consumer, hands back what was queued, refuses more", async () => {
  const q = new WaitQueue<string>();
  const waiting = q.next(10_000);
  assert.deepEqual(q.close(), []);
  assert.equal(await waiting, null);
  assert.equal(q.push("late"), false);
  assert.equal(await q.next(10), null);

  const r = new WaitQueue<string>();
  r.push("a");
  r.push("b");
  assert.deepEqual(r.close(), ["a", "b"]);
  assert.equal(r.closed, true);
});
