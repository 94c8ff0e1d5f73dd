/**
 * @module base32_check
 * The symbol layer under pairing codes: a Crockford-style base32 alphabet
 * that people can read aloud and retype, the look-alikes we forgive, and a
 * check symbol that catches every single-symbol typo and every swap of two
 * neighbouring symbols. Pure; no I/O.
 *
 * The check symbol is a weighted sum over GF(32) (polynomial x^5 + x^2 + 1,
 * primitive, so `a` below generates all 31 non-zero elements). The check `c`
 * makes `c + sum(a^(n-i) * v[i]) = 0`, with `v[0..n-1]` the data symbols:
 * - a substitution at `i` changes the sum by `a^(n-i) * e` with `e != 0`,
 *   and a product of non-zero field elements is non-zero;
 * - swapping neighbours `x`, `y` changes it by `(a^k + a^(k+1)) * (x + y)`,
 *   non-zero because `a != 1` and `x != y`.
 * The check symbol itself has weight `a^0 = 1`, so the same holds for it.
 * (Luhn mod 32 misses swapping the first and last symbol, "0Z" vs "Z0".)
 */

/** The 32 code symbols in value order: digits, then letters without I, L, O, U. */
export const BASE32_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** Characters read as a different symbol: easily confused shapes. */
export const LOOK_ALIKES: Readonly<Record<string, string>> = Object.freeze({
  O: "0",
  I: "1",
  L: "1",
  // U is never printed; a handwritten V is the likely source. If the guess
  // is wrong, the check symbol reports a typo.
  U: "V",
});

const VALUES: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  for (let v = 0; v < 32; v++) {
    const ch = BASE32_ALPHABET[v];
    map.set(ch, v);
    map.set(ch.toLowerCase(), v);
  }
  for (const [from, to] of Object.entries(LOOK_ALIKES)) {
    const v = map.get(to)!;
    map.set(from, v);
    map.set(from.toLowerCase(), v);
  }
  return map;
})();

/**
 * The value (0..31) of one typed character, forgiving case and look-alikes;
 * `undefined` when it is not a code character.
 */
export function symbolValue(ch: string): number | undefined {
  return VALUES.get(ch);
}

/** The printed symbol for a value 0..31. */
export function symbolChar(value: number): string {
  const ch = BASE32_ALPHABET[value];
  if (ch === undefined || !Number.isInteger(value)) {
    throw new RangeError(`base32 value out of range: ${value}`);
  }
  return ch;
}

/** Multiply by the generator `a` (= x) in GF(2^5) mod x^5 + x^2 + 1. */
function timesAlpha(v: number): number {
  const shifted = v << 1;
  return shifted & 0x20 ? shifted ^ 0x25 : shifted;
}

/** The check symbol value for data symbol values (Horner form of the sum). */
export function checkSymbol(values: readonly number[]): number {
  let acc = 0;
  for (const v of values) acc = timesAlpha(acc ^ v);
  return acc;
}

/** True when the last value is the correct check symbol for the others. */
export function hasValidCheck(values: readonly number[]): boolean {
  if (values.length < 2) return false;
  return checkSymbol(values.slice(0, -1)) === values[values.length - 1];
}
