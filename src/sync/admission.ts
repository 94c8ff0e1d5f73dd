/**
 * @module admission
 * Deciding whether a connecting device may sync: it must claim a device of
 * this mesh whose record's Noise key is the key it proved in the handshake,
 * and that device must not be revoked. A device admitted so recently that
 * this device has not seen the admission yet may present the signed
 * `device.add` entry itself; it is accepted when a current member signed it.
 */

import { toBase64 } from "../bytes.ts";
import { shortDeviceId } from "../log/device_id.ts";
import { decodeSignedEntry, verifyEntrySignature } from "../log/entry.ts";
import type { MeshState } from "../log/state.ts";
import type { Hello } from "../protocol/sync_messages.ts";

/** Verdict on a connecting device. */
export type AdmissionVerdict =
  | { ok: true; name: string; provisional: boolean }
  | { ok: false; code: string; message: string };

/** Check `hello` (proved to come from Noise key `remoteStatic`) against our mesh. */
export async function admitInitiator(
  state: MeshState,
  meshId: string,
  hello: Hello,
  remoteStatic: Uint8Array | undefined,
): Promise<AdmissionVerdict> {
  const who = `${state.device(hello.device)?.name || "device"} (${shortDeviceId(hello.device)})`;
  if (hello.mesh !== meshId) {
    return {
      ok: false,
      code: "wrong_mesh",
      message: `${who} belongs to mesh ${hello.mesh}, not ${meshId}`,
    };
  }
  if (state.members.isRemoved(hello.device)) {
    return { ok: false, code: "revoked", message: `${who} was removed from this mesh` };
  }
  const key = remoteStatic === undefined ? "" : toBase64(remoteStatic);
  const record = state.device(hello.device);
  if (record !== undefined && state.isMember(hello.device)) {
    if (record.noiseKey !== key) {
      return {
        ok: false,
        code: "key_mismatch",
        message: `${who} did not prove the key its record names`,
      };
    }
    return { ok: true, name: record.name, provisional: false };
  }
  for (const raw of hello.admission) {
    let e;
    try {
      e = decodeSignedEntry(raw);
    } catch {
      continue;
    }
    if (!state.isMember(e.entry.author) || !(await verifyEntrySignature(e))) continue;
    for (const op of e.entry.ops) {
      if (op.type === "device.add" && op.device.id === hello.device && op.device.noiseKey === key) {
        return { ok: true, name: op.device.name, provisional: true };
      }
    }
  }
  return { ok: false, code: "not_member", message: `${who} is not a member of this mesh` };
}
