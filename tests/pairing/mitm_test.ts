/**
 * @module mitm_test
 * Someone on the path between the joiner and the inviter who does not know
 * the code (tests/pairing/fixtures/mitm_proxy.ts, on 127.0.0.1; the joiner
 * is pointed at it with `--peer`).
 *
 * Passive: the relay forwards everything, so pairing completes, and what it
 * recorded holds neither the code's secret nor the CPace key. Both real
 * mycel processes run with a preload (fixtures/key_spy.ts) that logs the
 * Noise PSK each derived — the CPace key — so the test knows what to look for.
 *
 * Why a recorded transcript allows no offline guessing: the only values in
 * clear are the session id and the two CPace shares Ya = ya·G and Yb = yb·G,
 * where G is derived from the secret and ya, yb are fresh random scalars.
 * For any candidate secret s' there is a scalar that explains Ya just as
 * well, so the shares say nothing about the secret; and to check a guess
 * against the encrypted Noise messages one needs the key ya·Yb, which needs
 * ya or yb. Only a party that takes part in the run — choosing its own
 * scalar against its own guess G(s') — can test a guess, once per run, and
 * the inviter stops after 3 failures. Everything after the shares is Noise
 * (ephemeral DH plus the CPace key as PSK), so the device records, the
 * admission and the synced state are not readable either.
 *
 * Active: a proxy that answers the joiner itself with its own CPace run
 * (keyed by a guess) gets nowhere. Pairing runs `Noise_XXpsk1`: the code's
 * key is mixed in at the end of the first message, so the joiner's first
 * message does not decrypt for the proxy, and if the proxy pretends the code
 * matched, its second message does not decrypt for the joiner, which stops
 * there ("the other side does not know the code") before its own static key
 * or record is sent, and never pairs. The proxy's own attempt at the inviter
 * costs one of the three attempts and is refused before the inviter's static
 * key is sent. After that the real joiner still pairs directly.
 */

import assert from "node:assert/strict";
import { fromHex, toHex, utf8 } from "../../src/bytes.ts";
import { decodePairingCode } from "../../src/protocol/pairing_code.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";
import type { Proc } from "../helpers/process.ts";
import {
  CODE_RE,
  containsBytes,
  device,
  exists,
  spawnSpied,
  startInviter,
  startProxy,
  verificationOf,
} from "./_helpers.ts";

async function readOr(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch {
    return new Uint8Array();
  }
}

Deno.test("pairing: a passive relay sees neither the secret nor the CPace key", async () => {
  await using a = await device("alpha");
  await a.init();
  await using b = await tempHome("mycel-pair-beta-");
  const inviterKeys = a.t.path("inviter.keys");
  const joinerKeys = b.path("joiner.keys");
  const transcript = b.path("transcript");
  const port = freePort();
  const procs: Proc[] = [];
  try {
    const inviter = spawnSpied(
      a.t,
      ["pair", "--listen", `127.0.0.1:${port}`, "--ttl", "1m"],
      inviterKeys,
    );
    procs.push(inviter);
    const code = (await inviter.waitFor(CODE_RE))[1];
    await inviter.waitFor(/Waiting for one device/);
    const proxy = await startProxy([
      "--target",
      `127.0.0.1:${port}`,
      "--mode",
      "relay",
      "--transcript",
      transcript,
    ]);
    procs.push(proxy.proc);
    const joiner = spawnSpied(
      b,
      ["pair", code, "--name", "beta", "--peer", `127.0.0.1:${proxy.port}`],
      joinerKeys,
    );
    procs.push(joiner);
    const j = await joiner.result();
    const i = await inviter.result();
    assert.equal(j.code, 0, describe(["pair", code, "--peer", "PROXY"], j));
    assert.equal(i.code, 0, describe(["pair"], i));
    assert.match(j.stdout, /paired with alpha/);
    const v = verificationOf(j.stderr);
    assert.ok(v);
    assert.equal(verificationOf(i.stderr), v, "both screens show the same string");
    await proxy.proc.waitFor(/relay closed/);

    // The spy saw one PSK on each side, and both derived the same CPace key.
    const ki = (await Deno.readTextFile(inviterKeys)).trim().split("\n");
    const kj = (await Deno.readTextFile(joinerKeys)).trim().split("\n");
    assert.equal(ki.length, 1, "one pairing handshake on the inviter");
    assert.equal(kj.length, 1, "one pairing handshake on the joiner");
    assert.equal(ki[0], kj[0], "both sides derived the same CPace key");
    const cpaceKey = fromHex(kj[0]);
    assert.equal(cpaceKey.length, 32);

    const j2i = await readOr(`${transcript}.j2i`);
    const i2j = await readOr(`${transcript}.i2j`);
    assert.ok(j2i.length > 100 && i2j.length > 100, "the relay recorded both directions");
    // The hello is in clear: the transcript really is what crossed the wire.
    assert.ok(containsBytes(j2i, utf8("pair")), "the CBOR hello was recorded");
    const wire = new Uint8Array([...j2i, ...i2j]);
    const { secret } = decodePairingCode(code);
    for (
      const [what, bytes] of [
        ["the secret", secret],
        ["the secret as hex text", utf8(toHex(secret))],
        ["the code text", utf8(code)],
        ["the code without dashes", utf8(code.replaceAll("-", ""))],
        ["the CPace key", cpaceKey],
        ["half of the CPace key", cpaceKey.subarray(0, 16)],
        ["the CPace key as hex text", utf8(kj[0])],
        ["the inviter's name", utf8("alpha")],
        ["the joiner's name", utf8("beta")],
      ] as const
    ) {
      for (
        const [dir, data] of [["joiner→inviter", j2i], ["inviter→joiner", i2j], [
          "both",
          wire,
        ]] as const
      ) {
        assert.equal(containsBytes(data, bytes), false, `${what} crossed the wire (${dir})`);
      }
    }
  } finally {
    for (const p of procs) await p.stop();
  }
});

