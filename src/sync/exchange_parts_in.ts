/**
 * @module exchange_parts_in
 * Reading a checkpoint in parts in a sync session (src/log/checkpoint_parts.ts;
 * sent only to a peer whose `hi` says it takes them). The checks are
 * pairing's (pairing_state_in.ts), over the session's messages:
 * - the head is read into one buffer up to a checkpoint's bounds (64 MiB),
 *   and its signature is checked with the peer's key over the raw body
 *   before the body is decoded (readPartedHead `signedBy`); a head declaring
 *   more than 4096 parts or a part over 64 MiB is refused before any part;
 * - each part is read into one buffer of the size the head declares, no
 *   more, and decoded only once its SHA-256 is the head's (PartReader): one
 *   that is larger, shorter, altered, out of order or more than declared is
 *   a `bad_checkpoint` naming it; a chunk that is empty and ends nothing is
 *   refused (no release sends one);
 * - the parts together may declare no more than this device takes into
 *   memory in one session (1/16 of its memory, {@link partsMemoryBound}):
 *   the decoded state is held whole until it is taken, a few times the
 *   parts' bytes (68 MB of parts: 467-550 MiB max RSS), and a head may
 *   declare 4096 parts of 64 MiB (256 GiB), which a member's head alone
 *   would have had the device read and hold (refused as
 *   `checkpoint_too_large` before any part, nothing taken);
 * - the connection may read what the authenticated head declares past its
 *   256 MiB budget, and no more;
 * - the whole of it has pairing's deadline from its first message: one
 *   checkpoint's bounds plus what the head declares, at 128 KiB/s, at most
 *   6 hours (pairing_state_time.ts), within the session's own; from the
 *   peer's `checkpoint wait` when it sent one ({@link checkpointClock}), so
 *   the time it takes to make the checkpoint counts too.
 * The parts are decoded into the checkpoint's state in memory as they come
 * (one raw part held at a time), and nothing is taken into the home until
 * every part is checked: then the caller holds the whole checkpoint to the
 * checks a single one gets (member_checkpoints.ts) and joins it in one short
 * write transaction (home_checkpoint.ts) — a state merge needs the whole
 * checkpoint at once, as a refold or compaction of such a home reads its base.
 */

import { MycelError } from "../errors.ts";
import { type Checkpoint, MAX_CHECKPOINT_BYTES } from "../log/checkpoint.ts";
import { bad } from "../log/checkpoint_format.ts";
import { type PartedHead, PartReader, readPartedHead } from "../log/checkpoint_parts_decode.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { SLOWEST_STATE_RATE, StateClock } from "./pairing_state_time.ts";

/** Room for a part's or head's chunk messages on the wire (CBOR, frame headers, tags). */
function wireBytes(bytes: number): number {
  return bytes + Math.ceil(bytes / 1024) + 4096;
}

function outOfStep(why: string): MycelError {
  return new MycelError(
    "protocol_violation",
    "take checkpoint",
    `the peer's checkpoint in parts came out of step (${why})`,
    { hint: "The peer runs a faulty or hostile mycel; the session was stopped." },
  );
}

/** The parts did not all come within the whole transfer's deadline. */
export function partsLate(within: string, rate: string, declared: number): MycelError {
  return new MycelError(
    "timeout",
    "take checkpoint",
    `its parts did not come within ${within}: they came slower than ${rate}`,
    { value: declared > 0 ? `${declared} bytes declared in parts` : undefined },
  );
}

/** The share of this machine's memory the parts of one session may declare. */
const MEMORY_SHARE = 16;
/** Memory assumed where the system's can't be read (no --allow-sys). */
const ASSUMED_MEMORY = 4 * 2 ** 30;

/** The most the parts of one session may declare on this machine (bytes). */
export function partsMemoryBound(): number {
  let total = ASSUMED_MEMORY;
  try {
    total = Deno.systemMemoryInfo().total || ASSUMED_MEMORY;
  } catch { /* no permission to read it: the assumed memory */ }
  return Math.floor(total / MEMORY_SHARE);
}

function tooLarge(declared: number, bound: number): MycelError {
  return new MycelError(
    "checkpoint_too_large",
    "take checkpoint",
    `its parts declare ${declared} bytes, more than this device takes into memory in one session (${bound} bytes, 1/${MEMORY_SHARE} of its memory)`,
    {
      hint:
        "This device can't merge so large a state in memory: give it more memory, or pair it again as a new device (pairing writes the parts to disk as they come).",
    },
  );
}

