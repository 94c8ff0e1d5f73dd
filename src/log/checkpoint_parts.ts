/**
 * @module checkpoint_parts
 * A checkpoint in parts, for a state larger than one checkpoint may be (64
 * MiB or 2^21 items: checkpoint_format.ts). A signed head holds what every
 * part needs and what is small — mesh, signer, time, the author table, the
 * heads with their entries, seen seqs, apps, members — and the size and
 * SHA-256 of each part, in order; each part holds a run of the rows (versions,
 * parked dots, floors, folder rows), its device keys named by index in the
 * head's author table. So a receiver checks the head's signature once, then
 * each part against the head before decoding it, and folds it in as it
 * comes: neither side holds more than one part (at most 64 MiB) at a time.
 *
 * Head: `[body, signature]`, Ed25519 over `"mycel/checkpoint-parts/v1\0" ||
 * body`, body `["mycel-checkpoint-parts", 1, mesh, signer, made, authors,
 * heads, seen, apps, members, [[size, sha256], ...]]`. Part:
 * `["mycel-checkpoint-part", index, versions, parked, floors, folders | null]`
 * (the lists of checkpoint_spaces.ts and folder_checkpoint.ts).
 *
 * The parts are made twice, the same way: once to learn their hashes for the
 * head, once to send them (holding them all would cost the state's size in
 * memory). A state that changed between the two is named (`checkpoint_changed`).
 */

