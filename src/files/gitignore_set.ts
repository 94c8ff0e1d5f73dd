/**
 * @module gitignore_set
 * An ordered list of gitignore rules answering "is this path ignored?" as
 * the npm `ignore` package (v7) did: each folder on the way down is asked
 * first (`a/`, `a/b/`, …), the last rule matching decides for it, and once
 * a folder is ignored everything below is, whatever `!` rule follows (git
 * doesn't look inside an excluded folder). Rules are sorted once by kind,
 * so a path costs little more than the rules that could match it:
 * - a plain name (`node_modules`, `.DS_Store/`): one map lookup per folder;
 * - a name with wildcards (`*.log`): gitignore_glob.ts on that name, tried
 *   from the last rule back, only while it could still beat a match found;
 * - one that spans folders: gitignore_scan.ts, one pass over the path.
 */

import { globMatches, type NameGlob, nameGlob } from "./gitignore_glob.ts";
import type { Atom, Pattern } from "./gitignore_pattern.ts";
import { type Packed, packedEnd, PackWriter } from "./gitignore_packed.ts";
import { type Ended, SpanScanner } from "./gitignore_scan.ts";

/** A rule to match: its pattern (null: matches nothing) and whether `!`. */
export interface SetRule {
  readonly negative: boolean;
  readonly pattern: Pattern | null;
}

interface GlobRule extends NameGlob {
  readonly index: number;
  readonly dirOnly: boolean;
}

/** The last rule index for a literal name: any path, or folders only. */
interface Literal {
  any: number;
  dir: number;
}

const SLASH = 0x2f;
/** Folder answers kept (then forgotten all at once). */
const FOLDERS_KEPT = 4096;
/** Folders whose spanning patterns' states are kept, and the states' units in all. */
const STATES_KEPT = 4096;
const STATE_UNITS_KEPT = 1 << 20;
/**
 * Folder paths at least this long have their states kept; shorter ones are
 * read again, at most this many units an entry (cheaper than keeping them).
 */
const RESUME_AT = 128;

const withinName = (a: Atom) =>
  a.kind === "star" || a.kind === "one" || (a.kind === "char" && a.code !== SLASH);

/** The atoms of a pattern that only ever looks at a path's last name, else undefined. */
function nameAtoms(p: Pattern): { atoms: readonly Atom[]; dirOnly: boolean } | undefined {
  if (p.rooted) return undefined;
  let atoms = p.atoms;
  const dirOnly = p.end === "dir";
  if (dirOnly) atoms = atoms.slice(0, -1); // the folder's own `/`
  else if (p.end !== "name") return undefined;
  // No atoms at all (`**/`) matches the empty name after a folder's `/`:
  // every folder, which the scanner knows how to say.
  return atoms.length > 0 && atoms.every(withinName) ? { atoms, dirOnly } : undefined;
}

/** True for a rule that is a plain name (`node_modules`, `.DS_Store/`): one map lookup a folder. */
export function isPlainName(p: Pattern): boolean {
  return nameAtoms(p)?.atoms.every((a) => a.kind === "char") ?? false;
}

/** Compiled rules; `ignores` is not re-entrant. */
export class GitignoreSet {
  readonly #negative: boolean[] = [];
  readonly #literals = new Map<string, Literal>();
  readonly #globs: GlobRule[] = [];
  readonly #spans: { index: number; scanner: SpanScanner }[] = [];
  /** Folders answered lately, by path. */
  readonly #folders = new Map<string, boolean>();
  /**
   * Where each spanning pattern stood after a folder's path (`a/b/`), for
   * the folders listed lately: a scan asks about everything in one folder
   * together, and each entry then costs its own name, not its whole path
   * again. Without it, the folders on the way down a deep path each cost
   * that path: its depth times its length times the patterns (a member's
   * 1,600 `/**\/` and one file 2,000 folders deep took a scan over a minute).
   */
  readonly #states = new Map<string, Packed>();
  #stateUnits = 0;
  readonly #pack = new PackWriter();
  #ends = new Int32Array(64);
  #best = new Int32Array(64);

  constructor(rules: readonly SetRule[]) {
    rules.forEach((rule, index) => {
      this.#negative.push(rule.negative);
      const p = rule.pattern;
      if (p === null) return;
      const name = nameAtoms(p);
      if (name === undefined) {
        this.#spans.push({ index, scanner: new SpanScanner(p) });
      } else if (isPlainName(p)) {
        const text = name.atoms.map((a) => String.fromCharCode((a as { code: number }).code)).join(
          "",
        );
        const lit = this.#literals.get(text) ?? { any: -1, dir: -1 };
        if (name.dirOnly) lit.dir = index;
        else lit.any = index;
        this.#literals.set(text, lit);
      } else {
        this.#globs.push({ ...nameGlob(name.atoms), index, dirOnly: name.dirOnly });
      }
    });
  }

