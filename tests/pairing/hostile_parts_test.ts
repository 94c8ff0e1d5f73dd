/**
 * @module hostile_parts_test
 * A hostile inviter (it knows the code, so it passed CPace, Noise and the
 * verification string) sending a state in parts that is not what its head
 * says, over a real pairing connection: the inviter is mycel's own
 * `invite()` run in this process, its outgoing `state-head`/`state-part`/
 * `state-end` messages rewritten on their way out (and a head re-signed
 * with its own key where the attack needs one); the joiner is a real
 * `mycel pair CODE` process on 127.0.0.1. Each refusal is named on the
 * joiner, and the joiner is left with no home at all: no folder, no keys,
 * no pending marker, no database (before, a refusal while the parts were
 * being taken left keys.cbor, init.pending and an empty mycel.db).
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { PARTS_CONTEXT } from "../../src/log/checkpoint_parts.ts";
import { generateDeviceKeys, Signer } from "../../src/log/identity.ts";
import type { Op } from "../../src/log/ops.ts";
import {
  decodeStatePiece,
  encodeStateEnd,
  encodeStatePiece,
  encodeStateWait,
  type StatePiece,
} from "../../src/protocol/pairing_messages.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { PART_KNOB } from "../../src/sync/pairing_attempt.ts";
import { invite, type InviteResult } from "../../src/sync/pairing_inviter.ts";
import { STATE_RATE_KNOB } from "../../src/sync/pairing_state_time.ts";
import { pause } from "../../src/deadline.ts";
import { SecureChannel } from "../../src/transport/secure_channel.ts";
import { describe, type MycelProcess } from "../helpers/mycel.ts";
import { type Device, device, exists } from "./_helpers.ts";

/** About 1.2 MiB of preferences: 5 or more parts of 256 KiB. */
async function state(root: string): Promise<void> {
  using home = await Home.open(root, { write: true });
  for (let e = 0; e < 20; e++) {
    const ops: Op[] = [];
    for (let i = 0; i < 15; i++) {
      ops.push({ type: "pref.set", key: `p.${e}.${i}`, value: `${"v".repeat(4000)}${e}.${i}` });
    }
    await home.write((w) => w.commit(ops));
  }
}

/**
 * What the hostile inviter sends instead of one state message: `piece` is
 * the message its own code meant to send (whole heads and parts: at 256 KiB
 * each fits one chunk), `n` counts the state-part messages so far. An
 * async iterable sends as it yields (a drip), until a send fails.
 */
type Rewrite = (
  piece: StatePiece,
  n: number,
) => Uint8Array[] | Promise<Uint8Array[]> | AsyncIterable<Uint8Array>;

const part = (chunk: Uint8Array, last = true) => encodeStatePiece("state-part", chunk, last);

/** The fields of a head's body (checkpoint_parts.ts has the layout). */
const LIMITS = { maxBytes: 64 << 20, maxNodes: 1 << 21 };
function headFields(head: Uint8Array): unknown[] {
  const [body] = decodeCbor(head, "head", LIMITS) as [Uint8Array, Uint8Array];
  return decodeCbor(body, "head body", LIMITS) as unknown[];
}

/** Re-sign a head's body after `edit` changed its fields, with the inviter's own key. */
async function resigned(head: Uint8Array, signer: Signer, edit: (f: unknown[]) => void) {
  const f = headFields(head);
  edit(f);
  const nb = encodeCbor(f);
  const sig = await signer.sign(concatBytes(PARTS_CONTEXT, nb));
  return encodeStatePiece("state-head", encodeCbor([nb, sig]), true);
}

interface Attack {
  joiner: { code: number; stderr: string };
  inviter: InviteResult;
  log: string[];
}

/**
 * Pair a new device with `a`'s mesh through the in-process inviter whose
 * state messages `rewrite` changes; the joiner runs as a real process.
 */
