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
import type { AsideReason } from "../log/ingest.ts";
import { safeText } from "../text_safety.ts";

/** One entry `mycel log` shows: in its author's chain, or kept aside (`aside`: why). */
export interface LoggedEntry {
  e: SignedEntry;
  aside?: AsideReason;
}

/** Entries of one source (a chain, or what is kept aside of it), read a page at a time, newest first. */
type Pager = () => LoggedEntry[];

function chainPager(home: Home, author: DeviceKey): Pager {
  let before = (home.log.head(author)?.seq ?? 0) + 1;
  return () => {
    if (before <= 1) return [];
    const page = home.log.rangeDesc(author, before, 256).map((b) => ({ e: decodeSignedEntry(b) }));
    before = page.at(-1)?.e.entry.seq ?? 1;
    return page;
  };
}

function asidePager(home: Home, author: DeviceKey): Pager {
  let after: { seq: number; hash: Uint8Array } | undefined;
  let done = false;
  return () => {
    if (done) return [];
    const rows = home.log.asideDesc(author, after, 256);
    done = rows.length < 256;
    after = rows.at(-1) ?? after;
    return rows.map((r) => ({ e: decodeSignedEntry(r.bytes), aside: r.reason }));
  };
}

/**
 * Newest first across every author: each chain's stamps only grow, so merge
 * them from their ends. With `aside`, what is kept aside of each author too
 * (past a removal's cut, a fork's other branch, waiting), each marked.
 */
export function* newestFirst(
  home: Home,
  authors: DeviceKey[],
  aside = false,
): Generator<LoggedEntry> {
  const pagers = authors.flatMap((a) =>
    aside ? [chainPager(home, a), asidePager(home, a)] : [chainPager(home, a)]
  );
  const bufs = pagers.map(() => [] as LoggedEntry[]);
  const ended = pagers.map(() => false);
  const peek = (i: number) => {
    if (bufs[i].length === 0 && !ended[i]) {
      bufs[i] = pagers[i]();
      ended[i] = bufs[i].length === 0;
    }
    return bufs[i][0];
  };
  for (;;) {
    let best = -1;
    for (let i = 0; i < pagers.length; i++) {
      const e = peek(i);
      if (e && (best < 0 || compareHlc(e.e.entry.hlc, peek(best)!.e.entry.hlc) > 0)) best = i;
    }
    if (best < 0) return;
    yield bufs[best].shift()!;
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
