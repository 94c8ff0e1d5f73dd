/**
 * @module mesh_members
 * `mycel mesh list` (every device ever admitted: who admitted it and when,
 * revoked or not, last seen) and `mycel mesh remove DEVICE` (revoke for good).
 */

import { ExitCode, MycelError } from "../../errors.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { resolveDevice } from "../devices.ts";
import { isoTime } from "../json_types.ts";
import { commitOps, withRead, withWrite } from "../session.ts";

function event(e: { by: DeviceKey; wall: number } | undefined, nameOf: (k: DeviceKey) => string) {
  return e ? { by: e.by.id, by_name: nameOf(e.by), at: isoTime(e.wall) } : null;
}

/** The membership commands. */
export const meshMemberCommands: CommandSpec[] = [
  {
    path: ["mesh", "list"],
    summary: "list every device: who admitted it and when, revoked or not, last seen",
    args: [],
    flags: [JSON_FLAG],
    async run(ctx, input) {
      const { rows, aside, provisional } = await withRead(ctx, (home) => {
        const nameOf = (k: DeviceKey) => home.view.member(k)?.record.name || k.short;
        const books = home.local.peers();
        const rows = home.view.members().map((m) => ({
          id: m.record.id,
          name: m.record.name,
          self: m.record.key === home.device,
          ipv4: m.record.ipv4,
          endpoints: m.record.endpoints,
          admitted: event(m.admitted, nameOf),
          revoked: m.removed ? { ...event(m.removed, nameOf)!, cut: m.removed.cut } : null,
          last_seen: m.record.key === home.device
            ? isoTime(ctx.now())
            : isoTime(books.get(m.record.key)?.lastSeen),
        }));
        // Entries kept but never folded (past a removal's cut, forks, waiting).
        const aside = home.log.asideSummary().map((a) => ({
          id: a.author.id,
          name: nameOf(a.author),
          reason: a.reason,
          entries: a.count,
          seqs: [a.from, a.to],
        }));
        const provisional = Object.entries(home.local.get("provisional") ?? {})
          .filter(([hex]) => !home.view.members().some((m) => m.record.key.hex === hex))
          .map(([hex, p]) => ({ key: hex, name: p.name, since: isoTime(p.at) }));
        return { rows, aside, provisional };
      });
      if (input.flags.json) {
        ctx.out.json(rows.map((r) => ({
          ...r,
          set_aside: aside.filter((a) => a.id === r.id).map(({ reason, entries, seqs }) => ({
            reason,
            entries,
            seqs,
          })),
        })));
        return ExitCode.ok;
      }
      for (const r of rows) {
        const state = r.revoked ? `revoked by ${r.revoked.by_name} ${r.revoked.at}` : "member";
        const admitted = r.admitted ? `admitted by ${r.admitted.by_name} ${r.admitted.at}` : "";
        const seen = r.self ? "this device" : `last seen ${r.last_seen ?? "never"}`;
        ctx.out.line(
          `${r.name.padEnd(16)} ${r.id.slice(0, 7)}  ${
            r.ipv4.padEnd(15)
          } ${state} · ${admitted} · ${seen}`,
        );
      }
      for (const a of aside) {
        ctx.out.line(
          `  ${a.name}: ${a.entries} entries set aside (${a.reason}, seq ${a.seqs[0]}–${
            a.seqs[1]
          })`,
        );
      }
      for (const p of provisional) {
        ctx.out.line(
          `${p.name.padEnd(16)} (admission not seen yet; synced with it since ${p.since})`,
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
      const removed = await withWrite(ctx, async (w, home) => {
        const m = resolveDevice(w.view, input.args.DEVICE as string, "remove device");
        const key = m.record.key;
        if (key === home.device) {
          throw new MycelError("bad_input", "remove device", "it is this device", {
            hint: "Run `mycel mesh remove` on another device of the mesh.",
            exit: ExitCode.usage,
          });
        }
        const name = m.record.name;
        if (m.removed !== undefined) return { id: m.record.id, name, already: true };
        // Entries of it that we hold stay valid everywhere; later ones do not.
        const upTo = home.log.head(key)?.seq ?? 0;
        await commitOps(w, [{ type: "device.revoke", device: key, upTo }]);
        return { id: m.record.id, name, already: false };
      });
      ctx.out.line(
        `${removed.already ? "already removed" : "removed"} ${removed.name} (${removed.id})`,
      );
      return ExitCode.ok;
    },
  },
];
