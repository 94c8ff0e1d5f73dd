/**
 * @module or_set_test
 * Observed-remove set. Unit tests for each method, then a simulation of the
 * log fold: devices write entries (dot = author, seq) holding adds and removes
 * of observed dots; entries travel between replicas in any order that keeps
 * each author's sequence, with duplicates, partitions, state-based merges and
 * reloads from `state()`. Every replica is checked after every step against a
 * model computed from the entries it has applied, and all replicas must end
 * in the same state with no bookkeeping left over.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { type Hlc, HlcClock } from "../../src/crdt/hlc.ts";
import { canonicalJson, type Json } from "../../src/crdt/json.ts";
import { type Dot, dotKey, OrSet, type OrSetState, type Tag } from "../../src/crdt/or_set.ts";

/** Deep equality through canonical JSON text (all values here are JSON). */
function assertEquals(actual: unknown, expected: unknown, msg = ""): void {
  const a = canonicalJson(actual as Json);
  const e = canonicalJson(expected as Json);
  if (a !== e) throw new Error(`${msg ? `${msg}: ` : ""}\nexpected ${e}\ngot      ${a}`);
}

const h = (wall: number, counter = 0, node = "n"): Hlc => ({ wall, counter, node });
const dot = (author: string, seq: number): Dot => ({ author, seq });
const tag = (author: string, seq: number, value: Json, stamp = h(1000 + seq, 0, author)): Tag => ({
  dot: dot(author, seq),
  stamp,
  value,
});
const EMPTY: OrSetState = { tags: [], seen: [], pending: [] };

// ---------------------------------------------------------------------------
// Unit tests

Deno.test("dotKey() is seq@author and tells every (author, seq) apart", () => {
  assertEquals(dotKey(dot("laptop", 7)), "7@laptop");
  const dots = [
    dot("a", 1),
    dot("a", 11),
    dot("a1", 1),
    dot("1@a", 1),
    dot("a@1", 1),
    dot("", 1),
    dot("@", 11),
  ];
  assertEquals(new Set(dots.map(dotKey)).size, dots.length);
});

Deno.test("OrSet: an empty set", () => {
  const s = new OrSet();
  assertEquals([s.has("x"), s.get("x"), s.dots("x"), s.entries(), s.size], [
    false,
    undefined,
    [],
    [],
    0,
  ]);
  assertEquals(s.state(), EMPTY);
});

Deno.test("OrSet.add() makes an element present with the added value", () => {
  const s = new OrSet();
  s.add("x", tag("a", 1, "v"));
  s.observe("a", 1);
  assertEquals([s.has("x"), s.get("x"), s.dots("x"), s.entries(), s.size], [
    true,
    "v",
    [dot("a", 1)],
    [["x", "v"]],
    1,
  ]);
});

Deno.test("OrSet.get(): the newest stamp supplies the value, whatever the arrival order", () => {
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
    const tags = [tag("a", 1, "old", h(5)), tag("b", 1, "new", h(9)), tag("c", 1, "mid", h(7))];
    const s = new OrSet();
    for (const i of order) s.add("x", tags[i]);
    assertEquals(s.get("x"), "new", `order ${order}`);
  }
});

Deno.test("OrSet.get(): equal stamps are broken by the greater dot, whatever the arrival order", () => {
  const same = h(5, 0, "n");
  const tags = [tag("a", 2, "a2", same), tag("b", 1, "b1", same), tag("a", 10, "a10", same)];
  for (const order of [[0, 1, 2], [2, 1, 0], [1, 0, 2]]) {
    const s = new OrSet();
    for (const i of order) s.add("x", tags[i]);
    assertEquals(s.get("x"), "b1", `order ${order}`);
    s.remove("x", [dot("b", 1)]);
    assertEquals(s.get("x"), "a10", `order ${order}, seq compares as a number`);
  }
});

