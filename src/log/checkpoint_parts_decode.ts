/**
 * @module checkpoint_parts_decode
 * Reading a checkpoint in parts (checkpoint_parts.ts has the wire form). The
 * head is read like a checkpoint (bounded, its signature checked, its heads'
 * entries checked), and it declares each part's size and SHA-256: a head
 * declaring more parts than {@link MAX_PARTS} or a part larger than a
 * checkpoint may be is refused before anything else comes. Then
 * {@link PartReader} takes the parts one at a time, in order, and decodes
 * one only once its size and hash are the head's: a part that is not the
 * one due (another one of the head's, out of order, or none of them), one
 * more than declared, or one missing at the end is refused by name. Every
 * failure is one `bad_checkpoint`.
 */

import { asBytes, bytesEqual } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import {
  authorOf,
  cbor,
  decodeAuthors,
  decodeFrontier,
  meshAndSigner,
  openSigned,
} from "./checkpoint_decode.ts";
import {
  bad,
  count,
  type FrontierHead,
  list,
  MAX_AUTHORS,
  MAX_CHECKPOINT_BYTES,
} from "./checkpoint_format.ts";
import { decodeMember } from "./checkpoint_members.ts";
import { MAX_PARTS, partHash, PARTS_CONTEXT } from "./checkpoint_parts.ts";
import { decodeSpaces } from "./checkpoint_spaces.ts";
import { DeviceKey } from "./device_key.ts";
import { decodeFolderPart } from "./folder_checkpoint.ts";
import { checkName } from "./ops.ts";
import type { StateStore } from "./state.ts";
import { MemoryState } from "./state_memory.ts";

/** A decoded head of a checkpoint in parts. */
export interface PartedHead {
  /** The mesh it belongs to. */
  readonly mesh: string;
  /** The member that made and signed it. */
  readonly signer: DeviceKey;
  /** When (signer's wall clock, ms). */
  readonly made: number;
  /** Chain heads covered. */
  readonly frontier: FrontierHead[];
  /** Seen seqs, apps and members (the parts hold the rest). */
  readonly state: MemoryState;
  /** Each part's size and SHA-256, in order. */
  readonly parts: readonly { readonly size: number; readonly hash: Uint8Array }[];
  /** The author table the parts name devices by. */
  readonly authors: readonly DeviceKey[];
  /** The exact signed bytes. */
  readonly bytes: Uint8Array;
}

/** True when `bytes` look like a head of a checkpoint in parts (not a checkpoint). */
export function isPartedHead(bytes: Uint8Array): boolean {
  // Both are [body, signature] with the body's tag near its start.
  const tag = new TextEncoder().encode("mycel-checkpoint-parts");
  for (let i = 0; i < Math.min(bytes.length - tag.length, 32); i++) {
    if (bytesEqual(bytes.subarray(i, i + tag.length), tag)) return true;
  }
  return false;
}

/**
 * Decode a head and check its signature (`unsigned`: a base this home keeps
 * for itself). `signedBy`: the only device that may have signed it (the
 * inviter, for a joiner); its signature is then checked over the raw body
 * before the body is decoded, so bytes nobody trusted signed are never
 * parsed past `[body, signature]`, and the body must name that device.
 */
