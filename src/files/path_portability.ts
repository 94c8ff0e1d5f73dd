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
  return text.normalize("NFC").toLowerCase();
}

/**
 * Groups of paths — or folder prefixes — that a case-insensitive system
 * would see as one. Each group is sorted, the groups by their first member.
 * A clash inside already clashing folders is not listed separately: it
 * shows once the folders are told apart.
 */
export function findCaseCollisions(paths: Iterable<string>): string[][] {
  const spellings = new Map<string, Set<string>>();
  for (const path of paths) {
    let at = -1;
    do {
      at = path.indexOf("/", at + 1);
      const prefix = at < 0 ? path : path.slice(0, at);
      const key = foldName(prefix);
      let set = spellings.get(key);
      if (set === undefined) spellings.set(key, set = new Set());
      set.add(prefix);
    } while (at >= 0);
  }
  const clashing = new Set<string>();
  for (const [key, set] of spellings) if (set.size > 1) clashing.add(key);
  const groups: string[][] = [];
  for (const key of clashing) {
    const slash = key.lastIndexOf("/");
    let parent = slash < 0 ? undefined : key.slice(0, slash);
    let nested = false;
    while (parent !== undefined && !nested) {
      nested = clashing.has(parent);
      const s = parent.lastIndexOf("/");
      parent = s < 0 ? undefined : parent.slice(0, s);
    }
    if (!nested) groups.push([...spellings.get(key)!].sort());
  }
  return groups.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
