/**
 * @module folder
 * `mycel folder add|join|list|remove|scan`: share a folder with the mesh,
 * join one another device shared, list them, stop syncing one here (its
 * files stay), scan one now. Which folders a device syncs and where is
 * local; shares and joins are signed entries, so every device knows which
 * devices a folder goes to (docs/folders.md). The folder on disk (checks,
 * marker, the token `remove` leaves): ../folder_root.ts; `folder move`,
 * `status`, `versions`, `override`: their own files here.
 */

import { basename, resolve } from "node:path";
import { ExitCode, MycelError, usageError } from "../../errors.ts";
import { linkNoteLines, nameNoteLines, notSyncedLines } from "../not_synced.ts";
import { folderIdProblem } from "../../log/file_ops.ts";
import { checkName } from "../../log/ops.ts";
import { newChunkKeyOp } from "../../files/chunk_key.ts";
import { stateSecret } from "../../mesh/discovery_key.ts";
import type { ScanReport } from "../../sync/folder_scan.ts";
import { stopLine, stoppedError, stoppedHints } from "../sync_folders_report.ts";
import { safeText } from "../../text_safety.ts";
import { type CommandContext, type CommandSpec, JSON_FLAG, LOCAL, WRITES } from "../command.ts";
import { plural } from "../../human.ts";
import { massDeleteConfirm } from "../mass_delete.ts";
import { commitOps, homeRoot, openWrite, withRead, withWrite } from "../session.ts";
import { checkFolderPlace, checkPathArg, plannedRealPath } from "../folder_place.ts";
import { folderConflictsCommand, folderStatusCommand } from "./folder_status.ts";
import { folderRestoreCommand, folderVersionsCommand } from "./folder_versions.ts";
import { folderMoveCommand } from "./folder_move.ts";
import { folderOverrideCommand } from "./folder_override.ts";
import { lazyImport } from "../../lazy_import.ts";
import { afterRound } from "../round_wait.ts";
import { renderTable } from "../text_table.ts";
import { scanJson } from "../folder_json.ts";
import { dropLeftToken, leftToken, prepareRoot, writeLeftToken } from "../folder_root.ts";

/** `--keep-days N`: how long replaced and deleted files are kept here (this device only). */
const KEEP_DAYS = {
  name: "keep-days",
  value: "DAYS",
  help: "keep replaced and deleted files this many days in .mycel/versions (default 30)",
};

function keepInfo(flags: Record<string, string | boolean | undefined>): { keepDays?: number } {
  const text = flags["keep-days"];
  if (text === undefined || typeof text === "boolean") return {};
  // Digits only: Number("") and Number(" ") are 0, which would keep nothing.
  const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > 36500) {
    throw usageError("use --keep-days", "it must be a whole number of days, 0–36500", {
      value: text,
    });
  }
  return { keepDays: n };
}

