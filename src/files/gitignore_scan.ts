/**
 * @module gitignore_scan
 * A pattern that spans folders (`/build`, `src/*.o`, `a/**\/b`) run over a
 * whole path once, left to right, keeping the set of atoms it may be at
 * (a small automaton, never a backtracking search): one pass answers for
 * every folder on the way too (`a/`, `a/b/`, …), which gitignore asks about
 * since nothing under an ignored folder can be un-ignored. Each unit of the
 * path costs at most the pattern's size, so a path costs (path length ×
 * pattern size) whatever the two hold; the regular expressions this
 * replaces took about 40 s for `a/**\/a/**\/…/b` (12 `a`s) at depth 36.
 * A rooted pattern with nothing left to try stops; a floating one skips
 * ahead to the next `/`, where it may start again.
 */

import { takes } from "./gitignore_glob.ts";
import type { Pattern } from "./gitignore_pattern.ts";
import type { Packed, PackWriter } from "./gitignore_packed.ts";

const SLASH = 0x2f;

/** How a run ended: still matching, past an "open" end, or with nothing left to try. */
export type Ended = "live" | "open" | "dead";

const ONE_END = new Int32Array(1);
const NO_HITS = new Int32Array(1);

/** What a state's one outgoing unit must be. */
const enum On {
  Nothing,
  Code, // the unit in #code
  NotSlash,
  Slash,
  Any,
  Class, // the class of atom #code
}

/** One compiled spanning pattern; not re-entrant (one path at a time). */
export class SpanScanner {
  readonly #pattern: Pattern;
  readonly #final: number;
  // Every state has at most one move on a unit and two without one.
  #on: Uint8Array;
  #code: Int32Array;
  #to: Int32Array;
  #eps1: Int32Array;
  #eps2: Int32Array;
  #mark: Int32Array;
  #stamp = 0;
  #cur: Int32Array;
  #next: Int32Array;
  #curN = 0;
  #nextN = 0;
  #stack: Int32Array;
  /** The states a run starts in (1 for each), and how many. */
  readonly #start: Uint8Array;
  readonly #startN: number;