async function attack(
  a: Device,
  b: Device,
  rewrite: Rewrite,
  env: Record<string, string> = {},
  started?: (joiner: MycelProcess) => void,
): Promise<Attack> {
  const original = SecureChannel.prototype.send;
  let parts = 0;
  SecureChannel.prototype.send = async function (this: SecureChannel, message) {
    let piece: StatePiece | undefined;
    if (message instanceof Uint8Array) {
      try {
        piece = decodeStatePiece(message);
      } catch { /* not a state message */ }
    }
    if (piece === undefined || piece.kind === "state") return await original.call(this, message);
    const n = piece.kind === "state-part" ? parts++ : parts;
    for await (const m of await rewrite(piece, n)) await original.call(this, m);
  };
  const log: string[] = [];
  const stop = new AbortController();
  let code!: (c: string) => void;
  const shown = new Promise<string>((r) => code = r);
  try {
    const inviting = invite(a.t.home, {
      bindHost: "127.0.0.1",
      port: 0,
      advertiseHost: "127.0.0.1",
      ttlMs: 60_000,
      lingerMs: 0,
      now: () => Date.now(),
      timeText: (ms) => new Date(ms).toISOString(),
      env: (n) => n === PART_KNOB ? String(256 << 10) : undefined,
      signal: stop.signal,
      onCode: (c) => code(c),
      log: (line) => log.push(line),
      confirm: () => Promise.resolve(true),
    });
    const args = ["pair", await shown, "--name", "beta"];
    await using proc = b.t.spawn(args, { timeoutMs: 60_000, env });
    started?.(proc);
    const joiner = await proc.result();
    stop.abort();
    const inviter = await inviting;
    assert.notEqual(joiner.code, 0, `the joiner took it:\n${describe(args, joiner)}`);
    return { joiner, inviter, log };
  } finally {
    SecureChannel.prototype.send = original;
  }
}

/** What is in `root` (names, sorted), [] when it does not exist. */
async function leftIn(root: string): Promise<string[]> {
  if (!(await exists(root))) return [];
  const names: string[] = [];
  for await (const e of Deno.readDir(root)) names.push(e.name);
  return names.length === 0 ? ["(an empty home folder)"] : names.sort();
}

/** Run `rewrite` against a fresh pair of devices; the joiner must say `refusal` and keep nothing. */
async function refused(
  rewrite: (signer: Signer) => Rewrite,
  refusal: RegExp,
  env: Record<string, string> = {},
  started?: (joiner: MycelProcess) => void,
): Promise<Attack> {
  await using a = await device("alpha");
  await using b = await device("beta");
  await a.init();
  await state(a.t.home);
  const signer = await (async () => {
    using home = await Home.open(a.t.home, { write: false });
    return new Signer(await home.keys());
  })();
  const r = await attack(a, b, rewrite(signer), env, started);
  assert.match(r.joiner.stderr, refusal, r.joiner.stderr);
  assert.deepEqual(await leftIn(b.t.home), [], "the refused joiner kept a home");
  assert.notEqual(r.inviter.status, "paired", JSON.stringify(r.inviter));
  return r;
}

const asIs = (p: StatePiece): Uint8Array[] =>
  p.kind === "state-end"
    ? [encodeStateEnd()]
    : p.kind === "state-wait"
    ? [encodeStateWait()]
    : [encodeStatePiece(p.kind as "state-head" | "state-part", p.chunk, p.last)];

Deno.test("pairing in parts over a real connection: a part changed after its head was signed is refused by name and the joiner keeps no home", async () => {
  await refused(() => (p, n) => {
    if (p.kind !== "state-part" || n !== 1) return asIs(p);
    const bytes = p.chunk.slice();
    bytes[bytes.length >> 1] ^= 1;
    return [part(bytes)];
  }, /part 2 of \d+ does not match its head/);
});

