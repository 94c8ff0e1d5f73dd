/**
 * @module atomic
 * Crash-safe file replacement: write a temp file in the same folder, fsync it,
 * rename it over the target, fsync the folder. Readers see the old file or the
 * new one, never a torn one, and after the call returns the new one survives
 * a crash.
 */

/** The folder part of `path` ("." for a bare file name, "/" at the root). */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
}

/** Fsync folder `dir` so a rename or create inside it is durable. */
export async function syncDir(dir: string): Promise<void> {
  const f = await Deno.open(dir, { read: true });
  try {
    await f.sync();
  } finally {
    f.close();
  }
}

/** Replace `path` atomically and durably with `data` (mode 0600). */
export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirOf(path);
  const tmp = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  const f = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
  try {
    let written = 0;
    while (written < data.length) written += await f.write(data.subarray(written));
    await f.sync();
  } catch (e) {
    f.close();
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  f.close();
  try {
    await Deno.rename(tmp, path);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dir);
}
