/**
 * @module unanswered_question_test
 * A joiner that said yes (or was piped the code, which skips the question)
 * waits for the other screen's answer only so long; when nobody answers
 * there, it says so: the other device did not answer the verification
 * question in time, with what to do. Before, found by an exploration
 * helper, it said "Cannot read from peer: no data within 300s" with a hint
 * to check the network, which was fine: the inviter was waiting at its
 * question. Inviter and joiner run in this process (the joiner's deadline
 * shortened; the question's wait is twenty of them), over loopback TCP.
 */

import assert from "node:assert/strict";
import { isMycelError } from "../../src/errors.ts";
import { invite } from "../../src/sync/pairing_inviter.ts";
import { join } from "../../src/sync/pairing_joiner.ts";
import { tempHome } from "../helpers/mycel.ts";
import { device } from "./_helpers.ts";

Deno.test("pairing: a joiner whose yes is never answered on the other screen says so, not that the network failed", async () => {
  await using a = await device("alpha");
  await a.init();
  await using b = await tempHome("mycel-pair-unanswered-");
  const stop = new AbortController();
  let code!: (c: string) => void;
  const shown = new Promise<string>((r) => code = r);
  let asked!: () => void;
  const question = new Promise<void>((r) => asked = r);
  const inviting = invite(a.t.home, {
    bindHost: "127.0.0.1",
    port: 0,
    advertiseHost: "127.0.0.1",
    ttlMs: 60_000,
    lingerMs: 0,
    now: () => Date.now(),
    timeText: (ms) => new Date(ms).toISOString(),
    env: () => undefined,
    signal: stop.signal,
    onCode: (c) => code(c),
    log: () => {},
    // Nobody at the inviter's screen: its question stays open until dropped.
    confirm: (_v, dropped) => {
      asked();
      return new Promise<boolean>((r) => dropped.addEventListener("abort", () => r(false)));
    },
  });
  try {
    const joining = join(b.home, await shown, {
      name: "beta",
      now: () => Date.now(),
      env: () => undefined,
      timeoutMs: 150,
      log: () => {},
      confirm: () => Promise.resolve(true),
    });
    const e = await joining.then(() => undefined, (e: unknown) => e);
    await question;
    assert.ok(isMycelError(e, "pairing_timeout"), `not a pairing timeout: ${e}`);
    assert.match(
      e.message,
      /the other device did not answer the verification question within 3s/,
    );
    assert.match(e.hint ?? "", /answer the question on both screens/);
    assert.doesNotMatch(`${e.message} ${e.hint}`, /network|no data within/);
  } finally {
    stop.abort();
    await inviting.catch(() => {});
  }
});
