/**
 * @module mesh_apply
 * Applying the mesh plan to this device's WireGuard interface, from three
 * places: `mesh up` (creates it if missing, moves dead tunnels on to their
 * next endpoint), `mesh remove` (at once, so the removed device's packets
 * stop here now) and the end of every `sync now` round (so a removal or a
 * new device reaches WireGuard within one round on every device running the
 * timer). The last two only touch an interface that exists — recorded in
 * local state and present — and say in one line when they lack the rights.
 * Each apply remembers, per peer, the endpoints its live tunnel used
 * (`PeerBook.wgEndpoints`), which later applies try first.
 */

import type { DeviceRecord } from "../../log/device_record.ts";
import { allocateIpv4 } from "../../mesh/addresses.ts";
import { findInterface, meshUp, type UpResult } from "../../mesh/interface.ts";
import { DEFAULT_INTERFACE, DEFAULT_WG_PORT, ipv4Losers, planInterface } from "../../mesh/plan.ts";
import { remember } from "../../mesh/roaming.ts";
import { canAdminNetwork, type Platform, type Runner, systemRunner } from "../../mesh/system.ts";
import { newPeerBook } from "../../storage/local_state.ts";
import type { Store } from "../../storage/store.ts";
import { commitOps } from "../session.ts";

/** How to apply. */
export interface ApplyOptions {
  /** Interface name (default: the recorded one, else mycel0). */
  ifname?: string;
  /** UDP port (default: the recorded one, else 51871). */
  port?: number;
  /** Create the interface when missing (`mesh up`). */
  create: boolean;
  /** Command runner (default: the real one). */
  runner?: Runner;
  /** Platform whose commands run (default: this machine's). */
  platform?: Platform;
}

/** What an apply did. */
export interface ApplyReport {
  /** Interface name. */
  ifname: string;
  /** UDP port. */
  port: number;
  /** What meshUp did. */
  up: UpResult;
  /** Planned peers. */
  peers: number;
}

/**
 * Apply the plan inside an open, writable `store` (the caller saves it).
 * With `create`, this device's own record is brought up to date (WireGuard
 * port, a new IPv4 after a collision) — committed only once the interface
 * works, so a failed `mesh up` changes nothing anywhere.
 */
export async function applyInStore(store: Store, o: ApplyOptions): Promise<ApplyReport> {
  const { checkIfname } = await import("../../mesh/ifname.ts");
  const ifname = checkIfname(o.ifname ?? store.local.mesh?.interface ?? DEFAULT_INTERFACE);
  const port = o.port ?? store.local.mesh?.port ?? DEFAULT_WG_PORT;
  const fields: Partial<DeviceRecord> = {};
  if (o.create) {
    if (store.state.device(store.deviceId)!.wgPort !== port) fields.wgPort = port;
    // Two devices admitted at once may have drawn the same IPv4; the one
    // admitted later (see ipv4Losers) takes a new address.
    if (ipv4Losers(store.state).has(store.deviceId)) {
      const others = store.state.allDevices().filter((d) => d.id !== store.deviceId);
      fields.ipv4 = allocateIpv4(
        store.local.meshId,
        store.deviceId,
        new Set(others.map((d) => d.ipv4)),
      );
    }
  }
  const plan = planInterface(store.state, store.local.meshId, store.deviceId, fields);
  const up = await meshUp({
    ifname,
    port,
    privateKey: (await store.keys()).wgPrivate,
    plan,
    runner: o.runner ?? systemRunner,
    platform: o.platform,
    create: o.create,
    rotate: o.create,
    history: (id) => store.local.peers[id]?.wgEndpoints,
  });
  if (!up.present) return { ifname, port, up, peers: plan.peers.length };
  if (Object.keys(fields).length > 0) {
    await commitOps(store, [{ type: "device.update", id: store.deviceId, fields }]);
  }
  for (const h of up.handshakes) {
    const book = store.local.peers[h.deviceId] ?? newPeerBook();
    book.wgEndpoints = remember(book.wgEndpoints, h.endpoint, h.at);
    store.local.peers[h.deviceId] = book;
  }
  const pid = up.pid ?? (store.local.mesh?.interface === ifname ? store.local.mesh.pid : undefined);
  store.local.mesh = { interface: ifname, port, backend: up.backend, ...(pid ? { pid } : {}) };
  return { ifname, port, up, peers: plan.peers.length };
}

/** Options of {@link applyIfUp}. */
export interface IfUpOptions {
  /** Wall clock. */
  now: () => number;
  /** Environment (MYCEL_PASSPHRASE for the keys). */
  env: (name: string) => string | undefined;
  /** Command runner (default: the real one). */
  runner?: Runner;
  /** The interface recorded in local state, when the caller read it already. */
  mesh?: { interface: string };
}

/**
 * When this device's mesh interface exists, apply the plan to it now (peers
 * revoked since drop out). Quiet when there is no interface; returns one
 * line for standard error when it exists but this process may not change
 * it, or when applying failed. Never throws: a round's result stands.
 */
export async function applyIfUp(root: string, o: IfUpOptions): Promise<string | undefined> {
  const { Store } = await import("../../storage/store.ts");
  const runner = o.runner ?? systemRunner;
  try {
    const mesh = o.mesh ??
      (await Store.open(root, { write: false, now: o.now, env: o.env })).local.mesh;
    if (mesh === undefined || (await findInterface(runner, mesh.interface)) === undefined) {
      return undefined;
    }
    if (!(await canAdminNetwork())) {
      return `note: ${mesh.interface} is up but updating its peers needs root; removed devices stay ` +
        "in WireGuard until `sudo mycel mesh up` (or `mycel service install --mesh`, as root)";
    }
    const store = await Store.open(root, { write: true, now: o.now, env: o.env });
    try {
      const port = store.local.mesh?.port;
      await applyInStore(store, { create: false, ifname: mesh.interface, port, runner });
      await store.save();
    } finally {
      store.close();
    }
    return undefined;
  } catch (e) {
    return `note: could not update the mesh interface: ${(e as Error).message}`;
  }
}
