/**
 * @module pairing_state_in
 * The joiner reading the mesh's state after the welcome: one checkpoint in
 * `state` chunks, or a checkpoint in parts — a signed `state-head`, then
 * `state-part` chunks per part, then `state-end` (src/log/checkpoint_parts.ts).
 * What a hostile inviter (one that knows the code) can make it hold is
 * bounded:
 * - a head or checkpoint is read into one buffer up to a checkpoint's bounds
 *   (64 MiB), a part up to the size its signed head declares, whatever the
 *   chunks' sizes: a list of a million 1-byte chunks held a million arrays;
 * - a chunk that is empty and does not end its head or part is refused: no
 *   release sends one, and a stream of them grew nothing but the wait;
 * - the connection's read budget (256 MiB: frame_conn.ts), which a state in
 *   parts may pass, grows by what the authenticated head declares, no more.
 * - a head's or checkpoint's signature is checked with the inviter's key over
 *   the raw body before the body is decoded;
 * - the whole transfer has a deadline, from one checkpoint's bounds plus what
 *   the head declares at a slow floor rate (pairing_state_time.ts): each read
 *   has its own, but chunks dripped just inside it held `mycel pair` for days.
 *   An inviter still making its parts sends `state-wait`s, which reset a
 *   read's deadline (a slow device cutting a large state ran past 15 s) but
 *   never the transfer's.
 * Parts are handed on one at a time to be checked against the head and
 * folded in (storage/checkpoint_parts_in.ts); a refusal leaves no home.
 */

import { MycelError } from "../errors.ts";
import { MAX_CHECKPOINT_BYTES, readCheckpoint } from "../log/checkpoint.ts";
import { headProofProblem } from "../log/checkpoint_claims.ts";
import { bad } from "../log/checkpoint_format.ts";
import { readPartedHead } from "../log/checkpoint_parts_decode.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { MemberInfo } from "../log/state.ts";
import { decodeStatePiece, type StatePiece } from "../protocol/pairing_messages.ts";
import type { MeshState } from "./pairing_home.ts";
import type { StateClock } from "./pairing_state_time.ts";

/** The state's messages did not come in the order the protocol has. */
function outOfStep(why = ""): MycelError {
  return new MycelError(
    "pairing_failed",
    "join mesh",
    `the mesh's state came out of step${why && ` (${why})`}`,
  );
}

/** Room for a part's or head's chunk messages on the wire (CBOR, frame headers, tags). */
function wireBytes(bytes: number): number {
  return bytes + Math.ceil(bytes / 1024) + 4096;
}

/** Where the state comes from and what it must be. */
export interface StateSource {
  /** The next message (null never: a hang-up throws). */
  receive(): Promise<Uint8Array>;
  /** Let the connection read this many more bytes than its budget. */
  allowMore(bytes: number): void;
  /** The inviter, who must have signed it, and its mesh. */
  inviter: DeviceKey;
  mesh: string;
  /** True for a home of its own already (only a new one takes a state in parts). */
  existing: boolean;
  /** The deadline over the whole transfer, started at its first message (the caller stops it). */
  clock: StateClock;
}

/**
 * The bytes of the head, part or checkpoint whose first chunk is `first`, at
 * most `max` (`tooLarge` past it), read into one buffer as they come.
 */
async function gather(
  src: StateSource,
  first: StatePiece,
  max: number,
  tooLarge: () => Error,
  exact = false,
): Promise<Uint8Array> {
  if (first.kind === "state-end" || first.kind === "state-wait") throw outOfStep();
  let buf = new Uint8Array(exact ? max : Math.min(max, 1 << 20));
  let at = 0;
  for (let piece = first;;) {
    if (piece.chunk.length === 0 && !piece.last) {
      throw outOfStep("an empty chunk that ends nothing");
    }
    if (at + piece.chunk.length > max) throw tooLarge();
    if (at + piece.chunk.length > buf.length) {
      const grown = new Uint8Array(
        Math.min(max, Math.max(buf.length * 2, at + piece.chunk.length)),
      );
      grown.set(buf.subarray(0, at));
      buf = grown;
    }
    buf.set(piece.chunk, at);
    at += piece.chunk.length;
    if (piece.last) break;
    const next = decodeStatePiece(await src.receive());
    if (next.kind !== first.kind) throw outOfStep();
    piece = next;
  }
  return at === buf.length ? buf : buf.slice(0, at);
}

