/**
 * @module cbor_attack_test
 * Regressions for the two attacks an attack review found against cbor-x
 * (which honoured CBOR shared references, tags 28/29):
 * - a ~450-byte hello whose fields are a shared-reference graph pinned
 *   `sync serve` at 100% CPU;
 * - a ~644-byte signed entry whose config value expands through shared
 *   references to more than any string can hold, so every device that
 *   received it failed `status` with "internal error: Invalid string length".
 * mycel's profile has no tags at all: both are refused at the first tag
 * byte, as `bad_message` / `bad_entry` whose cause is a `bad_encoding`
 * naming the tag.
 */

import assert from "node:assert/strict";
import { concatBytes } from "../../src/bytes.ts";
import { isMycelError, type MycelError } from "../../src/errors.ts";
import { decodeCbor, encodeCbor } from "../../src/log/cbor.ts";
import { decodeSignedEntry } from "../../src/log/entry.ts";
import { decodeHello } from "../../src/protocol/sync_hello.ts";
import { assertMycelError } from "../helpers/assert.ts";
import { bombHello, bombOps, sharedGraph } from "../helpers/cbor_bombs.ts";
import { ENTRY_CONTEXT, testDevices } from "./helpers.ts";

/** The cause chain of `e`, outermost first. */
function causes(e: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let c = e; c !== undefined; c = (c as Error).cause) chain.push(c);
  return chain;
}

/**
 * The fastest of up to three runs of `f` (ms), and what it returned. A run
 * takes about a millisecond, but a single one also times whatever paused the
 * process meanwhile (a collection, the other processes of a parallel run on
 * two cores), and 50 ms is little against that. A real blow-up (the graph holds 2^59 leaves) is slow every
 * time, so the fastest run still catches it.
 */
function fastest<T>(f: () => T): { ms: number; value: T } {
  let ms = Infinity, value: T | undefined;
  for (let i = 0; i < 3 && ms >= 50; i++) {
    const t0 = performance.now();
    value = f();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, value: value as T };
}

function encodingCause(e: MycelError): MycelError {
  const found = causes(e).find((c) => isMycelError(c, "bad_encoding"));
  assert.ok(found, `a bad_encoding cause: ${e.message}`);
  return found as MycelError;
}

Deno.test("a 450-byte hello built from shared references (tags 28/29) is refused in < 50 ms", () => {
  // [2, admission, padding] with the admission a graph of 2^59 leaves and a cycle.
  const graph = sharedGraph(59, 2);
  const bytes = bombHello();
  assert.equal(bytes.length, 450);

  const { ms, value: e } = fastest(() => assertMycelError(() => decodeHello(bytes), "bad_message"));
  assert.ok(ms < 50, `refused in ${ms.toFixed(1)} ms`);
  const at = 2;
  assert.equal(
    encodingCause(e).message,
    `Cannot decode hello: tag 28 is not allowed (byte ${at} of 450 bytes)`,
  );
  // The graph alone, and a lone reference, are refused the same way.
  assertMycelError(() => decodeCbor(graph, "graph"), "bad_encoding");
  assertMycelError(
    () => decodeCbor(new Uint8Array([0x82, 0xd8, 0x1d, 0x00, 0x00]), "r"),
    "bad_encoding",
  );
});

Deno.test("a signed entry whose config value expands through shared references is refused", async () => {
  const [device] = await testDevices(1);
  // A real, validly signed entry: only its CBOR is hostile.
  const template = encodeCbor([
    1,
    device.signer.publicKey,
    1,
    null,
    1_700_000_000_000,
    0,
    [],
  ]);
  const body = concatBytes(template.subarray(0, template.length - 1), bombOps());
  const signature = await device.signer.sign(concatBytes(ENTRY_CONTEXT, body));
  const bytes = encodeCbor([body, signature]);
  assert.ok(bytes.length > 600 && bytes.length < 700, `${bytes.length} bytes`);

  const { ms, value: e } = fastest(() =>
    assertMycelError(() => decodeSignedEntry(bytes), "bad_entry")
  );
  assert.ok(ms < 50, `refused in ${ms.toFixed(1)} ms`);
  assert.match(e.message, /^Cannot read log entry: its body is not valid CBOR/);
  assert.match(encodingCause(e).message, /tag 28 is not allowed/);
  // The wrapper alone is fine: it is the body that is refused.
  assert.equal((decodeCbor(bytes, "entry") as unknown[]).length, 2);
});
