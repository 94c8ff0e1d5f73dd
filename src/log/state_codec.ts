/**
 * @module state_codec
 * One plain, sorted form of {@link MeshState} serves two purposes: it is what
 * snapshots store (`encodeState` / `decodeState`), and its canonical text
 * hashed with SHA-256 is the `state_digest`, so two devices show the same
 * digest exactly when their replicated state (values and merge metadata) is
 * the same.
 */

import { plain, toHex, utf8 } from "../bytes.ts";
import type { Hlc } from "../crdt/hlc.ts";
import { canonicalJson, isJson, type Json, type JsonObject } from "../crdt/json.ts";
import type { LwwMap } from "../crdt/lww_map.ts";
import { OrSet, type OrSetState } from "../crdt/or_set.ts";
import { type MembershipEvent, MeshState } from "./state.ts";

type PlainRegister = [string, number, number, string] | [string, number, number, string, Json];

function plainLww(map: LwwMap<Json>): PlainRegister[] {
  return map.registers().map(([k, r]) =>
    r.value === undefined
      ? [k, r.stamp.wall, r.stamp.counter, r.stamp.node]
      : [k, r.stamp.wall, r.stamp.counter, r.stamp.node, r.value]
  );
}

/** The plain form: nested arrays, every collection sorted. JSON-compatible. */
export function plainState(s: MeshState): Json {
  const patterns = s.patterns.state();
  const members = s.members.state();
  return [
    1,
    plainLww(s.config),
    plainLww(s.prefs as LwwMap<Json>),
    s.apps.values(),
    [
      patterns.tags.map(([id, tags]) => [
        id,
        tags.map((t) => [t.dot.author, t.dot.seq, t.stamp.wall, t.stamp.counter, t.value]),
      ]),
      patterns.seen,
      patterns.pending.map(([id, dots]) => [id, dots.map((d) => [d.author, d.seq])]),
    ],
    [members.added, members.removed],
    plainLww(s.devices),
  ] as Json;
}

/** Hex SHA-256 of the canonical text of the plain form. */
export async function stateDigest(s: MeshState): Promise<string> {
  const text = utf8(canonicalJson(plainState(s)));
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", plain(text))));
}

function fail(reason: string): never {
  throw new Error(`state snapshot malformed: ${reason}`);
}

function arr(x: unknown, what: string): unknown[] {
  return Array.isArray(x) ? x : fail(`${what} is not a list`);
}

function str(x: unknown, what: string): string {
  return typeof x === "string" ? x : fail(`${what} is not text`);
}

function int(x: unknown, what: string): number {
  return Number.isSafeInteger(x) && (x as number) >= 0
    ? x as number
    : fail(`${what} is not a count`);
}

function loadLww<V extends Json>(map: LwwMap<V>, x: unknown, what: string): void {
  for (const r of arr(x, what)) {
    const [k, wall, counter, node, ...rest] = arr(r, what);
    const stamp: Hlc = {
      wall: int(wall, what),
      counter: int(counter, what),
      node: str(node, what),
    };
    if (rest.length > 1 || (rest.length === 1 && !isJson(rest[0]))) fail(`${what} value`);
    map.apply(str(k, what), { stamp, value: rest.length === 0 ? undefined : rest[0] as V });
  }
}

/** Rebuild a {@link MeshState} from its plain form; throws Error when malformed. */
export function stateFromPlain(x: unknown): MeshState {
  const [version, config, prefs, apps, patterns, members, devices] = arr(x, "state");
  if (version !== 1) fail(`unknown version ${String(version).slice(0, 8)}`);
  const s = new MeshState();
  loadLww(s.config, config, "config");
  loadLww(s.prefs, prefs, "prefs");
  for (const a of arr(apps, "apps")) s.apps.add(str(a, "app"));
  const [tags, seen, pending] = arr(patterns, "patterns");
  const orState: OrSetState<JsonObject> = {
    tags: arr(tags, "pattern tags").map((e) => {
      const [id, list] = arr(e, "pattern");
      return [
        str(id, "pattern id"),
        arr(list, "tags").map((t) => {
          const [author, seq, wall, counter, value] = arr(t, "tag");
          const a = str(author, "author");
          if (
            !isJson(value) || typeof value !== "object" || value === null || Array.isArray(value)
          ) {
            fail("pattern value");
          }
          return {
            dot: { author: a, seq: int(seq, "seq") },
            stamp: { wall: int(wall, "wall"), counter: int(counter, "counter"), node: a },
            value: value as JsonObject,
          };
        }),
      ];
    }),
    seen: arr(seen, "seen").map((e) => {
      const [a, n] = arr(e, "seen");
      return [str(a, "author"), int(n, "seq")];
    }),
    pending: arr(pending, "pending").map((e) => {
      const [id, dots] = arr(e, "pending");
      return [
        str(id, "pattern id"),
        arr(dots, "dots").map((d) => {
          const [a, n] = arr(d, "dot");
          return { author: str(a, "author"), seq: int(n, "seq") };
        }),
      ];
    }),
  };
  s.patterns.merge(OrSet.fromState(orState));
  const [added, removed] = arr(members, "members");
  const event = (e: unknown): MembershipEvent => {
    const m = e as MembershipEvent;
    if (typeof m !== "object" || m === null) fail("membership event");
    return {
      by: str(m.by, "by"),
      wall: int(m.wall, "wall"),
      counter: int(m.counter, "counter"),
      upTo: m.upTo === undefined ? 0 : int(m.upTo, "upTo"),
    };
  };
  for (const e of arr(added, "added")) {
    const [id, m] = arr(e, "added");
    s.members.add(str(id, "device id"), event(m));
  }
  for (const e of arr(removed, "removed")) {
    const [id, m] = arr(e, "removed");
    s.members.remove(str(id, "device id"), event(m));
  }
  loadLww(s.devices, devices, "devices");
  return s;
}
