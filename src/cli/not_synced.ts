/**
 * @module not_synced
 * How the paths a folder could not sync are listed: those a scan could not
 * read or publish (unreadable files, folders that can't be listed, special
 * files, names that can't sync: "not synced") and those a round could not
 * write here (a name this disk can't hold, a full disk, a folder in the way:
 * "not written here"), the old versions under `.mycel/versions/` a sweep
 * could not remove ("old version not removed") and the folders of them it
 * could not list ("folder of old versions not listed"). The same lines in
 * `folder scan`, `folder status` and `sync now`. Paths and reasons may come
 * from the disk or a peer, so they pass the text-safety check.
 */

import type { ScanReport } from "../sync/folder_scan.ts";
import { isFullReason } from "../files/disk_full.ts";
import { humanBytes, plural } from "../human.ts";
import { safeText } from "../text_safety.ts";

/** Most paths listed; the rest are counted. */
const SHOWN = 20;

function lines(
  label: string,
  list: readonly { path: string; reason: string }[],
  total: number,
): string[] {
  const out = list.slice(0, SHOWN).map((s) =>
    `  ${label}: ${safeText(s.path)}: ${safeText(s.reason)}`
  );
  const shown = Math.min(list.length, SHOWN);
  if (total > shown) out.push(`  … and ${total - shown} more ${label}`);
  return out;
}

/** One line per path a scan could not sync (at most 20), then how many more there are of `total`. */
export function notSyncedLines(
  list: readonly { path: string; reason: string }[],
  total: number = list.length,
): string[] {
  return lines("not synced", list, total);
}

/** One line per path a round could not write here (at most 20), then how many more. */
export function notWrittenLines(
  list: readonly { path: string; reason: string }[],
  total: number = list.length,
): string[] {
  return lines("not written here", list, total);
}

/**
 * Beside paths a full disk could not take: how much of that disk the
 * versions kept under `.mycel/versions/` take (`kept` bytes, asked only
 * then), and how to free it — they are old copies, often what filled it.
 */
export function fullDiskLines(
  id: string,
  list: readonly { path: string; reason: string }[],
  kept: () => number,
): string[] {
  if (!list.some((p) => isFullReason(p.reason))) return [];
  const n = kept();
  if (n === 0) return [];
  return [
    `  old versions kept under .mycel/versions take ${humanBytes(n)} of that disk: delete those`,
    `  not needed, or keep none from now on with \`mycel folder retention ${safeText(id)} 0\``,
    "  (the next round removes them)",
  ];
}

/**
 * Files synced before that the ignore rules (`.mycelignore`, `.mycel/ignore`)
 * match now: not deleted and not published, so each device keeps the copy
 * it had and an edit to one stays on its device while the folder reads "in
 * sync" — said, since nothing else shows it (a walkthrough, issue 13).
 */
export function ignoredKeptText(n: number): string {
  const [is, they, them] = n === 1 ? ["is", "it", "it"] : ["are", "they", "them"];
  return `${plural(n, "file")} synced before ${is} ignored now ` +
    `(.mycelignore, .mycel/ignore): kept as ${they} ${n === 1 ? "was" : "were"} here and on ` +
    `the other devices, and edits to ${them} no longer sync`;
}

/**
 * Links a scan published that point outside the folder, said once by that
 * scan: synced as links, never followed — but on another device each
 * points at whatever is at that place there, or at nothing.
 */
export function linkNoteLines(links: ScanReport["linksOut"]): string[] {
  if (links.length === 0) return [];
  const out = links.slice(0, SHOWN).map((l) =>
    `  synced as a link, but it points outside the folder: ${safeText(l.path)} -> ${
      safeText(l.target)
    }`
  );
  if (links.length > SHOWN) out.push(`  … and ${links.length - SHOWN} more such links`);
  out.push(
    "  (mycel never follows a link; on another device it points at whatever is there, if anything)",
  );
  return out;
}

/**
 * Kept versions past the retention that could not be removed (at most 20,
 * then how many more), and what to do: they are old copies, not synced
 * files, so removing them by hand loses nothing the folder holds.
 */
export function notRemovedLines(
  list: readonly { path: string; reason: string }[],
  total: number = list.length,
): string[] {
  if (total === 0) return [];
  return [
    ...lines("old version not removed", list, total),
    "  (old copies kept under .mycel/versions, not synced files: delete them by hand, or let",
    "  this user remove them — write access to their folder; mycel tries again every hour)",
  ];
}

/**
 * Folders under `.mycel/versions` that could not be listed (at most 20, then
 * how many more), and what to do. Apart from the versions not removed: what
 * such a folder holds is not known, so neither pruned nor counted as past
 * the retention (a folder this user may not read, made by another user).
 */
export function notListedLines(
  list: readonly { path: string; reason: string }[],
  total: number = list.length,
): string[] {
  if (total === 0) return [];
  return [
    ...lines("folder of old versions not listed", list, total),
    "  (what it holds is neither listed nor pruned: let this user read it — read and execute",
    "  access — or delete it by hand, it holds only old copies; mycel tries again every hour)",
  ];
}

/**
 * Names a scan published that another system may not hold: each is said
 * once, by the scan that publishes it (`folder scan`, or the scan `sync now`
 * starts with). Names that look the same on screen show their Unicode form.
 */
export function nameNoteLines(
  r: Pick<ScanReport, "unportable" | "caseCollisions">,
): string[] {
  const out = r.unportable.slice(0, 20).map((u) => {
    // The reason names the segment at fault ("dir:x: it contains a colon"): for a
    // name at the top it is the path, which the line said twice ("CON: CON: …").
    const reason = u.reason.startsWith(`${u.path}: `)
      ? u.reason.slice(u.path.length + 2)
      : u.reason;
    return `  synced, but its name may not work elsewhere: ${safeText(u.path)}: ${
      safeText(reason)
    }`;
  });
  for (const group of r.caseCollisions) {
    const shown = group.map((p) => safeText(p));
    // Differing only in Unicode form: the same on screen.
    const alike = new Set(group.map((p) => p.normalize("NFC"))).size < group.length;
    const form = (p: string) =>
      p === p.normalize("NFC") ? "NFC" : p === p.normalize("NFD") ? "NFD" : "mixed form";
    out.push(
      `  names differing only in case or Unicode form (one name on macOS and Windows): ${
        shown.map((p, i) => alike ? `${p} (${form(group[i])})` : p).join(", ")
      }`,
    );
  }
  return out;
}
