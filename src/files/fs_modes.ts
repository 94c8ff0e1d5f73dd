/**
 * @module fs_modes
 * Whether a folder's file system keeps permission bits. FAT and exFAT (SD
 * cards, USB drives shared with phones and Windows) have none: every file
 * reads back with one fixed mode (exfat-fuse: 0777, so every file looks
 * executable) and a chmod is ignored or refused. There the disk's execute
 * bits mean nothing: a scan must not publish them (an edit on a USB drive
 * would make the file executable on every device), and a write must not
 * chmod (refused on FAT). Syncthing asks the user for the same ("ignore
 * permissions"); a probe answers it without asking.
 *
 * The probe makes a temporary file in the folder (a `.mycel-tmp-` name:
 * internal, and swept if a crash leaves it), sets two modes and reads each
 * back. Anything short of both reading back exactly means "no permission
 * bits here".
 */

import { join } from "node:path";
import { withProbeFile } from "./probe_file.ts";

/**
 * True when the file system holding the folder `root` keeps permission
 * bits (see the module comment); undefined when the probe could not make
 * its file (a read-only or full disk): unknown, not "yes".
 */
export function keepsModes(root: string): boolean | undefined {
  return withProbeFile(root, "modes", (name) => {
    const probe = join(root, name);
    try {
      for (const mode of [0o600, 0o700]) {
        Deno.chmodSync(probe, mode);
        if (((Deno.lstatSync(probe).mode ?? 0) & 0o777) !== mode) return false;
      }
      return true;
    } catch {
      return false;
    }
  });
}