Deno.test("OrSet.dots() lists the observed dots sorted by author then seq (as numbers)", () => {
  const s = new OrSet();
  for (const t of [tag("b", 1, 0), tag("a", 10, 0), tag("a", 9, 0)]) s.add("x", t);
  assertEquals(s.dots("x"), [dot("a", 9), dot("a", 10), dot("b", 1)]);
  assertEquals(s.dots("y"), []);
});

Deno.test("OrSet.entries() is sorted by id and size counts present ids", () => {
  const s = new OrSet();
  s.add("b", tag("a", 1, 1));
  s.add("B", tag("a", 1, 2));
  s.add("a", tag("a", 1, 3));
  s.add("a", tag("b", 1, 4));
  assertEquals(s.entries(), [["B", 2], ["a", 4], ["b", 1]]);
  assertEquals(s.size, 3);
});

Deno.test("OrSet.remove() deletes the observed dots and nothing else", () => {
  const s = new OrSet();
  s.add("x", tag("a", 1, "a"));
  s.add("x", tag("b", 1, "b"));
  s.add("y", tag("a", 1, "ya"));
  s.observe("a", 1);
  s.observe("b", 1);
  s.remove("x", [dot("a", 1)]);
  assertEquals(s.entries(), [["x", "b"], ["y", "ya"]]);
  s.remove("x", [dot("b", 1)]);
  assertEquals([s.has("x"), s.get("x"), s.size], [false, undefined, 1]);
  assertEquals(s.state().tags.map(([id]) => id), ["y"], "no tombstone left for x");
});

Deno.test("OrSet.remove() with no dots does nothing", () => {
  const s = new OrSet();
  s.add("x", tag("a", 1, "v"));
  s.observe("a", 1);
  const before = s.state();
  s.remove("x", []);
  s.remove("nothing", []);
  assertEquals(s.state(), before);
});

Deno.test("OrSet: a concurrent add survives a remove that did not observe it", () => {
  // a adds x (a:1); b sees it and removes it (b:1) while c adds x again (c:1).
  const s = new OrSet();
  s.add("x", tag("a", 1, "from a"));
  s.observe("a", 1);
  s.add("x", tag("c", 1, "from c"));
  s.observe("c", 1);
  s.remove("x", [dot("a", 1)]);
  s.observe("b", 1);
  assertEquals(s.entries(), [["x", "from c"]]);
});

Deno.test("OrSet: two adds in the same millisecond by one device never collide (sketch's tag bug absent)", () => {
  // The sketch tagged adds with (node, wall ms): these two would share a tag,
  // and the remove of the first would delete the second too.
  const clock = new HlcClock("a");
  const t1: Tag = { dot: dot("a", 1), stamp: clock.now(1000), value: "first" };
  const t2: Tag = { dot: dot("a", 2), stamp: clock.now(1000), value: "second" };
  assertEquals(t1.stamp.wall, t2.stamp.wall);
  const b = new OrSet();
  b.add("x", t1);
  b.observe("a", 1);
  b.remove("x", b.dots("x")); // b saw only the first add
  b.observe("b", 1);
  b.add("x", t2);
  b.observe("a", 2);
  assertEquals(b.entries(), [["x", "second"]]);
});

Deno.test("OrSet: a remove that arrives before the add it observed is parked, then voids the add", () => {
  const s = new OrSet();
  s.remove("x", [dot("a", 1)]); // b:1 removed a:1, which has not reached us yet
  s.observe("b", 1);
  assertEquals(s.state(), { tags: [], seen: [["b", 1]], pending: [["x", [dot("a", 1)]]] });
  s.add("x", tag("a", 1, "v"));
  s.observe("a", 1);
  assertEquals([s.has("x"), s.size], [false, 0]);
  assertEquals(s.state(), { tags: [], seen: [["a", 1], ["b", 1]], pending: [] });
});

