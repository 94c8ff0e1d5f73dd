/**
 * @module assert_helpers
 * The structural equality of the mesh tests: Maps compared by their sorted
 * entries, Uint8Arrays by their bytes, and `undefined` properties counted as
 * absent (unlike `assert.deepStrictEqual`). The MycelError assertions are in
 * tests/helpers/assert.ts.
 */

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