export async function readPartedHead(
  bytes: Uint8Array,
  options: { unsigned?: boolean; signedBy?: DeviceKey } = {},
): Promise<PartedHead> {
  const by = options.unsigned ? undefined : options.signedBy;
  const { body, sig } = await openSigned(bytes, "its head", "checkpoint head", PARTS_CONTEXT, by);
  const f = list(cbor(body, "checkpoint head body"), "checkpoint head", 11);
  if (f.length !== 11 || f[0] !== "mycel-checkpoint-parts" || f[1] !== 1) {
    throw bad("unknown format");
  }
  const { mesh, signer } = await meshAndSigner(f, body, sig, PARTS_CONTEXT, {
    unsigned: options.unsigned === true,
    by,
  });
  // Sizes first: a head declaring what no receiver should take is refused before anything else.
  const declared = list(f[10], "parts", Number.MAX_SAFE_INTEGER);
  if (declared.length === 0 || declared.length > MAX_PARTS) {
    throw bad(`its head declares ${declared.length} parts (1 to ${MAX_PARTS})`);
  }
  const parts = declared.map((d) => {
    const [size, hash] = list(d, "part", 2);
    const n = count(size, "part size"), h = asBytes(hash);
    if (n === 0 || n > MAX_CHECKPOINT_BYTES) {
      throw bad(`its head declares a part of ${n} bytes (at most ${MAX_CHECKPOINT_BYTES})`);
    }
    if (h?.length !== 32) throw bad("a part hash is malformed");
    return { size: n, hash: h };
  });
  const authors = decodeAuthors(f[5]);
  const au = authorOf(authors);
  try {
    const frontier = await decodeFrontier(f[6], au, options.unsigned === true);
    const state = new MemoryState();
    for (const s of list(f[7], "seen", MAX_AUTHORS)) {
      const [a, seq] = list(s, "seen", 2);
      state.setSeen(au(a), count(seq, "seq"));
    }
    for (const app of list(f[8], "apps")) state.addApp(checkName("app name", app));
    for (const m of list(f[9], "members", MAX_AUTHORS)) state.putMember(...decodeMember(m, au));
    return { mesh, signer, made: count(f[4], "made"), frontier, state, parts, authors, bytes };
  } catch (e) {
    throw asBad(e);
  }
}

function asBad(e: unknown): MycelError {
  if (e instanceof MycelError && e.code === "bad_checkpoint") return e;
  return bad(e instanceof Error ? e.message.replace(/^Cannot [^:]*: /, "") : String(e), e);
}

/** Takes a head's parts in order into a state, each checked against the head before it is decoded. */
export class PartReader {
  #next = 0;

  constructor(readonly head: PartedHead) {}

  /** Parts taken so far. */
  get taken(): number {
    return this.#next;
  }

  /** The size the next part must have; a refusal when every part came already. */
  due(): number {
    const d = this.head.parts[this.#next];
    if (d === undefined) {
      throw bad(`more parts came than its head declares (${this.head.parts.length})`);
    }
    return d.size;
  }

  /** Check the next part against the head, then decode it into `into`. */
  take(bytes: Uint8Array, into: StateStore): void {
    const n = this.head.parts.length, at = this.#matches(bytes);
    const f = list(cbor(bytes, "checkpoint part"), "checkpoint part", 6);
    // The hash already binds it; a part that says another index was signed so by its maker.
    if (f.length !== 6 || f[0] !== "mycel-checkpoint-part" || f[1] !== at) {
      throw bad(`part ${at + 1} of ${n} is malformed`);
    }
    const au = authorOf(this.head.authors);
    try {
      decodeSpaces({ versions: f[2], parked: f[3], floors: f[4] }, au, into);
      if (f[5] !== null) decodeFolderPart(f[5], au, into.folders(), list, count);
    } catch (e) {
      throw asBad(e);
    }
    this.#next++;
  }

  /**
   * Check the next part against the head without decoding it: for a part
   * this home kept itself (a stored base, checked when it came), whether it
   * still reads back as it was.
   */
  check(bytes: Uint8Array): void {
    this.#matches(bytes);
    this.#next++;
  }

  /** The index of the part due, once `bytes` are that part (size and hash). */
  #matches(bytes: Uint8Array): number {
    const n = this.head.parts.length, at = this.#next;
    const size = this.due(), hash = partHash(bytes);
    if (!bytesEqual(hash, this.head.parts[at].hash)) {
      const other = this.head.parts.findIndex((p) => bytesEqual(p.hash, hash));
      throw bad(
        other >= 0
          ? `part ${other + 1} of ${n} came where part ${at + 1} was due (out of order)`
          : bytes.length !== size
          ? `part ${at + 1} of ${n} has ${bytes.length} bytes, its head declares ${size}`
          : `part ${at + 1} of ${n} does not match its head`,
      );
    }
    return at;
  }

  /** Every part came: a refusal naming what is missing otherwise. */
  end(): void {
    const n = this.head.parts.length;
    if (this.#next < n) {
      throw bad(`a part is missing: its head declares ${n}, ${this.#next} came`);
    }
  }
}
