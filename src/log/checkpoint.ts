/**
 * @module checkpoint
 * A signed checkpoint: the whole replicated state (every version with its
 * dot and stamp, parked dots, floors, the fold frontier, apps, membership)
 * plus the chain heads it covers, signed by the member that made it. A new
 * device — or one back after months — starts from one instead of replaying
 * history: O(state), not O(history).
 *
 * Wire form: `[body, signature]`, the signature Ed25519 over
 * `"mycel/checkpoint/v1\0" || body`. Device keys appear once in an author
 * table and are named by index. Each head may carry its author's signed
 * entry at that head (`[author, seq, hash, entry]`), checked when read.
 * Decoding is strict and bounded, and every value is validated as the op
 * decoder would (a member's checkpoint is trusted for its content, but
 * never to crash or bloat the receiver).
 */

import { asBytes, bytesEqual, concatBytes, utf8 } from "../bytes.ts";
import type { Version } from "../crdt/dotted.ts";
import type { Hlc } from "../crdt/hlc.ts";
import { isJson, type Json } from "../crdt/json.ts";
import { MycelError } from "../errors.ts";
import {
  CborFailure,
  type CborLimits,
  decodeCbor,
  DEFAULT_CBOR_LIMITS,
  encodeCbor,
} from "./cbor.ts";
import { DeviceKey } from "./device_key.ts";
import { decodeDeviceFields, type DeviceFields, encodeDeviceFields } from "./device_record.ts";
import { decodeSignedEntry, type SignedEntry, verifyEntrySignature } from "./entry.ts";
import { type Signer, verifySignature } from "./identity.ts";
import type { Admission, MemberRow, Removal, SelfField } from "./membership.ts";
import { checkConfigKey, checkName, checkPattern, checkPrefValue } from "./ops.ts";
import { type Space, SPACES } from "./state.ts";
import { MemoryState } from "./state_memory.ts";
import { keyOfHex, type StateRows } from "./state_rows.ts";
import { decodeFolderPart, encodeFolderPart } from "./folder_checkpoint.ts";

const CONTEXT = utf8("mycel/checkpoint/v1\0");
/**
 * Bounds of a checkpoint's CBOR, written and read alike. Wider than the
 * profile's default (16 MiB, 2^20 items): a checkpoint is the whole state,
 * and a synced folder's file versions alone take about 190 bytes and 5
 * items a file, so 16 MiB stopped at about 85,000 files (no new device
 * could pair, no device far behind catch up). 64 MiB (about 350,000 files)
 * is a session's budget of entries too (exchange_send.ts), so a member's
 * checkpoint costs a receiver no more than a session of entries; 2^21
 * items bound the decoded objects (2^21 empty arrays, the worst case,
 * decoded in 0.1–0.5 s and 100–200 MiB of RSS here; the default's 2^20 in
 * about 0.1 s and 60 MiB).
 */
export const CHECKPOINT_LIMITS: CborLimits = Object.freeze({
  maxBytes: 64 << 20,
  maxDepth: DEFAULT_CBOR_LIMITS.maxDepth,
  maxNodes: 1 << 21,
});
/** Largest checkpoint accepted (bytes); the heads' signed entries count in it. */
export const MAX_CHECKPOINT_BYTES = CHECKPOINT_LIMITS.maxBytes;
/** Most authors a checkpoint may name. */
export const MAX_AUTHORS = 100_000;

/** A chain head a checkpoint covers. */
export interface FrontierHead {
  readonly author: DeviceKey;
  readonly seq: number;
  readonly hash: Uint8Array;
  /**
   * The author's own signed entry at `seq` (its exact bytes): proof that the
   * head exists, so a member can't make up a head (a forged hash would make
   * that device's later entries stop linking wherever it was taken).
   * Checked on decoding: that author, that seq, that hash, its signature.
   */
  readonly proof?: Uint8Array;
}

/** A decoded checkpoint. */
export interface Checkpoint {
  /** The mesh it belongs to. */
  readonly mesh: string;
  /** The member that made and signed it. */
  readonly signer: DeviceKey;
  /** When (signer's wall clock, ms). */
  readonly made: number;
  /** Chain heads covered. */
  readonly frontier: FrontierHead[];
  /** The state. */
  readonly state: MemoryState;
  /** The exact signed bytes. */
  readonly bytes: Uint8Array;
}

class Authors {
  readonly list: Uint8Array[] = [];
  readonly #index = new Map<string, number>();

