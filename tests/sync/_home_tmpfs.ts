/**
 * A device's home on a small tmpfs (root only), to meet a full disk for
 * real: SQLite writes a transaction's pages out at its commit, so that is
 * where a full home fails.
 */

export const ROOT = Deno.uid() === 0;
export const IN_CI = Deno.env.get("CI") !== undefined;

export async function sh(cmd: string, ...args: string[]): Promise<void> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!o.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(o.stderr)}`);
  }
}

/** `home` moved onto a tmpfs of `size` mounted at the same path; `await using` unmounts it. */
export async function homeOnTmpfs(home: string, size: string): Promise<AsyncDisposable> {
  const aside = `${home}.before-tmpfs`;
  await Deno.rename(home, aside);
  await Deno.mkdir(home, { mode: 0o700 });
  await sh("mount", "-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", home);
  await sh("cp", "-a", `${aside}/.`, `${home}/`);
  await Deno.remove(aside, { recursive: true });
  return {
    async [Symbol.asyncDispose]() {
      await sh("umount", home).catch(() => sh("umount", "-l", home));
    },
  };
}

/** Bytes free on the file system holding `path`. */
export async function freeBytes(path: string): Promise<number> {
  const o = await new Deno.Command("df", { args: ["-B1", "--output=avail", path] }).output();
  return Number(new TextDecoder().decode(o.stdout).trim().split("\n").pop());
}

/** Fill the disk holding `home` but for `spare` bytes (a file `filler` in it); returns its path. */
export async function fillBut(home: string, spare: number): Promise<string> {
  const filler = `${home}/filler`;
  await sh("fallocate", "-l", String((await freeBytes(home)) - spare), filler);
  return filler;
}