Deno.test("OrSet: a parked remove only voids the add it names", () => {
  const s = new OrSet();
  s.remove("x", [dot("a", 1)]);
  s.observe("b", 1);
  s.add("y", tag("a", 1, "other id, same entry"));
  s.add("x", tag("a", 1, "named"));
  s.observe("a", 1);
  s.add("x", tag("c", 1, "concurrent"));
  s.observe("c", 1);
  assertEquals(s.entries(), [["x", "concurrent"], ["y", "other id, same entry"]]);
  assertEquals(s.state().pending, []);
});

Deno.test("OrSet: a parked remove is dropped once the version vector covers it, even if its add never comes", () => {
  const s = new OrSet();
  s.remove("x", [dot("a", 2)]);
  s.observe("b", 1);
  s.observe("a", 1);
  assertEquals(s.state().pending, [["x", [dot("a", 2)]]], "a:2 not covered yet");
  s.observe("a", 3); // a:2 held no add of x after all
  assertEquals(s.state().pending, []);
});

Deno.test("OrSet: a remove of a covered dot that is already gone is not parked", () => {
  const s = new OrSet();
  s.add("x", tag("a", 1, "v"));
  s.observe("a", 1);
  s.remove("x", [dot("a", 1)]);
  s.observe("b", 1);
  s.remove("x", [dot("a", 1)]); // c:1 removed the same add concurrently
  s.observe("c", 1);
  assertEquals(s.state(), { tags: [], seen: [["a", 1], ["b", 1], ["c", 1]], pending: [] });
});

Deno.test("OrSet.add() of an entry already applied does nothing (no resurrection on re-delivery)", () => {
  const s = new OrSet();
  s.add("x", tag("a", 1, "v"));
  s.observe("a", 1);
  s.remove("x", [dot("a", 1)]);
  s.observe("b", 1);
  s.add("x", tag("a", 1, "v")); // a:1 delivered again
  s.observe("a", 1);
  assertEquals([s.has("x"), s.state().pending], [false, []]);
});

Deno.test("OrSet.observe() never moves the version vector back", () => {
  const s = new OrSet();
  s.observe("a", 5);
  s.observe("a", 3);
  s.observe("a", 5);
  assertEquals(s.state().seen, [["a", 5]]);
});

Deno.test("OrSet: an entry adding the same id twice is voided whole by a remove that arrived first", () => {
  // Entry a:1 adds x twice (a batch, say); b sees x (dot a:1) and removes it.
  const entry: Tag[] = [tag("a", 1, "first"), tag("a", 1, "second")];
  const inOrder = new OrSet();
  for (const t of entry) inOrder.add("x", t);
  inOrder.observe("a", 1);
  assertEquals(inOrder.dots("x"), [dot("a", 1)]);
  inOrder.remove("x", inOrder.dots("x"));
  inOrder.observe("b", 1);
  // c gets b:1 before a:1.
  const reordered = new OrSet();
  reordered.remove("x", [dot("a", 1)]);
  reordered.observe("b", 1);
  for (const t of entry) reordered.add("x", t);
  reordered.observe("a", 1);
  assertEquals(reordered.state(), inOrder.state(), "both replicas applied a:1 and b:1");
  assertEquals(reordered.has("x"), false);
});

Deno.test("OrSet.state() is sorted and fromState() rebuilds an equal, independent set", () => {
  const s = new OrSet();
  s.add("y", tag("b", 2, "y"));
  s.add("x", tag("b", 1, 1));
  s.add("x", tag("a", 3, 2));
  s.observe("b", 2);
  s.observe("a", 3);
  s.remove("z", [dot("c", 4), dot("a", 9)]);
  s.remove("w", [dot("c", 1)]);
  s.observe("d", 1);
  const st = s.state();
  assertEquals(st.tags.map(([id, ts]) => [id, ts.map((t) => dotKey(t.dot))]), [["x", [
    "3@a",
    "1@b",
  ]], ["y", ["2@b"]]]);
  assertEquals(st.seen, [["a", 3], ["b", 2], ["d", 1]]);
  assertEquals(st.pending, [["w", [dot("c", 1)]], ["z", [dot("a", 9), dot("c", 4)]]]);
  const copy = OrSet.fromState(JSON.parse(JSON.stringify(st)));
  assertEquals(copy.state(), st);
  assertEquals(copy.entries(), s.entries());
  copy.add("z", tag("c", 4, "voided"));
  copy.add("q", tag("c", 5, "new"));
  copy.observe("c", 5);
  assertEquals(s.state(), st, "the original is untouched");
  assertEquals(copy.entries(), [["q", "new"], ["x", 2], ["y", "y"]]);
  assertEquals(copy.state().pending, [["z", [dot("a", 9)]]]);
});