  of(hex: string, bytes?: Uint8Array): number {
    let i = this.#index.get(hex);
    if (i === undefined) {
      i = this.list.length;
      this.#index.set(hex, i);
      this.list.push(bytes ?? keyOfHex(hex).bytes);
    }
    return i;
  }
}

const SPACE_INDEX = new Map<Space, number>(SPACES.map((s, i) => [s, i]));

/** A witness as `[[author index, seq], ...]` by key, in a list of one; none when empty. */
function witnessWire(
  w: MemberRow["witnessed"],
  index: (hex: string) => number,
): unknown[][] {
  const pairs = Object.entries(w ?? {}).sort(([x], [y]) => (x < y ? -1 : 1));
  return pairs.length === 0 ? [] : [pairs.map(([hex, seq]) => [index(hex), seq])];
}

/** Encode and sign a checkpoint of `rows`. */
export async function makeCheckpoint(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
  signer: Signer,
): Promise<Uint8Array> {
  const a = new Authors();
  const versions: unknown[] = [];
  for (const space of SPACES) {
    for (const [key, list] of rows.keysOf(space)) {
      for (const v of list) {
        versions.push([
          SPACE_INDEX.get(space),
          key,
          a.of(v.dot.author),
          v.dot.seq,
          v.stamp.wall,
          v.stamp.counter,
          v.legacy ? 1 : 0,
          v.value === undefined ? [] : [v.value],
        ]);
      }
    }
  }
  const parked = [...rows.parked()].map((
    [s, k, au, seq],
  ) => [SPACE_INDEX.get(s), k, a.of(au), seq]);
  const floors = [...rows.floors()].map((
    [s, k, h],
  ) => [SPACE_INDEX.get(s), k, h.wall, h.counter, a.of(h.node)]);
  const seen = [...rows.seenAll()].map(([au, seq]) => [a.of(au), seq]);
  const members = rows.memberRows().map(([key, row]) => [
    a.of(key.hex, key.bytes),
    row.added
      ? [
        a.of(row.added.by.hex),
        row.added.wall,
        row.added.counter,
        encodeDeviceFields(row.added.fields),
        // Contested (membership.ts): a 5th element, left out otherwise, so an
        // honest state reads as an earlier release wrote it.
        ...(row.added.contested ? [1] : []),
      ]
      : null,
    row.removed
      ? [a.of(row.removed.by.hex), row.removed.wall, row.removed.counter, row.removed.cut]
      : null,
    Object.entries(row.self).map(([f, v]) => [v!.seq, encodeDeviceFields({ [f]: v!.value })]),
    // What the device had seen of others (witness.ts): a 5th field, left
    // out when empty, so a state without any reads as an earlier release wrote it.
    ...witnessWire(row.witnessed, (hex) => a.of(hex)),
  ]);
  const heads = frontier.map((h) => [
    a.of(h.author.hex, h.author.bytes),
    h.seq,
    h.hash,
    ...(h.proof === undefined ? [] : [h.proof]),
  ]);
  // Synced folders: a 14th field, left out when there is no folder state.
  const folders = encodeFolderPart(rows.folders(), (hex) => a.of(hex));
  const body = encodeWithin([
    "mycel-checkpoint",
    1,
    meta.mesh,
    signer.publicKey,
    meta.made,
    a.list,
    heads,
    versions,
    parked,
    floors,
    seen,
    rows.appsAll(),
    members,
    ...(folders === undefined ? [] : [folders]),
  ]);
  const signature = await signer.sign(concatBytes(CONTEXT, body));
  return encodeWithin([body, signature]);
}

/** `encodeCbor` within {@link CHECKPOINT_LIMITS}; a state past them is named as such. */
function encodeWithin(value: unknown): Uint8Array {
  try {
    return encodeCbor(value, CHECKPOINT_LIMITS);
  } catch (e) {
    const bound = e instanceof MycelError && e.cause instanceof CborFailure
      ? e.cause.bound
      : undefined;
    if (bound !== "maxBytes" && bound !== "maxNodes") throw e;
    throw new MycelError(
      "checkpoint_too_large",
      "make a checkpoint",
      `the state is larger than a checkpoint may be (${MAX_CHECKPOINT_BYTES >> 20} MiB or ` +
        `${CHECKPOINT_LIMITS.maxNodes} items)`,
      {
        hint: "Until the state is smaller (large preferences or patterns, fewer shared files), " +
          "new devices can't pair through this one nor devices far behind catch up from it.",
        cause: e,
      },
    );
  }
}

function bad(reason: string, cause?: unknown): MycelError {
  return new MycelError("bad_checkpoint", "read checkpoint", reason, { cause });
}