Deno.test("pairing in parts over a real connection: parts out of order, one more than declared, or one missing are each refused by name, no home kept", async () => {
  let held: Uint8Array | undefined;
  await refused(() => (p, n) => {
    if (p.kind !== "state-part" || n > 1) return asIs(p);
    if (n === 0) {
      held = p.chunk;
      return [];
    }
    return [part(p.chunk), part(held!)];
  }, /part 2 of \d+ came where part 1 was due \(out of order\)/);

  let first: Uint8Array | undefined;
  await refused(() => (p, n) => {
    if (p.kind === "state-part" && n === 0) first = p.chunk;
    if (p.kind === "state-end") return [part(first!), encodeStateEnd()];
    return asIs(p);
  }, /more parts came than its head declares/);

  let count = 0;
  await refused(() => (p) => {
    if (p.kind === "state-head") {
      count = (headFields(p.chunk)[10] as unknown[]).length;
    }
    if (p.kind === "state-part" && (p.chunk.length > 0) && count-- === 1) return [];
    return asIs(p);
  }, /a part is missing: its head declares \d+, \d+ came/);
});

Deno.test("pairing in parts over a real connection: a part longer than its head declares is refused once past that size, no home kept", async () => {
  await refused(() => (p, n) => {
    if (p.kind !== "state-part" || n !== 2) return asIs(p);
    return [part(p.chunk, false), part(new Uint8Array(1000))];
  }, /part 3 of \d+ is larger than its head declares/);
});

Deno.test("pairing in parts over a real connection: a head declaring too many or too large parts, or not the inviter's, is refused before any part", async () => {
  const beforeParts =
    (edit: (f: unknown[]) => void, by?: () => Promise<Signer>) =>
    (signer: Signer): Rewrite =>
    async (p) => {
      if (p.kind !== "state-head") return p.kind === "state-part" ? [] : asIs(p);
      return [await resigned(p.chunk, by ? await by() : signer, edit)];
    };
  await refused(
    beforeParts((f) => {
      const d = f[10] as unknown[];
      f[10] = Array.from({ length: 4097 }, (_, i) => d[i % d.length]);
    }),
    /its head declares 4097 parts \(1 to 4096\)/,
  );
  await refused(
    beforeParts((f) => {
      const d = f[10] as [number, Uint8Array][];
      d[0] = [(64 << 20) + 1, d[0][1]];
    }),
    /its head declares a part of 67108865 bytes \(at most 67108864\)/,
  );
  // Signed by another key while naming the inviter as its signer, or naming
  // that key: either way not with the inviter's key, checked before the body is read.
  const other = async () => new Signer(await generateDeviceKeys());
  await refused(beforeParts((f) => f, other), /its signature does not verify/);
  let stranger: Signer | undefined;
  await refused(
    beforeParts((f) => f[3] = stranger!.publicKey, async () => stranger = await other()),
    /its signature does not verify/,
  );
  // Signed by the inviter while naming another device as its signer.
  await refused(
    beforeParts((f) => f[3] = stranger!.publicKey),
    /it names another signer than the device that signed it/,
  );
});

Deno.test("pairing in parts over a real connection: a head whose signature is not the inviter's is refused before its body is decoded", async () => {
  // A body that is not CBOR at all (0xff is a break with nothing to end).
  const body = new Uint8Array(300).fill(0xff);
  const head = (sig: Uint8Array) => [encodeStatePiece("state-head", encodeCbor([body, sig]), true)];
  const noParts = (make: (p: StatePiece) => Promise<Uint8Array[]>) => (p: StatePiece) =>
    p.kind === "state-head" ? make(p) : p.kind === "state-part" ? [] : asIs(p);
  const other = new Signer(await generateDeviceKeys());
  await refused(
    () => noParts(async () => head(await other.sign(concatBytes(PARTS_CONTEXT, body)))),
    /its signature does not verify/,
  );
  // The same body signed by the inviter is decoded, and refused for what it is.
  await refused(
    (signer) => noParts(async () => head(await signer.sign(concatBytes(PARTS_CONTEXT, body)))),
    /the checkpoint head body is not valid CBOR/,
  );
});

