/**
 * @module hostile_sync_parts_test
 * A hostile member sending its state as a checkpoint in parts in a sync
 * session (src/sync/exchange_parts_in.ts): a device behind a compaction (a
 * real `mycel sync serve` process: tests/sync/_parts_behind.ts) is dialled
 * by alpha's own code run in this process (`syncPeer`), its outgoing `cph`
 * and `cpp` messages rewritten on their way out (a head re-signed with
 * alpha's own key where the attack needs one). Each is refused by name in
 * the server's log, and the device behind is left as it was: the same state
 * digest, the same log, no base in parts. The single-checkpoint limit is
 * lowered through the test knob (`partBytes`, MYCEL_TEST_CHECKPOINT_BYTES
 * for a process) so a ~1.2 MiB state goes in parts of 256 KiB; parts
 * dripped past the whole transfer's deadline are cut (the slowest rate
 * raised through MYCEL_TEST_STATE_RATE, test only, so that is a second).
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { PARTS_CONTEXT } from "../../src/log/checkpoint_parts.ts";
import { Signer } from "../../src/log/identity.ts";
import {
  decodeSyncMessage,
  encodeSyncMessage,
  type SyncMessage,
} from "../../src/protocol/sync_messages.ts";
import { Home } from "../../src/storage/home_handle.ts";
import { pause } from "../../src/deadline.ts";
import { syncPeer } from "../../src/sync/round.ts";
import { SecureChannel } from "../../src/transport/secure_channel.ts";
import { type Device, device } from "../pairing/_helpers.ts";
import { baseParts, behindCompaction } from "./_parts_behind.ts";

type Piece = Extract<SyncMessage, { type: "parts_head" | "part" }>;
/** What alpha sends instead of one head or part message (`n`: parts so far; 256 KiB: one chunk each). */
type Rewrite = (piece: Piece, n: number, signer: Signer) => Promise<Uint8Array[]> | Uint8Array[];

const msg = (type: Piece["type"], chunk: Uint8Array, last = true) =>
  encodeSyncMessage({ type, chunk, last });
const asIs = (p: Piece) => [msg(p.type, p.chunk, p.last)];

/** Re-sign a head after `edit` changed its body's fields, with alpha's own key. */
async function resigned(head: Uint8Array, signer: Signer, edit: (f: unknown[]) => void) {
  const limits = { maxBytes: 64 << 20, maxNodes: 1 << 21 };
  const [body] = decodeCbor(head, "head", limits) as [Uint8Array, Uint8Array];
  const f = decodeCbor(body, "head body", limits) as unknown[];
  edit(f);
  const nb = encodeCbor(f);
  return msg("parts_head", encodeCbor([nb, await signer.sign(concatBytes(PARTS_CONTEXT, nb))]));
}

/** One session from alpha (in this process) to beta's server, its parts rewritten; the server's line. */
async function attack(
  a: Device,
  b: Device,
  rewrite: Rewrite,
): Promise<{ status: string; line: string }> {
  using home = await Home.open(a.t.home, { write: true });
  const signer = new Signer(await home.keys());
  const beta = home.view.members().find((m) => m.record.name === "beta")!.record;
  const server = b.server!;
  const from = server.stderr.length;
  const original = SecureChannel.prototype.send;
  let parts = 0;
  SecureChannel.prototype.send = async function (this: SecureChannel, message) {
    let m: SyncMessage | undefined;
    try {
      if (message instanceof Uint8Array) m = decodeSyncMessage(message);
    } catch { /* not a sync message */ }
    if (m?.type !== "parts_head" && m?.type !== "part") return await original.call(this, message);
    const n = m.type === "part" ? parts++ : parts;
    for (const x of await rewrite(m, n, signer)) await original.call(this, x);
  };
  try {
    const outcome = await syncPeer(
      home,
      await home.noiseKeys(),
      beta,
      [{ host: "127.0.0.1", port: b.port, path: "direct" }],
      {
        now: () => Date.now(),
        env: () => undefined,
        timeoutMs: 10_000,
        tuning: { partBytes: 256 << 10 },
      },
      [],
    );
    const [line] = await server.waitFor(/(failed|synced with) alpha.*/, {
      stream: "stderr",
      from,
      timeoutMs: 20_000,
    });
    return { status: outcome.status, line };
  } finally {
    SecureChannel.prototype.send = original;
  }
}

interface Case {
  name: string;
  rewrite: Rewrite;
  refusal: RegExp;
}

