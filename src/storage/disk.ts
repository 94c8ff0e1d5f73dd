/**
 * @module disk
 * Free space where a home lives, for `doctor` (Deno has no statfs: `df -Pk`,
 * POSIX output, on Linux and macOS alike). Undefined when it cannot be told.
 */

/** Bytes free to unprivileged users on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number | undefined> {
  try {
    const out = await new Deno.Command("df", {
      args: ["-Pk", path],
      stdout: "piped",
      stderr: "null",
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", LC_ALL: "C" },
    }).output();
    if (!out.success) return undefined;
    const line = new TextDecoder().decode(out.stdout).trim().split("\n").at(-1) ?? "";
    const available = Number(line.split(/\s+/)[3]);
    return Number.isFinite(available) ? available * 1024 : undefined;
  } catch {
    return undefined;
  }
}
