/**
 * @module path_portability
 * Names that are fine on Linux but break elsewhere, found so the caller can
 * report them — never to rename anything (a silent rename would sync back as
 * a delete plus a new file). Pure.
 * - Windows: reserved device names (CON, PRN, AUX, NUL, COM0–9, LPT0–9 and
 *   the superscript-digit forms, with or without an extension), the
 *   characters < > : " | ? *, and a trailing dot or space.
 * - macOS: `:` (Finder shows it as `/`), and names not in Unicode NFC (HFS+
 *   stores NFD, so such a name can come back spelled differently).
 * - Case-insensitive file systems (Windows, macOS by default): two paths, or
 *   two folders, that differ only in case or Unicode normalization.
 */

/** One reason a name may not work on another system. */
export interface PortabilityProblem {
  /** Which system has the problem. */
  readonly system: "windows" | "macos";
  /** The offending name (one segment of the path). */
  readonly name: string;
  /** What is wrong, in a few words. */
  readonly reason: string;
}

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;
const WINDOWS_CHARS = /[<>:"|?*]/;

/** The problems of each segment of the relative path `path`. */
export function portabilityProblems(path: string): PortabilityProblem[] {
  const out: PortabilityProblem[] = [];
  for (const name of path.split("/")) {
    const stem = name.split(".")[0].replace(/ +$/, "");
    if (RESERVED.test(stem)) {
      out.push({ system: "windows", name, reason: "it is a reserved device name" });
    }
    if (WINDOWS_CHARS.test(name)) {
      out.push({ system: "windows", name, reason: 'it contains one of < > : " | ? *' });
    }
    if (/[. ]$/.test(name)) {
      out.push({ system: "windows", name, reason: "it ends with a dot or a space" });
    }
    if (name.includes(":")) {
      out.push({ system: "macos", name, reason: "it contains a colon" });
    }
    if (name.normalize("NFC") !== name) {
      out.push({ system: "macos", name, reason: "it is not in Unicode NFC form" });
    }
  }
  return out;
}

/** The key under which case-insensitive, normalization-insensitive systems see `text`. */
export function foldName(text: string): string {
  return (/^[\x20-\x7e]*$/.test(text) ? text : text.normalize("NFC")).toLowerCase();
}

/** A path as a file system that ignores case sees it (each name folded). */
export function foldPath(path: string): string {
  return path.split("/").map(foldName).join("/");
}

/**
 * Groups of paths — or folder prefixes — that a case-insensitive system
 * would see as one. Each group is sorted, the groups by their first member.
 * A clash inside already clashing folders is not listed separately: it
 * shows once the folders are told apart.
 */
export function findCaseCollisions(paths: Iterable<string>): string[][] {
  const spellings = new Map<string, Set<string>>();
  const record = (key: string, spelling: string) => {
    const set = spellings.get(key);
    if (set === undefined) spellings.set(key, new Set([spelling]));
    else set.add(spelling);
  };
  // Folders repeat across their files: fold and record each spelling once.
  const folded = new Map<string, string>();
  const folderKey = (dir: string): string => {
    let key = folded.get(dir);
    if (key !== undefined) return key;
    const slash = dir.lastIndexOf("/");
    key = slash < 0
      ? foldName(dir)
      : `${folderKey(dir.slice(0, slash))}/${foldName(dir.slice(slash + 1))}`;
    folded.set(dir, key);
    record(key, dir);
    return key;
  };
  for (const path of paths) {
    const slash = path.lastIndexOf("/");
    const key = slash < 0
      ? foldName(path)
      : `${folderKey(path.slice(0, slash))}/${foldName(path.slice(slash + 1))}`;
    record(key, path);
  }
  const clashing = new Set<string>();
  for (const [key, set] of spellings) if (set.size > 1) clashing.add(key);
  const groups: string[][] = [];
  for (const key of clashing) {
    let nested = false;
    for (let at = key.lastIndexOf("/"); at > 0 && !nested; at = key.lastIndexOf("/", at - 1)) {
      nested = clashing.has(key.slice(0, at));
    }
    if (!nested) groups.push([...spellings.get(key)!].sort());
  }
  return groups.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