Deno.test("OrSet.clone() is an equal, independent copy", () => {
  const s = new OrSet();
  s.add("x", tag("a", 1, 1));
  s.observe("a", 1);
  s.remove("y", [dot("c", 1)]);
  s.observe("b", 1);
  const c = s.clone();
  assertEquals(c.state(), s.state());
  c.remove("x", [dot("a", 1)]);
  c.add("y", tag("c", 1, "voided"));
  c.observe("c", 1);
  assertEquals(s.entries(), [["x", 1]]);
  assertEquals(s.state().pending, [["y", [dot("c", 1)]]]);
  assertEquals([c.entries(), c.state().pending], [[], []]);
});

Deno.test("OrSet.merge(): a concurrent add wins over a remove (state-based)", () => {
  const base = new OrSet();
  base.add("x", tag("a", 1, "v1"));
  base.observe("a", 1);
  const remover = base.clone();
  remover.remove("x", remover.dots("x"));
  remover.observe("b", 1);
  const adder = base.clone();
  adder.add("x", tag("c", 1, "v2"));
  adder.observe("c", 1);
  const one = remover.clone().merge(adder);
  const two = adder.clone().merge(remover);
  assertEquals(one.entries(), [["x", "v2"]]);
  assertEquals(one.dots("x"), [dot("c", 1)]);
  assertEquals(two.state(), one.state());
});

Deno.test("OrSet.merge(): a parked remove cancels the add it observed on the other side", () => {
  const withAdd = new OrSet();
  withAdd.add("x", tag("a", 1, "v"));
  withAdd.observe("a", 1);
  const withRemove = new OrSet(); // applied b:1 (remove of a:1) but not a:1
  withRemove.remove("x", [dot("a", 1)]);
  withRemove.observe("b", 1);
  const want = { tags: [], seen: [["a", 1], ["b", 1]], pending: [] };
  assertEquals(withAdd.clone().merge(withRemove).state(), want);
  assertEquals(withRemove.clone().merge(withAdd).state(), want);
});

Deno.test("OrSet.merge(): parked removes of both sides are kept until covered", () => {
  const p = new OrSet();
  p.remove("x", [dot("a", 1)]);
  p.observe("b", 1);
  const q = new OrSet();
  q.remove("x", [dot("a", 2)]);
  q.remove("y", [dot("c", 1)]);
  q.observe("d", 1);
  const m = p.clone().merge(q);
  assertEquals(m.state().pending, [["x", [dot("a", 1), dot("a", 2)]], ["y", [dot("c", 1)]]]);
  assertEquals(m.state(), q.clone().merge(p).state());
  const r = new OrSet();
  r.observe("a", 1);
  assertEquals(m.merge(r).state().pending, [["x", [dot("a", 2)]], ["y", [dot("c", 1)]]]);
});

Deno.test("OrSet.merge() returns the set itself and merging with itself changes nothing", () => {
  const s = new OrSet();
  s.add("x", tag("a", 1, 1));
  s.observe("a", 1);
  s.remove("y", [dot("c", 1)]);
  s.observe("b", 1);
  const before = s.state();
  assert(s.merge(s) === s);
  assertEquals(s.state(), before);
});

// ---------------------------------------------------------------------------
// Simulation of the log fold

