/**
 * @module used_while_connected_test
 * A device that reached `mycel pair` before another device used the code,
 * but was not yet through to its code check, is told "code already used"
 * when the inviter ends, and the inviter closes its connection only once
 * it has read what that device still sends: no reset. Before, the inviter
 * closed such connections on its way out, unread: the device's hello or
 * Noise message then met a closed socket, the kernel reset the connection,
 * and the joiner said "the peer reset the connection" (one run in three of
 * two `mycel pair CODE` at once). Real `mycel` processes on loopback; the
 * late device is a socket driven here, step by step.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { generateNoiseKeyPair, Handshake } from "../../src/crypto/noise.ts";
import { cpaceStart } from "../../src/crypto/cpace.ts";
import { decodePairingCode } from "../../src/protocol/pairing_code.ts";
import {
  decodePairAnswer,
  encodePairHello,
  type Refusal,
  refusalInstead,
} from "../../src/protocol/pairing_messages.ts";
import { PAIRING_NOISE, pairingChannelId, pairingPrologue } from "../../src/sync/pairing_common.ts";
import { describe, tempHome } from "../helpers/mycel.ts";
import { device, framed, startInviter } from "./_helpers.ts";

/** A raw connection: its frames as they come, and how it ended. */
function rawJoiner(port: number) {
  const socket = net.connect({ host: "127.0.0.1", port });
  let buf = new Uint8Array(0);
  let ended: string | undefined;
  let wake = () => {};
  socket.on("data", (d: Uint8Array) => {
    const n = new Uint8Array(buf.length + d.length);
    n.set(buf);
    n.set(d, buf.length);
    buf = n;
    wake();
  });
  socket.on("end", () => (ended ??= "end", wake()));
  socket.on("error", (e: NodeJS.ErrnoException) => (ended = e.code ?? String(e), wake()));
  socket.on("close", () => (ended ??= "closed", wake()));
  const connected = new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  /** The next frame, or how the connection ended instead ("end", "ECONNRESET", ...). */
  const frame = async (ms = 20_000): Promise<Uint8Array | string> => {
    const end = performance.now() + ms;
    while (true) {
      if (buf.length >= 2 && buf.length >= 2 + ((buf[0] << 8) | buf[1])) {
        const f = buf.slice(2, 2 + ((buf[0] << 8) | buf[1]));
        buf = buf.slice(2 + f.length);
        return f;
      }
      if (ended !== undefined) return ended;
      const left = end - performance.now();
      if (left <= 0) return "no answer in time";
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        wake = () => (clearTimeout(t), r());
      });
    }
  };
  return {
    connected,
    frame,
    write: (bytes: Uint8Array) => new Promise<void>((r) => socket.write(bytes, () => r())),
    /** How it ended, once it did (waits up to `ms`). */
    async ending(ms = 10_000): Promise<string> {
      const got = await frame(ms);
      return typeof got === "string" ? got : "an unexpected frame";
    },
    destroy: () => socket.destroy(),
  };
}

/** The refusal in `got`, a frame read at `where`, or a failed assertion. */
function refusalIn(got: Uint8Array | string, where: "answer" | "noise"): Refusal {
  assert.ok(typeof got !== "string", `no refusal: the connection ended (${got})`);
  const r = where === "answer" ? decodePairAnswer(got) : { refusal: refusalInstead(got) };
  assert.ok("refusal" in r && r.refusal, `not a refusal at the ${where}`);
  return r.refusal;
}

Deno.test("pairing: a device connected but silent when the code is used is told 'code already used'", async () => {
  await using a = await device("alpha");
  await a.init();
  await using j = await tempHome("mycel-pair-first-");
  const inv = await startInviter(a.t);
  const late = rawJoiner(inv.port);
  try {
    await late.connected;
    const args = ["pair", inv.code, "--name", "first"];
    const r = await j.run(args);
    assert.equal(r.code, 0, describe(args, r));
    // Its hello not sent yet: the refusal comes in place of the answer.
    const refusal = refusalIn(await late.frame(), "answer");
    assert.equal(refusal.code, "used");
    assert.match(refusal.message, /code already used/);
    // The hello a joiner sends now is read, and the connection ends cleanly.
    await late.write(framed(encodePairHello(helloOf(inv.code).hello)));
    assert.equal(await late.ending(), "end");
    const i = await inv.proc.result();
    assert.equal(i.code, 0, describe(["pair"], i));
    assert.equal((await a.meshList()).length, 2, "only first was admitted");
  } finally {
    late.destroy();
    await inv.proc.stop();
  }
});

Deno.test("pairing: a device whose code check had not come when the code was used is told 'code already used'", async () => {
  await using a = await device("alpha");
  await a.init();
  await using j = await tempHome("mycel-pair-first-");
  const inv = await startInviter(a.t);
  const late = rawJoiner(inv.port);
  try {
    await late.connected;
    // Hello sent and answered (the opening, which costs the code nothing);
    // its first Noise message, the code check, is not sent yet.
    const { hello, cpace } = helloOf(inv.code);
    await late.write(framed(encodePairHello(hello)));
    const answer = decodePairAnswer(await late.frame() as Uint8Array);
    assert.ok("share" in answer, "the hello was answered");
    const args = ["pair", inv.code, "--name", "first"];
    const r = await j.run(args);
    assert.equal(r.code, 0, describe(args, r));
    // The refusal comes where the answer to its Noise message would.
    const refusal = refusalIn(await late.frame(), "noise");
    assert.equal(refusal.code, "used");
    assert.match(refusal.message, /code already used/);
    // The Noise message a slow joiner sends now is read; the end is clean.
    const { isk } = cpace.finish(answer.share);
    const hs = Handshake.create({
      protocol: PAIRING_NOISE,
      initiator: true,
      prologue: pairingPrologue(hello.sid, hello.share, answer.share),
      staticKey: generateNoiseKeyPair(),
      psks: [isk.slice(0, 32)],
    });
    await late.write(framed(await hs.writeMessage()));
    assert.equal(await late.ending(), "end");
    const i = await inv.proc.result();
    assert.equal(i.code, 0, describe(["pair"], i));
    assert.equal((await a.meshList()).length, 2, "only first was admitted");
  } finally {
    late.destroy();
    await inv.proc.stop();
  }
});

/** A joiner's hello for `code` (the right one), with its CPace state. */
function helloOf(code: string) {
  const sid = crypto.getRandomValues(new Uint8Array(16));
  const cpace = cpaceStart({
    password: decodePairingCode(code).secret,
    role: "initiator",
    channelId: pairingChannelId(),
    sid,
  });
  return { hello: { sid, share: cpace.message }, cpace };
}
