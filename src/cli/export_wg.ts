/**
 * @module export_wg
 * wg-quick configs for devices whose WireGuard is managed elsewhere. A
 * WireGuard-only device (a phone with the WireGuard app) is a mesh member
 * with a WireGuard key but no Noise key (all zeros), so other devices make
 * it a WireGuard peer but never try to sync with it. Its private key is
 * created here and kept in `<home>/wg-devices/` (0600) so the config can be
 * shown again (the phone must load a new one as devices come, go or move);
 * nothing else ever holds it, and it is deleted once the phone is removed
 * (src/storage/wg_device_keys.ts).
 *
 * This device's own config lists every peer `mesh up` would configure,
 * WireGuard-only devices included (a phone reaches this device; it needs no
 * endpoint of its own), each at its best known endpoint (the one its tunnel
 * last worked at, else its first recorded one); a WireGuard-only device's
 * config takes the same (where this device's tunnels last worked) and lists
 * only peers it can reach, i.e. with a known endpoint; with
 * none, nothing is printed (or admitted) and the error says what to do.
 */

import { toBase64 } from "../bytes.ts";
import { MycelError } from "../errors.ts";
import { DeviceKey } from "../log/device_key.ts";
import { HlcClock } from "../crdt/hlc.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { createEntry } from "../log/entry.ts";
import { generateDeviceKeys, Signer } from "../log/identity.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import {
  addressesOf,
  type MeshAddresses,
  planInterface,
  syncsWithMycel,
  wgCandidates,
} from "../mesh/plan.ts";
import { orderCandidates } from "../mesh/roaming.ts";
import { renderWgQuickConfig } from "../mesh/wg_quick.ts";
import { readWgDeviceKey, saveWgDeviceKey } from "../storage/wg_device_keys.ts";
import type { Home } from "../storage/home_handle.ts";
import { checkDeviceName } from "./init_home.ts";
import { removalHere, removalMessage } from "./removal.ts";
import { safeText } from "../text_safety.ts";