Deno.test("pairing in parts over a real connection: empty chunks that never end a part are refused, no home kept", async () => {
  await refused(() => (p, n) => {
    if (p.kind !== "state-part" || n !== 0) return asIs(p);
    return [...Array.from({ length: 50 }, () => part(new Uint8Array(0), false)), part(p.chunk)];
  }, /an empty chunk/);
});

Deno.test("pairing in parts over a real connection: an inviter dripping a part just inside each read deadline is cut at the whole state's deadline, no home kept", async () => {
  // 64 MiB/s as the slowest rate: about 1 s for one checkpoint's bounds and
  // the 1.3 MiB declared, where each read waits 15 s.
  const env = { [STATE_RATE_KNOB]: String(64 << 20) };
  async function* drip(chunk: Uint8Array): AsyncIterable<Uint8Array> {
    // A byte every 200 ms: a 256 KiB part would take 15 hours. At most 50 s
    // of it here, should the joiner never give up (the test then fails).
    for (let at = 0; at < 250; at++) {
      yield part(chunk.subarray(at, at + 1), false);
      await pause(200);
    }
    yield part(chunk.subarray(250));
  }
  const started = performance.now();
  await refused(
    () => (p, n) => p.kind === "state-part" && n === 0 ? drip(p.chunk) : asIs(p),
    /the mesh's state did not come within 1\.0\d*s: it came slower than 64 MiB\/s/,
    env,
  );
  const took = performance.now() - started;
  assert.ok(took < 30_000, `the joiner was not cut at the state's deadline (${took} ms)`);
});

Deno.test("pairing in parts over a real connection: Ctrl-C while an inviter drips a part ends the joiner at once (exit 130), no home kept", async () => {
  let joiner: MycelProcess | undefined;
  async function* drip(chunk: Uint8Array): AsyncIterable<Uint8Array> {
    for (let at = 0; at < 250; at++) {
      yield part(chunk.subarray(at, at + 1), false);
      // A few bytes in, well before the state's deadline (64 s and more here).
      if (at === 3) joiner?.kill("SIGINT");
      await pause(200);
    }
    yield part(chunk.subarray(250));
  }
  const started = performance.now();
  const r = await refused(
    () => (p, n) => p.kind === "state-part" && n === 0 ? drip(p.chunk) : asIs(p),
    /the pairing was cancelled here/,
    {},
    (p) => joiner = p,
  );
  assert.equal(r.joiner.code, 130, r.joiner.stderr);
  const took = performance.now() - started;
  assert.ok(took < 30_000, `the joiner did not stop at Ctrl-C (${took} ms)`);
});

Deno.test("pairing in parts over a real connection: an inviter saying it is still making its parts for ever is cut at the whole state's deadline, no home kept", async () => {
  // `state-wait` resets each read's 15 s deadline, never the whole state's:
  // at 64 MiB/s as the slowest rate, about 1 s before any head is declared.
  const env = { [STATE_RATE_KNOB]: String(64 << 20) };
  async function* waits(): AsyncIterable<Uint8Array> {
    // One every 500 ms, at most 40 s of them should the joiner never give up.
    for (let i = 0; i < 80; i++) {
      yield encodeStateWait();
      await pause(500);
    }
  }
  const started = performance.now();
  await refused(
    () => (p) => p.kind === "state-head" ? waits() : [],
    /the mesh's state did not come within 1(\.0\d*)?s: it came slower than 64 MiB\/s/,
    env,
  );
  const took = performance.now() - started;
  assert.ok(took < 30_000, `the joiner was not cut at the state's deadline (${took} ms)`);
});

Deno.test("pairing in parts over a real connection: an inviter that goes silent before its head is cut at the joiner's read deadline, no home kept", async () => {
  const started = performance.now();
  // Nothing of the state is sent: the inviter then waits for the joiner's answer.
  await refused(() => () => [], /no data within 15s/);
  const took = performance.now() - started;
  assert.ok(took < 40_000, `the joiner was not cut at its read deadline (${took} ms)`);
});
