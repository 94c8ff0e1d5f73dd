/**
 * @module lww_register
 * Last-writer-wins register. A write is a value (or `undefined` for "absent",
 * i.e. deleted) with the HLC stamp of the event that wrote it. The newer stamp
 * wins; equal stamps (only possible when a device's log forked) are broken by
 * the canonical text of the value, so every replica picks the same winner.
 * The empty register is {@link LWW_BOTTOM}, stamped with the zero HLC — never
 * "now", which would make a fresh default beat real remote writes.
 */

import { compareHlc, type Hlc, HLC_ZERO } from "./hlc.ts";
import { canonicalJson, type Json } from "./json.ts";

/** One write: a value (undefined = absent) and when it was written. */
export interface LwwRegister<V extends Json = Json> {
  /** When the value was written. */
  readonly stamp: Hlc;
  /** The value, or undefined when the register was cleared (or never set). */
  readonly value: V | undefined;
}

/** The empty register: older than any write. */
export const LWW_BOTTOM: LwwRegister<never> = Object.freeze({ stamp: HLC_ZERO, value: undefined });

/**
 * Order two writes: by stamp, then by canonical value text (absent first).
 * Returns negative when `a` loses to `b`, positive when `a` wins, 0 when equal.
 */
export function compareWrites<V extends Json>(a: LwwRegister<V>, b: LwwRegister<V>): number {
  const byStamp = compareHlc(a.stamp, b.stamp);
  if (byStamp !== 0) return byStamp;
  const ka = canonicalJson(a.value);
  const kb = canonicalJson(b.value);
  return ka === kb ? 0 : ka < kb ? -1 : 1;
}

/** Merge two registers: the winning write. Commutative, associative, idempotent. */
export function mergeRegisters<V extends Json>(
  a: LwwRegister<V>,
  b: LwwRegister<V>,
): LwwRegister<V> {
  return compareWrites(a, b) >= 0 ? a : b;
}
