/**
 * @module mesh_peering
 * Manual peering: `mycel mesh card` prints this device's signed card;
 * `mycel mesh add-peer CARD` admits the device on a card; `mycel mesh
 * set-endpoint HOST:PORT...` records where this device accepts sync.
 *
 * Exchanging cards both ways peers two devices (rules in ../peering.ts).
 */

import { ExitCode } from "../../errors.ts";
import { formatEndpoint, parseEndpoint } from "../../log/endpoint.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { commitOps, openRead } from "../session.ts";
import { meshHome, withMeshWrite } from "./mesh_home.ts";

/** The manual peering commands. */
export const meshPeeringCommands: CommandSpec[] = [
  {
    path: ["mesh", "card"],
    summary: "print this device's signed card (one line) for `mesh add-peer` elsewhere",
    args: [],
    flags: [JSON_FLAG],
    async run(ctx, input) {
      await meshHome(ctx, "make a card");
      const store = await openRead(ctx);
      const { makeCard } = await import("../peering.ts");
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
      const { decodeCard } = await import("../../protocol/card.ts");
      const { addPeer } = await import("../peering.ts");
      const card = await decodeCard(input.args.CARD as string);
      const result = await withMeshWrite(ctx, "add peer", (store) => addPeer(store, card));
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
      await withMeshWrite(
        ctx,
        "set endpoints",
        (store) =>
          commitOps(store, [{ type: "device.update", id: store.deviceId, fields: { endpoints } }]),
      );
      ctx.out.line(`endpoints: ${endpoints.join(", ")}`);
      return ExitCode.ok;
    },
  },
];