type Intent = { kind: "add"; id: string; value: Json } | { kind: "remove"; id: string };
type Op = { kind: "add"; id: string; tag: Tag } | { kind: "remove"; id: string; dots: Dot[] };
interface Entry {
  readonly author: string;
  readonly seq: number;
  readonly ops: readonly Op[];
}
type Step =
  | { kind: "local"; dev: number; intents: Intent[]; wall: number }
  | { kind: "deliver"; author: number; to: number; count: number }
  | { kind: "dup"; author: number; to: number; back: number }
  | { kind: "merge"; from: number; to: number }
  | { kind: "reload"; dev: number };

/**
 * How entries are written. "plain": a remove observes the set as it was before
 * the entry, and an entry adds an id at most once. "any": ops of one entry see
 * each other (add then remove then add again in one entry, an id added twice).
 */
type Mode = "plain" | "any";

const IDS = ["x", "y", "z"];
const AUTHORS = ["a", "b", "c", "d"];

function applyEntry(s: OrSet, e: Entry): void {
  for (const op of e.ops) {
    if (op.kind === "add") s.add(op.id, op.tag);
    else s.remove(op.id, op.dots);
  }
  s.observe(e.author, e.seq);
}

function compareDots(a: Dot, b: Dot): number {
  return a.author !== b.author ? (a.author < b.author ? -1 : 1) : a.seq - b.seq;
}
function newestTag(tags: Tag[]): Tag | undefined {
  return [...tags].sort((x, y) => {
    const byStamp = x.stamp.wall - y.stamp.wall || x.stamp.counter - y.stamp.counter ||
      (x.stamp.node === y.stamp.node ? 0 : x.stamp.node < y.stamp.node ? -1 : 1);
    return byStamp || compareDots(x.dot, y.dot);
  }).at(-1);
}

/**
 * What a replica must hold after applying `applied` (a per-author prefix of
 * every log), in any order: the adds whose entry left them present and that no
 * other applied entry removed; parked, exactly the removes naming an add not
 * applied yet; seen, each author's prefix length.
 */
function expectedState(applied: Entry[], vv: Map<string, number>): OrSetState {
  const tags: [string, Tag[]][] = [];
  for (const id of IDS) {
    const live: Tag[] = [];
    for (const e of applied) {
      let last: Tag | undefined;
      for (const op of e.ops) {
        if (op.id !== id) continue;
        if (op.kind === "add") last = op.tag;
        else if (op.dots.some((d) => d.author === e.author && d.seq === e.seq)) last = undefined;
      }
      if (last === undefined) continue;
      const removedElsewhere = applied.some((o) =>
        o !== e &&
        o.ops.some((op) =>
          op.kind === "remove" && op.id === id &&
          op.dots.some((d) => d.author === e.author && d.seq === e.seq)
        )
      );
      if (!removedElsewhere) live.push(last);
    }
    if (live.length > 0) tags.push([id, live.sort((x, y) => compareDots(x.dot, y.dot))]);
  }
  const pending: [string, Dot[]][] = [];
  for (const id of IDS) {
    const parked = new Map<string, Dot>();
    for (const e of applied) {
      for (const op of e.ops) {
        if (op.kind !== "remove" || op.id !== id) continue;
        for (const d of op.dots) if (d.seq > (vv.get(d.author) ?? 0)) parked.set(dotKey(d), d);
      }
    }
    if (parked.size > 0) pending.push([id, [...parked.values()].sort(compareDots)]);
  }
  const seen = [...vv].filter(([, n]) => n > 0).sort((x, y) => (x[0] < y[0] ? -1 : 1));
  return { tags, seen, pending };
}

function checkReplica(s: OrSet, applied: Entry[], vv: Map<string, number>, label: string): void {
  const want = expectedState(applied, vv);
  assertEquals(s.state(), want, `${label} state`);
  const wantEntries = want.tags.map(([id, ts]) => [id, newestTag(ts)!.value]);
  assertEquals(s.entries(), wantEntries, `${label} entries`);
  for (const id of IDS) {
    const ts = want.tags.find(([i]) => i === id)?.[1] ?? [];
    assertEquals([s.has(id), s.dots(id)], [ts.length > 0, ts.map((t) => t.dot)], `${label} ${id}`);
  }
}

