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
import { DeviceKey } from "../log/device_key.ts";
import { generateDeviceKeys } from "../log/identity.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { planInterface, syncsWithMycel } from "../mesh/plan.ts";
import { renderWgQuickConfig } from "../mesh/wg_quick.ts";
import { writeFileAtomic } from "../storage/atomic.ts";
import type { Home } from "../storage/home_handle.ts";
import type { HomeWriter } from "../storage/home_writer.ts";
import { checkDeviceName } from "./init_home.ts";

function keyPath(home: Home, id: string): string {
  return `${home.paths.root}/wg-devices/${id.replaceAll("-", "")}.key`;
}

function render(home: Home, id: string, privateKey: Uint8Array, listenPort?: number): string {
  const plan = planInterface(home.view, home.meshId, id);
  // A device managed elsewhere reaches only devices that run mycel (they have endpoints).
  const peers = plan.peers.filter((p) => p.endpoint !== undefined);
  return renderWgQuickConfig({ addresses: plan.addresses, listenPort, peers }, privateKey);
}

/** The wg-quick config of this device (no name) or of WireGuard-only device `name`. */
export async function exportWg(
  home: Home,
  w: HomeWriter,
  name: string | undefined,
): Promise<string> {
  const self = w.view.member(home.device)!.record;
  if (name === undefined || name === self.name) {
    return render(home, self.id, (await home.keys()).wgPrivate, self.wgPort || undefined);
  }
  const existing = w.view.members().find((m) => m.record.name === name);
  if (existing) {
    if (existing.removed !== undefined) {
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
      key = Uint8Array.fromBase64(
        (await Deno.readTextFile(keyPath(home, existing.record.id))).trim(),
      );
    } catch {
      throw new MycelError(
        "not_here",
        "export WireGuard config",
        "only that device holds its private key",
        {
          value: name,
          hint: syncsWithMycel(existing.record)
            ? "Run `mycel mesh export-wg` on that device."
            : "It was created on another device; export it there, or pick a new name.",
        },
      );
    }
    return render(home, existing.record.id, key);
  }
  checkDeviceName(name);
  const keys = await generateDeviceKeys();
  const key = DeviceKey.of(keys.signPublic);
  const taken = new Set(w.view.members().map((m) => m.record.ipv4).filter(Boolean));
  await Deno.mkdir(`${home.paths.root}/wg-devices`, { recursive: true, mode: 0o700 });
  await writeFileAtomic(
    keyPath(home, key.id),
    new TextEncoder().encode(toBase64(keys.wgPrivate) + "\n"),
  );
  await w.commit([{
    type: "device.add",
    device: {
      key,
      id: key.id,
      name,
      noiseKey: toBase64(new Uint8Array(32)),
      wgKey: toBase64(keys.wgPublic),
      endpoints: [],
      ipv4: allocateIpv4(home.meshId, key.id, taken),
      wgPort: 0,
    },
  }]);
  return render(home, key.id, keys.wgPrivate);
}