Deno.test("pairing: an active man in the middle without the code never completes pairing", async () => {
  await using a = await device("alpha");
  await a.init();
  await using j = await tempHome("mycel-pair-victim-");
  await using b = await tempHome("mycel-pair-beta-");
  const inv = await startInviter(a.t, { ttl: "2m" });
  const procs: Proc[] = [];
  try {
    const guess = toHex(crypto.getRandomValues(new Uint8Array(5)));
    assert.notEqual(guess, toHex(decodePairingCode(inv.code).secret));
    const target = ["--target", `127.0.0.1:${inv.port}`, "--mode", "mitm", "--guess", guess];

    // 1. The proxy pretends the code matched and forges the second handshake message.
    const liar = await startProxy([...target, "--lie"]);
    procs.push(liar.proc);
    const args = ["pair", inv.code, "--name", "victim", "--peer", `127.0.0.1:${liar.port}`];
    const r1 = await j.run(args);
    assert.equal(r1.code, 1, describe(args, r1));
    assert.match(r1.stderr, /the other side does not know the code/, describe(args, r1));
    assert.doesNotMatch(r1.stdout, /paired with/, describe(args, r1));
    assert.equal(await exists(j.home), false, "no home for a failed pairing");
    await liar.proc.waitFor(/sent a forged handshake message/);
    assert.match(liar.proc.stdout, /joiner's message did not decrypt/);
    // Towards the inviter its guess burnt one attempt and failed.
    assert.match(
      liar.proc.stdout,
      /inviter said: wrong_code: code did not match \(2 attempts left\)/,
    );
    await inv.proc.waitFor(/wrong code \(2 attempts left\)/);
    // Neither screen ever showed a verification string.
    assert.equal(verificationOf(r1.stderr), undefined, "the joiner never got that far");
    assert.doesNotMatch(inv.proc.stderr, /verification:/, "the inviter never got that far");
    await liar.proc.stop();

    // 2. An honest-looking proxy: the joiner is told the code did not match.
    const teller = await startProxy(target);
    procs.push(teller.proc);
    const args2 = ["pair", inv.code, "--name", "victim", "--peer", `127.0.0.1:${teller.port}`];
    const r2 = await j.run(args2);
    assert.equal(r2.code, 1, describe(args2, r2));
    assert.match(r2.stderr, /code did not match/, describe(args2, r2));
    assert.equal(await exists(j.home), false);
    assert.match(
      teller.proc.stdout,
      /inviter said: wrong_code: code did not match \(1 attempt left\)/,
    );
    await teller.proc.stop();

    // 3. With one attempt left, the real device pairs directly.
    const args3 = ["pair", inv.code, "--name", "beta"];
    const r3 = await b.run(args3);
    assert.equal(r3.code, 0, describe(args3, r3));
    const i = await inv.proc.result();
    assert.equal(i.code, 0, describe(["pair"], i));
    assert.equal(verificationOf(i.stderr), verificationOf(r3.stderr));
    const names = (await a.meshList()).map((r) => r.name).sort();
    assert.deepEqual(names, ["alpha", "beta"], "the attacker was never admitted");
  } finally {
    for (const p of procs) await p.stop();
    await inv.proc.stop();
  }
});
