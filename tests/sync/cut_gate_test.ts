/**
 * @module cut_gate_test
 * How often a home cuts its state into parts for its sessions
 * (src/sync/cut_budget.ts, the rule cut_gate.ts keeps per home): one cut at
 * a time; at most a quarter of the time; a cool-down per device after each
 * of its cuts and per group (the member that admitted it) after each cut of
 * the group; a device crowded out keeps its turn. The clock is the test's.
 * Devices are named by strings here. The session cases (the real sending
 * half) are cut_loop_test.ts, cut_gate_slow_reader_test.ts; a member asking
 * and hanging up (real processes) is cut_abandoned_test.ts.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import {
  CUT_COOL_DOWN_MS,
  CutBudget,
  DUTY_FACTOR,
  WAITING_MS,
  WHOLE_COOL_DOWN_MS,
} from "../../src/sync/cut_budget.ts";

function clocked() {
  const clock = { t: 1_000_000 };
  return { clock, gate: new CutBudget<string>(() => clock.t) };
}

function refused(take: () => unknown, why: RegExp): void {
  assert.throws(take, (e) => isMycelError(e, "busy") && why.test(e.message));
}

/** A cut taken, spooled and sent whole at once. */
function cutWhole(gate: CutBudget<string>, peer: string, group: string): void {
  const c = gate.take(peer, group);
  c.made();
  c.done(true);
}

Deno.test("a home cuts for one session at a time: another session asking meanwhile is refused busy, and may cut once the first is spooled", () => {
  const { gate } = clocked();
  const first = gate.take("beta", "beta");
  refused(() => gate.take("gamma", "gamma"), /cutting its state for another session/);
  first.made();
  const next = gate.take("gamma", "gamma"); // not busy: the first only sends now
  first.done(true);
  refused(() => gate.take("delta", "delta"), /cutting/); // gamma's cut holds it
  next.made();
  next.done(true);
  // Another home (another budget) cuts on its own.
  cutWhole(new CutBudget<string>(), "beta", "beta");
});

Deno.test("a device whose cut was sent whole is refused busy until the whole cool-down from the cut's start has passed, and the shorter one from its end", () => {
  const { clock, gate } = clocked();
  const c = gate.take("beta", "beta");
  c.made();
  clock.t += 5 * 60_000; // another session of it while its parts are still being sent
  refused(() => gate.take("beta", "beta"), /for this device moments ago/);
  c.done(true);
  // A send that took longer than the whole cool-down: the shorter one from its end.
  clock.t += CUT_COOL_DOWN_MS - 1;
  refused(() => gate.take("beta", "beta"), /for this device moments ago/);
  clock.t += 1;
  const start = clock.t;
  cutWhole(gate, "beta", "beta");
  clock.t = start + WHOLE_COOL_DOWN_MS - 1;
  refused(() => gate.take("beta", "beta"), /for this device moments ago/);
  clock.t += 1;
  cutWhole(gate, "beta", "beta");
});

Deno.test("a device that could not take the cut sent to it whole (its disk full) is cut for again at its second round after", () => {
  const { clock, gate } = clocked();
  // Its round starts at `round`; the cut starts 2 s in, is spooled at 7 s, sent by 25 s.
  const round = clock.t;
  clock.t = round + 2_000;
  const c = gate.take("beta", "beta");
  clock.t = round + 7_000;
  c.made();
  clock.t = round + 25_000;
  c.done(true);
  clock.t = round + 30_000 + 2_000; // its next round, at the same point
  refused(() => gate.take("beta", "beta"), /for this device moments ago/);
  clock.t = round + 60_000 + 2_000; // the one after: before, refused until 85 s (25 s + 60 s)
  cutWhole(gate, "beta", "beta");
});

Deno.test("a device whose cut was abandoned is refused busy for the shorter cool-down; other members are not", () => {
  const { clock, gate } = clocked();
  const c = gate.take("beta", "beta");
  c.done(false);
  c.done(true); // given back once: a second call changes nothing
  refused(() => gate.take("beta", "beta"), /for this device moments ago/);
  cutWhole(gate, "gamma", "gamma");
  clock.t += CUT_COOL_DOWN_MS;
  cutWhole(gate, "beta", "beta");
});

Deno.test("the made-up devices one member admitted share its group's cool-down: a fresh key of that group is refused busy, a device of another group is not", () => {
  const { clock, gate } = clocked();
  cutWhole(gate, "made-up 1", "mallory");
  refused(() => gate.take("made-up 2", "mallory"), /admitted by the same member/);
  cutWhole(gate, "beta", "beta");
  clock.t += CUT_COOL_DOWN_MS;
  // Made-up 2 waited first (refused above), but its group was served more lately than none.
  cutWhole(gate, "made-up 2", "mallory");
});

Deno.test("a home cuts at most a quarter of the time: after a cut that took d, any device asking within 3 d is refused busy", () => {
  const { clock, gate } = clocked();
  const c = gate.take("made-up 1", "mallory");
  clock.t += 4000; // the cut took 4 s
  c.made();
  clock.t += DUTY_FACTOR * 4000 - 1;
  refused(() => gate.take("beta", "beta"), /rests between cuts/);
  clock.t += 1;
  cutWhole(gate, "beta", "beta");
});

