/**
 * @module checkpoint_encode
 * Writing a checkpoint (checkpoint.ts has the wire form): the state's rows
 * in their canonical order, each device key once in an author table and
 * named by index, then the body signed. The same rows and frontier always
 * give the same body. A state past {@link CHECKPOINT_LIMITS} is refused with its own
 * error, not the CBOR encoder's, because the user can act on it.
 */

import { concatBytes } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { arrayHead, bytesHead, CborFailure, encodeCbor } from "./cbor.ts";
import {
  CHECKPOINT_CONTEXT,
  CHECKPOINT_LIMITS,
  type FrontierHead,
  MAX_CHECKPOINT_BYTES,
} from "./checkpoint_format.ts";
import { encodeMembers } from "./checkpoint_members.ts";
import { checkMemberBound } from "./checkpoint_member_bound.ts";
import { encodeSpaces } from "./checkpoint_spaces.ts";
import type { Signer } from "./identity.ts";
import { keyOfHex, type StateRows } from "./state_rows.ts";
import { encodeFolderPart } from "./folder_checkpoint.ts";

/** The author table: each device key once, named by its index. */
export class Authors {
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

/**
 * The seen seqs, member rows and frontier heads of a checkpoint or state
 * head, their devices named through `a` in this order (the author table's
 * order is part of the bytes).
 */
export function encodeSeenMembersHeads(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  a: Authors,
): { seen: unknown[]; members: unknown[]; heads: unknown[] } {
  const seen = [...rows.seenAll()].map(([au, seq]) => [a.of(au), seq]);
  const memberRows = rows.memberRows();
  const members = encodeMembers(memberRows, (hex, bytes) => a.of(hex, bytes));
  // Past what one checkpoint or head holds, parts cannot help: named by cause.
  checkMemberBound(members, memberRows);
  const heads = frontier.map((h) => [
    a.of(h.author.hex, h.author.bytes),
    h.seq,
    h.hash,
    ...(h.proof === undefined ? [] : [h.proof]),
  ]);
  return { seen, members, heads };
}

/** Encode and sign a checkpoint of `rows`. */
export async function makeCheckpoint(
  rows: StateRows,
  frontier: readonly FrontierHead[],
  meta: { mesh: string; made: number },
  signer: Signer,
): Promise<Uint8Array> {
  const a = new Authors();
  const { versions, parked, floors } = encodeSpaces(rows, (hex) => a.of(hex));
  const { seen, members, heads } = encodeSeenMembersHeads(rows, frontier, a);
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
  return await signBody(body, signer);
}

/**
 * A checkpoint's encoded body signed by `signer`: the checkpoint's bytes,
 * `[body, signature]` as the encoder writes it, laid out around the body
 * directly: encoding it copied the body (up to 64 MiB) twice, which held a
 * process that answers others (a `sync serve`) about 0.15 s.
 */
export async function signBody(body: Uint8Array, signer: Signer): Promise<Uint8Array> {
  const signature = await signer.sign(concatBytes(CHECKPOINT_CONTEXT, body));
  const head = concatBytes(arrayHead(2), bytesHead(body.length));
  const tail = encodeWithin(signature);
  if (head.length + body.length + tail.length > MAX_CHECKPOINT_BYTES) throw checkpointTooLarge();
  return concatBytes(head, body, tail);
}

/**
 * `encodeCbor` within {@link CHECKPOINT_LIMITS} (or `limits`: a piece of a
 * checkpoint encoded apart, checkpoint_stepwise.ts); a state past them is
 * named as such.
 */
export function encodeWithin(value: unknown, limits = CHECKPOINT_LIMITS): Uint8Array {
  try {
    return encodeCbor(value, limits);
  } catch (e) {
    const bound = e instanceof MycelError && e.cause instanceof CborFailure
      ? e.cause.bound
      : undefined;
    if (bound !== "maxBytes" && bound !== "maxNodes") throw e;
    throw checkpointTooLarge(e);
  }
}

/** A state past {@link CHECKPOINT_LIMITS}, named so the user can act on it. */
export function checkpointTooLarge(cause?: unknown): MycelError {
  return new MycelError(
    "checkpoint_too_large",
    "make a checkpoint",
    `the state is larger than a checkpoint may be (${MAX_CHECKPOINT_BYTES >> 20} MiB or ` +
      `${CHECKPOINT_LIMITS.maxNodes} items)`,
    {
      hint: "Until the state is smaller (large preferences or patterns, fewer shared files), " +
        "new devices can't pair through this one nor devices far behind catch up from it.",
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
