/**
 * @module cut_budget_shared_test
 * The cut rule's state kept in a file for the `--stdio` processes of a home
 * (src/sync/cut_budget_shared.ts), in a temporary folder, by the test's
 * clock: two handles on one folder decide as one gate; a cut whose holder
 * died is abandoned when the holder was last alive
 * (cut_transitions.ts `settle`); the state stays small whatever the number
 * of made-up devices; a folder that can't be used costs a note, and the
 * process decides alone. Real processes under socket activation:
 * cut_stdio_test.ts.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import {
  CUT_COOL_DOWN_MS,
  type CutState,
  DUTY_FACTOR,
  freshState,
  MAX_KEPT,
  settle,
  take,
} from "../../src/sync/cut_transitions.ts";
import { SharedCutBudget, STATE_FILE } from "../../src/sync/cut_budget_shared.ts";

function refused(f: () => unknown, why: RegExp): void {
  assert.throws(f, (e) => isMycelError(e, "busy") && why.test(e.message));
}

async function folder(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-cuts-" });
  return { dir, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

function budget(dir: string, clock: { t: number }, notes: string[] = []) {
  return new SharedCutBudget<string>(() => dir, String, (l) => notes.push(l), () => clock.t);
}

Deno.test("two handles on one folder decide as one gate: a cut taken through one refuses another through the other, and its cool-down holds there", async () => {
  await using f = await folder();
  const clock = { t: 5_000_000 };
  const one = budget(f.dir, clock), two = budget(f.dir, clock);
  const c = one.take("beta", "beta");
  refused(() => two.take("gamma", "gamma"), /cutting its state for another session/);
  c.made();
  c.done(false);
  refused(() => two.take("beta", "beta"), /for this device moments ago/);
  clock.t += CUT_COOL_DOWN_MS;
  // Gamma waited (refused above): its turn first, through either handle.
  refused(() => one.take("beta", "beta"), /waited longer/);
  two.take("gamma", "gamma").done(true);
  const st = Deno.lstatSync(`${f.dir}/${STATE_FILE}`);
  assert.equal((st.mode ?? 0) & 0o777, 0o600);
});

Deno.test("a cut whose holder died counts as abandoned when it was last alive: the home rests three times its time so far, its device the cool-down from then", () => {
  const s: CutState = freshState();
  const k = take(s, 1_000, "beta", "beta", "4242-77");
  s.held.beta.alive = 3_000; // renewed 2 s in, then the process died
  refused(() => take(s, 60_000, "gamma", "gamma", "1-1"), /cutting/); // still alive here
  settle(s, (holder) => holder !== "4242-77");
  assert.deepEqual(s.held, {});
  assert.equal(s.openAt, 3_000 + DUTY_FACTOR * (3_000 - k.since));
  assert.equal(s.coolUntil.beta, 3_000 + CUT_COOL_DOWN_MS);
  const later = take(s, 60_001, "gamma", "gamma", "1-1"); // gamma waited: its turn
  assert.equal(later.peer, "gamma");
});

Deno.test("a process that died holding a cut, found in the shared file, holds the gate no longer than its cut's rule", async () => {
  await using f = await folder();
  const clock = { t: 5_000_000 };
  const s = freshState();
  // No process has pid 0 ("0-1" is never live): as a crashed holder's entry.
  take(s, clock.t, "beta", "beta", "0-1");
  Deno.writeTextFileSync(`${f.dir}/${STATE_FILE}`, JSON.stringify(s));
  clock.t += 1;
  const g = budget(f.dir, clock).take("gamma", "gamma");
  g.made();
  g.done(true);
  refused(() => budget(f.dir, clock).take("beta", "beta"), /for this device moments ago/);
});

Deno.test("thousands of made-up devices refused keep at most MAX_KEPT waiting: the shared file stays small", async () => {
  await using f = await folder();
  const clock = { t: 5_000_000 };
  const gate = budget(f.dir, clock);
  const c = gate.take("honest", "honest");
  for (let i = 0; i < 4 * MAX_KEPT; i++) {
    refused(() => gate.take(`made-up ${i}`.padEnd(64, "0"), `mallory ${i}`), /cutting/);
  }
  c.made();
  c.done(true);
  const kept = JSON.parse(Deno.readTextFileSync(`${f.dir}/${STATE_FILE}`)) as CutState;
  assert.equal(Object.keys(kept.waiting).length, MAX_KEPT);
  assert.ok(kept.waiting[`made-up 0`.padEnd(64, "0")], "the first to wait keep their turn");
  assert.ok(Deno.statSync(`${f.dir}/${STATE_FILE}`).size < 64 << 10);
});

Deno.test("a folder that can't be used costs a note once, and this process's own gate decides", () => {
  const clock = { t: 5_000_000 };
  const notes: string[] = [];
  const gate = new SharedCutBudget<string>(
    () => {
      throw new Error("no memory file system is mounted");
    },
    String,
    (l) => notes.push(l),
    () => clock.t,
  );
  const c = gate.take("beta", "beta");
  refused(() => gate.take("gamma", "gamma"), /cutting/);
  c.made();
  c.done(true);
  gate.leftWaiting("gamma");
  assert.deepEqual(notes, [
    "note: cuts not counted across processes: no memory file system is mounted",
  ]);
});
