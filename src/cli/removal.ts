/**
 * @module removal
 * Telling a removed device plainly that it was removed. It learns it in one
 * of two ways: its own state holds the revocation (who removed it, and
 * when), or peers refuse it as removed (their state holds the revocation,
 * ours does not: a removed device is refused before it can fetch it). Sync,
 * `doctor` and the push after a write all say the same sentence from here.
 *
 * A peer's refusal is its text, recognised by the words every mycel peer
 * uses for this refusal (src/sync/admission.ts). Whatever a peer writes is
 * only ever printed through the text-safety check.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { StateView } from "../log/state.ts";
import type { PeerBook } from "../storage/local_state.ts";
import type { SessionOutcome } from "../sync/peer_session_types.ts";
import { localTime } from "../human.ts";
import { isoTime, type RemovedJson } from "./json_types.ts";

/** How this device knows it was removed. */
export type Removal =
  | { source: "state"; byName: string; at: number }
  | { source: "peer"; peerName: string; byName?: string; at?: number };

/**
 * The refusal every peer sends a removed device (code `removed`, see
 * src/sync/admission.ts), naming who removed it and when.
 */
const REMOVED_REFUSAL = /was removed from the mesh(?: by (.+) at (\d{4}-\d\d-\d\dT[\d:.]+Z))?/;

/** The revocation of `self` in our own state, if any. */
export function removalInState(state: StateView, self: DeviceKey): Removal | undefined {
  const event = state.member(self)?.removed;
  if (event === undefined) return undefined;
  const byName = state.member(event.by)?.record.name || event.by.short;
  return { source: "state", byName, at: event.wall };
}

/** True when a peer's refusal text says the device talking to it was removed. */
export function isRemovalRefusal(error: string | undefined): boolean {
  return error !== undefined && REMOVED_REFUSAL.test(error);
}

function fromRefusal(error: string, peerName: string): Removal {
  const [, byName, iso] = REMOVED_REFUSAL.exec(error)!;
  const at = iso === undefined ? NaN : Date.parse(iso);
  return {
    source: "peer",
    peerName,
    ...(byName !== undefined && !Number.isNaN(at) ? { byName, at } : {}),
  };
}

/** A peer that refused this device as removed, among a round's outcomes. */
export function removalInOutcomes(
  outcomes: readonly Pick<SessionOutcome, "status" | "error" | "code" | "name" | "peer">[],
): Removal | undefined {
  const o = outcomes.find((o) =>
    o.status === "refused" && o.code === "removed" && isRemovalRefusal(o.error)
  );
  return o && fromRefusal(o.error!, o.name || o.peer?.short || "a peer");
}

/**
 * A peer whose latest answer (kept in the local peer bookkeeping by the last
 * round) was refusing this device as removed.
 */
export function removalInBooks(
  state: StateView,
  peers: ReadonlyMap<DeviceKey, PeerBook>,
): Removal | undefined {
  for (const [key, book] of peers) {
    const error = book.lastError.replace(/^refused: /, "");
    if (
      book.lastError.startsWith("refused: ") && isRemovalRefusal(error) &&
      book.lastErrorAt >= book.lastSync && !disputed(state, key, error)
    ) {
      return fromRefusal(error, state.member(key)?.record.name || key.short);
    }
  }
  return undefined;
}

/**
 * A refusal this device's own state contradicts: from a peer removed here,
 * or naming a remover every device of that name is removed here. A removed
 * device (a thief) that removed this one, and a peer that took only its
 * side, say so too;
 * believing them locked the owner's own devices out of `mesh add-device`
 * and made `sync now` fail after a synced round (found by an exploration
 * helper). The signed removals decide (removals.ts) once they meet.
 */
function disputed(state: StateView, peer: DeviceKey, error: string): boolean {
  if (state.member(peer)?.removed !== undefined) return true;
  const by = REMOVED_REFUSAL.exec(error)?.[1];
  if (by === undefined) return false;
  // The refusal names the remover (its name, or its short id when it has
  // none): disputed only when every device it can name is removed here. A
  // live namesake (a device paired again keeps its name under a new key)
  // may be the remover: then the refusal is believed.
  const named = state.members().filter((m) => m.record.name === by || m.record.key.short === by);
  return named.length > 0 && named.every((m) => m.removed !== undefined);
}

/**
 * How this device knows it was removed, if it does: its own state, else the
 * last answer of a peer (a removed device is refused before it can fetch
 * the removal itself).
 */
export function removalHere(
  state: StateView,
  self: DeviceKey,
  peers: ReadonlyMap<DeviceKey, PeerBook>,
): Removal | undefined {
  return removalInState(state, self) ?? removalInBooks(state, peers);
}

/**
 * A peer's removal refusal as shown to a person: the time it names (ISO UTC,
 * as every peer writes it on the wire) in local time, as in the error that
 * `sync now` prints below it. Any other text is returned unchanged.
 */
export function refusalInLocalTime(error: string): string {
  const m = REMOVED_REFUSAL.exec(error);
  const iso = m?.[2];
  const at = iso === undefined ? NaN : Date.parse(iso);
  if (Number.isNaN(at)) return error;
  // The time ends the match: replaced there, not at its first occurrence
  // (the remover's name, a peer's text, may hold the same characters).
  const end = m!.index + m![0].length;
  return error.slice(0, end - iso!.length) + localTime(at) + error.slice(end);
}

/** The sentence for users (text-checked by whoever prints it). */
export function removalMessage(r: Removal): string {
  if (r.byName !== undefined && r.at !== undefined) {
    return `this device was removed from the mesh by ${r.byName} at ${localTime(r.at)}`;
  }
  return `this device was removed from the mesh (${
    r.source === "peer" ? r.peerName : "a peer"
  } refuses it as removed)`;
}

/** `removed` in `status --json` and `mesh list --json`: what the text's note says, and how it is known. */
export function removalJson(r: Removal | undefined): RemovedJson | null {
  if (r === undefined) return null;
  return {
    message: removalMessage(r),
    source: r.source,
    by: r.byName ?? null,
    at: r.at === undefined ? null : isoTime(r.at),
  };
}

/** What to do about it. */
export const REJOIN_HINT =
  "Pair it again to rejoin: run `mycel pair` on a device of the mesh, then `mycel pair` here " +
  "and type the code (this device gets a new key).";
