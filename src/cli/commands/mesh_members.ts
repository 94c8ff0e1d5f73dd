/**
 * @module mesh_members
 * `mycel mesh list`: every device ever admitted, who admitted it and when,
 * removed (or retired) or not, last seen; what is kept aside. Removing and
 * retiring are in mesh_remove.ts.
 */

import { ExitCode } from "../../errors.ts";
import type { DeviceKey } from "../../log/device_key.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { ago, localTime, plural } from "../../human.ts";
import { isoTime, type MeshRowJson } from "../json_types.ts";
import { removalHere, removalJson, removalMessage } from "../removal.ts";
import { wasRetired } from "../retired.ts";
import { pastCutWhy, seqRange } from "../aside_text.ts";
import { withRead } from "../session.ts";
import { renderTable } from "../text_table.ts";
import { meshHome } from "./mesh_home.ts";
import { keysDisputed } from "../../mesh/plan.ts";
import { removedTried, TRIED_MEANS, triedJson, triedText } from "../removed_tries_view.ts";

function event(e: { by: DeviceKey; wall: number } | undefined, nameOf: (k: DeviceKey) => string) {
  return e ? { by: e.by.id, by_name: nameOf(e.by), at: isoTime(e.wall) } : null;
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
      const { rows, aside, provisional, removal, tried } = await withRead(ctx, (home) => {
        const nameOf = (k: DeviceKey) => home.view.member(k)?.record.name || k.short;
        const books = home.local.peers();
        const rows = home.view.members().map((m) => ({
          id: m.record.id,
          name: m.record.name,
          self: m.record.key === home.device,
          ipv4: m.record.ipv4,
          endpoints: m.record.endpoints,
          admitted: event(m.admitted, nameOf),
          keys_disputed: keysDisputed(m),
          revoked: m.removed
            ? {
              ...event(m.removed, nameOf)!,
              cut: m.removed.cut,
              retired: wasRetired(home.log, m.record.key, m.removed),
            }
            : null,
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
          seqs: [a.from, a.to] as [number, number],
          pastCut: a.reason === "past_cut" ? pastCutWhy(home.view, home.log, a.author, nameOf) : "",
        }));
        const provisional = Object.entries(home.local.get("provisional") ?? {})
          .filter(([hex]) => !home.view.members().some((m) => m.record.key.hex === hex))
          .map(([, p]) => ({ name: p.name, at: p.at }));
        const removal = removalHere(home.view, home.device, books);
        const tried = removedTried(home).map((t) => ({ ...t, text: triedText(home.view, t, now) }));
        return { rows, aside, provisional, removal, tried };
      });
      if (input.flags.json) {
        const triedOf = (id: string) => {
          const t = tried.find((x) => x.id === id);
          return t ? triedJson(t) : null;
        };
        const json: MeshRowJson[] = rows.map((r) => ({
          ...r,
          set_aside: aside.filter((a) => a.id === r.id)
            .map(({ reason, entries, seqs }) => ({ reason, entries, seqs })),
          // As status --json: also when only peers' refusals say so (`revoked` is then null).
          removed: r.self ? removalJson(removal) : null,
          tried: triedOf(r.id),
        }));
        ctx.out.json(json);
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
          r.revoked
            ? {
              text: `${r.revoked.retired ? "retired" : "removed"}${r.self ? " (this device)" : ""}`,
              tone: "red",
            }
            : r.self
            ? "this device"
            : "member",
          r.admitted ? `${when(r.admitted.at)} by ${r.admitted.by_name}` : "-",
          r.self ? "now" : when(r.last_seen),
        ]),
      );
      for (const l of table) ctx.out.line(l);
      // Learnt from peers only, the table can't show it (this device's state lacks it).
      if (removal?.source === "peer") {
        ctx.out.line([{ text: `  ${safeText(removalMessage(removal))}`, tone: "red" }]);
      }
      // Which device a line means: this one, or one whose name another device has too.
      const who = (r: (typeof rows)[number]) =>
        r.self
          ? `this device (${safeText(r.name)})`
          : rows.some((o) => o.id !== r.id && o.name === r.name)
          ? `${safeText(r.name)} (${r.id.slice(0, 7)})`
          : safeText(r.name);
      for (const r of rows.filter((r) => r.revoked)) {
        ctx.out.line(
          `  ${who(r)} was ${r.revoked!.retired ? "retired" : "removed"} by ${
            safeText(r.revoked!.by_name)
          } at ${localTime(Date.parse(r.revoked!.at!))}; its entries after #${
            r.revoked!.cut
          } are not accepted`,
        );
      }
      for (const r of rows.filter((r) => r.keys_disputed)) {
        ctx.out.line(
          `  ${safeText(r.name)}: members' admissions of it disagree on its keys, so none is ` +
            "taken until its own first entry arrives (it brings it when it syncs)",
        );
      }
      for (const a of aside) {
        // By id too when another device has its name: a removed phone's
        // entries beside its replacement (paired again, same name) read as
        // the replacement's otherwise.
        const row = rows.find((r) => r.id === a.id);
        const why = a.reason === "past_cut"
          ? safeText(a.pastCut)
          : a.reason === "fork"
          ? "the other branch of a fork"
          : "waiting for an admission";
        ctx.out.line(
          `  ${row ? who(row) : safeText(a.name)}: ${
            plural(a.entries, "entry", "entries")
          } kept aside (${seqRange(a.seqs[0], a.seqs[1])}; ${why})`,
        );
      }
      // A removed device (a stolen phone) still trying to sync with this one.
      for (const t of tried) ctx.out.line([{ text: `  ${t.text}`, tone: "red" }]);
      if (tried.length > 0) ctx.out.line(`  ${TRIED_MEANS}`);
      for (const p of provisional) {
        ctx.out.line(
          `  ${safeText(p.name)} synced on an admission not seen here yet (since ${
            localTime(p.at)
          })`,
        );
      }
      return ExitCode.ok;
    },
  },
];