  constructor(pattern: Pattern) {
    this.#pattern = pattern;
    const atoms = pattern.atoms;
    // State k: before atom k; atoms.length: after the last. Each `dirs`
    // adds two: after its `/`, and inside the folder name.
    const n = atoms.length;
    const size = n + 1 + 2 * atoms.filter((a) => a.kind === "dirs").length;
    this.#on = new Uint8Array(size);
    this.#code = new Int32Array(size);
    this.#to = new Int32Array(size);
    this.#eps1 = new Int32Array(size).fill(-1);
    this.#eps2 = new Int32Array(size).fill(-1);
    const move = (from: number, on: On, to: number, code = 0) => {
      this.#on[from] = on;
      this.#to[from] = to;
      this.#code[from] = code;
    };
    const eps = (from: number, to: number) => {
      if (this.#eps1[from] < 0) this.#eps1[from] = to;
      else this.#eps2[from] = to;
    };
    let extra = n + 1;
    atoms.forEach((a, k) => {
      if (a.kind === "star") {
        move(k, On.NotSlash, k);
        eps(k, k + 1);
      } else if (a.kind === "dirs") {
        const slash = extra++;
        const name = extra++;
        move(k, On.Slash, slash);
        move(slash, On.NotSlash, name);
        move(name, On.NotSlash, name);
        eps(name, k);
        eps(a.atLeastOne ? name : k, k + 1);
      } else if (a.kind === "char") {
        move(k, a.code === SLASH ? On.Slash : On.Code, k + 1, a.code);
      } else if (a.kind === "any") {
        move(k, On.Any, k + 1);
      } else {
        move(k, a.cls === undefined ? On.NotSlash : On.Class, k + 1, k);
      }
    });
    this.#final = n;
    this.#mark = new Int32Array(size);
    this.#cur = new Int32Array(size);
    this.#next = new Int32Array(size);
    this.#stack = new Int32Array(size);
    this.#start = new Uint8Array(size);
    this.#newStep();
    this.#add(0);
    this.#startN = this.#nextN;
    for (let i = 0; i < this.#nextN; i++) this.#start[this.#next[i]] = 1;
  }

  #add(s: number): void {
    const stack = this.#stack;
    const mark = this.#mark;
    const stamp = this.#stamp;
    let top = 0;
    stack[top++] = s;
    while (top > 0) {
      const x = stack[--top];
      if (mark[x] === stamp) continue;
      mark[x] = stamp;
      this.#next[this.#nextN++] = x;
      // Each state is pushed once per step, so the stack never overflows.
      if (this.#eps2[x] >= 0 && mark[this.#eps2[x]] !== stamp) stack[top++] = this.#eps2[x];
      if (this.#eps1[x] >= 0 && mark[this.#eps1[x]] !== stamp) stack[top++] = this.#eps1[x];
    }
  }

  #newStep(): void {
    const swap = this.#cur;
    this.#cur = this.#next;
    this.#next = swap;
    this.#curN = this.#nextN;
    this.#nextN = 0;
    if (++this.#stamp === 0x7fffffff) (this.#mark.fill(0), this.#stamp = 1);
  }

  /**
   * Match every prefix `path.slice(0, ends[k])` (ascending; a prefix ending
   * in `/` is a folder) and set `hits[k] = index` for each that matches.
   * With `from`, go on from where the pattern stood after a folder's path
   * (its states packed at `off`), which `path` starts with (its first `at`
   * units): only the rest is read; without, start at `at`. Returns how it
   * ended, for {@link packInto}.
   */
  run(
    path: string,
    ends: Int32Array,
    count: number,
    hits: Int32Array,
    index: number,
    from?: Packed,
    off = 0,
    at = 0,
  ): Ended {
    return this.#feed(path, ends, count, hits, index, from, off, at);
  }

  /** Anchored at the root (else it may start after any `/`). */
  get rooted(): boolean {
    return this.#pattern.rooted;
  }

  /**
   * Append where the pattern (number `j` in its set) stands after a
   * {@link run} that read a folder's path to its end: nothing when that is
   * where it starts (see {@link Packed}).
   */
  packInto(how: Ended, out: PackWriter, j: number): void {
    if (how === "dead" || (how === "live" && this.#atStart())) return;
    out.push(j);
    if (how === "open") return out.push(-1);
    out.push(this.#nextN);
    for (let i = 0; i < this.#nextN; i++) out.push(this.#next[i]);
  }

  /** True when the states reached are just the ones a floating pattern starts in. */
  #atStart(): boolean {
    if (this.#pattern.rooted || this.#nextN !== this.#startN) return false;
    for (let i = 0; i < this.#nextN; i++) if (this.#start[this.#next[i]] === 0) return false;
    return true;
  }

  /**
   * Append where the pattern (number `j`) stands after all of `dir` (a
   * folder's path ending in `/`); `from` at `off`: where it stood after the
   * first `at` units (its parent's), else it starts at `at`.
   */
  after(dir: string, out: PackWriter, j: number, from?: Packed, off = 0, at = 0): void {
    ONE_END[0] = dir.length;
    this.packInto(this.#feed(dir, ONE_END, 1, NO_HITS, 0, from, off, at), out, j);
  }

  #feed(
    path: string,
    ends: Int32Array,
    count: number,
    hits: Int32Array,
    index: number,
    from: Packed | undefined,
    off: number,
    at: number,
  ): Ended {
    const atoms = this.#pattern.atoms;
    const rooted = this.#pattern.rooted;
    const fin = this.#final;
    this.#nextN = 0;
    this.#newStep();
    if (from === undefined) this.#add(0);
    else if (from[off] < 0) {
      for (let k = 0; k < count; k++) if (ends[k] > at) hits[k] = index;
      return "open";
    } else {
      // Packed after their closure: taken as they are.
      for (let j = off + 1; j <= off + from[off]; j++) {
        this.#mark[from[j]] = this.#stamp;
        this.#next[this.#nextN++] = from[j];
      }
    }
    let wasFinal = this.#mark[fin] === this.#stamp;
    let open = false; // "open" end reached: every longer prefix matches
    let k = 0;
    const len = path.length;
    for (let pos = at; pos < len && k < count; pos++) {
      if (open) {
        for (; k < count; k++) hits[k] = index;
        return "open";
      }
      this.#newStep();
      if (this.#curN === 0) {
        if (rooted) return "dead";
        // Nothing can match before the pattern starts again after a `/`.
        const slash = path.indexOf("/", pos);
        if (slash < 0) return "dead";
        pos = slash;
        wasFinal = false;
      }
      const c = path.charCodeAt(pos);
      const before = wasFinal && c === SLASH && this.#pattern.end === "name";
      const on = this.#on;
      const code = this.#code;
      const cur = this.#cur;
      for (let j = 0; j < this.#curN; j++) {
        const x = cur[j];
        const kind = on[x];
        const ok = kind === On.NotSlash
          ? c !== SLASH
          : kind === On.Code
          ? c === code[x]
          : kind === On.Slash
          ? c === SLASH
          : kind === On.Any
          ? true
          : kind === On.Class && takes(atoms[code[x]], c);
        if (!ok) continue;
        const to = this.#to[x];
        if (this.#eps1[to] >= 0) this.#add(to);
        else if (this.#mark[to] !== this.#stamp) {
          // The common case, inline: a state with nothing to follow.
          this.#mark[to] = this.#stamp;
          this.#next[this.#nextN++] = to;
        }
      }
      if (!rooted && c === SLASH) this.#add(0);
      wasFinal = this.#mark[fin] === this.#stamp;
      if (wasFinal && this.#pattern.end === "open") open = true;
      while (k < count && ends[k] < pos + 1) k++;
      if (ends[k] === pos + 1) {
        if (this.#pattern.end === "open" ? open : wasFinal || before) hits[k] = index;
        k++;
      }
    }
    return open ? "open" : "live";
  }
}
