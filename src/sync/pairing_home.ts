/**
 * @module pairing_home
 * The joining device's home around a pairing: which identity it pairs with
 * (a lone existing home keeps its key; a removed one is set aside and a new
 * key made), and, once both sides confirmed, creating the home in the
 * inviter's mesh — or moving the lone home into it — and taking the mesh's
 * state from the inviter's checkpoint. Nothing is written before the
 * inviter accepted and both confirmed, so a failed pairing leaves no trace.
 */

import type { Checkpoint } from "../log/checkpoint.ts";
import type { PartedHead } from "../log/checkpoint_parts_decode.ts";
import { type DeviceRecord, newDeviceRecord } from "../log/device_record.ts";
import { DeviceKey } from "../log/device_key.ts";
import { type DeviceKeys, generateDeviceKeys } from "../log/identity.ts";
import type { Op } from "../log/ops.ts";
import { createHome } from "../storage/home_create.ts";
import { keysLeftAlone, keysWithoutDatabase } from "../storage/home.ts";
import { Home } from "../storage/home_handle.ts";
import type { HomeWriter } from "../storage/home_writer.ts";
import type { AdmissionRef } from "../storage/local_state.ts";
import { describeKeyLocation } from "../storage/key_home.ts";

/** Options the home steps need. */
export interface HomeOptions {
  /** Name for this device. */
  name?: string;
  /** Wall clock. */
  now: () => number;
  /** Environment. */
  env: (name: string) => string | undefined;
  /** Progress lines. */
  log: (line: string) => void;
  /** Ctrl-C: ends a keyring tool reading or storing the keys (`sync_interrupted`). */
  signal?: AbortSignal;
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
  /** Own endpoints this device managed itself so far (`autoEndpoints`). */
  managed: string[];
}

function hostName(): string {
  try {
    return Deno.hostname().slice(0, 64) || "device";
  } catch {
    return "device";
  }
}

async function setAside(root: string, now: number, log: (line: string) => void): Promise<void> {
  // A UTC stamp one can read (20261207T132233Z), not epoch milliseconds;
  // a second one in the same second gets a number after it.
  const stamp = new Date(now).toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
  let aside = `${root}.revoked-${stamp}`;
  for (let n = 2; await Deno.lstat(aside).then(() => true, () => false); n++) {
    aside = `${root}.revoked-${stamp}-${n}`;
  }
  await Deno.rename(root, aside);
  log(`Kept the old home (its key was removed from the mesh) as ${aside}.`);
}

/** Pick (or make) the identity for joining; writes nothing except setting a removed home aside. */
export async function prepareIdentity(
  root: string,
  o: HomeOptions,
  fresh: boolean,
): Promise<JoinIdentity> {
  // A removed device pairing again keeps its name and endpoints under its new key.
  let before: { name: string; endpoints: string[]; managed: string[] } | undefined;
  if (await Home.exists(root)) {
    using home = await Home.open(root, { write: false, now: o.now, env: o.env, signal: o.signal });
    const self = home.view.member(home.device);
    if (fresh || self?.removed !== undefined) {
      if (self !== undefined) {
        before = {
          name: self.record.name,
          endpoints: self.record.endpoints,
          managed: home.local.get("autoEndpoints") ?? [],
        };
      }
      home.close();
      await setAside(root, o.now(), o.log);
    } else {
      // A device in a mesh with others may re-pair only into that same mesh;
      // the inviter checks (it knows its mesh), so nothing leaks to it early.
      return {
        keys: await home.keys(),
        record: { ...self!.record, name: o.name ?? self!.record.name },
        existing: true,
        mesh: home.meshId,
        members: home.view.members().filter((m) => m.removed === undefined).length,
        managed: home.local.get("autoEndpoints") ?? [],
      };
    }
  } else if (await keysLeftAlone(root)) {
    // Before connecting: found only when the home is created, the inviter has
    // already admitted a key that never becomes a device.
    throw keysWithoutDatabase(root, "join the mesh");
  }
  const keys = await generateDeviceKeys();
  const key = DeviceKey.of(keys.signPublic);
  const record = newDeviceRecord(key, keys, o.name ?? before?.name ?? hostName(), {
    endpoints: before?.endpoints ?? [],
  });
  return { keys, record, existing: false, mesh: "", members: 1, managed: before?.managed ?? [] };
}

