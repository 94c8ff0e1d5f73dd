/**
 * @module exfat
 * A real exFAT file system for tests — the format of SD cards and USB
 * drives shared with phones and Windows: no permission bits (every file
 * reads back 0777), no hard links, no symbolic links. An image file on a
 * loop device, mounted with exfat-fuse (Debian `exfat-fuse`, `exfatprogs`;
 * root). Disposing unmounts it and detaches the loop device it attached
 * (that device by name, nothing else).
 */

import { join } from "node:path";

/** A mounted exFAT file system; `await using` unmounts it. */
export interface ExfatMount extends AsyncDisposable {
  /** Where it is mounted. */
  readonly path: string;
  /**
   * Unmount and mount it again through a new loop device (as a card put
   * back in another slot: another device number, new inode numbers),
   * read-only when asked (its lock switch on).
   */
  remount(o: { readOnly: boolean }): Promise<void>;
}

async function run(cmd: string, args: string[]): Promise<string> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const text = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
  if (!o.success) throw new Error(`${cmd} ${args.join(" ")} failed: ${text.trim()}`);
  return text;
}

function found(cmd: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    try {
      if (Deno.statSync(join(dir, cmd)).isFile) return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** Why an exFAT mount can't be made here, or undefined when it can. */
export function exfatMissing(): string | undefined {
  if (Deno.uid() !== 0) return "mounting needs root";
  for (const cmd of ["mkfs.exfat", "mount.exfat-fuse", "losetup"]) {
    if (!found(cmd)) return `${cmd} is not installed (apt-get install exfat-fuse exfatprogs)`;
  }
  try {
    Deno.statSync("/dev/fuse");
  } catch {
    return "/dev/fuse is missing";
  }
  return undefined;
}

/** Make a `mib`-MiB exFAT image in a temporary folder and mount it. */
export async function mountExfat(mib = 32): Promise<ExfatMount> {
  const dir = await Deno.makeTempDir({ prefix: "mycel-exfat-" });
  const image = join(dir, "exfat.img");
  const path = join(dir, "mnt");
  let loop: string | undefined;
  let mounted = false;
  const cleanUp = async () => {
    if (mounted) await run("umount", [path]).catch(() => run("umount", ["-l", path]));
    if (loop !== undefined) await run("losetup", ["-d", loop]).catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  const attach = async (readOnly: boolean) => {
    const second = (await run("losetup", [...(readOnly ? ["-r"] : []), "--find", "--show", image]))
      .trim();
    const old = loop;
    loop = second;
    if (old !== undefined) await run("losetup", ["-d", old]).catch(() => {});
    await run("mount.exfat-fuse", [...(readOnly ? ["-o", "ro"] : []), loop, path]);
    mounted = true;
  };
  try {
    await Deno.mkdir(path);
    (await Deno.create(image)).close();
    await Deno.truncate(image, mib << 20);
    await run("mkfs.exfat", [image]);
    await attach(false);
  } catch (e) {
    await cleanUp();
    throw e;
  }
  return {
    path,
    async remount(o) {
      await run("umount", [path]);
      mounted = false;
      await attach(o.readOnly);
    },
    [Symbol.asyncDispose]: cleanUp,
  };
}
