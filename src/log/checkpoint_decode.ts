/**
 * @module checkpoint_decode
 * Reading a checkpoint (checkpoint.ts has the wire form): the envelope and
 * its signature, the author table, the heads with the signed entries that
 * prove them, seen seqs and apps; the keyspaces (checkpoint_spaces.ts),
 * member rows (checkpoint_members.ts) and folders (folder_checkpoint.ts)
 * are read by their parts. A member's checkpoint is trusted for its
 * content, but never to crash or bloat the receiver: every failure, whatever
 * part raised it, is one `bad_checkpoint`. Apart from the writer because the
 * reader alone carries the distrust.
 */

import { asBytes, bytesEqual, concatBytes } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { decodeCbor } from "./cbor.ts";
import {
  bad,
  type Checkpoint,
  CHECKPOINT_CONTEXT,
  CHECKPOINT_LIMITS,
  count,
  type FrontierHead,
  list,
  MAX_AUTHORS,
  MAX_CHECKPOINT_BYTES,
} from "./checkpoint_format.ts";
import { decodeMember } from "./checkpoint_members.ts";
import { decodeSpaces } from "./checkpoint_spaces.ts";
import { DeviceKey } from "./device_key.ts";
import { decodeSignedEntry, type SignedEntry, verifyEntrySignature } from "./entry.ts";
import { verifySignature } from "./identity.ts";
import { checkName } from "./ops.ts";
import { MemoryState } from "./state_memory.ts";
import { decodeFolderPart } from "./folder_checkpoint.ts";

/** Undecodable bytes are a bad checkpoint too (the documented error), not `bad_encoding`. */
export function cbor(bytes: Uint8Array, what: string): unknown {
  try {
    return decodeCbor(bytes, what, CHECKPOINT_LIMITS);
  } catch (e) {
    throw bad(`the ${what} is not valid CBOR`, e);
  }
}