/** An exported config and what the user should know about it. */
export interface Exported {
  /** The wg-quick text. */
  text: string;
  /** Warnings for standard error. */
  warnings: string[];
  /** The device the config is for: its id (display form), name and mesh addresses. */
  device: { id: string; name: string; addresses: MeshAddresses };
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

function render(home: Home, id: string, privateKey: Uint8Array, listenPort?: number): Exported {
  const view = home.view;
  const plan = planInterface(view, home.meshId, id);
  const self = id === home.device.id;
  const keyOf = new Map(view.members().map((m) => [m.record.id, m.record.key]));
  const peers = plan.peers.map(
    ({ publicKey, allowedIps, persistentKeepalive, candidates, deviceId }) => {
      const key = keyOf.get(deviceId);
      // Where this device's tunnel to the peer last worked: for a phone too —
      // a NATed peer's observed public endpoint beats the LAN address it
      // advertises, which a phone away from that LAN cannot reach (found by
      // the mesh exploration helper; this device's own config used it already).
      const history = key !== undefined ? home.local.peer(key).wgEndpoints : undefined;
      const best = orderCandidates(candidates, history)[0];
      return { publicKey, allowedIps, persistentKeepalive, ...(best ? { endpoint: best } : {}) };
    },
  );
  const warnings: string[] = [];
  const record = view.members().find((m) => m.record.id === id)!.record;
  const device = { id, name: record.name, addresses: addressesOf(home.meshId, record) };
  if (!self) {
    // A device managed elsewhere reaches only peers with an endpoint.
    const reachable = peers.filter((p) => p.endpoint !== undefined);
    if (reachable.length === 0) {
      throw noEndpoints(record.name);
    }
    const text = renderWgQuickConfig(
      { addresses: plan.addresses, listenPort, peers: reachable },
      privateKey,
    );
    return { text, warnings, device };
  }
  if (peers.length === 0) {
    throw new MycelError("no_peers", "export WireGuard config", "this device has no peers yet", {
      hint:
        "Pair a device first (`mycel pair`), or admit a phone with `mycel mesh export-wg NAME`.",
    });
  }
  if (peers.every((p) => p.endpoint === undefined)) {
    warnings.push(
      `${
        peers.length === 1 ? "the only peer has no" : `none of the ${peers.length} peers has a`
      } known endpoint: this config only answers peers ` +
        "that reach it first (run `mycel sync now` to learn their WireGuard ports)",
    );
  }
  return {
    text: renderWgQuickConfig({ addresses: plan.addresses, listenPort, peers }, privateKey),
    warnings,
    device,
  };
}

/**
 * The wg-quick config of this device (no name) or of WireGuard-only device
 * `name`, admitting it (one entry) when it is new.
 */
export async function exportWg(home: Home, name: string | undefined): Promise<Exported> {
  const self = home.view.member(home.device)!.record;
  if (name === undefined || name === self.name) {
    return render(home, self.id, (await home.keys()).wgPrivate, self.wgPort || undefined);
  }
  const existing = home.view.members().find((m) => m.record.name === name);
  if (existing) {
    if (existing.removed !== undefined) {
      throw new MycelError(
        "revoked",
        "export WireGuard config",
        "that device was removed from the mesh",
        {
          value: name,
          // A lost phone removed, its replacement exported: the old name is
          // taken for good (removals are final), and nothing said so.
          hint: "A removed device cannot come back; give a new one another name " +
            "(`mycel mesh export-wg NEWNAME`).",
        },
      );
    }
    let key: Uint8Array;
    try {
      key = Uint8Array.fromBase64(await readWgDeviceKey(home.paths.root, existing.record.id));
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
  // A removed device's entries past its cut are refused everywhere: the
  // phone would be admitted here only, its config listing peers that all
  // refuse it (as `pair` and `mesh add-device` refuse there too).
  const removal = removalHere(home.view, home.device, home.local.peers());
  if (removal !== undefined) {
    throw new MycelError(
      "removed",
      "export WireGuard config",
      safeText(removalMessage(removal)),
      { hint: `Run \`mycel mesh export-wg ${safeText(name)}\` on a device of the mesh.` },
    );
  }
  // Refuse before admitting: a phone that can reach no one is no use.
  const members = home.view.members().filter((m) => m.removed === undefined).map((m) => m.record);
  if (!members.some((d) => d.wgKey !== "" && wgCandidates(d).length > 0)) throw noEndpoints(name);
  const keys = await generateDeviceKeys();
  const key = DeviceKey.of(keys.signPublic);
  const taken = new Set(home.view.members().map((m) => m.record.ipv4).filter(Boolean));
  await saveWgDeviceKey(home.paths.root, key.id, toBase64(keys.wgPrivate));
  const device: DeviceRecord = {
    key,
    id: key.id,
    name,
    noiseKey: toBase64(new Uint8Array(32)),
    wgKey: toBase64(keys.wgPublic),
    endpoints: [],
    ipv4: allocateIpv4(home.meshId, key.id, taken),
    wgPort: 0,
  };
  // The device announces itself too, signed with its own key (which is then
  // forgotten): its record is self-published like any device's, so no other
  // member's later admission of the same key can change its WireGuard key.
  const own = await createEntry(new Signer(keys), {
    seq: 1,
    prev: null,
    hlc: new HlcClock(key.hex).now(home.now()),
    ops: [{ type: "device.add", device }],
  });
  await home.write(async (w) => {
    await w.commit([{ type: "device.add", device }]);
    const ingest = w.ingest();
    await w.pushIngest(ingest, [own.bytes]);
    const r = w.finishIngest(ingest);
    if (r.accepted !== 1) {
      throw new Error(`the device's own entry was not taken (${r.refused[0]?.reason})`);
    }
  }, { signs: true });
  return render(home, key.id, keys.wgPrivate);
}
