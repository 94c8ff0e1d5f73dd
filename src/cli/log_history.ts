/**
 * @module log_history
 * The history `mycel log` reads: every author's entries held here, newest
 * first, read a few hundred at a time from each chain's end (never the
 * whole log in memory), and where each device's history starts here and
 * why (compacted here, or taken as a checkpoint's state). Apart from the
 * command (commands/log.ts), which prints it.
 */

import { compareHlc } from "../crdt/hlc.ts";
import { localTime } from "../human.ts";
import type { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry, type SignedEntry } from "../log/entry.ts";
import { keyOfHex } from "../log/state_rows.ts";
import type { Home } from "../storage/home_handle.ts";
import type { HistoryBase } from "../storage/sql_local.ts";
import { safeText } from "../text_safety.ts";

/** Newest first across every author: each chain's stamps only grow, so merge them from their ends. */
export function* newestFirst(home: Home, authors: DeviceKey[]): Generator<SignedEntry> {
  const next = new Map<DeviceKey, { buf: SignedEntry[]; before: number }>();
  for (const a of authors) next.set(a, { buf: [], before: (home.log.head(a)?.seq ?? 0) + 1 });
  const peek = (a: DeviceKey) => {
    const n = next.get(a)!;
    if (n.buf.length === 0 && n.before > 1) {
      n.buf = home.log.rangeDesc(a, n.before, 256).map((b) => decodeSignedEntry(b));
      n.before = n.buf.at(-1)?.entry.seq ?? 1;
    }
    return n.buf[0];
  };
  for (;;) {
    let best: DeviceKey | undefined;
    for (const a of authors) {
      const e = peek(a);
      if (e && (best === undefined || compareHlc(e.entry.hlc, peek(best)!.entry.hlc) > 0)) best = a;
    }
    if (best === undefined) return;
    yield next.get(best)!.buf.shift()!;
  }
}

/**
 * Where one device's history starts here, and why (local record `history`:
 * compacted on this device, or taken as a checkpoint's state).
 */
export function baseNote(
  c: { name: string; base: number; why?: HistoryBase },
  nameOf: (key: DeviceKey) => string,
): string {
  const upTo = `${safeText(c.name)}'s changes up to #${c.base}`;
  const why = c.why?.seq === c.base ? c.why : undefined;
  if (why?.how === "compacted") {
    return `(${upTo} were compacted on ${
      localTime(why.at)
    }: every device had them; the state keeps their effect)`;
  }
  if (why?.how === "checkpoint") {
    const by = why.by === undefined ? "a device" : safeText(nameOf(keyOfHex(why.by)));
    return `(${upTo} are not kept here: they came as the state, in ${by}'s checkpoint of ${
      localTime(why.at)
    })`;
  }
  return `(${upTo} are not kept here: a checkpoint of the state covers them)`;
}