class Sim {
  readonly devs: string[];
  readonly replicas: OrSet[];
  readonly clocks: HlcClock[];
  readonly logs = new Map<string, Entry[]>();
  /** Per replica: how many entries of each author it has applied (a prefix). */
  readonly vv: Map<string, number>[];

  constructor(
    n: number,
    readonly mode: Mode,
    readonly group: (i: number) => number,
    sameNode: boolean,
  ) {
    this.devs = AUTHORS.slice(0, n);
    this.replicas = this.devs.map(() => new OrSet());
    this.clocks = this.devs.map((d) => new HlcClock(sameNode ? "" : d));
    this.vv = this.devs.map(() => new Map());
    for (const d of this.devs) this.logs.set(d, []);
  }

  applied(i: number): Entry[] {
    return this.devs.flatMap((a) => this.logs.get(a)!.slice(0, this.vv[i].get(a) ?? 0));
  }

  /** Every state some replica went through (with what it had applied), for merge tests. */
  readonly history: { set: OrSet; vv: Map<string, number> }[] = [];

  check(i: number, label: string): void {
    const applied = this.applied(i);
    checkReplica(this.replicas[i], applied, this.vv[i], `${label}: replica ${this.devs[i]}`);
    this.history.push({ set: this.replicas[i].clone(), vv: new Map(this.vv[i]) });
  }

  /** Device `i` runs a command: one entry, its ops applied locally as they are made. */
  local(i: number, intents: Intent[], wall: number): void {
    const author = this.devs[i];
    const log = this.logs.get(author)!;
    const seq = log.length + 1;
    const stamp = this.clocks[i].now(wall);
    const s = this.replicas[i];
    const before = new Map(IDS.map((id) => [id, s.dots(id)]));
    const added = new Set<string>();
    const ops: Op[] = [];
    for (const it of intents) {
      if (it.kind === "add") {
        if (this.mode === "plain" && added.has(it.id)) continue;
        added.add(it.id);
        const op: Op = {
          kind: "add",
          id: it.id,
          tag: { dot: { author, seq }, stamp, value: it.value },
        };
        ops.push(op);
        s.add(op.id, op.tag);
      } else {
        const dots = this.mode === "plain" ? before.get(it.id)! : s.dots(it.id);
        ops.push({ kind: "remove", id: it.id, dots });
        s.remove(it.id, dots);
      }
    }
    s.observe(author, seq);
    log.push({ author, seq, ops });
    this.vv[i].set(author, seq);
  }

  cut(from: number, to: number): boolean {
    return this.group(from) !== this.group(to);
  }

  /** Deliver the next entry of `author` to replica `to`; false when it has them all. */
  deliver(author: number, to: number): boolean {
    const a = this.devs[author];
    const next = (this.vv[to].get(a) ?? 0) + 1;
    const e = this.logs.get(a)![next - 1];
    if (e === undefined) return false;
    applyEntry(this.replicas[to], e);
    this.vv[to].set(a, next);
    return true;
  }

  /** Deliver again an entry `to` already applied. */
  dup(author: number, to: number, back: number): void {
    const a = this.devs[author];
    const n = this.vv[to].get(a) ?? 0;
    if (n > 0) applyEntry(this.replicas[to], this.logs.get(a)![n - 1 - (back % n)]);
  }

  merge(from: number, to: number): void {
    this.replicas[to].merge(this.replicas[from]);
    for (const [a, n] of this.vv[from]) if (n > (this.vv[to].get(a) ?? 0)) this.vv[to].set(a, n);
  }

  reload(i: number): void {
    this.replicas[i] = OrSet.fromState(JSON.parse(JSON.stringify(this.replicas[i].state())));
  }