/**
 * The first message after any `state-wait`s: an inviter still making its
 * parts says so (a slow device cutting a large state took longer than a
 * read's deadline), only before a head or a part, never inside one.
 */
async function pastWaits(src: StateSource, piece: StatePiece): Promise<StatePiece> {
  while (piece.kind === "state-wait") piece = decodeStatePiece(await src.receive());
  return piece;
}

function refusedState(problem: string): MycelError {
  return new MycelError("pairing_failed", "join mesh", `the mesh's state is refused: ${problem}`);
}

/** Read the mesh's state: a checkpoint, or a head whose parts are read as they are taken. */
export async function receiveState(
  given: StateSource,
): Promise<{ state: MeshState; members: MemberInfo[] }> {
  const clock = given.clock;
  // Every read below races the whole transfer's deadline, not only its own.
  const src = { ...given, receive: () => clock.race(given.receive()) };
  const notInviters = () =>
    new MycelError(
      "pairing_failed",
      "join mesh",
      "the mesh's state was not signed by the inviting device",
    );
  const stateTooLarge = () =>
    new MycelError("pairing_failed", "join mesh", "the mesh's state is too large");
  let first = decodeStatePiece(await given.receive());
  // The clock starts at the first message, a wait included: waits reset
  // each read's deadline, never the whole state's.
  clock.start();
  first = await pastWaits(src, first);
  if (first.kind === "state") {
    const cp = await readCheckpoint(
      await gather(src, first, MAX_CHECKPOINT_BYTES, stateTooLarge),
      { signedBy: src.inviter },
    );
    if (cp.signer !== src.inviter || cp.mesh !== src.mesh) throw notInviters();
    // Holding nothing yet, this device can check no head against its own
    // chains: each must come with its author's signed entry.
    const unproven = headProofProblem(cp);
    if (unproven !== undefined) throw refusedState(unproven);
    return { state: { cp }, members: cp.state.view.members() };
  }
  if (first.kind !== "state-head") throw outOfStep();
  // A state over one checkpoint's bounds: a signed head, then parts checked
  // against it one at a time as they are folded in (the home is made as
  // they come; any refusal leaves none).
  const head = await readPartedHead(
    await gather(src, first, MAX_CHECKPOINT_BYTES, stateTooLarge),
    { signedBy: src.inviter },
  );
  if (head.signer !== src.inviter || head.mesh !== src.mesh) throw notInviters();
  const unproven = headProofProblem(head);
  if (unproven !== undefined) throw refusedState(unproven);
  if (src.existing) {
    throw new MycelError(
      "checkpoint_parts_unsupported",
      "join mesh",
      "the mesh's state comes in parts (it is over 64 MiB), which only a new device takes",
      { hint: "Pair this device as a new one: move its home aside, or use --home DIR." },
    );
  }
  // Signed by the inviter: what it declares may come, past the connection's
  // budget (a state of 300 MB failed at 256 MiB read), and no more.
  const declared = head.parts.reduce((n, p) => n + p.size, 0);
  src.allowMore(wireBytes(declared));
  clock.declare(declared);
  let part = 0;
  const next = async (size: number) => {
    const piece = await pastWaits(src, decodeStatePiece(await src.receive()));
    if (piece.kind === "state-end") {
      clock.stop();
      return undefined;
    }
    if (piece.kind !== "state-part") throw outOfStep();
    part++;
    // One more than declared: its first chunk is enough to refuse it by name.
    if (size === 0) return piece.chunk;
    return await gather(
      src,
      piece,
      size,
      () =>
        bad(
          `part ${part} of ${head.parts.length} is larger than its head declares (${size} bytes)`,
        ),
      true,
    );
  };
  return { state: { head, next }, members: head.state.view.members() };
}
