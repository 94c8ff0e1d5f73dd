/**
 * @module mesh_rename
 * `mycel mesh rename NAME`: give this device another name. A device record
 * changes only by entries its own device signs (docs/trust.md), so a device
 * renames itself and nobody else (run it on the device to rename). Before this command the only way to a new name was
 * `mycel pair --name` on the inviting side, which also shows a pairing code;
 * and two devices under one name (the pairing note says so) make every
 * command that takes a device ask which.
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, WRITES } from "../command.ts";
import { twinNameNote } from "../devices.ts";
import { checkDeviceName } from "../init_home.ts";
import { REJOIN_HINT, removalHere, removalMessage } from "../removal.ts";
import { commitOps, withWrite } from "../session.ts";
import { meshHome } from "./mesh_home.ts";

const ACTION = "rename this device";

/** `mesh rename`. */
export const meshRenameCommands: CommandSpec[] = [
  {
    path: ["mesh", "rename"],
    summary: "give this device another name (synced to every device)",
    description:
      "Renames the device this command runs on: only a device changes its own record, so\n" +
      "to rename another device run this there. Names need not be unique, but a name two\n" +
      "devices share makes `mesh remove` and `mesh retire` ask for an id.",
    args: [{ name: "NAME", help: "the new name (1–64 printable characters)" }],
    flags: [JSON_FLAG],
    examples: ["mycel mesh rename laptop"],
    // `mesh rename beta newbeta`, as one renames a file: say why it can't
    // be, and where to run it. Before: "unexpected argument", and the usage.
    tooMany: (words) => ({
      reason: "a device renames only itself: NAME is this device's new name",
      hint: `To rename ${safeText(words[0])}, run \`mycel mesh rename ${
        safeText(words.at(-1)!)
      }\` on ${safeText(words[0])} (only a device signs changes to its own record).`,
    }),
    ...WRITES,
    async run(ctx, input) {
      const wanted = checkDeviceName(input.args.NAME as string);
      await meshHome(ctx, ACTION);
      const done = await withWrite(ctx, async (w, home) => {
        const removal = removalHere(home.view, home.device, home.local.peers());
        if (removal !== undefined) {
          // Its entries past the cut are refused everywhere: a new name would stay here.
          throw new MycelError("removed", ACTION, safeText(removalMessage(removal)), {
            hint: REJOIN_HINT,
          });
        }
        const before = home.view.member(w.device)?.record.name ?? "";
        if (before !== wanted) {
          await commitOps(w, [{
            type: "device.update",
            device: w.device,
            fields: { name: wanted },
          }]);
        }
        return { id: w.device.id, before, note: twinNameNote(home.view, wanted, w.device) };
      }, { create: false });
      if (input.flags.json) {
        ctx.out.json({ id: done.id, name: wanted, previous: done.before });
      } else if (done.before === wanted) {
        ctx.out.line(`This device is already called ${safeText(wanted)}.`);
      } else {
        ctx.out.line(`renamed ${safeText(done.before)} to ${safeText(wanted)} (${done.id})`);
      }
      if (done.note) ctx.out.error(done.note);
      return ExitCode.ok;
    },
  },
];