/** Where the parts come from. */
export interface PartsSource {
  /** The peer of the session: the only device that may have signed the head. */
  peer: DeviceKey;
  /** Let the connection read this many more bytes than its budget. */
  allowMore(bytes: number): void;
  /** End the connection (the deadline passed). */
  cut(): void;
  /** The slowest rate kept (bytes per second; tests lower it). */
  rate?: number;
  /** The most the parts may declare in all (default {@link partsMemoryBound}). */
  maxBytes?: number;
}

/** One checkpoint in parts coming in, chunk by chunk. */
export class PartsIn {
  readonly clock: StateClock;
  #buf = new Uint8Array(0);
  #at = 0;
  #head: PartedHead | undefined;
  #reader: PartReader | undefined;
  readonly #src: PartsSource;

  /** `clock`: one started at the peer's `checkpoint wait` (exchange_checkpoint_wait.ts), else from now. */
  constructor(src: PartsSource, clock?: StateClock) {
    this.#src = src;
    this.clock = clock ?? new StateClock(src.rate ?? SLOWEST_STATE_RATE, src.cut, partsLate);
    if (clock === undefined) this.clock.start();
  }

  /** Take one chunk of the head (`part` false) or of the part due. */
  async chunk(part: boolean, chunk: Uint8Array, last: boolean): Promise<void> {
    if (chunk.length === 0 && !last) throw outOfStep("an empty chunk that ends nothing");
    if (!part) return await this.#headChunk(chunk, last);
    const reader = this.#reader!; // the session lets no part come before the head's last chunk
    if (this.#at === 0 && this.#buf.length === 0) {
      // One more than declared: its first chunk is enough to refuse it by name.
      this.#buf = new Uint8Array(reader.due());
    }
    const size = this.#buf.length, n = reader.taken + 1;
    if (this.#at + chunk.length > size) {
      throw bad(
        `part ${n} of ${reader.head.parts.length} is larger than its head declares (${size} bytes)`,
      );
    }
    this.#buf.set(chunk, this.#at);
    this.#at += chunk.length;
    if (!last) return;
    const bytes = this.#at === size ? this.#buf : this.#buf.slice(0, this.#at);
    this.#buf = new Uint8Array(0);
    this.#at = 0;
    reader.take(bytes, reader.head.state); // checked against the head, then decoded
  }

  async #headChunk(chunk: Uint8Array, last: boolean): Promise<void> {
    if (this.#at + chunk.length > MAX_CHECKPOINT_BYTES) throw bad("its head is too large");
    if (this.#at + chunk.length > this.#buf.length) {
      const grown = new Uint8Array(
        Math.min(MAX_CHECKPOINT_BYTES, Math.max(this.#buf.length * 2, this.#at + chunk.length)),
      );
      grown.set(this.#buf.subarray(0, this.#at));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#at);
    this.#at += chunk.length;
    if (!last) return;
    const bytes = this.#buf.slice(0, this.#at);
    this.#buf = new Uint8Array(0);
    this.#at = 0;
    // The signature with the peer's key over the raw body, before the body is decoded.
    const head = await readPartedHead(bytes, { signedBy: this.#src.peer });
    this.#head = head;
    this.#reader = new PartReader(head);
    // Signed by the peer: what it declares may come, past the connection's budget, and no more.
    const declared = head.parts.reduce((n, p) => n + p.size, 0);
    const bound = this.#src.maxBytes ?? partsMemoryBound();
    if (declared > bound) throw tooLarge(declared, bound);
    this.#src.allowMore(wireBytes(declared));
    this.clock.declare(declared);
  }

  /** Every part came and was checked: the checkpoint, whole (a refusal naming what is missing otherwise). */
  finish(): Checkpoint {
    this.clock.stop();
    const head = this.#head, reader = this.#reader;
    if (head === undefined || reader === undefined) throw bad("its head is missing");
    if (this.#at > 0) throw outOfStep("a part was cut short");
    reader.end();
    const { mesh, signer, made, frontier, state, bytes } = head;
    return { mesh, signer, made, frontier, state, bytes };
  }
}
