/**
 * @module static_keys_test
 * Neither side's static Noise key reaches someone who does not know the code.
 * The MITM proxy (fixtures/mitm_proxy.ts, `--lie --record`) answers a real
 * joiner itself, pretending its wrong guess matched, and tries the same guess
 * on a real inviter; it records every byte either side sent it, and says so
 * if a handshake message ever decrypts for it. Both `mycel` processes run
 * with fixtures/key_spy.ts, which logs each one's static Noise public key
 * (the joiner's exists only in memory: no home is left when pairing fails).
 *
 * `Noise_XXpsk1`: the inviter's static key travels in message 2 and the
 * joiner's in message 3; the code's key is mixed in at the end of message 1.
 * So with a wrong code the inviter sends its CPace share and then a refusal
 * in place of message 2, and the joiner, unable to read the forged message
 * 2, sends its hello and message 1 (an ephemeral key and a tag) and nothing
 * else. Frames are counted, not only searched for the keys: a static key in
 * a message that was sent anyway would be encrypted under the ephemeral DH
 * the proxy shares (plain XX, psk2, psk3), invisible in the bytes yet
 * readable to it. The control run, where the proxy knows the code, shows
 * that the same recording does see messages 2 and 3 and the proxy does learn
 * both keys.
 */

import assert from "node:assert/strict";
import { fromBase64, fromHex, toBase64, toBase64Url, toHex, utf8 } from "../../src/bytes.ts";
import { decodeCard } from "../../src/protocol/card.ts";
import { decodePairingCode } from "../../src/protocol/pairing_code.ts";
import {
  decodePairAnswer,
  decodePairHello,
  refusalInstead,
} from "../../src/protocol/pairing_messages.ts";
import { describe, type TempHome, tempHome } from "../helpers/mycel.ts";
import { freePort } from "../helpers/net.ts";
import type { Proc } from "../helpers/process.ts";
import {
  CODE_RE,
  containsBytes,
  device,
  exists,
  framesOf,
  spawnSpied,
  startProxy,
} from "./_helpers.ts";

/** Each static key logged to `file` by the spy. */
async function loggedKeys(file: string): Promise<Uint8Array[]> {
  return (await Deno.readTextFile(file)).trim().split("\n").map(fromHex);
}

/** Assert that no form of `key` is in `bytes` (`where` says what they are). */
function assertNotIn(bytes: Uint8Array, key: Uint8Array, what: string, where: string): void {
  for (
    const [form, b] of [
      ["raw", key],
      ["its first half", key.subarray(0, 16)],
      ["its second half", key.subarray(16)],
      ["base64", utf8(toBase64(key))],
      ["base64url", utf8(toBase64Url(key))],
      ["hex", utf8(toHex(key))],
    ] as const
  ) {
    assert.equal(containsBytes(bytes, b), false, `${what} (${form}) found in ${where}`);
  }
}