Deno.test("a device crowded out by a looping member keeps its turn: the looping member's next ask is refused while it waits, and its next round gets the cut", () => {
  const { clock, gate } = clocked();
  const c = gate.take("made-up 1", "mallory");
  refused(() => gate.take("beta", "beta"), /cutting/); // beta's round is crowded out
  c.made();
  c.done(true);
  // The looping member asks first and often, with fresh keys of its group and of other groups.
  clock.t += CUT_COOL_DOWN_MS;
  refused(() => gate.take("made-up 2", "mallory"), /waited longer/);
  refused(() => gate.take("made-up 3", "made-up 2"), /waited longer/);
  clock.t += 30_000; // beta's next round
  cutWhole(gate, "beta", "beta");
});

Deno.test("a waiting device that stops asking holds no one up once its wait has lapsed", () => {
  const { clock, gate } = clocked();
  const c = gate.take("beta", "beta");
  refused(() => gate.take("gamma", "gamma"), /cutting/);
  c.made();
  c.done(true);
  clock.t += 1000;
  refused(() => gate.take("delta", "delta"), /waited longer/); // gamma's turn
  clock.t += WAITING_MS + 1; // gamma never came back
  cutWhole(gate, "delta", "delta");
});

Deno.test("a whole checkpoint we refused as too large is no cut for the device: updated, it is cut for in parts at once; the home rests after the try for every other ask, a device waiting keeping its turn", () => {
  const { clock, gate } = clocked();
  // Beta on an earlier release asks for a whole checkpoint: we try, it is too large.
  const tried = gate.take("beta", "beta", true);
  refused(() => gate.take("gamma", "gamma"), /cutting its state for another session/);
  clock.t += 30_000; // the try took long: it cost what a cut of 30 s costs
  tried.refused();
  tried.done(false); // as exchange_send.ts's finally calls it: no effect after refused
  // The home rests 3 × 30 s: for gamma, and for beta asking whole again.
  refused(() => gate.take("gamma", "gamma"), /rests between cuts/);
  refused(() => gate.take("beta", "beta", true), /rests between cuts/);
  // Beta in parts is spared the rest, but gamma waited first (refused above).
  refused(() => gate.take("beta", "beta"), /waited longer/);
  clock.t += DUTY_FACTOR * 30_000;
  const g = gate.take("gamma", "gamma");
  g.made();
  g.done(true);
  const parts = gate.take("beta", "beta"); // no cool-down from the refused try
  parts.made();
  parts.done(true);
});

Deno.test("a device refused a whole checkpoint as too large, no one waiting, is cut for in parts at once; a device asking then is refused: the home rests after the try", () => {
  const { clock, gate } = clocked();
  const tried = gate.take("beta", "beta", true);
  clock.t += 2000;
  tried.refused();
  tried.done(false);
  clock.t += 1;
  const parts = gate.take("beta", "beta");
  parts.made();
  parts.done(true);
  refused(() => gate.take("delta", "delta"), /rests between cuts/);
  clock.t += DUTY_FACTOR * 2000;
  cutWhole(gate, "delta", "delta");
});

Deno.test("a device whose whole checkpoint we refused as too large had its turn: a device refused while we tried is cut for before the same device tries again", () => {
  const { clock, gate } = clocked();
  const first = gate.take("gamma", "gamma");
  refused(() => gate.take("beta", "beta"), /cutting/); // beta, on an earlier release, waits
  first.made();
  first.done(true);
  clock.t += 1000;
  const tried = gate.take("beta", "beta", true); // its turn: a whole checkpoint, too large
  refused(() => gate.take("delta", "delta"), /cutting/);
  clock.t += 20_000;
  tried.refused();
  // The rest after the try (3 × 20 s), then delta's turn: before, beta's
  // wait was put back, older than delta's, and delta was refused for it.
  clock.t += DUTY_FACTOR * 20_000;
  refused(() => gate.take("beta", "beta", true), /waited longer/);
  cutWhole(gate, "delta", "delta");
});

Deno.test("the rest after a cut counts from when its making began, not from the take: a wait before it (for the home's write lock) is no cutting", () => {
  const { clock, gate } = clocked();
  const c = gate.take("beta", "beta");
  refused(() => gate.take("gamma", "gamma"), /cutting/); // one at a time, waiting or not
  clock.t += 50_000; // behind a write waiting for another process's lock
  c.began();
  clock.t += 1000; // the cut
  c.began(); // a second making (whole, with the peer's heads): the first counts
  clock.t += 1000;
  c.made();
  c.done(true);
  refused(() => gate.take("delta", "delta"), /rests between cuts/);
  clock.t += DUTY_FACTOR * 2000;
  cutWhole(gate, "gamma", "gamma");
});

Deno.test("a device's cut in parts spared the rest after its refused whole try adds its own rest to that one: cutting stays at most a quarter of the time", () => {
  const { clock, gate } = clocked();
  const start = clock.t;
  // A member's device claims no parts against a state too large to go whole.
  const tried = gate.take("made-up 1", "mallory", true);
  tried.began();
  clock.t += 10_000;
  tried.refused();
  // The same device in parts, spared the rest, cut at once: 7.5 s.
  const parts = gate.take("made-up 1", "mallory");
  parts.began();
  clock.t += 7_500;
  parts.made();
  parts.done(true);
  // 17.5 s of cutting: no cut for anyone else before 4 × 17.5 s from the start.
  // Before, the second rest ran from the first's end (3 × 7.5 s): 40 s, 44 % cutting.
  clock.t = start + (DUTY_FACTOR + 1) * 17_500 - 1;
  refused(() => gate.take("gamma", "gamma"), /rests between cuts/);
  clock.t += 1;
  cutWhole(gate, "gamma", "gamma");
});
