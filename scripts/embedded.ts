/**
 * @module embedded
 * Reads the "Embedded Files" tree that `deno compile` prints (Deno 2.9):
 *
 * ```text
 * Embedded Files
 *
 * mycel
 * ├── main.ts (8.29KB)
 * ├─┬ node_modules (7.1MB - 7MB unique)
 * │ ├── @noble/* (2.7MB)
 * ...
 * Files: 8.4MB
 * ```
 *
 * Each entry becomes its path from the root; `name/*` is a folder deno shows
 * collapsed. Sizes use 1024-byte units. Pure.
 */

/** One line of the tree. */
export interface Embedded {
  /** Path from the binary's root, e.g. `node_modules/@noble` (no `/*`). */
  path: string;
  /** Size as printed (the whole folder for folders). */
  bytes: number;
  /** A folder whose contents deno did not list (`name/*`) or did (`─┬`). */
  folder: boolean;
}

const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

function size(text: string): number {
  const m = /^([\d.]+)(B|KB|MB|GB)$/.exec(text);
  if (!m) throw new Error(`unreadable size in deno compile's listing: ${text}`);
  return Math.round(Number(m[1]) * UNITS[m[2]]);
}

const ENTRY = /^((?:[│ ] )*)[├└]─([─┬]) (.+?) \(([\d.]+[KMG]?B)(?: - [\d.]+[KMG]?B unique)?\)$/;

/** The entries and the "Files:" total of a listing (text around it is ignored). */
export function parseEmbedded(text: string): { entries: Embedded[]; totalBytes: number } {
  // deno colours its output unless NO_COLOR is set; be safe either way.
  // deno-lint-ignore no-control-regex
  const lines = text.replace(/\x1b\[[0-9;]*m/g, "").split("\n");
  const start = lines.findIndex((l) => l.trim() === "Embedded Files");
  if (start < 0) throw new Error("no 'Embedded Files' listing in deno compile's output");
  const entries: Embedded[] = [];
  const stack: string[] = [];
  let totalBytes: number | undefined;
  for (const line of lines.slice(start + 1)) {
    const total = /^Files: (\S+)$/.exec(line);
    if (total) {
      totalBytes = size(total[1]);
      break;
    }
    const m = ENTRY.exec(line);
    if (!m) continue;
    const depth = m[1].length / 2;
    const collapsed = m[3].endsWith("/*");
    const name = collapsed ? m[3].slice(0, -2) : m[3];
    stack.length = depth;
    stack.push(name);
    entries.push({ path: stack.join("/"), bytes: size(m[4]), folder: collapsed || m[2] === "┬" });
  }
  if (totalBytes === undefined) throw new Error("no 'Files:' total in deno compile's listing");
  return { entries, totalBytes };
}