/** One joiner run against the proxy keyed by `guess`: what each side sent it. */
async function attack(port: number, code: string, j: TempHome, guess: string, tag: string) {
  const record = j.path(`${tag}.rec`), keys = j.path(`${tag}.static`);
  const proxy = await startProxy([
    ...["--target", `127.0.0.1:${port}`, "--mode", "mitm", "--guess", guess],
    ...["--lie", "--record", record],
  ]);
  try {
    const args = ["pair", code, "--name", "victim", "--peer", `127.0.0.1:${proxy.port}`];
    const joiner = await spawnSpied(j, args, j.path(`${tag}.psk`), keys).result();
    await proxy.proc.waitFor(/recorded the joiner's connection/);
    const [joinerKey, ...more] = await loggedKeys(keys);
    assert.equal(more.length, 0, "one handshake on the joiner");
    return {
      joiner: describe(args, joiner),
      joinerCode: joiner.code,
      joinerKey,
      said: proxy.proc.stdout,
      fromInviter: await Deno.readFile(`${record}.from-inviter`),
      fromJoiner: await Deno.readFile(`${record}.from-joiner`),
    };
  } finally {
    await proxy.proc.stop();
  }
}

Deno.test("pairing: a man in the middle without the code never gets either side's static Noise key", async () => {
  await using a = await device("alpha");
  await a.init();
  await using j = await tempHome("mycel-pair-victim-");
  const card = await a.t.json<{ card: string }>(["mesh", "card", "--json"]);
  const inviterKey = fromBase64((await decodeCard(card.card)).record.noiseKey);
  const inviterKeys = a.t.path("inviter.static");
  const port = freePort();
  const procs: Proc[] = [];
  try {
    const listen = ["pair", "--listen", `127.0.0.1:${port}`, "--ttl", "1m"];
    const inviter = spawnSpied(a.t, listen, a.t.path("inviter.psk"), inviterKeys);
    procs.push(inviter);
    const code = (await inviter.waitFor(CODE_RE))[1];
    await inviter.waitFor(/Waiting for one device/);
    const secret = toHex(decodePairingCode(code).secret);
    const guess = secret === "0123456789" ? "9876543210" : "0123456789";

    const run = await attack(port, code, j, guess, "wrong");
    // The key looked for is the one the inviter's handshake used.
    for (const k of await loggedKeys(inviterKeys)) assert.deepEqual(k, inviterKey);
    for (const who of ["inviter", "joiner"]) {
      const learned = new RegExp(`learned the ${who}'s static key`);
      assert.doesNotMatch(run.said, learned, `the ${who}'s message decrypted for the proxy`);
    }
    // The inviter sent its CPace share and a refusal: no message 2.
    const i = framesOf(run.fromInviter);
    assert.equal(i.frames.length, 2, "the inviter sent two frames, no Noise message");
    assert.equal(i.rest, 0, "nothing but whole frames from the inviter");
    assert.ok("share" in decodePairAnswer(i.frames[0]), "its CPace share");
    assert.equal(refusalInstead(i.frames[1])?.code, "wrong_code", "then its refusal");
    assertNotIn(run.fromInviter, inviterKey, "the inviter's static key", "what the inviter sent");
    // The joiner sent its hello and message 1 (e and a tag): no message 3.
    const jf = framesOf(run.fromJoiner);
    assert.equal(jf.frames.length, 2, "the joiner sent its hello and message 1, no message 3");
    assert.equal(jf.rest, 0, "nothing but whole frames from the joiner");
    decodePairHello(jf.frames[0]);
    assert.equal(jf.frames[1].length, 32 + 16, "message 1: an ephemeral key and a tag");
    assertNotIn(run.fromJoiner, run.joinerKey, "the joiner's static key", "what the joiner sent");
    assertNotIn(utf8(run.said), run.joinerKey, "the joiner's static key", "what the proxy printed");
    assertNotIn(utf8(run.said), inviterKey, "the inviter's static key", "what the proxy printed");
    // How each side ended: the joiner named the impostor, the inviter counted a wrong code.
    assert.equal(run.joinerCode, 1, run.joiner);
    assert.match(run.joiner, /the other side does not know the code/);
    assert.equal(await exists(j.home), false, "no home for a failed pairing");
    assert.match(run.said, /sent a forged handshake message/);
    await inviter.waitFor(/wrong code \(2 attempts left\)/);

    // Control: knowing the code, the same proxy gets messages 2 and 3, and both keys.
    const known = await attack(port, code, j, secret, "right");
    assert.equal(known.joinerCode, 1, known.joiner);
    assert.match(known.said, new RegExp(`learned the inviter's static key ${toHex(inviterKey)}`));
    assert.match(
      known.said,
      new RegExp(`learned the joiner's static key ${toHex(known.joinerKey)}`),
    );
    const ki = framesOf(known.fromInviter).frames, kj = framesOf(known.fromJoiner).frames;
    assert.equal(
      ki[1]?.length,
      32 + 48 + 16,
      "the inviter's message 2 (e, s and a tag) was recorded",
    );
    assert.ok(kj.length === 3 && kj[2].length > 48, "the joiner's message 3 was recorded");
  } finally {
    for (const p of procs) await p.stop();
  }
});
