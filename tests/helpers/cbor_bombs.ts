/**
 * @module cbor_bombs
 * Decoding bombs from the attack review, built by hand (our own encoders
 * refuse them): CBOR shared-reference graphs (tags 28/29) that expand to
 * astronomically many nodes, and the ~450-byte hello made from one. Used by
 * the decoder tests and by the rogue peer that sends them to a real server.
 */

import { concatBytes } from "../../src/bytes.ts";
import { encodeCbor } from "../../src/log/cbor.ts";

/**
 * A shared-reference graph: `levels` nested arrays, each marked shareable
 * (tag 28) and holding the next one followed by `fanOut - 1` references
 * (tag 29) to it, so it expands to fanOut^levels leaves. The innermost holds
 * `leaf` (itself shared), or, without one, refers back to the outermost: a
 * cycle.
 */
export function sharedGraph(levels: number, fanOut: number, leaf?: string): Uint8Array {
  const out: number[] = [];
  const ref = (id: number) => out.push(0xd8, 0x1d, ...(id < 24 ? [id] : [0x18, id]));
  for (let id = 0; id < levels; id++) out.push(0xd8, 0x1c, 0x80 | fanOut);
  if (leaf === undefined) {
    for (let i = 0; i < fanOut; i++) ref(0);
  } else {
    out.push(0xd8, 0x1c, ...encodeCbor(leaf));
    for (let i = 1; i < fanOut; i++) ref(levels);
  }
  for (let id = levels - 2; id >= 0; id--) for (let i = 1; i < fanOut; i++) ref(id + 1);
  return new Uint8Array(out);
}

/** `[2, admission, padding]`, 450 bytes, with the admission a graph of 2^59 leaves and a cycle. */
export function bombHello(): Uint8Array {
  const graph = sharedGraph(59, 2);
  const hello = (pad: string) => concatBytes(new Uint8Array([0x83, 0x02]), graph, encodeCbor(pad));
  return hello("x".repeat(450 - hello("").length - 1));
}

/**
 * The ops of an entry whose one op, a config set, has a value that expands
 * through shared references: 22 levels deep and acyclic (it passed every
 * check of the old decoder), 2^22 copies of a 380-character string — 1.6 G
 * characters of JSON. Splice it in as an entry body's last field.
 */
export function bombOps(): Uint8Array {
  const graph = sharedGraph(22, 2, "x".repeat(380));
  const op = encodeCbor([["cs", "bomb", 0]]);
  return concatBytes(op.subarray(0, op.length - 1), graph);
}