/** Undecodable bytes are a bad checkpoint too (the documented error), not `bad_encoding`. */
function cbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decodeCbor(bytes, what, CHECKPOINT_LIMITS);
  } catch (e) {
    throw bad(`the ${what} is not valid CBOR`, e);
  }
}

const list = (x: unknown, what: string, max = 10_000_000): unknown[] => {
  if (!Array.isArray(x) || x.length > max) throw bad(`${what} malformed`);
  return x;
};
const count = (x: unknown, what: string): number => {
  if (!Number.isSafeInteger(x) || (x as number) < 0) throw bad(`${what} must be a count`);
  return x as number;
};

/** A key of `space`, checked as the op decoder checks it (for tombstones, parked dots and floors too). */
function checkKey(space: Space, key: string): string {
  return space === "config"
    ? checkConfigKey(key)
    : checkName(space === "prefs" ? "preference key" : "pattern id", key);
}

function checkValue(space: Space, value: unknown): Json {
  if (space === "config") {
    if (!isJson(value)) throw bad("a config value is not JSON");
    return value;
  }
  return space === "prefs" ? checkPrefValue(value) : checkPattern(value);
}

/** The signed entry `proof` proves `head`: its author's, at its seq, with its hash. */
function headProof(head: Omit<FrontierHead, "proof">, proof: unknown): SignedEntry {
  const bytes = asBytes(proof);
  if (bytes === undefined) throw bad("a head's entry is malformed");
  let e: SignedEntry;
  try {
    e = decodeSignedEntry(bytes);
  } catch (err) {
    throw bad("a head's entry is malformed", err);
  }
  if (
    e.entry.author !== head.author || e.entry.seq !== head.seq || !bytesEqual(e.hash, head.hash)
  ) {
    throw bad(`the entry given for ${head.author.short}'s head #${head.seq} is not that head`);
  }
  return e;
}

/**
 * Decode a checkpoint and check its signature (not who signed it: the caller
 * checks the signer is a member it trusts). `unsigned` skips the signature,
 * for the refold base a home keeps for itself (never received from anyone).
 */