/**
 * The mesh's state as the inviter sent it: one checkpoint, or the head of a
 * checkpoint in parts and what reads its parts as they come (taken only by a
 * new home: storage/checkpoint_parts_in.ts).
 */
export type MeshState =
  | { readonly cp: Checkpoint }
  | {
    readonly head: PartedHead;
    readonly next: (size: number) => Promise<Uint8Array | undefined>;
  };

/** In the joined home's transaction: take the mesh's state and remember our admission. */
async function settle(
  w: HomeWriter,
  mesh: string,
  state: MeshState,
  admission: AdmissionRef,
  from: { key: DeviceKey; at: number },
  managed?: string[],
): Promise<void> {
  w.setMesh(mesh);
  if ("cp" in state) await w.takeCheckpoint(state.cp);
  else await w.takeParted(state.head, state.next);
  w.setLocal("admission", admission);
  if (managed !== undefined) w.setLocal("autoEndpoints", managed);
  // The inviter just gave us its state: status shows it synced by the
  // pairing, as the inviter shows us, not "never synced" until a round.
  // Its frontier is for BEHIND alone (local_state.ts pairingHeads).
  const frontier = "cp" in state ? state.cp.frontier : state.head.frontier;
  w.peer(from.key, (b) => {
    b.lastSeen = b.lastSync = from.at;
    b.path = "pairing";
    b.pairingHeads = Object.fromEntries(frontier.map((f) => [f.author.hex, f.seq]));
  });
}

/** Create a home for `keys` in `mesh` (announcing `self`) from the inviter's checkpoint. */
export async function createJoinedHome(
  root: string,
  id: JoinIdentity,
  self: DeviceRecord,
  mesh: string,
  cp: MeshState,
  admission: AdmissionRef,
  inviter: DeviceKey,
  o: HomeOptions,
): Promise<void> {
  const made = await createHome(root, {
    keys: id.keys,
    mesh,
    now: o.now,
    env: o.env,
    signal: o.signal,
    // Never a prompt here: the pairing session is open and the inviter waiting.
    prompt: null,
    genesis: () => [{ type: "device.add", device: self }],
    then: (w) => settle(w, mesh, cp, admission, { key: inviter, at: o.now() }, id.managed),
  });
  if (made.keys.fallback) {
    o.log(`keys: ${describeKeyLocation(made.keys, o.env)} (${made.keys.fallback})`);
  }
}

/**
 * Move a lone device's existing home into `mesh`, taking the inviter's
 * checkpoint; `self` is its record as admitted (its own entries then
 * restate what the admission says: endpoints, WireGuard port, mesh IPv4);
 * `keys`: its keys, read already (prepareIdentity), not read again.
 */
export async function adoptMesh(
  root: string,
  mesh: string,
  cp: MeshState,
  admission: AdmissionRef,
  inviter: DeviceKey,
  o: HomeOptions,
  self?: { record: DeviceRecord; managed: string[]; keys?: DeviceKeys },
): Promise<void> {
  using home = await Home.open(root, { write: true, now: o.now, env: o.env, signal: o.signal });
  if (self?.keys) home.useKeys(self.keys);
  await home.write(async (w) => {
    await settle(w, mesh, cp, admission, { key: inviter, at: o.now() }, self?.managed);
    const ops: Op[] = [];
    const fields: Partial<DeviceRecord> = {};
    if (o.name) fields.name = o.name;
    if (self) {
      const had = w.view.member(home.device)?.record;
      if (had && had.endpoints.join() !== self.record.endpoints.join()) {
        fields.endpoints = self.record.endpoints;
      }
      if (had && had.wgPort !== self.record.wgPort) fields.wgPort = self.record.wgPort;
      // The address the inviter allocated, not the one this home gave itself
      // alone: its own entries would otherwise keep the old one until a sync.
      if (had && self.record.ipv4 !== "" && had.ipv4 !== self.record.ipv4) {
        fields.ipv4 = self.record.ipv4;
      }
    }
    if (Object.keys(fields).length > 0) {
      ops.push({ type: "device.update", device: home.device, fields });
    }
    await w.commit(ops);
    // Whenever it may commit: taking the state in parts reads them from the
    // session, which a second run (Home.write, keys unread) could not.
  }, { signs: o.name !== undefined || self !== undefined });
}
