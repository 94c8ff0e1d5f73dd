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
import type { ErrorCode } from "../errors.ts";
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
  | { ok: false; code: ErrorCode; message: string; peer?: DeviceKey };

/**
 * The member a Noise key belongs to. Noise keys are random, so two records
 * naming one key mean a member copied another's into its own record; the
 * device that proved the key in the handshake is one of them, so a copy
 * must never make the key nobody's (that would lock the real device out).
 * Of several claims, the key goes to the device that announced it in its
 * own first entry (`announcedFirst`; no other device signs that), then to
 * one still in the mesh (removing a copier hands the key back), then to the
 * one whose kept admission carried it (any member can backdate an
 * admission, so this comes late), then to the lowest device key.
 */
export function memberByNoiseKey(
  members: readonly MemberInfo[],
  key: string,
  announcedFirst: (m: MemberInfo) => boolean = () => false,
): MemberInfo | undefined {
  let claims = members.filter((m) => m.record.noiseKey === key);
  const rules = [
    announcedFirst,
    (m: MemberInfo) => m.removed === undefined,
    (m: MemberInfo) => m.admitted.fields.noiseKey === key,
  ];
  for (const rule of rules) {
    if (claims.length <= 1) return claims[0];
    const kept = claims.filter(rule);
    if (kept.length > 0) claims = kept;
  }
  return claims.sort((a, b) => a.record.key.compare(b.record.key))[0];
}

/** True when `m`'s first entry (if we still hold it) is its own admission naming Noise key `key`. */
function announcedInFirstEntry(home: Home, m: MemberInfo, key: string): boolean {
  const [raw] = home.log.range(m.record.key, 0, 1, 1);
  if (raw === undefined) return false;
  try {
    return decodeSignedEntry(raw).entry.ops.some((op) =>
      op.type === "device.add" && op.device.key === m.record.key && op.device.noiseKey === key
    );
  } catch {
    return false;
  }
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
  const known = memberByNoiseKey(members, key, (m) => announcedInFirstEntry(home, m, key));
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
      // The device's own entry announcing its key proves it (only it signs
      // as itself; it is a member here, checked above): how a device whose
      // admissions disagree (membership.ts `contested`, no keys until it
      // announces its own) gets in before its first entry arrived.
      const own = author === op.device.key;
      // Another member's admission of a device we keep a record of counts
      // only for the key that record names: one naming another key (one the
      // fold did not keep, or one of admissions that disagree) proves nothing.
      if (!own && row !== undefined && row.removed === undefined && row.record.noiseKey !== key) {
        continue;
      }
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
        ...(held === undefined && !own ? { provisional: { by: author, seq: e.entry.seq } } : {}),
      };
    }
  }
  return refuse;
}