/** A new folder id: two groups of five letters and digits (`abcde-fgh23`). */
export function newFolderId(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const b = crypto.getRandomValues(new Uint8Array(10));
  const s = [...b].map((x) => alphabet[x & 31]).join("");
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

export function checkFolderId(id: string): string {
  const problem = folderIdProblem(id);
  // An empty id is shown quoted: "()" said nothing.
  if (problem !== undefined) {
    throw usageError("use folder id", problem, { value: id === "" ? '""' : id });
  }
  return id;
}

function scanLine(ctx: CommandContext, r: ScanReport): void {
  if (r.stopped) {
    ctx.out.error(stopLine(r.folder, r.stopped));
    for (const hint of stoppedHints(r.folder, r.stopped)) ctx.out.error(`hint: ${hint}`);
    return;
  }
  ctx.out.line(
    `${r.folder}: ${plural(r.present, "file")}; published ${plural(r.published, "change")}` +
      (r.held
        ? `; ${plural(r.held, "deletion")} held (more than half the folder): confirm with --yes`
        : ""),
  );
  for (const line of notSyncedLines(r.skipped)) ctx.out.error(line);
  for (const line of nameNoteLines(r)) ctx.out.error(line);
  for (const line of linkNoteLines(r.linksOut)) ctx.out.error(line);
}

export async function scanNow(ctx: CommandContext, only: string | undefined, yes: boolean) {
  const { scanFolders } = await lazyImport<typeof import("../../sync/folder_round.ts")>(
    new URL("../../sync/folder_round.ts", import.meta.url),
  );
  const { homeRoot } = await lazyImport<typeof import("../session.ts")>(
    new URL("../session.ts", import.meta.url),
  );
  return await scanFolders(homeRoot(ctx), {
    now: ctx.now,
    env: ctx.env,
    timeoutMs: 10_000,
    only,
    confirmMassDelete: massDeleteConfirm(ctx, yes),
    progress: ctx.out.progress,
    signal: ctx.signal,
  });
}

const ADD: CommandSpec = {
  path: ["folder", "add"],
  summary: "share a folder with the mesh (devices that join it get its files)",
  description: "Writes the marker `.mycel-folder` into the folder (without it the folder is\n" +
    "stopped: an unmounted disk never reads as 'everything deleted'), shares it, scans it.\n" +
    "Other devices see it in `mycel folder list` and join with `mycel folder join ID PATH`.\n" +
    "Ctrl-C stops the scan at once and exits 130: the folder stays shared, and its files\n" +
    "go out with the next scan.",
  args: [{ name: "PATH", help: "the folder", complete: "dir" }],
  flags: [
    {
      name: "id",
      value: "ID",
      help: "folder id (default: a random one); a device that shares another folder under " +
        "the same id before hearing of this one makes the two one folder (files merged)",
    },
    { name: "name", value: "NAME", help: "a name to show (default: the folder's name)" },
    KEEP_DAYS,
    JSON_FLAG,
  ],
  examples: ["mycel folder add ~/Documents", "mycel folder add ~/Music --id music"],
  ...WRITES,
  exits: [...WRITES.exits, 130],
  async run(ctx, input) {
    const id = checkFolderId((input.flags.id as string | undefined) ?? newFolderId());
    // Every argument is checked before anything is written (the marker included).
    const info = keepInfo(input.flags);
    const path = input.args.PATH as string;
    checkPathArg("share folder", path);
    const name = checkName(
      "folder name",
      (input.flags.name as string | undefined) ?? (basename(resolve(path)) || id),
    );
    const addedAt = await withWrite(ctx, async (w, home) => {
      if (w.view.folders().share(id) !== undefined) {
        throw new MycelError(
          "already_shared",
          "share folder",
          "a folder with this id is already shared",
          {
            value: id,
            hint: `Join it with \`mycel folder join ${id} PATH\`, or pick another --id.`,
            exit: ExitCode.usage,
          },
        );
      }
      // Before anything is written (the marker included).
      checkFolderPlace(
        "share folder",
        plannedRealPath(path, "share folder"),
        realHome(ctx),
        w.folderLocal.folders(),
      );
      const root = await prepareRoot(path, false, id);
      // Its chunking key in the same entry: no device ever sees the folder without it.
      // From the mesh's secret: a device sharing the same id unawares derives the same.
      await commitOps(w, [
        { type: "folder.share", folder: id, name },
        { type: "folder.join", folder: id },
        newChunkKeyOp(id, w.view, stateSecret(w.view)),
      ]);
      w.folderLocal.takeLeftIndex(id, "", undefined); // a new folder: no old index applies
      w.folderLocal.putFolder({ folder: id, root, added: home.now(), info });
      return root;
    });
    await dropLeftToken(addedAt); // another folder's, left here before (once committed, as join)
    const [report] = await scanNow(ctx, id, false);
    if (input.flags.json) {
      ctx.out.json({ id, name, path: await readPath(ctx, id), scan: report && scanJson(report) });
    } else {
      ctx.out.line(`Shared folder ${id} (${safeText(name)}).`);
      if (report) scanLine(ctx, report);
      ctx.out.line(`On another device: mycel folder join ${id} PATH`);
    }
    return ExitCode.ok;
  },
};

async function readPath(ctx: CommandContext, id: string): Promise<string | null> {
  return await withRead(ctx, (home) => home.folderLocal.folder(id)?.root ?? null);
}

const JOIN: CommandSpec = {
  path: ["folder", "join"],
  summary: "sync a folder another device shared, into PATH",
  description: "PATH is made if missing. Files already in it are kept and synced (a file\n" +
    "that differs from the folder's is a conflict: both are kept). Ctrl-C stops its scan\n" +
    "at once and exits 130: the folder stays joined, and the next scan publishes it.",
  args: [
    { name: "ID", help: "folder id (see `mycel folder list`)" },
    { name: "PATH", help: "where it goes on this device", complete: "dir" },
  ],
  flags: [KEEP_DAYS, JSON_FLAG],
  examples: ["mycel folder join abcde-fgh23 ~/Documents"],
  ...WRITES,
  exits: [...WRITES.exits, 130],
  async run(ctx, input) {
    const id = checkFolderId(input.args.ID as string);
    // Checked before the folder is made or anything is written.
    const info = keepInfo(input.flags);
    checkPathArg("join folder", input.args.PATH as string);
    const joinedAt = await withWrite(ctx, async (w, home) => {
      if (w.view.folders().share(id) === undefined) {
        throw new MycelError(
          "unknown_folder",
          "join folder",
          "no folder with this id is shared in the mesh",
          {
            value: id,
            hint: "Run `mycel sync now` to hear of new folders, then `mycel folder list`.",
            exit: ExitCode.usage,
          },
        );
      }
      if (w.folderLocal.folder(id) !== undefined) {
        throw new MycelError("already_joined", "join folder", "this device already syncs it", {
          value: `${id} at ${w.folderLocal.folder(id)!.root}`,
          hint: `If you moved it: \`mycel folder move ${id} NEWPATH\`. To sync it somewhere ` +
            `else: \`mycel folder remove ${id}\`, then join again (files already there are kept).`,
          exit: ExitCode.usage,
        });
      }
      const path = input.args.PATH as string;
      // Before the folder is made or its marker written.
      checkFolderPlace(
        "join folder",
        plannedRealPath(path, "join folder"),
        realHome(ctx),
        w.folderLocal.folders(),
      );
      const token = await leftToken(plannedRealPath(path, "join folder"), id);
      const root = await prepareRoot(path, true, id);
      await commitOps(w, [{ type: "folder.join", folder: id }]);
      const rejoined = w.folderLocal.takeLeftIndex(id, root, token);
      w.folderLocal.putFolder({
        folder: id,
        root,
        added: home.now(),
        info: rejoined ? { ...info, rejoined } : info,
      });
      return root;
    }, { create: false });
    // Only once the join is committed: a join cut short before must find the
    // token again, or the next join starts without the index it kept.
    await dropLeftToken(joinedAt);
    const [report] = await scanNow(ctx, id, false);
    if (input.flags.json) {
      ctx.out.json({ id, path: await readPath(ctx, id), scan: report && scanJson(report) });
    } else {
      ctx.out.line(`Joined folder ${id}; its files arrive with the next \`mycel sync now\`.`);
      if (report) scanLine(ctx, report);
    }
    return ExitCode.ok;
  },
};

const LIST: CommandSpec = {
  path: ["folder", "list"],
  summary: "list shared folders: those synced here, and offers not joined yet",
  args: [],
  flags: [JSON_FLAG],
  ...LOCAL,
  async run(ctx, input) {
    const list = await withRead(ctx, (home) => {
      const rows = home.view.folders();
      const joinedBy = new Map<string, string[]>();
      for (const [f, hex, row] of rows.deviceRows()) {
        if (!row.joined) continue;
        const m = [...home.view.members()].find((x) => x.record.key.hex === hex);
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
    const table = renderTable(
      [{ header: "id" }, { header: "name", max: 24 }, { header: "devices", max: 40 }, {
        header: "path",
      }],
      [...joined, ...offers].map((f) => [
        f.id,
        f.name,
        f.devices.join(", ") || "no device",
        f.path ?? { text: "not joined here", tone: "yellow" },
      ]),
    );
    for (const line of table) ctx.out.line(line);
    if (offers.length > 0) {
      const id = offers.length === 1 ? offers[0].id : "ID";
      ctx.out.line(`To sync an offer here: mycel folder join ${id} PATH`);
    }
    return ExitCode.ok;
  },
};

const REMOVE: CommandSpec = {
  path: ["folder", "remove"],
  summary: "stop syncing a folder on this device (deletes nothing)",
  description: "A sync round under way is waited for first (it may be writing the folder's\n" +
    "files); Ctrl-C while waiting exits 130 and changes nothing.",
  args: [{ name: "ID", help: "folder id" }],
  flags: [JSON_FLAG],
  ...WRITES,
  exits: [...WRITES.exits, 130],
  async run(ctx, input) {
    const id = checkFolderId(input.args.ID as string);
    // A round under way would go on writing the folder's files after the leave.
    const synced = await withRead(ctx, (home) => home.folderLocal.folder(id) !== undefined);
    using guard = synced ? await afterRound(ctx, "remove folder", id) : undefined;
    const root = await withWrite(ctx, async (w) => {
      const local = w.folderLocal.folder(id);
      if (local === undefined) {
        throw new MycelError("unknown_folder", "remove folder", "this device does not sync it", {
          value: id,
          hint: "See `mycel folder list` for the folders synced here.",
          exit: ExitCode.usage,
        });
      }
      await commitOps(w, [{ type: "folder.leave", folder: id }]);
      w.folderLocal.leaveFolder(id, await writeLeftToken(local.root, id));
      return local.root;
    }, { create: false, committed: () => guard?.release() });
    if (input.flags.json) ctx.out.json({ id, path: root });
    else ctx.out.line(`Stopped syncing ${id} here; its files stay in ${safeText(root)}.`);
    return ExitCode.ok;
  },
};

const SCAN: CommandSpec = {
  path: ["folder", "scan"],
  summary: "scan folders now and publish their changes (sync now does this too)",
  description: "A scan that would delete more than half of a folder's files asks first on a\n" +
    "terminal; elsewhere the deletions are held until a scan with --yes. Ctrl-C stops a\n" +
    "scan at once and exits 130; nothing of that folder's scan is recorded (the folders\n" +
    "scanned before it keep theirs), the next scan does it again.",
  args: [{ name: "ID", help: "only this folder", optional: true }],
  flags: [{ name: "yes", help: "let a mass deletion go out without asking" }, JSON_FLAG],
  ...LOCAL,
  exits: [...LOCAL.exits, 130],
  async run(ctx, input) {
    const id = input.args.ID === undefined ? undefined : checkFolderId(input.args.ID as string);
    const home = await openWrite(ctx);
    const known = id === undefined || home.folderLocal.folder(id) !== undefined;
    home.close();
    if (!known) {
      throw new MycelError("unknown_folder", "scan folder", "this device does not sync it", {
        value: id,
        hint: "See `mycel folder list`.",
        exit: ExitCode.usage,
      });
    }
    const reports = await scanNow(ctx, id, input.flags.yes === true);
    if (input.flags.json) {
      // Each folder's report on standard output; a stopped one also ends
      // the command with the JSON error on standard error, as `sync now --json`.
      ctx.out.json(reports.map(scanJson));
      if (reports.some((r) => r.stopped)) throw stoppedError(reports, "scan folder");
      return ExitCode.ok;
    }
    for (const r of reports) scanLine(ctx, r);
    return reports.some((r) => r.stopped) ? ExitCode.failure : ExitCode.ok;
  },
};

/** Every `folder` command. */
export const folderCommands: CommandSpec[] = [
  ADD,
  JOIN,
  LIST,
  folderStatusCommand,
  REMOVE,
  folderMoveCommand,
  folderConflictsCommand,
  folderOverrideCommand,
  folderVersionsCommand,
  folderRestoreCommand,
  SCAN,
];

export { scanLine };

/** The home's real path (the folder checks compare real paths). */
export function realHome(ctx: CommandContext): string {
  return Deno.realPathSync(homeRoot(ctx));
}