  step(st: Step): void {
    const n = this.devs.length;
    switch (st.kind) {
      case "local":
        return this.local(st.dev % n, st.intents, st.wall);
      case "deliver": {
        const [a, to] = [st.author % n, st.to % n];
        if (this.cut(a, to)) return;
        for (let k = 0; k < st.count && this.deliver(a, to); k++) this.check(to, "deliver");
        return;
      }
      case "dup":
        // Only in "plain" mode: there a remove never names its own entry's add,
        // so applying an entry twice is harmless.
        if (this.mode === "plain") this.dup(st.author % n, st.to % n, st.back);
        return;
      case "merge":
        if (!this.cut(st.from % n, st.to % n)) this.merge(st.from % n, st.to % n);
        return;
      case "reload":
        return this.reload(st.dev % n);
    }
  }

  /** Heal every partition and deliver everything everywhere, in a seeded random order. */
  deliverAll(seed: number, dups: boolean): void {
    let x = seed >>> 0;
    const rand = (k: number) => {
      x = (x + 0x6d2b79f5) >>> 0; // mulberry32
      let t = Math.imul(x ^ (x >>> 15), 1 | x);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % k;
    };
    const n = this.devs.length;
    for (;;) {
      const open: [number, number][] = [];
      for (let a = 0; a < n; a++) {
        for (let to = 0; to < n; to++) {
          if ((this.vv[to].get(this.devs[a]) ?? 0) < this.logs.get(this.devs[a])!.length) {
            open.push([a, to]);
          }
        }
      }
      if (open.length === 0) return;
      const [a, to] = open[rand(open.length)];
      this.deliver(a, to);
      if (dups && rand(4) === 0) this.dup(rand(n), to, rand(8));
      this.check(to, "final delivery");
    }
  }
}

const intentArb: fc.Arbitrary<Intent> = fc.oneof(
  fc.record({
    kind: fc.constant("add" as const),
    id: fc.constantFrom(...IDS),
    value: fc.constantFrom<Json>(0, 1, "v", "w", null, { k: [1] }),
  }),
  fc.record({ kind: fc.constant("remove" as const), id: fc.constantFrom(...IDS) }),
);
const devArb = fc.nat(3);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("local" as const),
      dev: devArb,
      intents: fc.array(intentArb, { minLength: 1, maxLength: 4 }),
      wall: fc.integer({ min: 1000, max: 1002 }), // same-millisecond adds are common
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("deliver" as const),
      author: devArb,
      to: devArb,
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("dup" as const),
      author: devArb,
      to: devArb,
      back: fc.nat(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("merge" as const), from: devArb, to: devArb }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reload" as const), dev: devArb }) },
);
type Scenario = {
  devices: number;
  partition: number;
  sameNode: boolean;
  steps: Step[];
  seed: number;
};
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  devices: fc.integer({ min: 2, max: 4 }),
  /** Bit i set: device i is on the other side of a partition until the end. */
  partition: fc.oneof(fc.constant(0), fc.nat(15)),
  sameNode: fc.boolean(),
  steps: fc.array(stepArb, { minLength: 5, maxLength: 40, size: "max" }),
  seed: fc.integer(),
});

/** Run a scenario; returns the replicas as they were before the final delivery. */
function run(mode: Mode, sc: Scenario) {
  const sim = new Sim(sc.devices, mode, (i) => (sc.partition >> i) & 1, sc.sameNode);
  for (const st of sc.steps) {
    sim.step(st);
    for (let i = 0; i < sim.devs.length; i++) sim.check(i, st.kind);
  }
  const snapshot = sim.replicas.map((r) => r.clone());
  sim.deliverAll(sc.seed, mode === "plain");
  return { sim, snapshot };
}

