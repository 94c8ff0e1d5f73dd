/**
 * @module mesh_peering
 * Manual peering: `mycel mesh card` prints this device's signed card;
 * `mycel mesh add-peer CARD` admits the device on a card; `mycel mesh
 * set-endpoint HOST:PORT...` records where this device accepts sync.
 *
 * Exchanging cards both ways peers two devices. A device that is alone in its
 * mesh joins the mesh of a card from a device that is not alone; when both
 * are alone, both end up in the mesh with the smaller id, whichever adds
 * first. Two meshes that both have several members are never merged.
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { formatEndpoint, parseEndpoint } from "../../log/endpoint.ts";
import { allocateIpv4 } from "../../mesh/addresses.ts";
import { type Card, decodeCard, encodeCard } from "../../protocol/card.ts";
import { writeHomeInfo } from "../../storage/home_info.ts";
import type { Store } from "../../storage/store.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { commitOps, openRead, withWrite } from "../session.ts";

/** This device's card. */
export async function makeCard(store: Store): Promise<string> {
  const record = store.state.device(store.deviceId);
  if (record === undefined) {
    throw new MycelError("internal", "make card", "this device has no record yet");
  }
  const { Signer } = await import("../../log/identity.ts");
  const signer = new Signer(await store.keys());
  const members = store.state.members.members().length;
  return await encodeCard({ record, mesh: store.local.meshId, members }, (m) => signer.sign(m));
}

/** Should a lone device with mesh `mine` join the mesh of `card`? */
export function shouldJoin(mine: string, myMembers: number, card: Card): boolean {
  if (card.mesh === mine || myMembers > 1) return false;
  return card.members > 1 || card.mesh < mine;
}

/** Admit the device on `card` (joining its mesh first when this device is alone). */
export async function addPeer(
  store: Store,
  card: Card,
): Promise<{ joined: boolean; ipv4: string }> {
  const self = store.deviceId;
  if (card.record.id === self) {
    throw new MycelError("bad_card", "add peer", "this is this device's own card", {
      exit: ExitCode.usage,
    });
  }
  if (store.state.members.isRemoved(card.record.id)) {
    throw new MycelError("revoked", "add peer", "that device was removed from the mesh for good", {
      value: card.record.name,
      hint:
        "Removal is permanent; on that machine start over with `mycel init` in a new home to get a new key.",
    });
  }
  const members = store.state.members.members().filter((id) => id !== card.record.id).length;
  const joined = shouldJoin(store.local.meshId, members, card);
  if (card.mesh !== store.local.meshId && !joined && members > 1 && card.members > 1) {
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
  if (joined) {
    store.local.meshId = card.mesh;
    await writeHomeInfo(store.paths, { version: 1, device: self, mesh: card.mesh });
  }
  const taken = new Set(
    store.state.allDevices().filter((d) => d.id !== card.record.id).map((d) => d.ipv4).filter(
      Boolean,
    ),
  );
  const ipv4 = card.record.ipv4 && !taken.has(card.record.ipv4) && !joined
    ? card.record.ipv4
    : allocateIpv4(store.local.meshId, card.record.id, taken);
  await commitOps(store, [{ type: "device.add", device: { ...card.record, ipv4 } }]);
  return { joined, ipv4 };
}

/** The manual peering commands. */
export const meshPeeringCommands: CommandSpec[] = [
  {
    path: ["mesh", "card"],
    summary: "print this device's signed card (one line) for `mesh add-peer` elsewhere",
    args: [],
    flags: [JSON_FLAG],
    async run(ctx, input) {
      const store = await openRead(ctx);
      const card = await makeCard(store);
      if (input.flags.json) {
        ctx.out.json({ card, device: store.deviceId, mesh: store.local.meshId });
      } else ctx.out.line(card);
      return ExitCode.ok;
    },
  },
  {
    path: ["mesh", "add-peer"],
    summary: "admit the device on a card (exchange cards both ways)",
    description:
      "A device alone in its mesh joins the card's mesh when that device is not alone\n" +
      "(when both are alone, the mesh with the smaller id wins). Run it on both devices,\n" +
      "each with the other's card, then `mycel sync now`.",
    args: [{ name: "CARD", help: "the line printed by `mycel mesh card` on the other device" }],
    flags: [],
    async run(ctx, input) {
      const card = await decodeCard(input.args.CARD as string);
      const result = await withWrite(ctx, (store) => addPeer(store, card));
      if (result.joined) ctx.out.line(`joined mesh ${card.mesh}`);
      ctx.out.line(`added ${card.record.name} (${card.record.id}) at ${result.ipv4}`);
      return ExitCode.ok;
    },
  },
  {
    path: ["mesh", "set-endpoint"],
    summary: "record where this device accepts sync connections (replaces the list)",
    args: [{
      name: "HOST:PORT",
      help: "one or more endpoints, e.g. 192.168.1.20:7850",
      variadic: true,
    }],
    flags: [],
    async run(ctx, input) {
      const endpoints = [
        ...new Set(
          (input.args["HOST:PORT"] as string[]).map((e) => formatEndpoint(parseEndpoint(e))),
        ),
      ];
      await withWrite(
        ctx,
        (store) =>
          commitOps(store, [{ type: "device.update", id: store.deviceId, fields: { endpoints } }]),
      );
      ctx.out.line(`endpoints: ${endpoints.join(", ")}`);
      return ExitCode.ok;
    },
  },
];
