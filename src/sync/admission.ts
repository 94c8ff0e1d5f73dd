/**
 * @module admission
 * Deciding whether a connecting device may sync, from the static key the
 * Noise handshake proved (before any key file, lock or bookkeeping is
 * touched). A member whose record names that key may; a removed device is
 * told plainly that it was removed (it proved its key, so it is that device);
 * anyone else gets one generic refusal that reveals nothing about the mesh.
 *
 * A device admitted so recently that we have not seen its admission may show
 * the signed `device.add`: it counts only if a current member signed it and
 * it fits that member's chain as we hold it (the same entry where we have
 * that seq; beyond our head it is accepted provisionally and recorded, so it
 * shows in `mesh list` and can be removed).
 */

import { bytesEqual, toBase64 } from "../bytes.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry, verifyEntrySignature } from "../log/entry.ts";
import type { MemberInfo } from "../log/state.ts";
import { GENERIC_REFUSAL, type Hello } from "../protocol/sync_hello.ts";
import type { Home } from "../storage/home_handle.ts";

/** Verdict on a connecting device. */
export type AdmissionVerdict =
  | {
    ok: true;
    peer: DeviceKey;
    name: string;
    /** Admitted on the strength of an entry we do not hold yet. */
    provisional?: { by: DeviceKey; seq: number };
  }
  | { ok: false; code: string; message: string; peer?: DeviceKey };

/** The member a Noise key belongs to; a key its admission carried beats one a device copied later. */
export function memberByNoiseKey(
  members: readonly MemberInfo[],
  key: string,
): MemberInfo | undefined {
  const claims = members.filter((m) => m.record.noiseKey === key);
  if (claims.length <= 1) return claims[0];
  const admitted = claims.filter((m) => m.admitted.fields.noiseKey === key);
  return admitted.length === 1 ? admitted[0] : undefined;
}

function removedMessage(home: Home, m: MemberInfo): string {
  const by = home.view.member(m.removed!.by)?.record.name || m.removed!.by.short;
  const at = new Date(m.removed!.wall).toISOString();
  return `this device was removed from the mesh by ${by} at ${at}; pair it again to rejoin`;
}

/** Check `hello` (from the device proving Noise key `remoteStatic`) against our mesh. */
export async function admitInitiator(
  home: Home,
  hello: Hello,
  remoteStatic: Uint8Array | undefined,
): Promise<AdmissionVerdict> {
  const refuse = { ok: false as const, ...GENERIC_REFUSAL };
  if (remoteStatic === undefined) return refuse;
  const key = toBase64(remoteStatic);
  const members = home.view.members();
  const known = memberByNoiseKey(members, key);
  if (known !== undefined) {
    if (known.removed !== undefined) {
      return {
        ok: false,
        code: "removed",
        message: removedMessage(home, known),
        peer: known.record.key,
      };
    }
    return { ok: true, peer: known.record.key, name: known.record.name };
  }
  for (const raw of hello.admission) {
    let e;
    try {
      e = decodeSignedEntry(raw);
    } catch {
      continue;
    }
    const author = e.entry.author;
    if (!home.view.isMember(author) || !(await verifyEntrySignature(e))) continue;
    const held = home.log.hashAt(author, e.entry.seq);
    const head = home.log.head(author);
    if (held !== undefined ? !bytesEqual(held, e.hash) : e.entry.seq <= (head?.seq ?? 0)) continue;
    for (const op of e.entry.ops) {
      if (op.type !== "device.add" || op.device.noiseKey !== key) continue;
      const row = home.view.member(op.device.key);
      if (row?.removed !== undefined) {
        return {
          ok: false,
          code: "removed",
          message: removedMessage(home, row),
          peer: op.device.key,
        };
      }
      return {
        ok: true,
        peer: op.device.key,
        name: op.device.name,
        ...(held === undefined ? { provisional: { by: author, seq: e.entry.seq } } : {}),
      };
    }
  }
  return refuse;
}