/** The signed entry `proof` proves `head`: its author's, at its seq, with its hash. */
export function headProof(head: Omit<FrontierHead, "proof">, proof: unknown): SignedEntry {
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
 * The mesh (field 2) and signer (field 3) a checkpoint or state head names.
 * The signer must be `by` when that is known (its signature was checked
 * before decoding, openSigned); otherwise its signature is checked now,
 * unless `unsigned` (a base this home keeps for itself).
 */
export async function meshAndSigner(
  f: readonly unknown[],
  body: Uint8Array,
  sig: Uint8Array,
  context: Uint8Array,
  o: { unsigned: boolean; by: DeviceKey | undefined },
): Promise<{ mesh: string; signer: DeviceKey }> {
  const mesh = f[2], signerRaw = asBytes(f[3]);
  if (typeof mesh !== "string" || signerRaw?.length !== 32) throw bad("mesh or signer malformed");
  const signer = DeviceKey.of(signerRaw);
  if (o.by && signer !== o.by) {
    throw bad("it names another signer than the device that signed it");
  }
  if (
    !o.unsigned && !o.by &&
    !(await verifySignature(signer.bytes, concatBytes(context, body), sig))
  ) {
    throw bad("its signature does not verify");
  }
  return { mesh, signer };
}

/** The author table of a checkpoint or state head: 32-byte keys, at most MAX_AUTHORS. */
export function decodeAuthors(raw: unknown): DeviceKey[] {
  return list(raw, "authors", MAX_AUTHORS).map((x) => {
    const k = asBytes(x);
    if (k?.length !== 32) throw bad("an author key is malformed");
    return DeviceKey.of(k);
  });
}

/** An author index into `authors`, checked. */
export function authorOf(authors: readonly DeviceKey[]): (i: unknown) => DeviceKey {
  return (i) => {
    const k = authors[count(i, "author index")];
    if (k === undefined) throw bad("an author index is out of range");
    return k;
  };
}

/**
 * The frontier of a checkpoint or state head: each head, and its author's
 * signed entry there when it comes with one (checked to be that head, and
 * its signature, unless `unsigned`: a base this home keeps for itself).
 */
export async function decodeFrontier(
  raw: unknown,
  au: (i: unknown) => DeviceKey,
  unsigned: boolean,
): Promise<FrontierHead[]> {
  const proofs: Promise<boolean>[] = [];
  const frontier = list(raw, "frontier", MAX_AUTHORS).map((h): FrontierHead => {
    const [a, seq, hash, proof] = list(h, "head", 4);
    const hb = asBytes(hash);
    if (hb?.length !== 32) throw bad("a head hash is malformed");
    const head = { author: au(a), seq: count(seq, "seq"), hash: hb };
    if (proof === undefined) return head;
    const checked = headProof(head, proof);
    if (!unsigned) proofs.push(verifyEntrySignature(checked));
    return { ...head, proof: checked.bytes };
  });
  if ((await Promise.all(proofs)).includes(false)) {
    throw bad("a head's entry is not signed by its author");
  }
  return frontier;
}

/**
 * The `[body, signature]` envelope of a checkpoint or of a state head in
 * parts (`it`: how errors name it; `label`: what the CBOR is): bounded, and
 * when the one signer allowed is known (a joiner's inviter), its signature
 * over `context` and the raw body is checked before the body is decoded.
 */
export async function openSigned(
  bytes: Uint8Array,
  it: string,
  label: string,
  context: Uint8Array,
  signedBy: DeviceKey | undefined,
): Promise<{ body: Uint8Array; sig: Uint8Array }> {
  if (bytes.length > MAX_CHECKPOINT_BYTES) throw bad(`${it} is too large`);
  const outer = cbor(bytes, label);
  if (!Array.isArray(outer) || outer.length !== 2) throw bad(`${it} is not [body, signature]`);
  const body = asBytes(outer[0]), sig = asBytes(outer[1]);
  if (body === undefined || sig?.length !== 64) throw bad("body or signature malformed");
  if (signedBy && !(await verifySignature(signedBy.bytes, concatBytes(context, body), sig))) {
    throw bad("its signature does not verify");
  }
  return { body, sig };
}

/**
 * Decode a checkpoint and check its signature (not who signed it: the caller
 * checks the signer is a member it trusts). `unsigned` skips the signature,
 * for the refold base a home keeps for itself (never received from anyone).
 * `signedBy`: the only device that may have signed it; its signature is then
 * checked over the raw body before the body is decoded, and the body must
 * name it.
 */
export async function readCheckpoint(
  bytes: Uint8Array,
  options: { unsigned?: boolean; signedBy?: DeviceKey } = {},
): Promise<Checkpoint> {
  const by = options.unsigned ? undefined : options.signedBy;
  const { body, sig } = await openSigned(bytes, "it", "checkpoint", CHECKPOINT_CONTEXT, by);
  const f = list(cbor(body, "checkpoint body"), "checkpoint", 14);
  if ((f.length !== 13 && f.length !== 14) || f[0] !== "mycel-checkpoint" || f[1] !== 1) {
    throw bad("unknown format");
  }
  const { mesh, signer } = await meshAndSigner(f, body, sig, CHECKPOINT_CONTEXT, {
    unsigned: options.unsigned === true,
    by,
  });
  const authors = decodeAuthors(f[5]);
  const au = authorOf(authors);
  try {
    const frontier = await decodeFrontier(f[6], au, options.unsigned === true);
    const state = new MemoryState();
    for (const s of list(f[10], "seen", MAX_AUTHORS)) {
      const [a, seq] = list(s, "seen", 2);
      state.setSeen(au(a), count(seq, "seq"));
    }
    decodeSpaces({ versions: f[7], parked: f[8], floors: f[9] }, au, state);
    for (const app of list(f[11], "apps")) state.addApp(checkName("app name", app));
    for (const m of list(f[12], "members", MAX_AUTHORS)) {
      state.putMember(...decodeMember(m, au));
    }
    if (f.length === 14) decodeFolderPart(f[13], au, state.folders(), list, count);
    return { mesh, signer, made: count(f[4], "made"), frontier, state, bytes };
  } catch (e) {
    if (e instanceof MycelError && e.code === "bad_checkpoint") throw e;
    throw bad(e instanceof Error ? e.message.replace(/^Cannot [^:]*: /, "") : String(e), e);
  }
}
