/**
 * @module sync_session_test
 * The state machine of what a peer may send after the handshake:
 *
 *   hi → heads…(last)? → checkpoint…(last)? → entries* → end  (+ one ack)
 *   (one checkpoint a session)
 *
 * Table tests of each rule, the limits (authors in heads, checkpoint size),
 * and 20,000 random conversations checked against a reference model written
 * independently from the rules in the module header.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { isMycelError } from "../../src/errors.ts";
import { MAX_CHECKPOINT_BYTES } from "../../src/log/checkpoint.ts";
import { DeviceKey } from "../../src/log/device_key.ts";
import { MAX_AUTHORS } from "../../src/protocol/sync_fields.ts";
import type { Head } from "../../src/protocol/sync_heads.ts";
import {
  ABILITY_CHECKPOINT_WAIT,
  ABILITY_PARTS,
  type SyncMessage,
} from "../../src/protocol/sync_messages.ts";
import { type ReceiveAction, SyncSession } from "../../src/protocol/sync_session.ts";
import { assertMycelError } from "../helpers/assert.ts";

const HI: SyncMessage = {
  type: "hi",
  now: 5,
  digest: new Uint8Array(16),
  ports: [7850],
  observed: "",
  seen: [],
  mesh: "m",
};
const key = (i: number) => {
  const b = new Uint8Array(32);
  new DataView(b.buffer).setUint32(28, i);
  return DeviceKey.of(b);
};
const row = (i: number): [DeviceKey, Head] => [key(i), { seq: i + 1, hash: new Uint8Array(32) }];
const HEADS = (rows: [DeviceKey, Head][], last = true): SyncMessage => ({
  type: "heads",
  rows,
  last,
});
const CP = (n: number, last: boolean): SyncMessage => ({
  type: "checkpoint",
  chunk: new Uint8Array(n).fill(n),
  last,
});
const EN = (n: number): SyncMessage => ({
  type: "entries",
  entries: Array(n).fill(new Uint8Array([1])),
});
const END = (sent: number, more = false): SyncMessage => ({ type: "end", sent, more });
const ACK: SyncMessage = { type: "ack", accepted: 1, refused: 0 };
const ERR: SyncMessage = { type: "error", code: "busy", message: "later" };

/** A session past `hi`, with the digests equal or not. */
function afterHi(digestsEqual: boolean): SyncSession {
  const s = new SyncSession();
  assert.equal(s.receive(HI).kind, "hi");
  s.setDigestsEqual(digestsEqual);
  return s;
}

// ---------------------------------------------------------------------------
// Rules

Deno.test("a whole conversation: hi, heads in two messages, a checkpoint in chunks, entries, end, ack", () => {
  const s = afterHi(false);
  assert.equal(s.receive(HEADS([row(1)], false)).kind, "none");
  assert.equal(s.lastHead, key(1));
  const heads = s.receive(HEADS([row(2)], true));
  assert.ok(heads.kind === "heads" && heads.heads.size === 2 && heads.heads.get(key(2))?.seq === 3);
  assert.equal(s.receive(CP(3, false)).kind, "none");
  const cp = s.receive(CP(2, true));
  assert.ok(cp.kind === "checkpoint");
  assert.deepEqual([...cp.bytes], [3, 3, 3, 2, 2]);
  const en = s.receive(EN(2));
  assert.ok(en.kind === "entries" && en.entries.length === 2);
  s.receive(EN(1));
  assert.equal(s.received, 3);
  s.noteOurEnd(true);
  assert.equal(s.peerEnded, false);
  assert.deepEqual(s.receive(END(3, true)), { kind: "end", more: true });
  assert.equal(s.peerEnded, true);
  assert.deepEqual(s.receive(ACK), { kind: "ack", accepted: 1, refused: 0 });
  assertMycelError(() => s.receive(ACK), "protocol_violation");
});

Deno.test("equal digests: no heads may come, the body follows hi directly", () => {
  const s = afterHi(true);
  assert.equal(s.receive(EN(1)).kind, "entries");
  const t = afterHi(true);
  const e = assertMycelError(() => t.receive(HEADS([row(1)])), "protocol_violation");
  assert.match(e.message, /digests match/);
});