import { bytesEqual, concatBytes, utf8 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { encodeCbor } from "./cbor.ts";
import { Authors, encodeSeenMembersHeads, encodeWithin } from "./checkpoint_encode.ts";
import { CHECKPOINT_LIMITS, type FrontierHead, MAX_CHECKPOINT_BYTES } from "./checkpoint_format.ts";
import { floorRows, parkedRows, versionRows } from "./checkpoint_spaces.ts";
import { hashEntryBytes } from "./entry.ts";
import { folderRowLists } from "./folder_checkpoint.ts";
import type { Signer } from "./identity.ts";
import type { StateRows } from "./state_rows.ts";

/** Prefix of the head's signed bytes. */
export const PARTS_CONTEXT = utf8("mycel/checkpoint-parts/v1\0");
/** Most parts a head may declare (4096 × 64 MiB: far past any state a home holds). */
export const MAX_PARTS = 4096;
/**
 * Size a part is cut at. Smaller than a part may be (64 MiB) so that each
 * side holds less at a time; a part is decoded into rows of about twice its
 * size.
 */
export const DEFAULT_PART_BYTES = 16 << 20;

/** SHA-256 of a part (the entry hasher: WebAssembly once loaded). */
export const partHash = (bytes: Uint8Array): Uint8Array => hashEntryBytes(bytes);

/** A checkpoint in parts: the signed head, and the parts in order (made again on each call). */
export interface PartedCheckpoint {
  /** The signed head. */
  readonly head: Uint8Array;
  /** How many parts the head declares. */
  readonly count: number;
  /** Their total size. */
  readonly bytes: number;
  /** The parts, each checked against the head as made. */
  parts(): Generator<Uint8Array>;
}

/** Items of a decoded CBOR value (an upper bound of what the encoder counts). */
function nodesOf(x: unknown): number {
  if (Array.isArray(x)) return x.reduce((n: number, y) => n + nodesOf(y), 1);
  if (x !== null && typeof x === "object" && !(x instanceof Uint8Array)) {
    return Object.values(x).reduce((n: number, y) => n + 1 + nodesOf(y), 1);
  }
  return 1;
}

/**
 * Rows' bytes between two points where a cut may stop for its caller's
 * other work ({@link cutPartsStepwise} yields `null` there): cutting a part
 * of 16 MiB took about a second on a loaded machine.
 */
export const BREATH_BYTES = 1 << 20;

/**
 * The parts' bytes, cut at about `target` bytes (and well within the item
 * bound); between them, `null` after about every {@link BREATH_BYTES} of rows.
 */
function* partBodies(
  rows: StateRows,
  a: Authors,
  target: number,
  breath = BREATH_BYTES,
): Generator<Uint8Array | null> {
  const of = (hex: string) => a.of(hex);
  const sources: Iterable<unknown[]>[] = [
    versionRows(rows, of),
    parkedRows(rows, of),
    floorRows(rows, of),
    ...folderRowLists(rows.folders(), of),
  ];
  const maxNodes = CHECKPOINT_LIMITS.maxNodes - 64;
  let lists: unknown[][] = sources.map(() => []);
  let size = 0, nodes = 0, index = 0, sinceBreath = 0;
  const part = () => {
    const [versions, parked, floors, ...folders] = lists;
    const bytes = encodeWithin([
      "mycel-checkpoint-part",
      index++,
      versions,
      parked,
      floors,
      folders.every((l) => l.length === 0) ? null : folders,
    ]);
    lists = sources.map(() => []);
    size = nodes = 0;
    return bytes;
  };
  for (let k = 0; k < sources.length; k++) {
    for (const row of sources[k]) {
      const n = encodeCbor(row, CHECKPOINT_LIMITS).length + 8, m = nodesOf(row);
      if (size > 0 && (size + n > target || nodes + m > maxNodes)) yield part();
      lists[k].push(row);
      size += n;
      nodes += m;
      sinceBreath += n;
      if (sinceBreath >= breath) {
        sinceBreath = 0;
        yield null;
      }
    }
  }
  if (size > 0 || index === 0) yield part();
}

function changed(): MycelError {
  return new MycelError(
    "checkpoint_changed",
    "send the state",
    "it changed while it was being sent in parts",
    { hint: "Try again: nothing was taken from a state sent only in part." },
  );
}

/** What a head says of its parts and the small fields, read from the rows (not yet signed). */
export interface CutParts {
  readonly authors: Authors;
  /** Each part's size and SHA-256, in order. */
  readonly declared: readonly [number, Uint8Array][];
  /** The parts' total size. */
  readonly bytes: number;
  readonly fields: { seen: unknown; members: unknown; heads: unknown; apps: unknown };
}

function partTarget(partBytes: number): number {
  return Math.min(Math.max(partBytes, 256), MAX_CHECKPOINT_BYTES - (1 << 20));
}

function tooManyParts(n: number): MycelError {
  return new MycelError("checkpoint_too_large", "make a checkpoint", "the state is too large", {
    value: `${n} parts, at most ${MAX_PARTS}`,
  });
}

/**
 * Cut `rows` into parts in one pass, yielding each as it is made (and
 * `null` about every `breathBytes` of rows read: where the caller may let
 * other work run), and read the head's small fields once the last is out
 * (the generator's return value). For a sender whose state may change while it sends (a sync
 * session stores the peer's entries as it sends its own): parts made again
 * to be sent (as {@link makePartedCheckpoint} does) would no longer match
 * their head. `rows` must read one unchanging state from the first part to
 * the return: the caller reads them through one snapshot (storage/
 * parts_spool.ts reads a read transaction of its own, and yields to its
 * event loop at each step, which this pure code leaves to it). The caller
 * keeps the parts (spooled to disk) and signs the head with
 * {@link signCutParts}.
 */
export function* cutPartsStepwise(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  partBytes = DEFAULT_PART_BYTES,
  breathBytes = BREATH_BYTES,
): Generator<Uint8Array | null, CutParts, void> {
  const a = new Authors();
  const declared: [number, Uint8Array][] = [];
  for (const p of partBodies(rows, a, partTarget(partBytes), breathBytes)) {
    if (p !== null) declarePart(declared, p);
    yield p;
  }
  return cutFields(rows, frontier, a, declared);
}

function declarePart(declared: [number, Uint8Array][], p: Uint8Array): void {
  if (declared.length === MAX_PARTS) throw tooManyParts(declared.length + 1);
  declared.push([p.length, partHash(p)]);
}

function cutFields(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  a: Authors,
  declared: [number, Uint8Array][],
): CutParts {
  const bytes = declared.reduce((n, [size]) => n + size, 0);
  const { seen, members, heads } = encodeSeenMembersHeads(rows, frontier, a);
  return { authors: a, declared, bytes, fields: { seen, members, heads, apps: rows.appsAll() } };
}

/** The signed head of parts cut by {@link cutPartsStepwise}. */
export async function signCutParts(
  cut: CutParts,
  meta: { mesh: string; made: number },
  signer: Signer,
): Promise<Uint8Array> {
  const { seen, members, heads, apps } = cut.fields;
  const body = encodeWithin([
    "mycel-checkpoint-parts",
    1,
    meta.mesh,
    signer.publicKey,
    meta.made,
    cut.authors.list,
    heads,
    seen,
    apps,
    members,
    cut.declared,
  ]);
  const signature = await signer.sign(concatBytes(PARTS_CONTEXT, body));
  return encodeWithin([body, signature]);
}

/**
 * A checkpoint of `rows` in parts of about `partBytes` each, its head signed
 * by `signer`. `rows` must not change until the parts are all made (a change
 * is named when they are made again). `between` is awaited after each part
 * of the first pass, which makes them all to hash them before the head can
 * be signed: a pairing inviter says there it is still at work (a slow device
 * cutting a large state ran past the joiner's read deadline).
 */
export async function makePartedCheckpoint(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
  signer: Signer,
  partBytes = DEFAULT_PART_BYTES,
  between: () => Promise<void> = () => Promise.resolve(),
): Promise<PartedCheckpoint> {
  const target = partTarget(partBytes);
  const hashed = new Authors();
  const hashes: [number, Uint8Array][] = [];
  for (const p of partBodies(rows, hashed, target)) {
    if (p === null) continue;
    declarePart(hashes, p);
    await between();
  }
  const cut = cutFields(rows, frontier, hashed, hashes);
  const { authors: a, declared } = cut;
  const authors = a.list.length;
  const head = await signCutParts(cut, meta, signer);
  return {
    head,
    count: declared.length,
    bytes: cut.bytes,
    *parts() {
      let i = 0;
      for (const p of partBodies(rows, a, target)) {
        if (p === null) continue;
        const d = declared[i++];
        if (d === undefined || a.list.length !== authors || !bytesEqual(partHash(p), d[1])) {
          throw changed();
        }
        yield p;
      }
      if (i !== declared.length) throw changed();
    },
  };
}
