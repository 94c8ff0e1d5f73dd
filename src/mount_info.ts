/**
 * @module mount_info
 * The mount holding a path, from Linux's /proc/self/mountinfo: its file
 * system type and whether it is mounted read-only. Reading it writes
 * nothing and costs a few kilobytes; elsewhere (no /proc) the answer is
 * undefined and callers fall back to what they would do without it.
 */

/** What mountinfo says of the mount holding a path. */
export interface MountInfo {
  /** The mount point. */
  readonly at: string;
  /** The file system type (`tmpfs`, `ext4`, `fuseblk`, …). */
  readonly type: string;
  /** True when the mount or its file system is read-only. */
  readonly readOnly: boolean;
}

/** The mount holding the absolute `path` (the longest mount point containing it). */
export function mountOf(path: string): MountInfo | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync("/proc/self/mountinfo");
  } catch {
    return undefined;
  }
  let best: MountInfo | undefined;
  for (const line of text.split("\n")) {
    // id parent major:minor root mount-point options [optional...] - type source super-options
    const fields = line.split(" ");
    const dash = fields.indexOf("-");
    if (fields.length < 6 || dash < 0) continue;
    const at = fields[4].replace(/\\(\d{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const inside = at === "/" || path === at || path.startsWith(at + "/");
    if (!inside || (best !== undefined && at.length < best.at.length)) continue;
    const ro = (options: string | undefined) => (options ?? "").split(",").includes("ro");
    best = { at, type: fields[dash + 1] ?? "", readOnly: ro(fields[5]) || ro(fields[dash + 3]) };
  }
  return best;
}
