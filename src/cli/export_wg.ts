/**
 * @module export_wg
 * wg-quick configs for devices whose WireGuard is managed elsewhere. A
 * WireGuard-only device (a phone with the WireGuard app) is a mesh member
 * with a WireGuard key but no Noise key (all zeros), so other devices make
 * it a WireGuard peer but never try to sync with it. Its private key is
 * created here and kept in `<home>/wg-devices/` (0600) so the config can be
 * shown again; nothing else ever holds it.
 */

import { toBase64 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { deviceIdOf, generateDeviceKeys } from "../log/identity.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { planInterface, syncsWithMycel } from "../mesh/plan.ts";
import { renderWgQuickConfig } from "../mesh/wg_quick.ts";
import { writeFileAtomic } from "../storage/atomic.ts";
import type { Store } from "../storage/store.ts";
import { checkDeviceName } from "./init_home.ts";

function keyPath(store: Store, id: string): string {
  return `${store.paths.root}/wg-devices/${id.replaceAll("-", "")}.key`;
}

function render(store: Store, id: string, privateKey: Uint8Array, listenPort?: number): string {
  const plan = planInterface(store.state, store.local.meshId, id);
  // A device managed elsewhere reaches only devices that run mycel (they have endpoints).
  const peers = plan.peers.filter((p) => p.endpoint !== undefined);
  return renderWgQuickConfig({ addresses: plan.addresses, listenPort, peers }, privateKey);
}

/** The wg-quick config of this device (no name) or of WireGuard-only device `name`. */
export async function exportWg(store: Store, name: string | undefined): Promise<string> {
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
