/**
 * @module gitignore_glob
 * One name against a pattern of single-unit atoms and `*`s (a pattern with
 * no `/` in it, the bulk of any ignore file). A regular expression tries
 * every way of sharing the name among the stars, exponential in their
 * number on a name that almost matches (`*a*a*a*a*a*a*a*a*b` against 255
 * `a`s). Here only the last `*` seen is ever resumed: whatever an earlier
 * star could take, the later one can take as well, so going back further
 * never finds a match the last one can't. At most (name length × atoms)
 * steps, and a name shorter than the fixed atoms is refused at once.
 */

import { classHas } from "./gitignore_class.ts";
import type { Atom } from "./gitignore_pattern.ts";

const SLASH = 0x2f;

/** True when one unit `c` is what a single-unit atom takes. */
export function takes(atom: Atom, c: number): boolean {
  switch (atom.kind) {
    case "char":
      return c === atom.code;
    case "one":
      return atom.cls === undefined ? c !== SLASH : classHas(atom.cls, c);
    case "any":
      return true;
    default:
      return false;
  }
}

/** A name pattern, ready to match. */
export interface NameGlob {
  readonly atoms: readonly Atom[];
  /** Units the pattern needs at least (its atoms that are not `*`). */
  readonly fixed: number;
  /** Atoms before the first `*` and after the last (all of them if none). */
  readonly head: number;
  readonly tail: number;
}

/** Prepare `atoms` (only "char", "one" and "star"). */
export function nameGlob(atoms: readonly Atom[]): NameGlob {
  const fixed = atoms.filter((a) => a.kind !== "star").length;
  const first = atoms.findIndex((a) => a.kind === "star");
  if (first < 0) return { atoms, fixed, head: fixed, tail: 0 };
  const last = atoms.findLastIndex((a) => a.kind === "star");
  return { atoms, fixed, head: first, tail: atoms.length - 1 - last };
}

/** True when `text.slice(from, to)` matches the whole of `glob`. */
export function globMatches(glob: NameGlob, text: string, from: number, to: number): boolean {
  const { atoms, head, tail } = glob;
  const len = to - from;
  if (len < glob.fixed || (head === atoms.length && len !== head)) return false;
  // What comes before the first star and after the last has one place
  // only: checked first, it settles most names (`*.log` against `a.txt`).
  for (let j = 0; j < tail; j++) {
    if (!takes(atoms[atoms.length - tail + j], text.charCodeAt(to - tail + j))) return false;
  }
  for (let j = 0; j < head; j++) if (!takes(atoms[j], text.charCodeAt(from + j))) return false;
  if (head === atoms.length) return true;
  // The rest starts and ends with a star.
  const m = atoms.length - tail;
  let p = head;
  let i = from + head;
  const end = to - tail;
  let starP = -1;
  let starI = 0;
  while (i < end) {
    if (p < m) {
      const a = atoms[p];
      if (a.kind === "star") {
        starP = p++;
        starI = i;
        continue;
      }
      if (takes(a, text.charCodeAt(i))) {
        p++;
        i++;
        continue;
      }
    }
    if (starP < 0) return false;
    // Resume the last star one unit further on.
    p = starP + 1;
    i = ++starI;
  }
  while (p < m && atoms[p].kind === "star") p++;
  return p === m;
}