const VIOLATIONS: [string, (s: SyncSession) => void, RegExp][] = [
  ["anything before hi", (s) => s.receive(EN(1)), /before hi/],
  ["a second hi", (s) => (s.receive(HI), s.setDigestsEqual(true), s.receive(HI)), /out of order/],
  [
    "entries before heads when digests differ",
    (s) => (s.receive(HI), s.receive(EN(1))),
    /before its heads/,
  ],
  [
    "end before heads when digests differ",
    (s) => (s.receive(HI), s.receive(END(0))),
    /before its heads/,
  ],
  [
    "heads after the last heads",
    (s) => (s.receive(HI), s.receive(HEADS([row(1)])), s.receive(HEADS([row(2)]))),
    /out of order/,
  ],
  [
    "a checkpoint after entries",
    (s) => (s.receive(HI), s.setDigestsEqual(true), s.receive(EN(1)), s.receive(CP(1, true))),
    /after entries/,
  ],
  [
    "entries inside a checkpoint",
    (s) => (s.receive(HI), s.setDigestsEqual(true), s.receive(CP(1, false)), s.receive(EN(1))),
    /inside a checkpoint/,
  ],
  [
    "end inside a checkpoint",
    (s) => (s.receive(HI), s.setDigestsEqual(true), s.receive(CP(1, false)), s.receive(END(0))),
    /inside a checkpoint/,
  ],
  [
    "end with a wrong count",
    (s) => (s.receive(HI), s.setDigestsEqual(true), s.receive(EN(2)), s.receive(END(3))),
    /says it sent 3/,
  ],
  [
    "entries after end",
    (s) => (s.receive(HI), s.setDigestsEqual(true), s.receive(END(0)), s.receive(EN(1))),
    /after its end/,
  ],
  [
    "an ack before we ended",
    (s) => (s.receive(HI), s.setDigestsEqual(true), s.receive(ACK)),
    /did not send/,
  ],
  [
    "an ack when we sent nothing",
    (s) => (s.noteOurEnd(false), s.receive(HI), s.setDigestsEqual(true), s.receive(ACK)),
    /did not send/,
  ],
];

for (const [name, run, reason] of VIOLATIONS) {
  Deno.test(`SyncSession refuses ${name} (protocol_violation), and stays failed`, () => {
    const s = new SyncSession();
    const e = assertMycelError(() => run(s), "protocol_violation", name);
    assert.match(e.message, reason);
    assert.match(e.hint ?? "", /faulty or hostile/);
    assertMycelError(() => s.receive(ERR), "protocol_violation", "after failing");
  });
}

Deno.test("a peer error ends the session at any point, and nothing may follow", () => {
  for (
    const prefix of [[], [HI], [HI, HEADS([row(1)], false)], [HI, HEADS([]), EN(1)], [
      HI,
      HEADS([]),
      END(0),
    ]]
  ) {
    const s = new SyncSession();
    s.setDigestsEqual(false);
    for (const m of prefix) s.receive(m);
    assert.deepEqual(s.receive(ERR), { kind: "peer_error", code: "busy", message: "later" });
    assertMycelError(() => s.receive(ACK), "protocol_violation");
  }
});

Deno.test("an ack may come before the peer's own end (it stores what we sent while sending)", () => {
  const s = afterHi(true);
  s.noteOurEnd(true);
  assert.equal(s.receive(ACK).kind, "ack");
  assert.equal(s.receive(END(0)).kind, "end");
  assertMycelError(() => s.receive(ACK), "protocol_violation", "a second ack");
});

Deno.test(`heads listing more than ${MAX_AUTHORS} authors in all are refused`, () => {
  const s = afterHi(false);
  const per = 2048;
  let i = 0;
  for (; i + per <= MAX_AUTHORS; i += per) {
    assert.equal(
      s.receive(HEADS(Array.from({ length: per }, (_, j) => row(i + j)), false)).kind,
      "none",
    );
  }
  const rest = MAX_AUTHORS - i;
  assert.equal(
    s.receive(HEADS(Array.from({ length: rest }, (_, j) => row(i + j)), false)).kind,
    "none",
  );
  const e = assertMycelError(
    () => s.receive(HEADS([row(MAX_AUTHORS)], true)),
    "protocol_violation",
  );
  assert.match(e.message, /over 100000 authors/);
});

