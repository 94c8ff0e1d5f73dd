/**
 * @module mesh_members
 * `mycel mesh list` (every device ever admitted: who admitted it and when,
 * removed or not, last seen) and `mycel mesh remove DEVICE` (revoke for good,
 * and drop it from this device's WireGuard interface at once when it is up).
 *
 * Removal cannot be undone, and names are chosen by each device for itself,
 * so `remove` refuses a name two devices share (listing both), shows what it
 * is about to remove, and asks on a terminal; elsewhere it needs `--yes`.
 */

import { newDiscoveryKeyOp } from "../../mesh/discovery_key.ts";
import { ExitCode, MycelError } from "../../errors.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import type { Home } from "../../storage/home_handle.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { resolveDevice, type SeenLookup } from "../devices.ts";
import { ago, localTime } from "../human.ts";
import { isoTime } from "../json_types.ts";
import { commitOps, homeRoot, withRead, withWrite } from "../session.ts";
import { renderTable } from "../text_table.ts";
import { meshHome } from "./mesh_home.ts";

function event(e: { by: DeviceKey; wall: number } | undefined, nameOf: (k: DeviceKey) => string) {
  return e ? { by: e.by.id, by_name: nameOf(e.by), at: isoTime(e.wall) } : null;
}

function seenIn(home: Home, now: number): SeenLookup {
  const books = home.local.peers();
  return { lastSeen: (k) => k === home.device ? now : books.get(k)?.lastSeen, now };
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
      await meshHome(ctx, "list devices");
      const now = ctx.now();
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
            ? isoTime(now)
            : isoTime(books.get(m.record.key)?.lastSeen),
        }));
        // Entries kept but never folded: past a removal's cut, forks, waiting for an admission.
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
          set_aside: aside.filter((a) => a.id === r.id)
            .map(({ reason, entries, seqs }) => ({ reason, entries, seqs })),
        })));
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
          r.id.slice(0, 7),
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
          }; its entries after #${r.revoked!.cut} are not accepted`,
        );
      }
      for (const a of aside) {
        const why = a.reason === "past_cut"
          ? "written after its removal"
          : a.reason === "fork"
          ? "the other branch of a fork"
          : "waiting for an admission";
        ctx.out.line(
          `  ${safeText(a.name)}: ${a.entries} entries kept aside (#${a.seqs[0]}–#${
            a.seqs[1]
          }, ${why})`,
        );
      }
      for (const p of provisional) {
        ctx.out.line(
          `  ${safeText(p.name)} synced on an admission not seen here yet (since ${p.since})`,
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
      await meshHome(ctx, action);
      const found = await withRead(ctx, (home) => {
        const m = resolveDevice(home.view, text, action, seenIn(home, ctx.now()));
        return {
          m,
          self: home.device,
          lastSeen: ago(home.local.peers().get(m.record.key)?.lastSeen, ctx.now()),
        };
      });
      const m = found.m, key = m.record.key, id = m.record.id, name = m.record.name;
      if (key === found.self) {
        throw new MycelError("bad_input", action, "it is this device", {
          hint: "Run `mycel mesh remove` on another device of the mesh.",
          exit: ExitCode.usage,
        });
      }
      const lastSeen = found.lastSeen;
      const who = `${safeText(name)} (${key.short}, last seen ${lastSeen})`;
      const report = (status: string) => {
        if (input.flags.json) ctx.out.json({ id, name, status });
        else ctx.out.line(`${status.replace("_", " ")} ${safeText(name)} (${id})`);
      };
      if (m.removed !== undefined) {
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
      await withWrite(ctx, async (w, home) => {
        if (w.view.member(key)?.removed !== undefined) return;
        // Entries of it that we hold stay valid everywhere; later ones do not.
        const upTo = home.log.head(key)?.seq ?? 0;
        // A fresh discovery secret in the same entry: the removed device never learns it.
        await commitOps(w, [
          { type: "device.revoke", device: key, upTo },
          newDiscoveryKeyOp(w.view),
        ]);
      });
      report("removed");
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
