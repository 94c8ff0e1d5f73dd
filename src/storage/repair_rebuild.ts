/**
 * @module repair_rebuild
 * The fresh database `repair` (repair.ts) builds from what was salvaged
 * (repair_salvage.ts): who the device is, its clock, peers and settings,
 * the checkpoint base and where each chain starts after it, the folders;
 * then every entry, through the same checks as entries from a peer. What
 * follows a gap waits aside; when this device's own log lost entries, new
 * writes wait until a sync brought them back (`--accept-loss` lifts that).
 * Built beside the damaged database and renamed into place, the damaged one
 * kept aside (`mycel.db.damaged-<time>`). Apart because this is the only
 * part that writes, and where the order (build, then rename) keeps a crash
 * mid-repair harmless.
 */

import { HlcClock } from "../crdt/hlc.ts";
import { DeviceKey } from "../log/device_key.ts";
import { verifyEntrySignature } from "../log/entry.ts";
import { syncDir } from "./atomic.ts";
import { inTransaction, openWritable } from "./db.ts";
import { restoreFolders } from "./repair_folders.ts";
import { readBaseState } from "./repair_base.ts";
import { type Salvaged, tryAll } from "./repair_salvage.ts";
import type { HomePaths } from "./home.ts";
import { HomeWriter } from "./home_writer.ts";
import { offlineParts } from "./writer_parts.ts";
import type { PeerBook } from "./local_state.ts";
import { createSchema } from "./schema.ts";
import { FOLD_RULES, SqlLocal, WITNESS_META } from "./sql_local.ts";

/**
 * Build a new database at `paths` from `s` and put it in place of the
 * damaged one: what it kept, what waits aside, what was lost.
 */
export async function rebuild(
  paths: HomePaths,
  s: Salvaged,
  now: () => number,
  acceptLoss: boolean,
) {
  const temp = `${paths.db}.repairing`;
  for (const f of [temp, `${temp}-wal`, `${temp}-shm`]) await Deno.remove(f).catch(() => {});
  const device = DeviceKey.of(s.device);
  const db = await openWritable(temp);
  let kept = 0, waiting = 0, lost = s.unreadable, recoverOwnTo: number | undefined;
  try {
    await inTransaction(db, temp, async () => {
      createSchema(db);
      const local = new SqlLocal(db);
      local.setMeta("device", device.bytes);
      local.setMeta("mesh", s.mesh);
      local.setMeta("created", now());
      local.setMeta(WITNESS_META, FOLD_RULES); // folded anew, with this release's rules
      if (s.noise) {
        local.setMeta("noise_public", s.noise[0]);
        local.setMeta("noise_private", s.noise[1]);
      }
      for (const [k, v] of s.local) {
        db.prepare("INSERT OR REPLACE INTO local VALUES (?, ?)").run(k, v);
      }
      for (const [k, book] of s.peers) local.setPeer(DeviceKey.of(k), JSON.parse(book) as PeerBook);
      const clock = new HlcClock(device.hex, s.clock);
      const parts = offlineParts({ db, paths, device, local, clock, now }, "repair");
      const log = parts.log;
      // The base first: its state (members included) is what the entries
      // after it fold onto, and each chain it covers starts where it ends.
      const base = s.base && await readBaseState(s.base, () => s.baseParts ?? []);
      if (base !== undefined) {
        base.restore(db, parts.state);
        const starts = new Map(base.frontier.map((f) => [f.author.hex, f]));
        for (const r of s.starts) {
          const author = DeviceKey.of(r.author);
          if ((starts.get(author.hex)?.seq ?? 0) < r.seq) {
            starts.set(author.hex, { author, seq: r.seq, hash: r.hash });
          }
        }
        for (const f of starts.values()) log.setBase(f.author, f.seq, f.hash);
      }
      for (const row of s.folders) {
        const marks = row.map(() => "?").join(", ");
        tryAll(() => [
          db.prepare(`INSERT OR REPLACE INTO folder_local VALUES (${marks})`).run(
            ...row as (string | number | Uint8Array | null)[],
          ),
        ]);
      }
      await restoreFolders(db, s.folderTables);
      const w = new HomeWriter(parts);
      const ingest = w.ingest(new Set([device]), true);
      await ingest.pushDecoded(s.entries.sort((a, b) => a.entry.seq - b.entry.seq));
      // What follows a gap is kept aside until sync brings the gap back; an
      // entry whose own signature fails is damaged, not waiting: it is lost
      // here (a peer has it intact).
      const seen = new Set<string>();
      for (const e of s.entries) {
        const head = log.head(e.entry.author)?.seq ?? 0;
        const at = `${e.entry.author.hex}:${e.entry.seq}`;
        if (e.entry.seq <= head || seen.has(at)) continue;
        seen.add(at);
        if (!(await verifyEntrySignature(e))) continue; // counted by the ingest's refusals
        log.setAside(e, "waiting");
        waiting++;
      }
      const result = w.finishIngest(ingest);
      kept = result.accepted;
      lost += result.refused.filter((r) =>
        r.code === "bad_signature" || r.code === "malformed"
      ).length;
      // What our own log reached, as far as anything left says: a head row
      // counts even when the entries themselves are lost, so this device
      // never signs a second entry for a seq a peer may hold.
      const ownMax = Math.max(
        s.claimed.get(device.hex) ?? 0,
        ...s.entries.filter((e) => e.entry.author === device).map((e) => e.entry.seq),
      );
      const ownHead = log.head(device)?.seq ?? 0;
      if (!acceptLoss && ownMax > ownHead) {
        recoverOwnTo = ownMax;
        w.setLocal("recoverOwnTo", ownMax);
      } else if (acceptLoss) w.setLocal("recoverOwnTo", undefined);
      await w.finish();
    });
  } finally {
    db.close();
  }
  const setAside = `${paths.db}.damaged-${now()}`;
  await Deno.rename(paths.db, setAside).catch(() => {});
  for (const f of ["-wal", "-shm"]) {
    await Deno.rename(`${paths.db}${f}`, `${setAside}${f}`).catch(() => {});
  }
  await Deno.rename(temp, paths.db);
  await syncDir(paths.root);
  return { kept, waiting, lost, setAside, ...(recoverOwnTo !== undefined ? { recoverOwnTo } : {}) };
}
