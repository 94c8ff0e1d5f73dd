/**
 * @module mesh_apply
 * Applying the mesh plan to this device's WireGuard interface, from three
 * places: `mesh up` (creates it if missing, moves dead tunnels on to their
 * next endpoint), `mesh remove` and the end of every `sync now` round
 * (mesh_if_up.ts: only an interface that exists). What each peer's endpoint
 * is chosen from comes from mesh_peer_inputs.ts; what worked is recorded by
 * mesh_apply_record.ts.
 *
 * The interface is changed outside any database transaction (wg and ip may
 * take seconds); only then does one short write record what worked.
 */

import { MycelError } from "../../errors.ts";
import type { DeviceRecord } from "../../log/device_record.ts";
import { allocateIpv4 } from "../../mesh/addresses.ts";
import { findInterface, meshUp, type UpResult } from "../../mesh/interface.ts";
import { DEFAULT_INTERFACE, DEFAULT_WG_PORT, ipv4Losers, planInterface } from "../../mesh/plan.ts";
import { type Platform, type Runner, systemRunner } from "../../mesh/system.ts";
import type { Home } from "../../storage/home_handle.ts";
import { lazyImport } from "../../lazy_import.ts";
import { recordApply } from "./mesh_apply_record.ts";
import { peerInputs } from "./mesh_peer_inputs.ts";
import { holdMeshLock } from "../../storage/mesh_lock.ts";
import { REJOIN_HINT, removalHere, removalMessage } from "../removal.ts";
import { safeText } from "../../text_safety.ts";

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
  /** How long to wait for another change of the interface (default MESH_LOCK_WAIT_MS). */
  lockWaitMs?: number;
  /** Ctrl-C: ends that wait at once (`sync_interrupted`). */
  signal?: AbortSignal;
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
  /** This device was removed from the mesh (the sentence saying so): no peers were kept. */
  removed?: string;
}

/**
 * Apply the plan of writable `home` to its interface. With `create`, this
 * device's own record is brought up to date (WireGuard port, a new IPv4
 * after a collision) — committed only once the interface works, so a failed
 * `mesh up` changes nothing anywhere.
 */
export async function applyMesh(home: Home, o: ApplyOptions): Promise<ApplyReport> {
  const { checkIfname } = await lazyImport<typeof import("../../mesh/ifname.ts")>(
    new URL("../../mesh/ifname.ts", import.meta.url),
  );
  // One apply at a time (src/storage/mesh_lock.ts); what it reads comes after.
  using _lock = await holdMeshLock(
    home.paths.root,
    o.create ? "bring the mesh up" : "update the mesh interface",
    o.lockWaitMs,
    o.signal,
  );
  const recorded = home.local.get("mesh");
  const ifname = checkIfname(o.ifname ?? recorded?.interface ?? DEFAULT_INTERFACE);
  const port = o.port ?? recorded?.port ?? DEFAULT_WG_PORT;
  if (o.create && recorded !== undefined && recorded.interface !== ifname) {
    // Another name while the first still runs would leave two interfaces with
    // this device's key and addresses, and `mesh down` would remove only one.
    const there = await findInterface(
      o.runner ?? systemRunner({ signal: o.signal }),
      recorded.interface,
      o.platform,
    )
      .catch(() => undefined);
    if (there !== undefined) {
      throw new MycelError(
        "mesh_up_elsewhere",
        "bring the mesh up",
        `it is up on ${recorded.interface} already`,
        {
          value: ifname,
          hint: `Run \`mycel mesh down\` first (it removes ${recorded.interface}), then ` +
            `\`mycel mesh up --interface ${ifname}\`.`,
        },
      );
    }
  }
  const view = home.view;
  // A removed device's tunnels are dead (every member refuses it), yet its
  // interface kept them: wireguard-go sending keepalives and handshakes to
  // them for good, and `mesh up` saying "updated, 2 peers". `mesh up` now
  // refuses, changing nothing; the apply after a round drops the peers.
  const removal = removalHere(view, home.device, home.local.peers());
  const removed = removal === undefined ? undefined : safeText(removalMessage(removal));
  if (removed !== undefined && o.create) {
    throw new MycelError("removed", "bring the mesh up", removed, {
      hint: `${REJOIN_HINT} Its tunnels are dead meanwhile: \`sudo mycel mesh down\` removes ` +
        "the interface.",
    });
  }
  const self = view.member(home.device)!.record;
  const fields: Partial<DeviceRecord> = {};
  if (o.create) {
    if (self.wgPort !== port) fields.wgPort = port;
    // Two devices admitted at once may have drawn the same IPv4; the one
    // admitted later (see ipv4Losers) takes a new address.
    if (ipv4Losers(view).has(self.id)) {
      const others = view.members().filter((m) => m.record.key !== home.device);
      fields.ipv4 = allocateIpv4(home.meshId, self.id, new Set(others.map((m) => m.record.ipv4)));
    }
  }
  const planned = planInterface(view, home.meshId, self.id, fields);
  const plan = removed === undefined
    ? planned
    : { ...planned, peers: [], routes4: [], routes6: [] };
  const peers = peerInputs(home);
  const up = await meshUp({
    ifname,
    port,
    privateKey: (await home.keys()).wgPrivate,
    plan,
    runner: o.runner ?? systemRunner({ signal: o.signal }),
    platform: o.platform,
    create: o.create,
    rotate: o.create,
    history: peers.history,
    hint: peers.hint,
    attempt: peers.attempt,
    silentAt: peers.silentAt,
  });
  const report = { ifname, port, up, peers: plan.peers.length, ...(removed ? { removed } : {}) };
  if (!up.present) return report;
  await recordApply(home, {
    ifname,
    port,
    up,
    fields,
    keyOf: peers.keyOf,
    tries: peers.tries,
    recordedPid: recorded?.interface === ifname ? recorded.pid : undefined,
  });
  return report;
}
