/**
 * @module stored_content_key
 * A key naming the content of a file version (file_version_codec.ts) taken
 * from its stored bytes without decoding them: equal for two versions
 * exactly when `sameContent` (files/version_content.ts) calls them equal.
 *
 * Why: `folder status` on a folder of 100,000 files compares every path's
 * winner with this device's index row and looks for content held under
 * other names; decoding each row (its path text, vector, device id, each
 * chunk id made hex and checked) was most of the CPU spent on them. The
 * encoding is canonical (one version, one byte form: the strict decoder
 * takes nothing else, and this device writes only that form), so equal
 * content is equal bytes of the fields that hold it: the kind, then for a
 * file its size and chunk list (the exec bit between them left out), for a
 * link its target; every deletion holds the same (none).
 *
 * Only for bytes read back from this home's own tables (the folder state,
 * whose rows passed the strict decoder; the index, this device's own
 * encoding), never for a peer's bytes.
 */

/** Wire form: `[1, path, kind, mtime, key, vv, ...]` (file_version_codec.ts). */
const FIELDS_BEFORE_CONTENT = 6;
const KIND_FIELD = 2;

/**
 * Where the content of stored version `bytes` lies, in `out`: its kind
 * (0 file, 1 link, 2 deletion), then the spans [out[1], out[2]) and
 * [out[3], out[4]) of bytes holding it (a file: its size, then its chunk
 * list; a link: its target, the second span empty; a deletion: both
 * empty). False when `bytes` are not a version's encoding as far as this
 * walk can tell (the caller treats such a row as holding nothing).
 */
function spans(bytes: Uint8Array, out: Int32Array): boolean {
  const n = bytes.length;
  if (n === 0 || bytes[0] >> 5 !== 4) return false;
  const items = bytes[0] & 0x1f;
  if (items < FIELDS_BEFORE_CONTENT || items > 9) return false;
  let at = 1, kind = -1;
  for (let i = 0; i < FIELDS_BEFORE_CONTENT; i++) {
    if (i === KIND_FIELD) {
      kind = at < n ? bytes[at] : -1;
      if (kind > 2) return false; // an unsigned integer 0–2: one byte
    }
    at = skip(bytes, at, 0);
    if (at < 0) return false;
  }
  out[0] = kind;
  if (kind === 2) {
    out[1] =
      out[2] =
      out[3] =
      out[4] =
        0;
    return items === 6 || items === 7;
  }
  if (kind === 1) {
    out[1] = at, out[2] = n, out[3] = out[4] = 0;
    return items === 7 && skip(bytes, at, 0) === n;
  }
  if (items !== 9) return false;
  const sizeEnd = skip(bytes, at, 0);
  // The exec bit: false or true, one byte, not content.
  if (sizeEnd < 0 || sizeEnd >= n || (bytes[sizeEnd] !== 0xf4 && bytes[sizeEnd] !== 0xf5)) {
    return false;
  }
  if (skip(bytes, sizeEnd + 1, 0) !== n) return false;
  out[1] = at, out[2] = sizeEnd, out[3] = sizeEnd + 1, out[4] = n;
  return true;
}

const mine = new Int32Array(5), theirs = new Int32Array(5);

/**
 * The content key of stored version `bytes` (equal for two versions
 * exactly when they hold the same content), or undefined when they are
 * not a version's encoding.
 */
export function storedContentKey(bytes: Uint8Array): string | undefined {
  if (!spans(bytes, mine)) return undefined;
  return `${"fld"[mine[0]]}${latin1(bytes, mine[1], mine[2])}${latin1(bytes, mine[3], mine[4])}`;
}

const KINDS = ["file", "symlink", "deleted"] as const;

/**
 * The kind of stored version `bytes` and, a file's, its size (else 0), read
 * without decoding the rest; undefined when they are not a version's
 * encoding as far as this walk can tell (decode them to know why). A
 * folder's totals and most of its paths' standings need no more of a
 * version (folder_winners.ts).
 */
export function storedKindSize(
  bytes: Uint8Array,
): { kind: (typeof KINDS)[number]; size: number } | undefined {
  if (!spans(bytes, mine)) return undefined;
  const kind = KINDS[mine[0]];
  if (kind !== "file") return { kind, size: 0 };
  const at = mine[1], head = bytes[at], ai = head & 0x1f;
  let size: number;
  if (head === 0xfb) {
    size = new DataView(bytes.buffer, bytes.byteOffset + at + 1, 8).getFloat64(0);
  } else if (head >> 5 !== 0) {
    return undefined;
  } else if (ai < 24) size = ai;
  else if (ai === 24) size = bytes[at + 1];
  else if (ai === 25) size = (bytes[at + 1] << 8) | bytes[at + 2];
  else {size =
      ((bytes[at + 1] << 24) | (bytes[at + 2] << 16) | (bytes[at + 3] << 8) | bytes[at + 4]) >>> 0;}
  return Number.isSafeInteger(size) && size >= 0 ? { kind, size } : undefined;
}

/**
 * True when stored versions `a` and `b` hold the same content (as
 * `sameContent` says of them decoded); false too when either is not a
 * version's encoding. Nothing is allocated: a whole folder's paths are
 * compared with it.
 */
export function sameStoredContent(a: Uint8Array, b: Uint8Array): boolean {
  if (!spans(a, mine) || !spans(b, theirs) || mine[0] !== theirs[0]) return false;
  return sameSpan(a, mine[1], mine[2], b, theirs[1], theirs[2]) &&
    sameSpan(a, mine[3], mine[4], b, theirs[3], theirs[4]);
}

function sameSpan(a: Uint8Array, i: number, j: number, b: Uint8Array, k: number, l: number) {
  if (j - i !== l - k) return false;
  for (; i < j; i++, k++) if (a[i] !== b[k]) return false;
  return true;
}

/** Bytes `from`–`to` as a string of one code unit per byte. */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]);
}

/**
 * The offset after the CBOR item at `at` (definite lengths only, as
 * mycel's profile writes), or -1 when it runs past the end or is not one.
 */
function skip(b: Uint8Array, at: number, depth: number): number {
  if (at >= b.length || depth > 4) return -1;
  const major = b[at] >> 5, ai = b[at] & 0x1f;
  let p = at + 1, arg: number;
  if (ai < 24) arg = ai;
  else if (ai === 24) arg = b[p++];
  else if (ai === 25) arg = (b[p++] << 8) | b[p++];
  else if (ai === 26) arg = ((b[p++] << 24) | (b[p++] << 16) | (b[p++] << 8) | b[p++]) >>> 0;
  else if (ai === 27 && major === 7) return at + 9 <= b.length ? at + 9 : -1; // a float64
  else return -1;
  if (p > b.length) return -1;
  if (major === 0 || major === 1 || major === 7) return p;
  if (major === 2 || major === 3) return p + arg <= b.length ? p + arg : -1;
  if (major !== 4) return -1; // maps and tags are in no version
  for (let i = 0; i < arg && p >= 0; i++) p = skip(b, p, depth + 1);
  return p;
}
