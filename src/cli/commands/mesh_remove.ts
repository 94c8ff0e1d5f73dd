/**
 * @module mesh_remove
 * `mycel mesh remove DEVICE` and `mycel mesh retire DEVICE`: take a device
 * out of the mesh for good, and drop it from this device's WireGuard
 * interface at once when it is up. Both are removals (permanent, refused by
 * every device, a cut no one can widen later: src/log/removals.ts); they
 * differ in what they assume about the machine:
 *
 * - remove: it may be in someone else's hands. Its changes this device
 *   holds stay; whatever else it signed is set aside everywhere.
 * - retire: it is gone for good (lost, wiped, broken) and was ours to the
 *   end. Its changes stay up to the last one any device is known to hold
 *   (this device's own sessions say what each peer holds), so nothing it
 *   wrote before it went is lost, and the entry also says `retired`. It
 *   stops holding back compaction, like any removed device.
 *
 * Either cannot be undone, and names are chosen by each device for itself,
 * so both refuse a name two devices share (listing both), show what they are
 * about to do, and ask on a terminal; elsewhere they need `--yes`. How:
 * mesh_take_out.ts (and ../removal_target.ts, the device and what is known
 * of it).
 */

import { type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { type Kind, takeOut, WORDS } from "./mesh_take_out.ts";

const FLAGS = (kind: Kind) => [
  { name: "yes", short: "y", help: `${kind} without asking` },
  { name: "dry-run", help: `show which device would be ${WORDS[kind].done}, change nothing` },
  JSON_FLAG,
];

/** `mesh remove` and `mesh retire`. */
export const meshRemoveCommands: CommandSpec[] = [
  {
    path: ["mesh", "remove"],
    summary: "remove a device for good (by name or id prefix); every device then refuses it",
    description:
      "Removal is permanent: no device can re-admit that key. To bring the machine back,\n" +
      "pair it again; it gets a new key. Its changes this device holds stay; anything else it\n" +
      "signed is set aside. For a machine that is simply gone (lost, wiped), `mesh retire`\n" +
      "keeps every change of it any device holds.\n\n" +
      "A name that more than one device uses is refused, and the candidates are listed: give\n" +
      "the id then. On a terminal, mycel shows the device and asks before removing it\n" +
      "(Ctrl-C there exits 130 and changes nothing); elsewhere it needs --yes.",
    args: [{ name: "DEVICE", help: "device name or id prefix (at least 3 characters)" }],
    flags: FLAGS("remove"),
    examples: ["mycel mesh remove desktop", "mycel mesh remove XZQXXVE --yes"],
    ...WRITES,
    run: (ctx, input) => takeOut(ctx, input, "remove"),
  },
  {
    path: ["mesh", "retire"],
    summary: "retire a machine that is gone for good; it stops holding back compaction",
    description:
      "For a device that will never come back and cannot be asked (lost, wiped, broken),\n" +
      "and was not in anyone else's hands: a removal that keeps its changes up to the last\n" +
      "one any device is known to hold (run `mycel sync now` first to learn the most). Like\n" +
      "a removal it is permanent and every device refuses that key; history every remaining\n" +
      "device holds can then be compacted. If the machine may be in someone else's hands,\n" +
      "use `mesh remove`.\n\n" +
      "Names work as for `mesh remove`; on a terminal mycel asks first, elsewhere it needs\n" +
      "--yes.",
    args: [{ name: "DEVICE", help: "device name or id prefix (at least 3 characters)" }],
    flags: FLAGS("retire"),
    examples: ["mycel mesh retire old-laptop", "mycel mesh retire XZQXXVE --yes --json"],
    ...WRITES,
    run: (ctx, input) => takeOut(ctx, input, "retire"),
  },
];
