/**
 * @module pairing_home
 * The joining device's home around a pairing: which identity it pairs with
 * (a lone existing home keeps its key; a revoked one is set aside and a new
 * key made), and, once the inviter accepted, creating the home in the
 * inviter's mesh or moving the lone home into it. Nothing is written before
 * the inviter has accepted, so a failed pairing leaves no trace.
 */

import { toBase64 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import type { Op } from "../log/ops.ts";
import { deviceIdOf, type DeviceKeys, generateDeviceKeys } from "../log/identity.ts";
import { ensureHomeDirs, homePaths } from "../storage/home.ts";
import { writeHomeInfo } from "../storage/home_info.ts";
import type { AdmissionRef } from "../storage/local_state.ts";
import { describeKeyLocation, saveDeviceKeys } from "../storage/key_home.ts";
import { acquireLock } from "../storage/lock.ts";
import { Store } from "../storage/store.ts";

/** Options the home steps need. */
export interface HomeOptions {
  /** Name for a new device. */
  name?: string;
  /** Wall clock. */
  now: () => number;
  /** Environment. */
  env: (name: string) => string | undefined;
  /** Progress lines. */
  log: (line: string) => void;
}

/** The identity a join uses. */
export interface JoinIdentity {
  /** Its keys. */
  keys: DeviceKeys;
  /** Its record as it introduces itself. */
  record: DeviceRecord;
  /** True when the home already existed. */
  existing: boolean;
  /** Its current mesh ("" for a new device). */
  mesh: string;
  /** Members of that mesh, itself included. */
  members: number;
}

function hostName(): string {
  try {
    return Deno.hostname().slice(0, 64) || "device";
  } catch {
    return "device";
  }
}

async function setAside(root: string, now: number, log: (line: string) => void): Promise<void> {
  const aside = `${root}.revoked-${now}`;
  await Deno.rename(root, aside);
  log(`Kept the old home (its key was removed from the mesh) as ${aside}.`);
}

/** Pick (or make) the identity for joining; writes nothing except setting a revoked home aside. */
export async function prepareIdentity(
  root: string,
  o: HomeOptions,
  fresh: boolean,
): Promise<JoinIdentity> {
  if (await Store.exists(root)) {
    const view = await Store.open(root, { write: false, now: o.now, env: o.env });
    if (fresh || view.state.members.isRemoved(view.deviceId)) {
      await setAside(root, o.now(), o.log);
    } else {
      // A device in a mesh with others may re-pair only into that same mesh;
      // the inviter checks (it knows its mesh), so nothing leaks to it early.
      const members = view.state.members.members().length;
      const record = view.state.device(view.deviceId)!;
      return {
        keys: await view.keys(),
        record: { ...record, name: o.name ?? record.name },
        existing: true,
        mesh: view.local.meshId,
        members,
      };
    }
  }
  const keys = await generateDeviceKeys();
  const record: DeviceRecord = {
    id: deviceIdOf(keys),
    name: o.name ?? hostName(),
    noiseKey: toBase64(keys.noisePublic),
    wgKey: toBase64(keys.wgPublic),
    endpoints: [],
    ipv4: "",
    wgPort: 0,
  };
  return { keys, record, existing: false, mesh: "", members: 1 };
}

/** Create a home for `keys` in `mesh`, announcing `self` and remembering its admission. */
export async function createJoinedHome(
  root: string,
  keys: DeviceKeys,
  self: DeviceRecord,
  mesh: string,
  admission: AdmissionRef,
  inviter: DeviceRecord,
  o: HomeOptions,
): Promise<void> {
  const paths = homePaths(root);
  await ensureHomeDirs(paths);
  const lock = await acquireLock(paths.lock, 60_000);
  try {
    if (await Store.exists(root)) {
      throw new MycelError("already_initialized", "join mesh", "a home appeared here meanwhile", {
        value: root,
      });
    }
    // Never a prompt here: the pairing session is open and the inviter waiting.
    const kept = await saveDeviceKeys(paths, keys, o.env, { prompt: null });
    if (kept.fallback) o.log(`keys: ${describeKeyLocation(kept, o.env)} (${kept.fallback})`);
    await writeHomeInfo(paths, { version: 1, device: self.id, mesh });
    const store = await Store.open(root, { write: true, now: o.now, env: o.env, lock });
    try {
      store.useKeys(keys);
      // Admitting the inviter in return makes its log (and through it every
      // member it admitted) acceptable here, whoever founded the mesh.
      await store.commit([{ type: "device.add", device: self }, {
        type: "device.add",
        device: inviter,
      }]);
      store.local.admission = admission;
      await store.save();
    } finally {
      store.close();
    }
  } finally {
    lock.release();
  }
}

/** Move a lone device's existing home into `mesh`. */
export async function adoptMesh(
  root: string,
  mesh: string,
  admission: AdmissionRef,
  inviter: DeviceRecord,
  o: HomeOptions,
): Promise<void> {
  const store = await Store.open(root, { write: true, now: o.now, env: o.env });
  try {
    store.local.meshId = mesh;
    store.local.admission = admission;
    await writeHomeInfo(store.paths, { version: 1, device: store.deviceId, mesh });
    const ops: Op[] = [];
    if (!store.state.isMember(inviter.id)) ops.push({ type: "device.add", device: inviter });
    if (o.name) ops.push({ type: "device.update", id: store.deviceId, fields: { name: o.name } });
    if (ops.length > 0) await store.commit(ops);
    await store.save();
  } finally {
    store.close();
  }
}
