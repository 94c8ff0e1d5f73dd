/**
 * @module checkpoint_estimate
 * About how large a checkpoint of this home's state would be, from the
 * state tables' row counts and column sizes, without making it: so pairing
 * can send a state that is plainly past one checkpoint's bounds in parts
 * straight away (sync/pairing_attempt.ts). Making a checkpoint to find out
 * built up to 64 MiB of rows first, and the inviter's peak memory was most
 * of all that try (578 MiB for 84 MB of state).
 *
 * Each row is counted at what it takes at least in a checkpoint: its
 * strings and bytes, plus the fixed fields (author as a table index, seq,
 * HLC stamp) at their smallest CBOR form; a string value (every
 * preference) is its JSON text less the quotes, any other value half its
 * JSON text (`{"a":1}` is 7 characters of JSON, 4 bytes of CBOR). So the
 * bytes err low, and a state estimated past the bounds does not fit; a
 * state of structured values up to twice the bounds is still tried whole
 * first, as before. (A JSON escape is two or six characters for one byte:
 * a state of mostly backslashes or quotes may be estimated high, and go in
 * parts although one checkpoint would have held it; only a joiner of a
 * release before parts would notice.)
 */

import type { Db } from "./db.ts";

/** A checkpoint's estimated size: bytes, and CBOR items. */
export interface CheckpointEstimate {
  readonly bytes: number;
  readonly items: number;
}

/** Per state table: the least bytes and items each row takes in a checkpoint. */
const ROWS: readonly { table: string; bytes: string; items: number }[] = [
  // [space, key, author, seq, wall, counter, legacy, [value]]: the wall is a ms time (9 bytes).
  {
    table: "versions",
    bytes: "17 + length(CAST(key AS BLOB)) + CASE WHEN value IS NULL THEN 0" +
      " WHEN substr(value, 1, 1) = '\"' THEN length(CAST(value AS BLOB)) - 2" +
      " ELSE length(CAST(value AS BLOB)) / 2 END",
    items: 9,
  },
  { table: "parked", bytes: "5 + length(CAST(key AS BLOB))", items: 5 },
  // [space, key, wall, counter, node]: the node is an author index too.
  { table: "floors", bytes: "14 + length(CAST(key AS BLOB))", items: 6 },
  // [folder, author, seq, bytes]
  { table: "file_versions", bytes: "5 + length(folder) + length(bytes)", items: 5 },
];

/** The estimate of `db`'s state (a home's database, folder tables made or not). */
export function estimateCheckpoint(db: Db): CheckpointEstimate {
  let bytes = 0, items = 0;
  for (const r of ROWS) {
    const made = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
      .get(r.table);
    if (made === undefined) continue;
    const row = db.prepare(
      `SELECT count(*) AS n, coalesce(sum(${r.bytes}), 0) AS b FROM ${r.table}`,
    )
      .get() as { n: number; b: number };
    bytes += Number(row.b);
    items += Number(row.n) * r.items;
  }
  // Each head goes with its author's signed entry there (the proof, up to
  // 1 MiB): rows say nothing of it. Left out, a small state under large
  // head entries (a member's own, or its made-up devices') was estimated
  // at a few hundred bytes and made whole, tens of MiB in one piece.
  const proofs = db.prepare(
    "SELECT coalesce(sum(length(e.bytes)), 0) AS b FROM heads h" +
      " JOIN entries e ON e.author = h.author AND e.seq = h.seq",
  ).get() as { b: number };
  bytes += Number(proofs.b);
  // Every member row goes in each checkpoint (removed devices keep theirs),
  // and any member may admit made-up devices by the thousand, each with up
  // to 16 endpoints: left out, a small state under 3,000 such rows was
  // estimated at 129 kB for a checkpoint of 4.0 MB, made whole for a peer
  // that takes parts (the members in one piece, outside the cut gate:
  // sync/exchange_send.ts `fitting`) at each of its sessions. A row's JSON
  // names devices by 64-digit hex keys where the checkpoint has an index
  // (a row of no endpoints: about 310 characters, 155 bytes): what passes
  // 256 characters counts, and 32 bytes and five items a row at least.
  const members = db.prepare(
    "SELECT count(*) AS n, coalesce(sum(max(length(CAST(row AS BLOB)) - 256, 0)), 0) AS b" +
      " FROM members",
  ).get() as { n: number; b: number };
  bytes += Number(members.b) + 32 * Number(members.n);
  items += 5 * Number(members.n);
  return { bytes, items };
}
