/**
 * @module mesh_peering
 * Manual peering: `mycel mesh card` prints this device's signed card;
 * `mycel mesh add-peer CARD` admits the device on a card; `mycel mesh
 * set-endpoint HOST:PORT...` records where this device accepts sync.
 *
 * Exchanging cards both ways peers two devices (rules in ../peering.ts).
 */

import { ExitCode, usageError } from "../../errors.ts";
import { formatEndpoint, parseEndpoint } from "../../log/endpoint.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, KEYED, WRITES } from "../command.ts";
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
    ...KEYED,
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
      if (!result.already) {
        // As pairing does: a second device of one name makes `mesh remove NAME` ask which.
        const { twinNameNote } = await lazyImport<typeof import("../devices.ts")>(
          new URL("../devices.ts", import.meta.url),
        );
        const note = await withRead(
          ctx,
          (home) => twinNameNote(home.view, card.record.name, card.record.key),
        );
        if (note) ctx.out.error(note);
      }
      if (input.flags.json) {
        ctx.out.json({
          added: { id: card.record.id, name: card.record.name, ipv4: result.ipv4 },
          joined_mesh: result.joined ? card.mesh : null,
          already_member: result.already,
        });
        return ExitCode.ok;
      }
      if (result.already) {
        ctx.out.line(
          `${
            safeText(card.record.name)
          } (${card.record.id}) is already a member, at ${result.ipv4}`,
        );
        if (card.record.endpoints.length > 0) {
          ctx.out.line(
            `its record changes only through its own entries; until then this device tries ` +
              `${card.record.endpoints.map((e) => safeText(e)).join(", ")} first`,
          );
        }
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
    description:
      "Endpoints given here are pinned: kept as they are while this machine's addresses\n" +
      "change (each round adds its current addresses after them). --auto drops the pinned\n" +
      "ones and goes back to this machine's current addresses only.",
    args: [{
      name: "HOST:PORT",
      help: "one or more endpoints, e.g. 192.168.1.20:7850",
      variadic: true,
      optional: true,
    }],
    flags: [
      { name: "auto", help: "forget pinned endpoints: advertise this machine's addresses only" },
      JSON_FLAG,
    ],
    ...WRITES,
    async run(ctx, input) {
      const given = (input.args["HOST:PORT"] as string[] | undefined) ?? [];
      if ((given.length > 0) === (input.flags.auto === true)) {
        throw usageError("set endpoints", "give HOST:PORT endpoints, or --auto (not both)", {
          hint: "`mycel mesh set-endpoint 192.168.1.20:7850` pins one; " +
            "`mycel mesh set-endpoint --auto` follows this machine's addresses.",
        });
      }
      let endpoints = [...new Set(given.map((e) => formatEndpoint(parseEndpoint(e))))];
      await meshHome(ctx, "set endpoints");
      await withWrite(ctx, async (w, home) => {
        if (input.flags.auto) {
          const { addressesFrom, unpinnedEndpoints } = await lazyImport<
            typeof import("../../sync/self_record.ts")
          >(new URL("../../sync/self_record.ts", import.meta.url));
          const plan = unpinnedEndpoints(home, addressesFrom(ctx.env));
          endpoints = plan.endpoints;
          w.setLocal("autoEndpoints", plan.auto);
        }
        await commitOps(w, [{ type: "device.update", device: w.device, fields: { endpoints } }]);
      });
      if (input.flags.json) ctx.out.json({ endpoints });
      else ctx.out.line(`endpoints: ${endpoints.length > 0 ? endpoints.join(", ") : "none"}`);
      if (endpoints.length === 0) {
        // --auto on a machine with no address it can advertise: before, a bare "endpoints: ".
        ctx.out.error(
          "note: no device can reach this one until it has an endpoint: this one still " +
            "reaches them; give one with `mycel mesh set-endpoint HOST:PORT` (a DNS name, a " +
            "port forward), or run `mycel sync now` once this machine has an address.",
        );
      }
      return ExitCode.ok;
    },
  },
];
