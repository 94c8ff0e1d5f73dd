/**
 * @module disk
 * Free space where a home lives, for `doctor` (Deno has no statfs: `df -Pk`,
 * POSIX output, on Linux and macOS alike). Undefined when it cannot be told.
 */

/** Bytes free to unprivileged users on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number | undefined> {
  try {
    const out = await df(path).output();
    return out.success ? available(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** {@link freeBytes}, waiting for `df`: only where an error is being named. */
export function freeBytesSync(path: string): number | undefined {
  try {
    const out = df(path).outputSync();
    return out.success ? available(out.stdout) : undefined;
  } catch {
    return undefined;
  }
}

function df(path: string): Deno.Command {
  return new Deno.Command("df", {
    args: ["-Pk", path],
    stdout: "piped",
    stderr: "null",
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin:/usr/sbin:/sbin", LC_ALL: "C" },
  });
}

function available(stdout: Uint8Array): number | undefined {
  const line = new TextDecoder().decode(stdout).trim().split("\n").at(-1) ?? "";
  const kib = Number(line.split(/\s+/)[3]);
  return Number.isFinite(kib) ? kib * 1024 : undefined;
}
