/**
 * @module gitignore_pattern
 * One gitignore pattern read into a flat list of atoms, each of which takes
 * a fixed number of characters or a simple repetition, never a nested one:
 * so matching it (gitignore_glob.ts, gitignore_scan.ts) can't backtrack
 * exponentially, as the regular expressions of the npm `ignore` package
 * did on a synced `.mycelignore` like `a/**\/a/**\/…/b`. The meaning is that
 * package's (v7), which mycel used before, so the same rules keep ignoring
 * the same paths:
 * - a leading `/`, or a `/` anywhere but at the end, anchors at the root;
 *   otherwise the pattern may start after any `/` (`**\/` leading: same);
 * - a trailing `/` matches folders only (paths given as `dir/`);
 * - `**` filling a segment: `/**\/` is zero or more folders, a trailing
 *   `/**\/` one or more, a trailing `/**` everything inside; any other run of
 *   stars is one `*`, which never crosses `/`; a last lone `*` after a `/`
 *   needs one character;
 * - `?` one character but `/`; `[...]` gitignore_class.ts; `\x` is `x`
 *   (`\/` is a `/` that never forms a globstar); `\/` at the very end, an
 *   unterminated `[`, an unknown `[:name:]` match nothing.
 * Characters are UTF-16 units, as the package's regular expressions saw them.
 */

import { type CharClass, CloseFinder, readClass } from "./gitignore_class.ts";

/** One step of a pattern. */
export type Atom =
  /** exactly this unit (may be `/`) */
  | { readonly kind: "char"; readonly code: number }
  /** one unit but `/`, or one the class admits */
  | { readonly kind: "one"; readonly cls?: CharClass }
  /** any one unit, `/` too */
  | { readonly kind: "any" }
  /** zero or more units but `/` */
  | { readonly kind: "star" }
  /** `(/name)*`, or `(/name)+` when atLeastOne */
  | { readonly kind: "dirs"; readonly atLeastOne: boolean };

/** How the path must end after the last atom. */
export type PatternEnd =
  /** at the end, or before a final `/` */
  | "name"
  /** at the end (the last atom took the folder's `/`) */
  | "dir"
  /** anywhere: the rest of the path is inside */
  | "open";

/** A compiled pattern; null where it can match nothing. */
export interface Pattern {
  /** Starts at the path's start only; else also after any `/`. */
  readonly rooted: boolean;
  readonly atoms: readonly Atom[];
  readonly end: PatternEnd;
}

type Token =
  | { readonly t: "sep" }
  | { readonly t: "stars"; readonly n: number; globstar: boolean }
  | { readonly t: "atom"; readonly atom: Atom };

const SEP: Token = { t: "sep" };
const SLASH = 0x2f;

function tokenize(body: string): Token[] | null {
  const out: Token[] = [];
  const closes = new CloseFinder(body);
  let i = 0;
  while (i < body.length) {
    const ch = body[i];
    if (ch === "\\") {
      if (i + 1 >= body.length || (body[i + 1] === "/" && i + 2 === body.length)) return null;
      out.push({ t: "atom", atom: { kind: "char", code: body.charCodeAt(i + 1) } });
      i += 2;
    } else if (ch === "[") {
      const read = readClass(body, i, closes);
      if (read === null) return null;
      out.push({ t: "atom", atom: { kind: "one", cls: read.cls } });
      i = read.end + 1;
    } else if (ch === "*") {
      let n = 0;
      while (body[i] === "*") (n++, i++);
      out.push({ t: "stars", n, globstar: false });
    } else {
      out.push(
        ch === "/" ? SEP : {
          t: "atom",
          atom: ch === "?" ? { kind: "one" } : { kind: "char", code: body.charCodeAt(i) },
        },
      );
      i++;
    }
  }
  // A run of two or more filling a segment is a globstar.
  out.forEach((tok, k) => {
    if (tok.t !== "stars" || tok.n < 2) return;
    tok.globstar = (k === 0 || out[k - 1].t === "sep") &&
      (k === out.length - 1 || out[k + 1].t === "sep");
  });
  return out;
}

const isGlobstar = (tok: Token | undefined) => tok?.t === "stars" && tok.globstar;
const isSlash = (tok: Token | undefined) =>
  tok?.t === "sep" || (tok?.t === "atom" && tok.atom.kind === "char" && tok.atom.code === SLASH);

/** Read one pattern (a rule's body, from gitignore_lines.ts). */
export function compilePattern(source: string): Pattern | null {
  const body = /^\/\*{2,}$/.test(source) ? "**" : source;
  const toks = tokenize(body);
  if (toks === null) return null;
  let i = 0;
  let rooted: boolean | undefined;
  if (toks[0] === SEP) (rooted = true, i = 1);
  if (isGlobstar(toks[i]) && toks[i + 1] === SEP) {
    rooted = false;
    while (isGlobstar(toks[i]) && toks[i + 1] === SEP) i += 2;
  }
  rooted ??= /\/(?!$)/.test(body);
  const atoms: Atom[] = [];
  let end: PatternEnd = "name";
  const n = toks.length;
  for (let k = i; k < n; k++) {
    const tok = toks[k];
    if (tok.t === "sep") {
      if (isGlobstar(toks[k + 1]) && (k + 2 === n || toks[k + 2] === SEP)) {
        if (k + 2 === n) {
          atoms.push({ kind: "char", code: SLASH }, { kind: "any" });
          return { rooted, atoms, end: "open" };
        }
        atoms.push({ kind: "dirs", atLeastOne: k + 3 === n });
        k++;
        continue;
      }
      atoms.push({ kind: "char", code: SLASH });
      if (k === n - 1) end = "dir";
    } else if (tok.t === "stars") {
      // A last lone `*` right after a `/` names something inside: `a/*`
      // is not the folder `a/` itself.
      if (k === n - 1 && tok.n === 1 && k > i && isSlash(toks[k - 1])) atoms.push({ kind: "one" });
      atoms.push({ kind: "star" });
    } else {
      atoms.push(tok.atom);
    }
  }
  return { rooted, atoms, end };
}
