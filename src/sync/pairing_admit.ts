/**
 * @module pairing_admit
 * The inviter's decisions about a joiner that knew the code: whether its
 * record and proof hold ({@link checkJoiner}: its record names the Noise key
 * it paired with, it signed this session, it is not removed, not us, not in
 * another mesh of several devices), and the signed admission that makes it a
 * member ({@link admit}), with a mesh IPv4 address no other member holds.
 */

import { toBase64 } from "../bytes.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { verifySignature } from "../log/identity.ts";
import type { Op } from "../log/ops.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { newDiscoveryKeyOp, stateSecret } from "../mesh/discovery_key.ts";
import type { LocalAddress } from "../mesh/self_endpoints.ts";
import { bindingMessage, type JoinerInfo, type Refusal } from "../protocol/pairing_messages.ts";
import type { Home } from "../storage/home_handle.ts";
import { localTime } from "../human.ts";
import { safeText } from "../text_safety.ts";
import { type SelfChange, selfChange } from "./self_record.ts";

/** Why the joiner cannot be admitted, or undefined when it can. */
export async function checkJoiner(
  home: Home,
  joiner: JoinerInfo,
  noiseKey: Uint8Array,
  sid: Uint8Array,
): Promise<Refusal | undefined> {
  if (joiner.record.noiseKey !== toBase64(noiseKey)) {
    return { code: "bad_proof", message: "the device's record does not match its key" };
  }
  if (
    !(await verifySignature(joiner.record.key.bytes, bindingMessage(sid, noiseKey), joiner.proof))
  ) {
    return { code: "bad_proof", message: "the device could not prove its identity" };
  }
  if (joiner.members > 1 && joiner.mesh !== home.meshId) {
    return {
      code: "already_paired",
      message: `that device already belongs to another mesh with ${joiner.members} devices`,
    };
  }
  if (home.view.member(joiner.record.key)?.removed !== undefined) {
    return {
      code: "revoked",
      message: "this device's key was removed from the mesh; it needs a new key",
    };
  }
  if (joiner.record.key === home.device) {
    return { code: "bad_proof", message: "a device cannot pair with itself" };
  }
  // No state could be sent (docs/trust.md, "Too many members"): refused
  // before the admission, which would otherwise stay for good, unconfirmed.
  const tooMany = await home.memberBoundProblem();
  if (tooMany !== undefined) {
    return {
      code: "too_many_members",
      message: `${tooMany.message.replace(/^Cannot make a checkpoint: /, "")}; no device can ` +
        "pair with this mesh",
    };
  }
  return undefined;
}

/**
 * What the inviter's screen says of a refused joiner. A removed key is told
 * by the device it was (name, id, who removed it and when), not in the words
 * sent to the joiner: the owner learns that the one entering the code holds
 * a removed device's home (a stolen phone, say), which comes back at once
 * with a new key (pairing_joiner.ts) and is then asked for like any device.
 */
export function refusalNote(
  home: Home,
  joiner: JoinerInfo,
  refusal: Refusal,
  from: string,
): string {
  const m = home.view.member(joiner.record.key);
  if (refusal.code !== "revoked" || m?.removed === undefined) {
    return `refused a device at ${from}: ${refusal.message}`;
  }
  const name = safeText(m.record.name || joiner.record.key.short);
  const by = safeText(home.view.member(m.removed.by)?.record.name || m.removed.by.short);
  return `refused a device at ${from}: it holds the key of ${name} (${joiner.record.key.short}), removed ` +
    `from the mesh by ${by} at ${localTime(m.removed.wall)}; it may try again at once with a ` +
    `new key: admit it only if you mean to bring ${name} back`;
}

/** Commit the `device.add` admitting the joiner; returns the entry and record. */
export async function admit(
  home: Home,
  record: DeviceRecord,
  o: { name?: string; addresses?: readonly LocalAddress[] },
) {
  return await home.write(async (w) => {
    const taken = new Set(
      w.view.members().filter((m) => m.record.key !== record.key).map((m) => m.record.ipv4).filter(
        Boolean,
      ),
    );
    const admitted: DeviceRecord = {
      ...record,
      name: o.name ?? record.name,
      ipv4: allocateIpv4(home.meshId, record.id, taken),
    };
    // A mesh made before discovery secrets existed gets one with its next admission.
    const secret = stateSecret(w.view) ? [] : [newDiscoveryKeyOp(w.view)];
    // The joiner gets our endpoints and WireGuard port as they are now, in
    // the same entry: `mesh up` right after pairing works on both sides.
    const change: Pick<SelfChange, "fields" | "auto"> = o.addresses
      ? selfChange(home, o.addresses, { wgPort: true })
      : { fields: {} };
    const own: Op[] = Object.keys(change.fields).length === 0
      ? []
      : [{ type: "device.update", device: home.device, fields: change.fields }];
    if (change.auto) w.setLocal("autoEndpoints", change.auto);
    const entry = await w.commit([...own, { type: "device.add", device: admitted }, ...secret]);
    return { bytes: entry!.bytes, record: admitted };
  }, { signs: true });
}
