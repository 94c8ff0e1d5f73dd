/**
 * @module mesh_members
 * `mycel mesh list` (every device ever admitted: who admitted it and when,
 * revoked or not, last seen) and `mycel mesh remove DEVICE` (revoke for good,
 * and drop it from this device's WireGuard interface at once when it is up).
 */

import { ExitCode, MycelError } from "../../errors.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import type { MembershipEvent } from "../../log/state.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { resolveDevice } from "../devices.ts";
import { isoTime } from "../json_types.ts";
import { commitOps, homeRoot, openRead } from "../session.ts";
import { meshHome, withMeshWrite } from "./mesh_home.ts";

function event(e: MembershipEvent | undefined, nameOf: (id: string) => string) {
  return e ? { by: e.by, by_name: nameOf(e.by), at: isoTime(e.wall) } : null;
}

/** The membership commands. */
export const meshMemberCommands: CommandSpec[] = [
  {
    path: ["mesh", "list"],
    summary: "list every device: who admitted it and when, revoked or not, last seen",
    args: [],
    flags: [JSON_FLAG],
    async run(ctx, input) {
      await meshHome(ctx, "list devices");
      const store = await openRead(ctx);
      const s = store.state;
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
          ? isoTime(ctx.now())
          : isoTime(store.local.peers[d.id]?.lastSeen),
      }));
      if (input.flags.json) {
        ctx.out.json(rows);
        return ExitCode.ok;
      }
      for (const r of rows) {
        const state = r.revoked ? `revoked by ${r.revoked.by_name} ${r.revoked.at}` : "member";
        const admitted = r.admitted ? `admitted by ${r.admitted.by_name} ${r.admitted.at}` : "";
        const seen = r.self ? "this device" : `last seen ${r.last_seen ?? "never"}`;
        ctx.out.line(
          `${r.name.padEnd(16)} ${shortDeviceId(r.id)}  ${
            r.ipv4.padEnd(15)
          } ${state} · ${admitted} · ${seen}`,
        );
      }
      return ExitCode.ok;
    },
  },
  {
    path: ["mesh", "remove"],
    summary: "revoke a device for good (name or id prefix); every device then refuses it",
    description:
      "Revocation is permanent: no device can re-admit that key. To bring the machine\n" +
      "back, pair it again; it gets a new key.",
    args: [{ name: "DEVICE", help: "device name or id prefix" }],
    flags: [],
    async run(ctx, input) {
      const removed = await withMeshWrite(ctx, "remove device", async (store) => {
        const id = resolveDevice(store.state, input.args.DEVICE as string, "remove device");
        if (id === store.deviceId) {
          throw new MycelError("bad_input", "remove device", "it is this device", {
            hint: "Run `mycel mesh remove` on another device of the mesh.",
            exit: ExitCode.usage,
          });
        }
        const name = store.state.device(id)?.name ?? "";
        if (store.state.members.isRemoved(id)) return { id, name, already: true };
        // Entries of it that we hold stay valid everywhere; later ones do not.
        const upTo = store.heads.get(id)?.seq ?? 0;
        await commitOps(store, [{ type: "device.revoke", id, upTo }]);
        return { id, name, already: false };
      });
      ctx.out.line(
        `${removed.already ? "already removed" : "removed"} ${removed.name} (${removed.id})`,
      );
      // Drop it from this device's WireGuard now, not at the next `mesh up`.
      const { afterRound } = await import("./mesh_after_round.ts");
      const o = { now: ctx.now, env: ctx.env, mesh: "unknown" as const };
      for (const note of await afterRound(homeRoot(ctx), o)) {
        ctx.out.error(note);
      }
      return ExitCode.ok;
    },
  },
];
