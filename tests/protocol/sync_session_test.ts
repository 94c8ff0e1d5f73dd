/**
 * @module sync_session_test
 * SyncSession: table tests for every ordering rule, 10,000 random message
 * sequences checked against a small reference model (only MycelError is ever
 * thrown), and reorderings of a valid conversation.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { MycelError } from "../../src/errors.ts";
import type { SyncMessage } from "../../src/protocol/sync_messages.ts";
import { SyncSession } from "../../src/protocol/sync_session.ts";
import { assertMycelError } from "../helpers/assert.ts";

const E = (n: number): SyncMessage => ({
  type: "entries",
  entries: Array(n).fill(Uint8Array.of(1)),
});
const DONE = (sent: number): SyncMessage => ({ type: "done", sent });
const ERR: SyncMessage = { type: "error", code: "bad_entry", message: "signature invalid" };

/** Feed `msgs`; the code of the error thrown at the last one, or "ok". */
function feed(s: SyncSession, msgs: SyncMessage[]): string {
  for (const m of msgs) {
    try {
      s.receive(m);
    } catch (e) {
      if (!(e instanceof MycelError)) throw e;
      return e.code;
    }
  }
  return "ok";
}

const rejected: [string, SyncMessage[], string, RegExp][] = [
  ["entries after the peer's done", [E(2), DONE(2), E(1)], "protocol_violation", /after its done/],
  ["a second done", [DONE(0), DONE(0)], "protocol_violation", /done twice/],
  ["a done counting more entries than arrived", [E(2), DONE(3)], "protocol_violation", /sent 3/],
  [
    "a done counting fewer entries than arrived",
    [E(2), E(1), DONE(2)],
    "protocol_violation",
    /3 arrived/,
  ],
  ["anything after a peer error", [ERR, DONE(0)], "protocol_violation", /ended/],
  ["anything after a violation", [DONE(1), DONE(0)], "protocol_violation", /ended/],
  ["entries past the maxReceived cap", [E(3), E(3)], "too_many_entries", /over 5 entries/],
];
for (const [name, msgs, code, reason] of rejected) {
  Deno.test(`SyncSession.receive() rejects ${name}`, () => {
    const s = new SyncSession({ maxReceived: 5 });
    for (const m of msgs.slice(0, -1)) {
      try {
        s.receive(m);
      } catch { /* the earlier violation is what the "after" cases build on */ }
    }
    const e = assertMycelError(() => s.receive(msgs[msgs.length - 1]));
    assert.equal(e.code, code);
    assert.match(e.message, reason);
    assert.equal(s.failed, true);
    assert.equal(s.finished, false);
  });
}

Deno.test("SyncSession.receive() hands over entries and counts them", () => {
  const s = new SyncSession();
  const r = s.receive(E(3));
  assert.equal(r.kind === "entries" && r.entries.length, 3);
  assert.deepStrictEqual(s.receive(DONE(3)), { kind: "done" });
  assert.deepStrictEqual(s.counts, { sent: 0, received: 3 });
});

Deno.test("SyncSession.receive() reports a peer error, even after the peer's done", () => {
  const s = new SyncSession();
  s.receive(DONE(0));
  assert.deepStrictEqual(s.receive(ERR), {
    kind: "peer_error",
    code: "bad_entry",
    message: "signature invalid",
  });
  assert.equal(s.failed, true);
});

Deno.test("SyncSession is finished once both dones were sent and received, in either order", () => {
  const a = new SyncSession();
  a.sendEntries(4);
  assert.deepStrictEqual(a.sendDone(), { type: "done", sent: 4 });
  assert.equal(a.finished, false);
  a.receive(DONE(0));
  assert.equal(a.finished, true);
  const b = new SyncSession();
  b.receive(E(1));
  b.receive(DONE(1));
  assert.equal(b.finished, false);
  b.sendDone();
  assert.equal(b.finished, true);
  assert.deepStrictEqual(b.counts, { sent: 0, received: 1 });
});

Deno.test("SyncSession.sendEntries() and sendDone() refuse to run after done or an error", () => {
  const s = new SyncSession();
  s.sendDone();
  assert.equal(assertMycelError(() => s.sendEntries(1)).code, "internal");
  assert.equal(assertMycelError(() => s.sendDone()).code, "internal");
  const t = new SyncSession();
  assert.deepStrictEqual(t.sendError("busy", "try later"), {
    type: "error",
    code: "busy",
    message: "try later",
  });
  assert.equal(t.failed, true);
  assert.equal(assertMycelError(() => t.sendEntries(1)).code, "internal");
  assert.equal(assertMycelError(() => t.receive(DONE(0))).code, "protocol_violation");
  assert.equal(assertMycelError(() => new SyncSession({ maxReceived: -1 })).code, "internal");
});

// Random sequences vs. a reference model written as the rules read in the docs.
const message: fc.Arbitrary<SyncMessage> = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map(E),
  fc.integer({ min: 0, max: 8 }).map(DONE),
  fc.constant(ERR),
);
Deno.test("SyncSession agrees with the reference model on 10,000 random sequences", () => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 8 }), (msgs) => {
      const s = new SyncSession({ maxReceived: 6 });
      let received = 0;
      let done = false;
      for (const m of msgs) {
        let expected: string;
        if (m.type === "entries") {
          expected = done
            ? "protocol_violation"
            : received + m.entries.length > 6
            ? "too_many_entries"
            : "entries";
          if (expected === "entries") received += m.entries.length;
        } else if (m.type === "done") {
          expected = done || m.sent !== received ? "protocol_violation" : "done";
          done = true;
        } else expected = "peer_error";
        let actual: string;
        try {
          actual = s.receive(m).kind;
        } catch (e) {
          if (!(e instanceof MycelError)) throw e;
          actual = e.code;
        }
        assert.equal(actual, expected);
        if (actual !== "entries" && actual !== "done") {
          assert.equal(s.failed, true);
          assert.equal(feed(s, [DONE(received)]), "protocol_violation");
          return;
        }
      }
      assert.equal(s.counts.received, received);
    }),
    { numRuns: 10_000 },
  );
});

Deno.test("SyncSession accepts a reordered conversation only when done comes last", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 6 }), fc.nat(), (ns, at) => {
      const total = ns.reduce((a, b) => a + b, 0);
      const msgs = ns.map(E);
      const donePos = at % (msgs.length + 1);
      msgs.splice(donePos, 0, DONE(total));
      const verdict = feed(new SyncSession(), msgs);
      assert.equal(verdict, donePos === ns.length ? "ok" : "protocol_violation");
    }),
  );
});
