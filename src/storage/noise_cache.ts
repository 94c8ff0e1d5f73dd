/**
 * @module noise_cache
 * The Noise key pair of a home whose keys are sealed by a passphrase or held
 * by a keyring, kept in a RAM-backed runtime directory so that a responder
 * answers a handshake without opening the keys: `sync serve --stdio` runs one
 * process per connection, and without this every connection — a stranger's
 * included — cost an scrypt (sealed file) or a keyring call before anyone
 * was authenticated. `sync now` on the timer likewise skips them when it
 * has nothing to sign.
 *
 * What is kept, and where:
 * - Only the Noise pair (the transport identity), never the signing or
 *   WireGuard keys; a first load of the keys (after the passphrase or the
 *   keyring answered) writes it.
 * - Only on tmpfs or ramfs (checked in /proc/self/mountinfo), in a directory
 *   owned by this user and closed to others: `$XDG_RUNTIME_DIR/mycel`, else
 *   `/run/user/UID/mycel`, else for root `/run/mycel`. A stolen disk does
 *   not hold it, and a reboot forgets it. Nowhere else (no /proc: no cache).
 * - The file (0600, owned by us, a regular file, small) names the key file's
 *   identity (inode, size, mtime) and must match both it and the Noise key
 *   this device's record announces; anything else is ignored and the keys
 *   are loaded as before. New keys (`keys import`, sealing, moving stores)
 *   change the key file, so an old pair is never used.
 * Failing to keep it is never an error: the keys are simply loaded.
 */

import { bytesEqual, toHex } from "../bytes.ts";
import { mountOf } from "../mount_info.ts";

/** A Noise static key pair. */
export interface NoisePair {
  noisePublic: Uint8Array;
  noisePrivate: Uint8Array;
}

const MAX_FILE = 1024;
const RAM_FS = new Set(["tmpfs", "ramfs"]);

/** The file system type of the mount holding `path` (longest mount point that contains it). */
export function fsTypeOf(path: string): Promise<string | undefined> {
  return Promise.resolve(mountOf(path)?.type);
}

/** Our directory for the pair, made if needed; undefined when no safe RAM-backed place exists. */
export async function cacheDir(env: (name: string) => string | undefined): Promise<
  string | undefined
> {
  const uid = Deno.uid();
  if (uid === null) return undefined;
  const runtime = env("XDG_RUNTIME_DIR");
  const candidates = runtime?.startsWith("/")
    ? [runtime]
    : [`/run/user/${uid}`, ...(uid === 0 ? ["/run"] : [])];
  for (const base of candidates) {
    try {
      const real = await Deno.realPath(base);
      if (!RAM_FS.has(await fsTypeOf(real) ?? "")) continue;
      const dir = `${real}/mycel`;
      await Deno.mkdir(dir, { mode: 0o700 }).catch((e) => {
        if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
      });
      const s = await Deno.lstat(dir);
      if (!s.isDirectory || s.uid !== uid || ((s.mode ?? 0o777) & 0o077) !== 0) continue;
      return dir;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** The file in `dir` that keeps the pair of the home at `homeRoot`. */
export async function pairFile(dir: string, homeRoot: string): Promise<string> {
  const tag = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(homeRoot)),
  );
  return `${dir}/noise-${toHex(tag.subarray(0, 12))}`;
}

/**
 * The pair kept at `path` (see {@link pairFile}), when it is there, safe,
 * and matches `stamp` (the key file's) and `expectPublic` (the record's key).
 */
export async function readNoisePair(
  path: string,
  stamp: string,
  expectPublic: Uint8Array,
): Promise<NoisePair | undefined> {
  try {
    const s = await Deno.lstat(path);
    if (!s.isFile || s.uid !== Deno.uid() || ((s.mode ?? 0o777) & 0o077) !== 0) return undefined;
    if (s.size > MAX_FILE) return undefined;
    const kept = JSON.parse(await Deno.readTextFile(path));
    if (kept?.v !== 1 || kept.stamp !== stamp || typeof kept.public !== "string") return undefined;
    const noisePublic = Uint8Array.fromHex(kept.public);
    const noisePrivate = Uint8Array.fromHex(kept.private);
    if (noisePrivate.length !== 32 || !bytesEqual(noisePublic, expectPublic)) return undefined;
    return { noisePublic, noisePrivate };
  } catch {
    return undefined;
  }
}

/** Keep `pair` at `path` (best effort: false when it could not). */
export async function writeNoisePair(
  path: string,
  stamp: string,
  pair: NoisePair,
): Promise<boolean> {
  const temp = `${path}.tmp-${toHex(crypto.getRandomValues(new Uint8Array(6)))}`;
  const text = JSON.stringify({
    v: 1,
    stamp,
    public: toHex(pair.noisePublic),
    private: toHex(pair.noisePrivate),
  });
  try {
    await Deno.writeTextFile(temp, text, { createNew: true, mode: 0o600 });
    await Deno.rename(temp, path);
    return true;
  } catch {
    await Deno.remove(temp).catch(() => {});
    return false;
  }
}
