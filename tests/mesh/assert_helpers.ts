/**
 * @module assert_helpers
 * Small assertions for the mesh tests (node:assert needs @types/node, which
 * is not installed).
 */

import { isMycelError, type MycelError } from "../../src/errors.ts";

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (a instanceof Map && b instanceof Map) {
    return same([...a.entries()].sort(), [...b.entries()].sort());
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => same(x, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
    const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
    return ka.length === kb.length &&
      ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

function show(x: unknown): string {
  return JSON.stringify(
    x,
    (_k, v) => v instanceof Map ? [...v] : v instanceof Uint8Array ? [...v] : v,
  );
}

/** Structural equality (undefined properties count as absent). */
export function assertEquals(actual: unknown, expected: unknown, label = ""): void {
  if (!same(actual, expected)) {
    throw new Error(`${label}\nexpected ${show(expected)}\n     got ${show(actual)}`);
  }
}

/** Assert a condition. */
export function assert(cond: unknown, label = "assertion failed"): asserts cond {
  if (!cond) throw new Error(label);
}

/** Run `fn`, expect a MycelError with `code`, and return it. */
export function assertMycelError(fn: () => unknown, code: string, label = ""): MycelError {
  try {
    fn();
  } catch (e) {
    if (isMycelError(e, code)) return e;
    throw new Error(`${label}: expected MycelError ${code}, got ${e}`);
  }
  throw new Error(`${label}: expected MycelError ${code}, nothing was thrown`);
}
