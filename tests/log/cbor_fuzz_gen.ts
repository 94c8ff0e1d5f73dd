/**
 * @module cbor_fuzz_gen
 * Generators of hostile CBOR for cbor_fuzz_test.ts, all driven by a seeded
 * PRNG so a failure replays: near-valid items from a CBOR grammar that
 * sometimes picks non-canonical heads, tags, indefinite lengths, odd floats,
 * simple values, non-text or repeated map keys and invalid UTF-8; mutations
 * of valid encodings; shared-reference graphs; nesting and declared lengths
 * far past any limit.
 */

/** A source of numbers in [0, 1). */
export type Rand = () => number;

/** An integer in [0, n). */
export function pick(r: Rand, n: number): number {
  return Math.floor(r() * n);
}

/** A head for `major` with argument `n` (< 2^53); `loose` sometimes widens it. */
export function head(out: number[], major: number, n: number, r?: Rand, loose = 0): void {
  const m = major << 5;
  let size = n < 24 ? 0 : n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x100000000 ? 4 : 8;
  if (r && r() < loose) size = [0, 1, 2, 4, 8][pick(r, 5)];
  if (size === 0 && n >= 24) size = 1;
  if (size === 0) return void out.push(m | n);
  if (size === 1 && n >= 0x100) size = 2;
  if (size === 2 && n >= 0x10000) size = 4;
  if (size === 4 && n >= 0x100000000) size = 8;
  out.push(m | { 1: 24, 2: 25, 4: 26, 8: 27 }[size]!);
  for (let i = size - 1; i >= 0; i--) out.push(Math.floor(n / 2 ** (8 * i)) % 256);
}

const f64 = new DataView(new ArrayBuffer(8));

function float(out: number[], r: Rand): void {
  const choices = [
    () => r() * 2 ** 33 - 2 ** 32, // mostly fractions
    () => pick(r, 2 ** 32), // an integer: not canonical as a float
    () => 2 ** 32 + pick(r, 2 ** 20), // a large integer: canonical
    () => -(2 ** 32) - 1 - pick(r, 1000),
    () => [NaN, Infinity, -Infinity, -0, 0, 0.5, 1e300, 5e-324][pick(r, 8)],
  ];
  f64.setFloat64(0, choices[pick(r, choices.length)]());
  if (r() < 0.05) f64.setUint8(pick(r, 8), pick(r, 256)); // any bit pattern, NaNs included
  out.push(0xfb);
  for (let i = 0; i < 8; i++) out.push(f64.getUint8(i));
}

const TEXTS = ["", "a", "id", "n", "1", "01", "10", "2", "__proto__", "é", "🙂", "x".repeat(30)];
const BAD_UTF8 = [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xe2, 0x82]];

function text(out: number[], r: Rand, loose: number): void {
  const bytes = r() < 0.1
    ? BAD_UTF8[pick(r, BAD_UTF8.length)]
    : [...new TextEncoder().encode(TEXTS[pick(r, TEXTS.length)])];
  head(out, 3, bytes.length, r, loose);
  out.push(...bytes);
}

/** Append one item of the grammar; `loose` is the chance of each non-canonical choice. */
export function item(out: number[], r: Rand, depth: number, loose: number): void {
  const leafOnly = depth > 5;
  const kind = r() < loose ? 8 + pick(r, 3) : pick(r, leafOnly ? 4 : 6);
  switch (kind) {
    case 0:
      return head(
        out,
        pick(r, 2),
        [pick(r, 24), pick(r, 300), pick(r, 70000), pick(r, 2 ** 32)][
          pick(r, 4)
        ],
        r,
        loose,
      );
    case 1: {
      const n = pick(r, 40);
      head(out, 2, n, r, loose);
      for (let i = 0; i < n; i++) out.push(pick(r, 256));
      return;
    }
    case 2:
      return text(out, r, loose);
    case 3:
      if (r() < 0.5) return float(out, r);
      return void out.push([0xf4, 0xf5, 0xf6][pick(r, 3)]);
    case 4: {
      const n = r() < 0.1 ? 24 + pick(r, 3) : pick(r, 5);
      head(out, 4, n, r, loose);
      for (let i = 0; i < n; i++) item(out, r, depth + 1, loose);
      return;
    }
    case 5: {
      const n = pick(r, 5);
      head(out, 5, n, r, loose);
      for (let i = 0; i < n; i++) {
        if (r() < loose) item(out, r, depth + 1, loose);
        else text(out, r, loose);
        item(out, r, depth + 1, loose);
      }
      return;
    }
    case 8: // a tag
      head(out, 6, [pick(r, 300), 55799, 0xdff9, 2 ** 32 - 1][pick(r, 4)], r, loose);
      return item(out, r, depth + 1, loose);
    case 9: // an indefinite-length item
      out.push([0x5f, 0x7f, 0x9f, 0xbf][pick(r, 4)]);
      for (let i = pick(r, 3); i > 0; i--) item(out, r, depth + 1, loose);
      return void out.push(0xff);
    default: // a simple value or short float outside the profile
      out.push(
        ...[[0xf7], [0xe0 + pick(r, 20)], [0xf8, pick(r, 256)], [0xf9, 0x3c, 0], [
          0xfa,
          0x3f,
          0xc0,
          0,
          0,
        ], [0xff]][pick(r, 6)],
      );
  }
}

/** One random edit of `bytes`: flip, set, insert, delete, truncate, duplicate or swap. */
export function mutate(bytes: Uint8Array, r: Rand): Uint8Array {
  const b = [...bytes];
  const at = pick(r, b.length + 1);
  switch (pick(r, 7)) {
    case 0:
      if (at < b.length) b[at] ^= 1 << pick(r, 8);
      break;
    case 1:
      if (at < b.length) b[at] = pick(r, 256);
      break;
    case 2:
      b.splice(at, 0, pick(r, 256));
      break;
    case 3:
      b.splice(at, 1 + pick(r, 3));
      break;
    case 4:
      b.length = at;
      break;
    case 5:
      b.splice(at, 0, ...b.slice(pick(r, b.length + 1), pick(r, b.length + 1)));
      break;
    default: {
      const j = pick(r, b.length);
      [b[at], b[j]] = [b[j], b[at]];
    }
  }
  return new Uint8Array(b.filter((x) => x !== undefined));
}

/**
 * `levels` nested shareable arrays (tag 28) of `fanOut` items, each the next
 * level or a reference (tag 29) to it; the innermost refers back to the
 * outermost (a cycle) or to a shared text leaf.
 */
export function sharedGraph(levels: number, fanOut: number, cycle: boolean): Uint8Array {
  const out: number[] = [];
  const ref = (id: number) => out.push(0xd8, 0x1d, ...(id < 24 ? [id] : [0x18, id & 0xff]));
  for (let id = 0; id < levels; id++) out.push(0xd8, 0x1c, 0x80 | Math.min(fanOut, 23));
  if (cycle) { for (let i = 0; i < fanOut; i++) ref(0); }
  else {
    out.push(0xd8, 0x1c, 0x61, 0x78);
    for (let i = 1; i < fanOut; i++) ref(levels);
  }
  for (let id = levels - 2; id >= 0; id--) for (let i = 1; i < fanOut; i++) ref(id + 1);
  return new Uint8Array(out);
}