function checkConverged(sim: Sim): void {
  const all = sim.devs.flatMap((a) => sim.logs.get(a)!);
  const first = sim.replicas[0];
  for (const [i, r] of sim.replicas.entries()) {
    assertEquals(r.state(), first.state(), `replica ${sim.devs[i]} state`);
    assertEquals(r.entries(), first.entries(), `replica ${sim.devs[i]} entries`);
  }
  const st = first.state();
  assertEquals(st.pending, [], "nothing parked once everything is delivered");
  assertEquals(
    st.tags.map(([id]) => id),
    first.entries().map(([id]) => id),
    "tags only for present ids",
  );
  for (const [id, ts] of st.tags) assert(ts.length > 0, `empty tag list for ${id}`);
  assertEquals(
    st.seen,
    sim.devs.filter((a) => sim.logs.get(a)!.length > 0).map((a) => [a, sim.logs.get(a)!.length]),
    "seen is each log's length",
  );
  const vv = new Map(sim.devs.map((a) => [a, sim.logs.get(a)!.length]));
  checkReplica(first, all, vv, "final");
}

Deno.test("OrSet log fold: replicas converge under any per-author-ordered delivery, duplicates, partitions, merges and reloads", () => {
  fc.assert(
    fc.property(scenarioArb, (sc) => {
      const { sim } = run("plain", sc);
      checkConverged(sim);
    }),
    { seed: 0x0a5e7, numRuns: 400 },
  );
});

Deno.test("OrSet log fold: state-based merge of any replica states agrees with applying their entries, and is a join", () => {
  fc.assert(
    fc.property(scenarioArb, fc.array(fc.nat(), { minLength: 6, maxLength: 6 }), (sc, pick) => {
      const { sim, snapshot } = run("plain", sc);
      // Any states replicas went through, at any time (parked removes included).
      const h = sim.history;
      // States with parked removes are rare: take one as p half of the time.
      const parked = h.filter((x) => x.set.state().pending.length > 0);
      const p = parked.length > 0 && pick[4] % 2 === 0
        ? parked[pick[0] % parked.length]
        : h[pick[0] % h.length];
      const [q, r] = [h[pick[1] % h.length], h[pick[2] % h.length]];
      const join = (x: OrSet, y: OrSet) => x.clone().merge(y);
      // A merge holds what a replica that applied both sides' entries holds.
      const vv = new Map(p.vv);
      for (const [a, k] of q.vv) if (k > (vv.get(a) ?? 0)) vv.set(a, k);
      const applied = sim.devs.flatMap((a) => sim.logs.get(a)!.slice(0, vv.get(a) ?? 0));
      checkReplica(join(p.set, q.set), applied, vv, "p ⊔ q");
      assertEquals(join(p.set, q.set).state(), join(q.set, p.set).state(), "commutative");
      assertEquals(
        join(join(p.set, q.set), r.set).state(),
        join(p.set, join(q.set, r.set)).state(),
        "associative",
      );
      assertEquals(join(p.set, p.set).state(), p.set.state(), "idempotent");
      assertEquals(join(p.set, new OrSet()).state(), p.set.state(), "empty is the identity");
      // All replicas as they were before the final delivery, merged in some order,
      // equal the end state of applying every entry op by op.
      const k = pick[3] % snapshot.length;
      const order = [...snapshot.slice(k), ...snapshot.slice(0, k)];
      if (pick[5] % 2 === 1) order.reverse();
      const all = order.reduce((acc, set) => acc.merge(set), new OrSet());
      assertEquals(all.state(), sim.replicas[0].state(), "merge of all = every entry applied");
      assertEquals(all.entries(), sim.replicas[0].entries());
    }),
    { seed: 0x5eed, numRuns: 300 },
  );
});

// Entries whose ops see each other: an id added twice in one entry, or added,
// removed (naming the entry's own dot) and added again. Entries are not
// re-delivered here: re-applying such an entry would remove its re-add, so the
// fold must apply each (author, seq) once (see the "dup" step).
Deno.test("OrSet log fold: an entry may add an id twice, or add, remove and re-add it, and replicas still converge", () => {
  fc.assert(
    fc.property(scenarioArb, (sc) => {
      const { sim } = run("any", sc);
      checkConverged(sim);
    }),
    { seed: 0xa11, numRuns: 400 },
  );
});