const CASES: Case[] = [
  {
    name: "a head whose signature does not verify",
    rewrite: (p) => {
      if (p.type !== "parts_head") return asIs(p);
      const bytes = p.chunk.slice();
      bytes[bytes.length - 1] ^= 1; // the signature's last byte
      return [msg("parts_head", bytes)];
    },
    refusal: /its signature does not verify/,
  },
  {
    name: "a part changed after its head was signed",
    rewrite: (p, n) => {
      if (p.type !== "part" || n !== 1) return asIs(p);
      const bytes = p.chunk.slice();
      bytes[bytes.length >> 1] ^= 1;
      return [msg("part", bytes)];
    },
    refusal: /part 2 of \d+ does not match its head/,
  },
  {
    name: "a part cut short",
    rewrite: (p, n) =>
      p.type === "part" && n === 0 ? [msg("part", p.chunk.subarray(0, 1000))] : asIs(p),
    refusal: /part 1 of \d+ has 1000 bytes, its head declares \d+/,
  },
  {
    name: "a part longer than its head declares",
    rewrite: (p, n) =>
      p.type === "part" && n === 0
        ? [msg("part", p.chunk, false), msg("part", new Uint8Array(9))]
        : asIs(p),
    refusal: /part 1 of \d+ is larger than its head declares/,
  },
  {
    name: "one part more than declared",
    rewrite: (() => {
      let first: Uint8Array | undefined;
      let count = 0;
      return (p: Piece, n: number) => {
        if (p.type === "parts_head") {
          const [body] = decodeCbor(p.chunk, "head", { maxBytes: 64 << 20, maxNodes: 1 << 21 }) as [
            Uint8Array,
          ];
          count =
            (decodeCbor(body, "body", { maxBytes: 64 << 20, maxNodes: 1 << 21 }) as unknown[][])[10]
              .length;
          return asIs(p);
        }
        if (n === 0) first = p.chunk;
        return n === count - 1 ? [...asIs(p), msg("part", first!)] : asIs(p);
      };
    })(),
    refusal: /more parts came than its head declares/,
  },
  {
    name: "a part missing",
    rewrite: (p, n) => (p.type === "part" && n === 2 ? [] : asIs(p)),
    refusal: /part 4 of \d+ came where part 3 was due \(out of order\)/,
  },
  {
    name: "the last part missing",
    rewrite: (() => {
      let count = 0;
      return (p: Piece, n: number) => {
        if (p.type === "parts_head") {
          const limits = { maxBytes: 64 << 20, maxNodes: 1 << 21 };
          const [body] = decodeCbor(p.chunk, "head", limits) as [Uint8Array];
          count = (decodeCbor(body, "body", limits) as unknown[][])[10].length;
        }
        return p.type === "part" && n === count - 1 ? [] : asIs(p);
      };
    })(),
    refusal: /a part is missing: its head declares (\d+), \d+ came/,
  },
  {
    name: "a head declaring a part over 64 MiB",
    rewrite: async (p, _n, signer) =>
      p.type !== "parts_head" ? asIs(p) : [
        await resigned(
          p.chunk,
          signer,
          (f) => (f[10] as [number, Uint8Array][])[0][0] = (64 << 20) + 1,
        ),
      ],
    refusal: /its head declares a part of 67108865 bytes \(at most 67108864\)/,
  },
  {
    name: "a head declaring 4097 parts",
    rewrite: async (p, _n, signer) =>
      p.type !== "parts_head" ? asIs(p) : [
        await resigned(p.chunk, signer, (f) => {
          const d = f[10] as [number, Uint8Array][];
          f[10] = Array.from({ length: 4097 }, (_, i) => d[i % d.length]);
        }),
      ],
    refusal: /its head declares 4097 parts \(1 to 4096\)/,
  },
  {
    // Each part within the bounds, but the decoded state is held whole until
    // it is taken: before, the device read and held whatever the head declared.
    name: "a head declaring 4096 parts of 64 MiB (256 GiB)",
    rewrite: async (p, _n, signer) =>
      p.type !== "parts_head" ? asIs(p) : [
        await resigned(p.chunk, signer, (f) => {
          const d = f[10] as [number, Uint8Array][];
          f[10] = Array.from({ length: 4096 }, (_, i) => [64 << 20, d[i % d.length][1]]);
        }),
      ],
    refusal:
      /its parts declare 274877906944 bytes, more than this device takes into memory in one session \(\d+ bytes, 1\/16 of its memory\)/,
  },
];

Deno.test("hostile parts from a member in a sync session are each refused by name, and the device behind keeps its state as it was", async () => {
  await using a = await device("alpha");
  await using b = await device("beta");
  await behindCompaction(a, b, 30, 4000);
  await b.serve();
  const before = { status: await b.status(), log: await b.t.json<unknown[]>(["log", "--json"]) };
  for (const c of CASES) {
    const r = await attack(a, b, c.rewrite);
    assert.notEqual(r.status, "synced", c.name);
    assert.match(r.line, c.refusal, `${c.name}:\n${b.server!.stderr}`);
    assert.equal(
      (await b.status()).state_digest,
      before.status.state_digest,
      `${c.name}: the state moved`,
    );
    assert.deepEqual(await b.t.json(["log", "--json"]), before.log, `${c.name}: the log moved`);
    assert.equal(baseParts(b.t.home), 0, `${c.name}: a base in parts was kept`);
  }
  // Parts dripped past the whole transfer's deadline (pairing's, from the head's
  // first chunk: here the slowest rate raised to 64 MiB/s through the test
  // knob, so about a second), each chunk well inside the read deadline: cut.
  await b.stopServer();
  const env = b.t.defaults.env;
  b.t.defaults.env = { ...env, MYCEL_TEST_STATE_RATE: String(64 << 20) };
  await b.serve();
  const dripped = await attack(a, b, async (p, n) => {
    if (p.type === "part" && n === 0) await pause(2500);
    return asIs(p);
  });
  assert.notEqual(dripped.status, "synced");
  assert.match(
    dripped.line,
    /its parts did not come within 1\.\d+s: they came slower than 64 MiB\/s/,
  );
  assert.equal(
    (await b.status()).state_digest,
    before.status.state_digest,
    "drip: the state moved",
  );
  assert.ok(!b.server!.exited, "the server serves on after the cut");
  await b.stopServer();
  b.t.defaults.env = env;
  await b.serve();
  // The same parts untouched are taken: what was refused above was the rewriting.
  const honest = await attack(a, b, (p) => asIs(p));
  assert.equal(honest.status, "synced", honest.line);
  assert.equal((await b.status()).state_digest, (await a.status()).state_digest);
});