Deno.test("a checkpoint over MAX_CHECKPOINT_BYTES in all is refused before it is assembled", () => {
  const s = afterHi(true);
  const mib = new Uint8Array(1 << 20);
  const chunk: SyncMessage = { type: "checkpoint", chunk: mib, last: false };
  const n = MAX_CHECKPOINT_BYTES / mib.length;
  for (let i = 0; i < n; i++) assert.equal(s.receive(chunk).kind, "none");
  const e = assertMycelError(
    () => s.receive({ type: "checkpoint", chunk: new Uint8Array(1), last: true }),
    "protocol_violation",
  );
  assert.match(e.message, /too large/);
});

// ---------------------------------------------------------------------------
// Reference model

type Outcome = ReceiveAction["kind"] | "violation";

/** What the rules say each message of `msgs` does (after `violation`, everything is one). */
function model(
  msgs: readonly SyncMessage[],
  digestsEqual: boolean,
  ourEnd: "no" | "empty" | "sent",
): Outcome[] {
  let state: "start" | "heads" | "body" | "ended" | "dead" = "start";
  let inCheckpoint = false, hadCheckpoint = false, entries = 0, acked = false;
  const out: Outcome[] = [];
  for (const m of msgs) {
    let o: Outcome = "violation";
    if (state !== "dead") {
      if (m.type === "error") o = "peer_error";
      else if (state === "start") o = m.type === "hi" ? "hi" : "violation";
      else if (state === "heads" && m.type === "heads") {
        o = digestsEqual ? "violation" : (m.last ? "heads" : "none");
      } else if (state === "heads" && !digestsEqual) o = "violation";
      else if (m.type === "ack") o = ourEnd === "sent" && !acked ? "ack" : "violation";
      else if (state === "ended") o = "violation";
      else if (m.type === "checkpoint") {
        o = entries > 0 || hadCheckpoint ? "violation" : (m.last ? "checkpoint" : "none");
      } else if (m.type === "entries") o = inCheckpoint ? "violation" : "entries";
      else if (m.type === "end") o = inCheckpoint || m.sent !== entries ? "violation" : "end";
    }
    out.push(o);
    if (o === "violation" || o === "peer_error") state = "dead";
    else if (o === "hi") state = "heads";
    else if (o === "heads") state = "body";
    else if (state === "heads" && m.type !== "heads") state = "body"; // digests equal: the first body message
    if (o === "ack") acked = true;
    if (m.type === "checkpoint" && o !== "violation") inCheckpoint = !m.last;
    if (o === "checkpoint") hadCheckpoint = true;
    if (o === "entries" && m.type === "entries") entries += m.entries.length;
    if (o === "end") state = "ended";
  }
  return out;
}

const messageArb: fc.Arbitrary<SyncMessage> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(HI) },
  { weight: 2, arbitrary: fc.boolean().map((last) => HEADS([], last)) },
  { weight: 2, arbitrary: fc.tuple(fc.nat(3), fc.boolean()).map(([n, last]) => CP(n, last)) },
  { weight: 4, arbitrary: fc.integer({ min: 1, max: 3 }).map(EN) },
  { weight: 3, arbitrary: fc.tuple(fc.nat(6), fc.boolean()).map(([n, more]) => END(n, more)) },
  { weight: 2, arbitrary: fc.constant(ACK) },
  { weight: 1, arbitrary: fc.constant(ERR) },
);

/** Mostly conversations close to valid, so the deep states are reached. */
const conversationArb = fc.oneof(
  fc.array(messageArb, { maxLength: 10 }),
  fc.tuple(fc.array(messageArb, { maxLength: 8 }), fc.nat(5)).map((
    [rest, n],
  ) => [HI, HEADS([], true), EN(n + 1), END(n + 1), ...rest]),
  fc.tuple(fc.array(messageArb, { maxLength: 8 })).map(([rest]) => [HI, ...rest]),
);

Deno.test("SyncSession agrees with the reference model on 20,000 random conversations", () => {
  fc.assert(
    fc.property(
      conversationArb,
      fc.boolean(),
      fc.constantFrom("no" as const, "empty" as const, "sent" as const),
      (msgs, digestsEqual, ourEnd) => {
        const s = new SyncSession();
        s.setDigestsEqual(digestsEqual);
        if (ourEnd !== "no") s.noteOurEnd(ourEnd === "sent");
        const got: Outcome[] = msgs.map((m) => {
          try {
            return s.receive(m).kind;
          } catch (e) {
            assert.ok(isMycelError(e, "protocol_violation"), String(e));
            return "violation";
          }
        });
        assert.deepEqual(got, model(msgs, digestsEqual, ourEnd));
      },
    ),
    { seed: 121, numRuns: 20_000 },
  );
});

