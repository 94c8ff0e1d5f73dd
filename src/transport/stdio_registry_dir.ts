/**
 * @module stdio_registry_dir
 * Where the registry of a home's `sync serve --stdio` processes lives
 * (stdio_registry.ts), kept in memory so a stranger's connection costs no
 * disk write: `serve-NAME` in `$XDG_RUNTIME_DIR/mycel` (user units) or
 * `/run/mycel` (root), the first on a memory file system (tmpfs), else
 * `/dev/shm/mycel-NAME`. NAME is a keyed hash of the home's real path under
 * a secret of the home (its Noise private key, which the responder holds
 * anyway): in `/dev/shm`, writable by every user, another user who could
 * guess the name could make it first and so turn the eviction off (a review
 * did that with `/dev/shm/mycel-UID`). Each level is ours, mode 0700 and no
 * link, or refused: another local user must be able neither to make us
 * signal a process (an entry names a pid) nor to hide one.
 */

import { sha256 } from "@noble/hashes/sha2.js";
import { MycelError } from "../errors.ts";
import { mountOf } from "../mount_info.ts";

/** The registry's folder (or what it needs) can't be used safely. */
export function unsafeRuntimeDir(reason: string, path: string): MycelError {
  return new MycelError("unsafe_runtime_dir", "track the serving processes", reason, {
    value: path,
  });
}

/** Make `path` (mode 0700) unless it exists; then insist it is ours, 0700, no link. */
function ownDir(path: string, uid: number): void {
  try {
    Deno.mkdirSync(path, { mode: 0o700 });
    Deno.chmodSync(path, 0o700); // whatever the umask
  } catch (e) {
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  const st = Deno.lstatSync(path);
  if (st.isSymlink || !st.isDirectory) throw unsafeRuntimeDir("it is not a plain folder", path);
  if (st.uid !== uid) throw unsafeRuntimeDir(`it belongs to uid ${st.uid}`, path);
  if (((st.mode ?? 0) & 0o777) !== 0o700) throw unsafeRuntimeDir("its mode is not 0700", path);
}

const inMemory = (path: string) => ["tmpfs", "ramfs"].includes(mountOf(path)?.type ?? "");

/**
 * The registry's folder for `name`, and the folder to make first (only
 * writable by us or root), or undefined when no memory file system is there.
 */
function folderFor(
  env: (name: string) => string | undefined,
  uid: number,
  name: string,
): { base?: string; dir: string } | undefined {
  const xdg = env("XDG_RUNTIME_DIR");
  const bases = [
    ...(xdg?.startsWith("/") ? [[xdg, `${xdg.replace(/\/+$/, "")}/mycel`]] : []),
    ...(uid === 0 ? [["/run", "/run/mycel"]] : []),
  ];
  const base = bases.find(([parent]) => inMemory(parent))?.[1];
  if (base !== undefined) return { base, dir: `${base}/serve-${name}` };
  return inMemory("/dev/shm") ? { dir: `/dev/shm/mycel-${name}` } : undefined;
}

/** The registry folder's NAME: the home's real path, keyed by `secret`. */
function nameOf(root: string, secret: Uint8Array): string {
  const path = new TextEncoder().encode(Deno.realPathSync(root));
  const label = new TextEncoder().encode("mycel/stdio-registry\0");
  const digest = sha256(new Uint8Array([...label, ...secret, ...path]));
  return Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The registry folder of the home at `root`, made (0700) unless there, and
 * checked; throws `unsafe_runtime_dir` when no safe memory folder exists.
 */
export function registryDir(
  root: string,
  env: (name: string) => string | undefined,
  secret: Uint8Array,
): string {
  const uid = Deno.uid() ?? 0;
  const at = folderFor(env, uid, nameOf(root, secret));
  if (at === undefined) throw unsafeRuntimeDir("no memory file system is mounted", "/dev/shm");
  if (at.base !== undefined) ownDir(at.base, uid);
  ownDir(at.dir, uid);
  return at.dir;
}