  /** True when `path` (`a/b`, no leading or trailing `/`) is ignored. */
  ignores(path: string, isDir: boolean): boolean {
    // A scan asks about a folder before what is in it: its answer, kept,
    // spares asking again about every folder above each of its entries.
    // Asked about a path alone (what comes in from peers, the deletions in
    // a folder's state), its folder is answered first, in one pass over it
    // and its folders as before, and kept, so that its other entries cost
    // their names only: before, 500 files a member published in one folder
    // 1,200 deep each cost that whole path again (13 s a round).
    const cut = path.lastIndexOf("/");
    const parent = cut < 0 ? "" : path.slice(0, cut);
    let above = cut < 0 ? false : this.#folders.get(parent);
    if (above === undefined) {
      above = this.#kept(parent, this.#decide(`${parent}/`, parent, true, ""));
    }
    if (above) return true;
    const ignored = this.#decide(isDir ? `${path}/` : path, path, isDir, parent);
    return isDir ? this.#kept(path, ignored) : ignored;
  }

  /** Keep a folder's answer; returns it. */
  #kept(dir: string, ignored: boolean): boolean {
    if (this.#folders.size >= FOLDERS_KEPT) this.#folders.clear();
    this.#folders.set(dir, ignored);
    return ignored;
  }

  /**
   * Whether `full` is ignored: with `parent` (its folder, whose answer is
   * kept: not ignored), by its last name only; else by it and each folder
   * on the way down.
   */
  #decide(full: string, path: string, isDir: boolean, parent: string): boolean {
    // Where each prefix asked about ends: after every `/`, and the file.
    let count = 0;
    for (let i = full.indexOf("/"); i >= 0; i = full.indexOf("/", i + 1)) this.#end(count++, i + 1);
    if (!isDir) this.#end(count++, full.length);
    const ends = this.#ends;
    const best = this.#best.fill(-1, 0, count);
    if (this.#spans.length > 0) this.#runSpans(full, path, isDir, count, parent);
    const globs = this.#globs;
    for (let k = parent === "" ? 0 : count - 1; k < count; k++) {
      const dir = full.charCodeAt(ends[k] - 1) === SLASH;
      const from = k === 0 ? 0 : ends[k - 1];
      const to = dir ? ends[k] - 1 : ends[k];
      let last = best[k];
      if (this.#literals.size > 0) {
        const lit = this.#literals.get(full.slice(from, to));
        if (lit !== undefined) last = Math.max(last, lit.any, dir ? lit.dir : -1);
      }
      for (let g = globs.length - 1; g >= 0 && globs[g].index > last; g--) {
        const glob = globs[g];
        if ((dir || !glob.dirOnly) && globMatches(glob, full, from, to)) {
          last = glob.index;
          break;
        }
      }
      if (last >= 0 && !this.#negative[last]) return true;
    }
    return false;
  }

  /**
   * Each spanning pattern over `full`, into #best. Past a long `parent`
   * (its folder), only the last name is read, from the parent's states; a
   * long folder's own end states are kept for its entries.
   */
  #runSpans(full: string, path: string, isDir: boolean, count: number, parent: string): void {
    let from: Packed | undefined;
    let at = 0;
    if (parent.length >= RESUME_AT) {
      at = parent.length + 1;
      from = this.#states.get(parent) ?? this.#statesOf(parent);
    }
    const kept = isDir && path.length >= RESUME_AT ? this.#pack : undefined;
    const spans = this.#spans;
    let off = 0;
    for (let j = 0; j < spans.length; j++) {
      const { scanner, index } = spans[j];
      let how: Ended = "dead"; // an anchored one not under way: nothing left to try
      if (from !== undefined && from[off] === j) {
        how = scanner.run(full, this.#ends, count, this.#best, index, from, off + 1, at);
        off = packedEnd(from, off + 1);
      } else if (from === undefined || !scanner.rooted) {
        how = scanner.run(full, this.#ends, count, this.#best, index, undefined, 0, at);
      }
      if (kept !== undefined) scanner.packInto(how, kept, j);
    }
    if (kept !== undefined) this.#keep(path, kept.take());
  }

  /** The spans' states after the folder `dir` (its answer kept, its states not: gone since). */
  #statesOf(dir: string): Packed {
    const cut = dir.lastIndexOf("/");
    const up = cut < RESUME_AT ? undefined : this.#states.get(dir.slice(0, cut));
    const full = `${dir}/`;
    const out = this.#pack;
    let off = 0;
    this.#spans.forEach(({ scanner }, j) => {
      if (up !== undefined && up[off] === j) {
        scanner.after(full, out, j, up, off + 1, cut + 1);
        off = packedEnd(up, off + 1);
      } else if (up === undefined || !scanner.rooted) {
        scanner.after(full, out, j, undefined, 0, up === undefined ? 0 : cut + 1);
      }
    });
    const states = out.take();
    this.#keep(dir, states);
    return states;
  }

  /** Keep `dir`'s states, forgetting the oldest kept beyond the bounds (at most ~4 MiB). */
  #keep(dir: string, states: Packed): void {
    const again = this.#states.get(dir);
    if (again !== undefined) (this.#states.delete(dir), this.#stateUnits -= again.length);
    for (const [old, was] of this.#states) {
      if (this.#states.size < STATES_KEPT && this.#stateUnits + states.length <= STATE_UNITS_KEPT) {
        break;
      }
      this.#states.delete(old);
      this.#stateUnits -= was.length;
    }
    this.#states.set(dir, states);
    this.#stateUnits += states.length;
  }

  #end(k: number, at: number): void {
    if (k === this.#ends.length) {
      const ends = new Int32Array(2 * k);
      ends.set(this.#ends);
      this.#ends = ends;
      this.#best = new Int32Array(2 * k);
    }
    this.#ends[k] = at;
  }
}
