/**
 * @module folder_list
 * `mycel folder list`: the folders shared in the mesh, those synced here
 * first, then offers not joined yet, each with the devices that joined it
 * and were not removed since (every cell checked for unsafe text by renderTable).
 * A share that no device syncs any more (each removed it, or was removed
 * from the mesh) is no offer: joining it would sync with nobody, and listed
 * it stayed there for good; the text leaves such shares out and says how
 * many (`--all` shows them), `--json` gives them among the offers with no
 * devices, as before. Apart because it only
 * reads, and what it shows is the mesh's view of folders, not this
 * device's folder on disk.
 */

import { ExitCode } from "../../errors.ts";
import { type CommandSpec, JSON_FLAG, LOCAL } from "../command.ts";
import { withRead } from "../session.ts";
import { renderTable } from "../text_table.ts";

/** `mycel folder list`. */
export const folderListCommand: CommandSpec = {
  path: ["folder", "list"],
  summary: "list shared folders: those synced here, and offers not joined yet",
  args: [],
  flags: [
    { name: "all", help: "also list shares that no device syncs any more" },
    JSON_FLAG,
  ],
  ...LOCAL,
  async run(ctx, input) {
    const list = await withRead(ctx, (home) => {
      const rows = home.view.folders();
      const joinedBy = new Map<string, string[]>();
      for (const [f, hex, row] of rows.deviceRows()) {
        if (!row.joined) continue;
        const m = [...home.view.members()].find((x) => x.record.key.hex === hex);
        // A device removed from the mesh (a stolen laptop) gets nothing more of
        // the folder: listed among its devices it read as still syncing it,
        // beside `folder status`, which leaves it out too.
        if (m?.removed !== undefined) continue;
        joinedBy.set(f, [...(joinedBy.get(f) ?? []), m?.record.name ?? hex.slice(0, 7)]);
      }
      return [...rows.shares()].map(([id, s]) => ({
        id,
        name: s.name,
        path: home.folderLocal.folder(id)?.root ?? null,
        devices: joinedBy.get(id) ?? [],
      }));
    });
    if (input.flags.json) {
      ctx.out.json({
        folders: list.filter((f) => f.path !== null),
        offers: list.filter((f) => f.path === null),
      });
      return ExitCode.ok;
    }
    if (list.length === 0) {
      ctx.out.error("No shared folders yet: share one with `mycel folder add PATH`.");
      return ExitCode.ok;
    }
    // Synced here first, then offers; the path last (long, never cut).
    // Every cell passes the text-safety check in renderTable.
    const joined = list.filter((x) => x.path !== null);
    const offers = list.filter((x) => x.path === null);
    // Not joined here nor anywhere: hidden unless asked for (module comment).
    const left = input.flags.all ? [] : offers.filter((x) => x.devices.length === 0);
    const shown = offers.filter((x) => !left.includes(x));
    const table = renderTable(
      [{ header: "id" }, { header: "name", max: 24 }, { header: "devices", max: 40 }, {
        header: "path",
      }],
      [...joined, ...shown].map((f) => [
        f.id,
        f.name,
        f.devices.join(", ") || "no device",
        f.path ?? { text: "not joined here", tone: "yellow" },
      ]),
    );
    if (joined.length + shown.length > 0) { for (const line of table) ctx.out.line(line); }
    if (shown.length > 0) {
      const id = shown.length === 1 ? shown[0].id : "ID";
      ctx.out.line(`To sync an offer here: mycel folder join ${id} PATH`);
    }
    if (left.length > 0) {
      const n = left.length === 1 ? "1 shared folder" : `${left.length} shared folders`;
      ctx.out.line(`${n} that no device syncs any more not listed: mycel folder list --all`);
    }
    return ExitCode.ok;
  },
};
