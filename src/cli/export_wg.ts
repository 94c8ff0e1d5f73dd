/**
 * @module export_wg
 * wg-quick configs for devices whose WireGuard is managed elsewhere. A
 * WireGuard-only device (a phone with the WireGuard app) is a mesh member
 * with a WireGuard key but no Noise key (all zeros), so other devices make
 * it a WireGuard peer but never try to sync with it. Its private key is
 * created here and kept in `<home>/wg-devices/` (0600) so the config can be
 * shown again; nothing else ever holds it.
 *
 * This device's own config lists every peer `mesh up` would configure,
 * WireGuard-only devices included (a phone reaches this device; it needs no
 * endpoint of its own), each at its best known endpoint (the one its tunnel
 * last worked at, else its first recorded one). A WireGuard-only device's
 * config lists only peers it can reach, i.e. with a known endpoint; with
 * none, nothing is printed (or admitted) and the error says what to do.
 */

import { toBase64 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { deviceIdOf, generateDeviceKeys } from "../log/identity.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { planInterface, syncsWithMycel, wgCandidates } from "../mesh/plan.ts";
import { orderCandidates } from "../mesh/roaming.ts";
import { renderWgQuickConfig } from "../mesh/wg_quick.ts";
import { writeFileAtomic } from "../storage/atomic.ts";
import type { Store } from "../storage/store.ts";
import { checkDeviceName } from "./init_home.ts";

function keyPath(store: Store, id: string): string {
  return `${store.paths.root}/wg-devices/${id.replaceAll("-", "")}.key`;
}

/** An exported config and what the user should know about it. */
export interface Exported {
  /** The wg-quick text. */
  text: string;
  /** Warnings for standard error. */
  warnings: string[];
}

function noEndpoints(name: string): MycelError {
  return new MycelError(
    "no_endpoints",
    "export WireGuard config",
    "no device of the mesh has a known WireGuard endpoint for it to reach",
    {
      value: name,
      hint: "Run `sudo mycel mesh up` on a device with a reachable address (and `mycel sync now` " +
        "here so its port is known), then export again.",
    },
  );
}

function render(store: Store, id: string, privateKey: Uint8Array, listenPort?: number): Exported {
  const plan = planInterface(store.state, store.local.meshId, id);
  const self = id === store.deviceId;
  const peers = plan.peers.map(
    ({ publicKey, allowedIps, persistentKeepalive, candidates, deviceId }) => {
      const best =
        orderCandidates(candidates, self ? store.local.peers[deviceId]?.wgEndpoints : undefined)[0];
      return { publicKey, allowedIps, persistentKeepalive, ...(best ? { endpoint: best } : {}) };
    },
  );
  const warnings: string[] = [];
  if (!self) {
    // A device managed elsewhere reaches only peers with an endpoint.
    const reachable = peers.filter((p) => p.endpoint !== undefined);
    if (reachable.length === 0) throw noEndpoints(store.state.device(id)?.name ?? id);
    const text = renderWgQuickConfig(
      { addresses: plan.addresses, listenPort, peers: reachable },
      privateKey,
    );
    return { text, warnings };
  }
  if (peers.length === 0) {
    throw new MycelError("no_peers", "export WireGuard config", "this device has no peers yet", {
      hint:
        "Pair a device first (`mycel pair`), or admit a phone with `mycel mesh export-wg NAME`.",
    });
  }
  if (peers.every((p) => p.endpoint === undefined)) {
    warnings.push(
      `none of the ${peers.length} peer(s) has a known endpoint: this config only answers peers ` +
        "that reach it first (run `mycel sync now` to learn their WireGuard ports)",
    );
  }
  return {
    text: renderWgQuickConfig({ addresses: plan.addresses, listenPort, peers }, privateKey),
    warnings,
  };
}

/** The wg-quick config of this device (no name) or of WireGuard-only device `name`. */
export async function exportWg(store: Store, name: string | undefined): Promise<Exported> {
  const self = store.state.device(store.deviceId)!;
  if (name === undefined || name === self.name) {
    return render(store, store.deviceId, (await store.keys()).wgPrivate, self.wgPort || undefined);
  }
  const existing = store.state.allDevices().find((d) => d.name === name);
  if (existing) {
    if (store.state.members.isRemoved(existing.id)) {
      throw new MycelError(
        "revoked",
        "export WireGuard config",
        "that device was removed from the mesh",
        {
          value: name,
        },
      );
    }
    let key: Uint8Array;
    try {
      key = Uint8Array.fromBase64((await Deno.readTextFile(keyPath(store, existing.id))).trim());
    } catch {
      throw new MycelError(
        "not_here",
        "export WireGuard config",
        "only that device holds its private key",
        {
          value: name,
          hint: syncsWithMycel(existing)
            ? "Run `mycel mesh export-wg` on that device."
            : "It was created on another device; export it there, or pick a new name.",
        },
      );
    }
    return render(store, existing.id, key);
  }
  checkDeviceName(name);
  // Refuse before admitting: a phone that can reach no one is no use.
  const members = store.state.members.members().map((m) => store.state.device(m)!);
  if (!members.some((d) => d.wgKey !== "" && wgCandidates(d).length > 0)) throw noEndpoints(name);
  const keys = await generateDeviceKeys();
  const id = deviceIdOf(keys);
  const taken = new Set(store.state.allDevices().map((d) => d.ipv4).filter(Boolean));
  await Deno.mkdir(`${store.paths.root}/wg-devices`, { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    keyPath(store, id),
    new TextEncoder().encode(toBase64(keys.wgPrivate) + "\n"),
  );
  await store.commit([{
    type: "device.add",
    device: {
      id,
      name,
      noiseKey: toBase64(new Uint8Array(32)),
      wgKey: toBase64(keys.wgPublic),
      endpoints: [],
      ipv4: allocateIpv4(store.local.meshId, id, taken),
      wgPort: 0,
    },
  }]);
  return render(store, id, keys.wgPrivate);
}
