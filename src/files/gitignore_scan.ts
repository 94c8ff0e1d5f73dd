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

const SLASH = 0x2f;

/**
 * Where a pattern stands after a folder's path: the states it may be in,
 * or `open` once everything below matches (an "open" end reached).
 */
export interface SpanState {
  readonly open: boolean;
  readonly states: Int32Array;
}

/** How a run ended: still matching, past an "open" end, or with nothing left to try. */
export type Ended = "live" | "open" | "dead";

const OPEN: SpanState = { open: true, states: new Int32Array(0) };
const DEAD: SpanState = { open: false, states: new Int32Array(0) };
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
   * With `from`, go on from where the pattern stood after a folder's path,
   * which `path` starts with (its first `at` units): only the rest is read.
   * Returns how it ended, for {@link stateAt}.
   */
  run(
    path: string,
    ends: Int32Array,
    count: number,
    hits: Int32Array,
    index: number,
    from?: SpanState,
    at = 0,
  ): Ended {
    return this.#feed(path, ends, count, hits, index, from, at);
  }

  /** Where the pattern stands after a {@link run} that read its path to the end. */
  stateAt(how: Ended): SpanState {
    if (how !== "live") return how === "open" ? OPEN : DEAD;
    return { open: false, states: this.#next.slice(0, this.#nextN) };
  }

  /**
   * Where the pattern stands after all of `dir` (a folder's path ending in
   * `/`); `from`: where it stood after the first `at` units (its parent's).
   */
  after(dir: string, from?: SpanState, at = 0): SpanState {
    ONE_END[0] = dir.length;
    return this.stateAt(this.#feed(dir, ONE_END, 1, NO_HITS, 0, from, at));
  }

  #feed(
    path: string,
    ends: Int32Array,
    count: number,
    hits: Int32Array,
    index: number,
    from: SpanState | undefined,
    at: number,
  ): Ended {
    const atoms = this.#pattern.atoms;
    const rooted = this.#pattern.rooted;
    const fin = this.#final;
    this.#nextN = 0;
    this.#newStep();
    if (from === undefined) this.#add(0);
    else if (from.open) {
      for (let k = 0; k < count; k++) if (ends[k] > at) hits[k] = index;
      return "open";
    } else {
      // Saved after their closure: taken as they are.
      for (const s of from.states) {
        this.#mark[s] = this.#stamp;
        this.#next[this.#nextN++] = s;
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
