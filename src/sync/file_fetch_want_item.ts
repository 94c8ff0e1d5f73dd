/**
 * @module file_fetch_want_item
 * What one want of the file phase is (an id and the length it is wanted
 * with), and what is called when a chunk's bytes show that length to be
 * wrong. Apart from the bookkeeping (file_fetch_wants.ts) because the
 * fetcher and each peer's run (file_fetch.ts, file_fetch_peer.ts) handle
 * wants and report misstated lengths without the queue behind them.
 */

/** One want: an id, the length it is wanted with (0: a manifest blob), the peers asked. */
export interface Item {
  readonly hash: string;
  readonly length: number;
  /** The peers asked for it (shared with its twin). */
  readonly tried: Set<number>;
  /**
   * The same want asked of another peer too, because the peer it was asked
   * of first is slow ({@link twinOf}); each is the other's twin.
   */
  twin?: Item;
  /** Done with: answered, or given back and not queued again (an item queued or asked is not). */
  landed?: boolean;
  /** Its bytes came (through it or its twin): nothing more to hand on. */
  got?: boolean;
}

/** A second want of `item` for another peer (a slow peer's, file_fetch_peer.ts); both are linked. */
export function twinOf(item: Item): Item {
  const twin: Item = { hash: item.hash, length: item.length, tried: item.tried, twin: item };
  item.twin = twin;
  return twin;
}

/**
 * Called when a chunk's bytes hash to its id but are `actual` bytes long,
 * not the `claimed` length it was wanted with: the version that claimed it
 * is wrong, and nothing is handed on for that length.
 */
export type Misstated = (hash: string, claimed: number, actual: number) => void;
