/**
 * @module wg_device_keys
 * The private keys of WireGuard-only devices (phones) made on this device,
 * in `<home>/wg-devices/<id>.key` (0600, folder 0700). Kept only so that
 * `mesh export-wg NAME` can print the phone's config again: it changes as
 * devices join, leave or move, and the phone must load the new one (no
 * other device holds the key; the phone's own app does).
 *
 * Once the phone is removed its config is never printed again, so its key
 * has no use here: {@link dropRemovedKeys} deletes it once `mesh remove`
 * or `mesh retire` here has committed the removal. A removal taken in
 * from another device leaves the key: removals race (docs/trust.md), and
 * one that counts now stops counting when an earlier cut of its author
 * arrives (a thief removing the phone, cut by the owner) — the phone is a
 * member again, and without its key here no config of it could be printed
 * again. `doctor` flags a removed phone's key still kept, naming who
 * removed it, and `--fix` deletes it once the owner has looked. A
 * deleted key is overwritten with zeros and synced first, then unlinked, so
 * the file holds no key even while it is being removed. (On an SSD or a
 * copy-on-write file system the old blocks may survive the overwrite; the
 * file itself never stays readable.)
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { StateView } from "../log/state.ts";
import { syncDir, writeFileAtomic } from "./atomic.ts";

/** The folder of the keys in home `root`. */
export function wgDeviceDir(root: string): string {
  return `${root}/wg-devices`;
}

function fileStem(id: string): string {
  return id.replaceAll("-", "");
}

/** Where device `id`'s private key is kept. */
export function wgDeviceKeyPath(root: string, id: string): string {
  return `${wgDeviceDir(root)}/${fileStem(id)}.key`;
}

/** Keep device `id`'s private key (base64 text, one line). */
export async function saveWgDeviceKey(root: string, id: string, text: string): Promise<void> {
  await Deno.mkdir(wgDeviceDir(root), { recursive: true, mode: 0o700 });
  await writeFileAtomic(wgDeviceKeyPath(root, id), new TextEncoder().encode(text + "\n"));
}

/** Device `id`'s private key as kept (base64 text); throws when there is none. */
export async function readWgDeviceKey(root: string, id: string): Promise<string> {
  return (await Deno.readTextFile(wgDeviceKeyPath(root, id))).trim();
}

/** A removed device whose key files are still in the home. */
export interface LeftoverKey {
  /** The device's id. */
  id: string;
  /** Its name. */
  name: string;
  /** Who removed it (the earliest removal). */
  removedBy: DeviceKey;
  /** The files: the key, and any temporary copy a crash left while writing it. */
  paths: string[];
}

/**
 * Files in `<root>/wg-devices/` that belong to removed devices (only those
 * `by` removed, when given).
 */
export async function removedDeviceKeys(
  root: string,
  view: StateView,
  by?: DeviceKey,
): Promise<LeftoverKey[]> {
  const dir = wgDeviceDir(root);
  let names: string[];
  try {
    names = (await Array.fromAsync(Deno.readDir(dir))).filter((e) => e.isFile).map((e) => e.name);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
  if (names.length === 0) return [];
  const out: LeftoverKey[] = [];
  for (const m of view.members()) {
    if (m.removed === undefined || (by !== undefined && m.removed.by !== by)) continue;
    const stem = `${fileStem(m.record.id)}.key`;
    // The key, or writeFileAtomic's `<key>.<pid>.<random>.tmp` left by a crash.
    const paths = names.filter((n) => n === stem || n.startsWith(`${stem}.`)).sort()
      .map((n) => `${dir}/${n}`);
    if (paths.length > 0) {
      out.push({ id: m.record.id, name: m.record.name, removedBy: m.removed.by, paths });
    }
  }
  return out;
}

/**
 * Overwrite `path` with zeros, sync, then unlink it. Root may run this in a
 * user's home (`sudo mycel mesh remove`), so it never writes through a link:
 * the file is opened with O_NOFOLLOW (a symlink swapped in after the folder
 * was read fails the open) and O_NONBLOCK (a FIFO cannot stall it), and only
 * a regular file with one name is overwritten; a second name (a hard link)
 * may be another file of the user's, so then the name is only unlinked.
 */
export async function wipeFile(path: string): Promise<void> {
  const fs = await import("node:fs");
  const { O_WRONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (e) {
    // A link (ELOOP), a folder, a socket: nothing of ours to overwrite.
    if ((e as { code?: string }).code === "ENOENT") throw new Deno.errors.NotFound(path);
  }
  if (fd !== undefined) {
    try {
      const st = fs.fstatSync(fd);
      if (st.isFile() && st.nlink === 1 && st.size > 0) {
        const zeros = new Uint8Array(st.size);
        for (let at = 0; at < zeros.length;) {
          at += fs.writeSync(fd, zeros, at, zeros.length - at, at);
        }
        fs.fsyncSync(fd);
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  await Deno.remove(path);
}

/** Delete the kept keys of removed devices (only those `by` removed, when given); returns what was deleted. */
export async function dropRemovedKeys(
  root: string,
  view: StateView,
  by?: DeviceKey,
): Promise<LeftoverKey[]> {
  const found = await removedDeviceKeys(root, view, by);
  for (const k of found) for (const p of k.paths) await wipeFile(p);
  if (found.length > 0) await syncDir(wgDeviceDir(root));
  return found;
}