Deno.test("a checkpoint in parts: its head's chunks, then its parts', never beside a checkpoint, after entries, or with entries or end inside a piece", () => {
  const PH = (last: boolean): SyncMessage => ({
    type: "parts_head",
    chunk: new Uint8Array(3),
    last,
  });
  const PT = (last: boolean): SyncMessage => ({ type: "part", chunk: new Uint8Array(3), last });
  const body = () => {
    const s = afterHi(false);
    s.receive(HEADS([row(0)]));
    return s;
  };
  // The order the protocol has: chunks pass through as they come.
  const ok = body();
  for (const m of [PH(false), PH(true), PT(false), PT(true), PT(true)]) {
    const a = ok.receive(m);
    assert.equal(a.kind, m.type);
  }
  assert.equal(ok.receive(EN(1)).kind, "entries");
  assert.equal(ok.receive(END(1)).kind, "end");

  const refused: [string, SyncMessage[]][] = [
    ["a part before its head", [PT(true)]],
    ["a part inside its head", [PH(false), PT(true)]],
    ["a second head", [PH(true), PT(true), PH(true)]],
    ["entries inside a part", [PH(true), PT(false), EN(1)]],
    ["end inside a head", [PH(false), END(0)]],
    ["a checkpoint beside parts", [PH(true), CP(3, true)]],
    ["parts beside a checkpoint", [CP(3, true), PH(true)]],
    ["parts after entries", [EN(1), PH(true)]],
    ["a second checkpoint", [CP(3, true), CP(3, true)]],
  ];
  for (const [what, msgs] of refused) {
    const s = body();
    const last = msgs.pop()!;
    for (const m of msgs) s.receive(m);
    assertMycelError(() => s.receive(last), "protocol_violation", what);
  }
});

Deno.test("a checkpoint wait: once, before the checkpoint it announces, which must come before any entries or end; only if our hi said we take it", () => {
  const CPW: SyncMessage = { type: "checkpoint_wait" };
  const PH = (last: boolean): SyncMessage => ({
    type: "parts_head",
    chunk: new Uint8Array(3),
    last,
  });
  const PT = (last: boolean): SyncMessage => ({ type: "part", chunk: new Uint8Array(3), last });
  const body = (abilities = ABILITY_PARTS | ABILITY_CHECKPOINT_WAIT) => {
    const s = new SyncSession(abilities);
    s.receive(HI);
    s.setDigestsEqual(false);
    s.receive(HEADS([row(0)]));
    return s;
  };
  // Then parts, or one checkpoint; an ack (of what we sent) may come meanwhile.
  for (const then of [[PH(false), PH(true), PT(true)], [CP(3, false), CP(3, true)]]) {
    const s = body();
    s.noteOurEnd(true);
    assert.equal(s.receive(CPW).kind, "checkpoint_wait");
    assert.equal(s.checkpointDue, true);
    assert.equal(s.receive(ACK).kind, "ack");
    assert.equal(s.checkpointDue, true);
    s.receive(then[0]);
    assert.equal(s.checkpointDue, false, "its first chunk came");
    for (const m of then.slice(1)) s.receive(m);
    assert.equal(s.receive(EN(1)).kind, "entries");
    assert.equal(s.receive(END(1)).kind, "end");
  }
  const refused: [string, SyncMessage[], RegExp, number?][] = [
    ["a second notice", [CPW, CPW], /announced its checkpoint twice/],
    ["a notice after the checkpoint", [PH(true), PT(true), CPW], /after sending one/],
    ["a notice inside a checkpoint", [CP(3, false), CPW], /after sending one/],
    ["a notice after entries", [EN(1), CPW], /after entries/],
    ["entries in place of the checkpoint", [CPW, EN(1)], /entries before the checkpoint/],
    ["end in place of the checkpoint", [CPW, END(0)], /ended without the checkpoint/],
    ["a part before any head", [CPW, PT(true)], /part before its checkpoint head/],
    [
      "a notice to a peer that did not say it takes one",
      [CPW],
      /did not say we take/,
      ABILITY_PARTS,
    ],
  ];
  for (const [what, msgs, reason, abilities] of refused) {
    const s = body(abilities);
    const last = msgs.pop()!;
    for (const m of msgs) s.receive(m);
    const e = assertMycelError(() => s.receive(last), "protocol_violation", what);
    assert.match(e.message, reason, what);
  }
});
