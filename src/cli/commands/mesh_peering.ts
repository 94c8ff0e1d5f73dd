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
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { commitOps, withRead, withWrite } from "../session.ts";
import { meshHome } from "./mesh_home.ts";
import { lazyImport } from "../../lazy_import.ts";

/** The manual peering commands. */
export const meshPeeringCommands: CommandSpec[] = [
  {
    path: ["mesh", "card"],
    summary: "print this device's signed card (one line) for `mesh add-peer` elsewhere",
    args: [],
    flags: [JSON_FLAG],
    ...LOCAL,
    async run(ctx, input) {
      await meshHome(ctx, "make a card");
      const { makeCard } = await lazyImport<typeof import("../peering.ts")>(
        new URL("../peering.ts", import.meta.url),
      );
      const { card, device, mesh } = await withRead(ctx, async (home) => ({
        card: await makeCard(home),
        device: home.device.id,
        mesh: home.meshId,
      }));
      if (input.flags.json) ctx.out.json({ card, device, mesh });
      else ctx.out.line(card);
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
    args: [{
      name: "CARD",
      help: "the line printed by `mycel mesh card` on the other device",
      stdin: true,
    }],
    flags: [JSON_FLAG],
    examples: ["ssh desktop mycel mesh card | mycel mesh add-peer -"],
    ...WRITES,
    async run(ctx, input) {
      const { decodeCard } = await lazyImport<typeof import("../../protocol/card.ts")>(
        new URL("../../protocol/card.ts", import.meta.url),
      );
      const { addPeer } = await lazyImport<typeof import("../peering.ts")>(
        new URL("../peering.ts", import.meta.url),
      );
      const card = await decodeCard(input.args.CARD as string);
      await meshHome(ctx, "add peer");
      const result = await withWrite(ctx, (w, home) => addPeer(home, w, card));
      if (input.flags.json) {
        ctx.out.json({
          added: { id: card.record.id, name: card.record.name, ipv4: result.ipv4 },
          joined_mesh: result.joined ? card.mesh : null,
        });
        return ExitCode.ok;
      }
      if (result.joined) ctx.out.line(`joined mesh ${safeText(card.mesh)}`);
      ctx.out.line(`added ${safeText(card.record.name)} (${card.record.id}) at ${result.ipv4}`);
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
    flags: [JSON_FLAG],
    ...WRITES,
    async run(ctx, input) {
      const endpoints = [
        ...new Set(
          (input.args["HOST:PORT"] as string[]).map((e) => formatEndpoint(parseEndpoint(e))),
        ),
      ];
      await meshHome(ctx, "set endpoints");
      await withWrite(
        ctx,
        (w) => commitOps(w, [{ type: "device.update", device: w.device, fields: { endpoints } }]),
      );
      if (input.flags.json) ctx.out.json({ endpoints });
      else ctx.out.line(`endpoints: ${endpoints.join(", ")}`);
      return ExitCode.ok;
    },
  },
];
