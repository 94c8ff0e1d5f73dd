/**
 * @module mesh_members
 * `mycel mesh list` (every device ever admitted: who admitted it and when,
 * removed or not, last seen) and `mycel mesh remove DEVICE` (revoke for good).
 *
 * Removal cannot be undone, and names are chosen by each device for itself,
 * so `remove` refuses a name two devices share (listing both), shows what it
 * is about to remove, and asks on a terminal; elsewhere it needs `--yes`.
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import type { MembershipEvent } from "../../log/state.ts";
import type { Store } from "../../storage/store.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { resolveDevice, type SeenLookup } from "../devices.ts";
import { ago, localTime } from "../human.ts";
import { isoTime } from "../json_types.ts";
import { commitOps, openRead, withWrite } from "../session.ts";
import { renderTable } from "../text_table.ts";

function event(e: MembershipEvent | undefined, nameOf: (id: string) => string) {
  return e ? { by: e.by, by_name: nameOf(e.by), at: isoTime(e.wall) } : null;
}

function seenIn(store: Store, now: number): SeenLookup {
  return {
    lastSeen: (id) => id === store.deviceId ? now : store.local.peers[id]?.lastSeen,
    now,
  };
}

/** The membership commands. */
export const meshMemberCommands: CommandSpec[] = [
  {
    path: ["mesh", "list"],
    aliases: [["show", "devices"]],
    summary: "list every device: who admitted it and when, removed or not, last seen",
    args: [],
    flags: [JSON_FLAG],
    ...LOCAL,
    async run(ctx, input) {
      const store = await openRead(ctx);
      const s = store.state;
      const now = ctx.now();
      const nameOf = (id: string) => s.device(id)?.name || shortDeviceId(id);
      const rows = s.allDevices().map((d) => ({
        id: d.id,
        name: d.name,
        self: d.id === store.deviceId,
        ipv4: d.ipv4,
        endpoints: d.endpoints,
        admitted: event(s.members.added(d.id), nameOf),
        revoked: event(s.members.removed(d.id), nameOf),
        last_seen: d.id === store.deviceId
          ? isoTime(now)
          : isoTime(store.local.peers[d.id]?.lastSeen),
      }));
      if (input.flags.json) {
        ctx.out.json(rows);
        return ExitCode.ok;
      }
      const when = (iso: string | null) => ago(iso === null ? null : Date.parse(iso), now);
      const table = renderTable(
        [
          { header: "name", max: 20 },
          { header: "id" },
          { header: "mesh ip" },
          { header: "state" },
          { header: "admitted", max: 22 },
          { header: "last seen" },
        ],
        rows.map((r) => [
          r.name,
          shortDeviceId(r.id),
          r.ipv4 || "-",
          r.revoked ? { text: "removed", tone: "red" } : r.self ? "this device" : "member",
          r.admitted ? `${when(r.admitted.at)} by ${r.admitted.by_name}` : "-",
          r.self ? "now" : when(r.last_seen),
        ]),
      );
      for (const l of table) ctx.out.line(l);
      for (const r of rows.filter((r) => r.revoked)) {
        ctx.out.line(
          `  ${safeText(r.name)} was removed by ${safeText(r.revoked!.by_name)} at ${
            localTime(Date.parse(r.revoked!.at!))
          }`,
        );
      }
      return ExitCode.ok;
    },
  },
  {
    path: ["mesh", "remove"],
    summary: "remove a device for good (by name or id prefix); every device then refuses it",
    description:
      "Removal is permanent: no device can re-admit that key. To bring the machine back,\n" +
      "pair it again; it gets a new key.\n\n" +
      "A name that more than one device uses is refused, and the candidates are listed: give\n" +
      "the id then. On a terminal, mycel shows the device and asks before removing it;\n" +
      "elsewhere it needs --yes.",
    args: [{ name: "DEVICE", help: "device name or id prefix (at least 3 characters)" }],
    flags: [
      { name: "yes", short: "y", help: "remove without asking" },
      { name: "dry-run", help: "show which device would be removed, change nothing" },
      JSON_FLAG,
    ],
    examples: ["mycel mesh remove desktop", "mycel mesh remove XZQXXVE --yes"],
    ...WRITES,
    async run(ctx, input) {
      const text = input.args.DEVICE as string;
      const action = "remove device";
      const view = await openRead(ctx);
      const id = resolveDevice(view.state, text, action, seenIn(view, ctx.now()));
      if (id === view.deviceId) {
        throw new MycelError("bad_input", action, "it is this device", {
          hint: "Run `mycel mesh remove` on another device of the mesh.",
          exit: ExitCode.usage,
        });
      }
      const name = view.state.device(id)?.name ?? "";
      const lastSeen = ago(view.local.peers[id]?.lastSeen, ctx.now());
      const who = `${safeText(name)} (${shortDeviceId(id)}, last seen ${lastSeen})`;
      const report = (status: string) => {
        if (input.flags.json) ctx.out.json({ id, name, status });
        else ctx.out.line(`${status.replace("_", " ")} ${safeText(name)} (${id})`);
      };
      if (view.state.members.isRemoved(id)) {
        report("already_removed");
        return ExitCode.ok;
      }
      if (input.flags["dry-run"]) {
        report("would_remove");
        return ExitCode.ok;
      }
      if (!input.flags.yes) {
        if (!ctx.stdinIsTerminal) {
          throw new MycelError("needs_confirmation", action, "removal needs confirmation", {
            value: safeText(name),
            hint: `Standard input is not a terminal, so mycel cannot ask. To remove\n${who}\n` +
              "for good, run again with --yes (--dry-run shows it without removing it).",
            exit: ExitCode.usage,
          });
        }
        const answer = await ctx.ask(
          `About to remove ${safeText(name)} for good:\n  id         ${id}\n` +
            `  last seen  ${lastSeen}\nIt can come back only by pairing again. Remove it? [y/N] `,
        );
        if (!/^\s*y(es)?\s*$/i.test(answer ?? "")) {
          throw new MycelError("cancelled", action, "not confirmed", {
            value: safeText(name),
            hint: "Nothing was changed.",
          });
        }
      }
      await withWrite(ctx, async (store) => {
        // Entries of it that we hold stay valid everywhere; later ones do not.
        if (store.state.members.isRemoved(id)) return;
        const upTo = store.heads.get(id)?.seq ?? 0;
        await commitOps(store, [{ type: "device.revoke", id, upTo }]);
      });
      report("removed");
      return ExitCode.ok;
    },
  },
];
