/**
 * @module peering
 * Manual peering logic (loaded only by the peering commands): this device's
 * signed card, and admitting the device on a card. A device alone in its mesh
 * joins the mesh of a card from a device that is not alone; when both are
 * alone, both end up in the mesh with the smaller id, whichever adds first.
 * Two meshes that both have several members are never merged (refused with
 * `mesh_mismatch`, saying to pair from a fresh home instead).
 *
 * Cards are often all printed first and added later, in any order (one
 * machine adds everyone's card, each other adds its card): a card then names
 * the mesh its device was in when printed, which may not be where it is
 * now, so two devices that admitted each other can hold different mesh ids.
 * Every sync session tells each side the other's mesh id, and both keep the
 * smaller (src/sync/bookkeeping.ts): after one round in which the hub talks
 * to everyone, every admitted device is in one mesh.
 */

import { ExitCode, MycelError } from "../errors.ts";
import { allocateIpv4 } from "../mesh/addresses.ts";
import { newDiscoveryKeyOp, stateSecret } from "../mesh/discovery_key.ts";
import { type Card, encodeCard } from "../protocol/card.ts";
import type { Home } from "../storage/home_handle.ts";
import type { HomeWriter } from "../storage/home_writer.ts";
import { commitOps } from "./session.ts";
import { lazyImport } from "../lazy_import.ts";

/** This device's card. */
export async function makeCard(home: Home): Promise<string> {
  const record = home.view.member(home.device)?.record;
  if (record === undefined) {
    // Only when setting up the home was interrupted before its first entry.
    throw new MycelError("incomplete_home", "make card", "this device has no record yet", {
      hint: "Setting up this home was interrupted; any change (e.g. `mycel pref set x y`) " +
        "completes it.",
    });
  }
  const { Signer } = await lazyImport<typeof import("../log/identity.ts")>(
    new URL("../log/identity.ts", import.meta.url),
  );
  const signer = new Signer(await home.keys());
  const members = home.view.members().filter((m) => m.removed === undefined).length;
  return await encodeCard({ record, mesh: home.meshId, members }, (m) => signer.sign(m));
}

/** Should a lone device with mesh `mine` join the mesh of `card`? */
export function shouldJoin(mine: string, myMembers: number, card: Card): boolean {
  if (card.mesh === mine || myMembers > 1) return false;
  return card.members > 1 || card.mesh < mine;
}

/** Admit the device on `card` (joining its mesh first when this device is alone). */
export async function addPeer(
  home: Home,
  w: HomeWriter,
  card: Card,
): Promise<{ joined: boolean; ipv4: string; already: boolean }> {
  if (card.record.key === home.device) {
    throw new MycelError("bad_card", "add peer", "this is this device's own card", {
      hint: "Give the card `mycel mesh card` prints on the other device (and this device's " +
        "card to `mycel mesh add-peer` there).",
      exit: ExitCode.usage,
    });
  }
  if (w.view.member(card.record.key)?.removed !== undefined) {
    throw new MycelError("revoked", "add peer", "that device was removed from the mesh for good", {
      value: card.record.name,
      hint:
        "Removal is permanent; on that machine start over with `mycel init` in a new home to get a new key.",
    });
  }
  if (w.view.isMember(card.record.key)) {
    // Admitted already: a second admission changes nothing (its record
    // changes only through its own entries). The card's endpoints, which it
    // signed, become where this device tries it first.
    const { rememberEndpoints } = await lazyImport<typeof import("../sync/bookkeeping.ts")>(
      new URL("../sync/bookkeeping.ts", import.meta.url),
    );
    rememberEndpoints(w, card.record.key, card.record.endpoints, home.now());
    return { joined: false, ipv4: w.view.member(card.record.key)!.record.ipv4, already: true };
  }
  const members =
    w.view.members().filter((m) => m.removed === undefined && m.record.key !== card.record.key)
      .length;
  const mesh = home.meshId;
  const joined = shouldJoin(mesh, members, card);
  if (card.mesh !== mesh && !joined && members > 1 && card.members > 1) {
    throw new MycelError(
      "mesh_mismatch",
      "add peer",
      "it belongs to another mesh that has other members",
      {
        value: card.mesh,
        hint:
          "Meshes are not merged. Pair the other machine from a fresh home instead (`mycel pair`).",
      },
    );
  }
  if (joined) w.setMesh(card.mesh);
  const taken = new Set(
    w.view.members().filter((m) => m.record.key !== card.record.key).map((m) => m.record.ipv4)
      .filter(Boolean),
  );
  const ipv4 = card.record.ipv4 && !taken.has(card.record.ipv4) && !joined
    ? card.record.ipv4
    : allocateIpv4(joined ? card.mesh : mesh, card.record.id, taken);
  // The mesh's discovery secret comes with its first admission (src/mesh/discovery_key.ts).
  const secret = stateSecret(w.view) ? [] : [newDiscoveryKeyOp(w.view)];
  await commitOps(w, [{ type: "device.add", device: { ...card.record, ipv4 } }, ...secret]);
  return { joined, ipv4, already: false };
}