export async function readCheckpoint(
  bytes: Uint8Array,
  options: { unsigned?: boolean } = {},
): Promise<Checkpoint> {
  if (bytes.length > MAX_CHECKPOINT_BYTES) throw bad("it is too large");
  const outer = cbor(bytes, "checkpoint");
  if (!Array.isArray(outer) || outer.length !== 2) throw bad("it is not [body, signature]");
  const body = asBytes(outer[0]), sig = asBytes(outer[1]);
  if (body === undefined || sig?.length !== 64) throw bad("body or signature malformed");
  const f = list(cbor(body, "checkpoint body"), "checkpoint", 14);
  if ((f.length !== 13 && f.length !== 14) || f[0] !== "mycel-checkpoint" || f[1] !== 1) {
    throw bad("unknown format");
  }
  const mesh = f[2], signerRaw = asBytes(f[3]);
  if (typeof mesh !== "string" || signerRaw?.length !== 32) throw bad("mesh or signer malformed");
  const signer = DeviceKey.of(signerRaw);
  if (
    !options.unsigned && !(await verifySignature(signer.bytes, concatBytes(CONTEXT, body), sig))
  ) {
    throw bad("its signature does not verify");
  }
  const authors = list(f[5], "authors", MAX_AUTHORS).map((x) => {
    const k = asBytes(x);
    if (k?.length !== 32) throw bad("an author key is malformed");
    return DeviceKey.of(k);
  });
  const au = (i: unknown) => {
    const k = authors[count(i, "author index")];
    if (k === undefined) throw bad("an author index is out of range");
    return k;
  };
  const space = (i: unknown): Space => {
    const s = SPACES[count(i, "space")];
    if (s === undefined) throw bad("unknown keyspace");
    return s;
  };
  const text = (x: unknown, what: string) => {
    if (typeof x !== "string") throw bad(`${what} must be text`);
    return x;
  };
  try {
    const proofs: Promise<boolean>[] = [];
    const frontier = list(f[6], "frontier", MAX_AUTHORS).map((h): FrontierHead => {
      const [a, seq, hash, proof] = list(h, "head", 4);
      const hb = asBytes(hash);
      if (hb?.length !== 32) throw bad("a head hash is malformed");
      const head = { author: au(a), seq: count(seq, "seq"), hash: hb };
      if (proof === undefined) return head;
      const checked = headProof(head, proof);
      if (!options.unsigned) proofs.push(verifyEntrySignature(checked));
      return { ...head, proof: checked.bytes };
    });
    if ((await Promise.all(proofs)).includes(false)) {
      throw bad("a head's entry is not signed by its author");
    }
    const state = new MemoryState();
    for (const s of list(f[10], "seen", MAX_AUTHORS)) {
      const [a, seq] = list(s, "seen", 2);
      state.setSeen(au(a), count(seq, "seq"));
    }
    for (const v of list(f[7], "versions")) {
      const [s, key, a, seq, wall, counter, legacy, value] = list(v, "version", 8);
      const sp = space(s), k = checkKey(sp, text(key, "key")), val = list(value, "value", 1);
      const author = au(a).hex;
      const version: Version = {
        dot: { author, seq: count(seq, "seq") },
        stamp: { wall: count(wall, "wall"), counter: count(counter, "counter"), node: author },
        value: val.length === 0 ? undefined : checkValue(sp, val[0]),
        ...(legacy === 1 ? { legacy: true } : {}),
      };
      state.space(sp).put(k, version);
    }
    for (const p of list(f[8], "parked")) {
      const [s, key, a, seq] = list(p, "parked", 4);
      const sp = space(s);
      state.space(sp).park(checkKey(sp, text(key, "key")), {
        author: au(a).hex,
        seq: count(seq, "seq"),
      });
    }
    for (const fl of list(f[9], "floors")) {
      const [s, key, wall, counter, a] = list(fl, "floor", 5);
      const stamp: Hlc = {
        wall: count(wall, "wall"),
        counter: count(counter, "counter"),
        node: au(a).hex,
      };
      const sp = space(s);
      state.space(sp).setFloor(checkKey(sp, text(key, "key")), stamp);
    }
    for (const app of list(f[11], "apps")) state.addApp(checkName("app name", app));
    for (const m of list(f[12], "members", MAX_AUTHORS)) {
      const [k, added, removed, self, witness] = list(m, "member", 5);
      const row: {
        added?: Admission;
        removed?: Removal;
        self: Partial<Record<keyof DeviceFields, SelfField>>;
        witnessed?: Record<string, number>;
      } = {
        self: {},
      };
      if (witness !== undefined) {
        // As the encoder writes it: not empty, ascending keys, each once.
        const w: Record<string, number> = {};
        let last = "";
        const pairs = list(witness, "witness", MAX_AUTHORS);
        if (pairs.length === 0) throw bad("a witness is empty");
        for (const pair of pairs) {
          const [by, seq] = list(pair, "witness pair", 2);
          const hex = au(by).hex;
          if (hex <= last) throw bad("a witness's devices are not in ascending order, once each");
          const n = count(seq, "seq");
          if (n < 1) throw bad("a witness seq is 0");
          w[hex] = n;
          last = hex;
        }
        row.witnessed = w;
      }
      if (added !== null) {
        const [by, wall, counter, fields, contested] = list(added, "admission", 5);
        if (contested !== undefined && contested !== 1) throw bad("an admission's mark is not 1");
        // Only admissions by other devices are compared (membership.ts): a
        // device's own admission kept and marked is no fold's result.
        if (contested === 1 && au(by) === au(k)) throw bad("a self-admission is marked contested");
        row.added = {
          by: au(by),
          wall: count(wall, "wall"),
          counter: count(counter, "counter"),
          fields: decodeDeviceFields(fields, true) as DeviceFields,
          ...(contested === 1 ? { contested: true as const } : {}),
        };
      }
      if (removed !== null) {
        const [by, wall, counter, cut] = list(removed, "removal", 4);
        row.removed = {
          by: au(by),
          wall: count(wall, "wall"),
          counter: count(counter, "counter"),
          cut: count(cut, "cut"),
        };
      }
      for (const sf of list(self, "self fields", 8)) {
        const [seq, fields] = list(sf, "self field", 2);
        const decoded = decodeDeviceFields(fields, false);
        const entries = Object.entries(decoded);
        if (entries.length !== 1) throw bad("a self field is malformed");
        const [name, value] = entries[0];
        (row.self as Record<string, SelfField>)[name] = { seq: count(seq, "seq"), value: value! };
      }
      state.putMember(au(k), row);
    }
    if (f.length === 14) decodeFolderPart(f[13], au, state.folders(), list, count);
    return { mesh, signer, made: count(f[4], "made"), frontier, state, bytes };
  } catch (e) {
    if (e instanceof MycelError && e.code === "bad_checkpoint") throw e;
    throw bad(e instanceof Error ? e.message.replace(/^Cannot [^:]*: /, "") : String(e), e);
  }
}
