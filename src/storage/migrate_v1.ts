/**
 * @module migrate_v1
 * Convert a home written before the database, once, on first open. The new
 * database is built beside the old files (`mycel.db.migrating`): every
 * intact entry of every segment goes through the same checks as entries from
 * a peer and is folded; the other branches of forks are kept aside; the
 * bookkeeping worth keeping (clock, peers, the managed interface, the last
 * round, a pending recovery) is carried over. Only when all of it is
 * committed and synced is it renamed to `mycel.db` — one atomic step — and
 * the old files moved into `legacy-v1/`. A kill at any moment leaves the old
 * home (the next open starts over) or the new one, never neither.
 */

import { HlcClock } from "../crdt/hlc.ts";
import { MycelError } from "../errors.ts";
import { parseDeviceId } from "../log/device_id.ts";
import { DeviceKey } from "../log/device_key.ts";
import { decodeSignedEntry, verifyEntrySignature } from "../log/entry.ts";
import { syncDir } from "./atomic.ts";
import { guard, inTransaction, openWritable } from "./db.ts";
import type { HomePaths } from "./home.ts";
import { HomeWriter } from "./home_writer.ts";
import { offlineParts } from "./writer_parts.ts";
import { intactRecords, readLegacyLocal, readSegments } from "./legacy_v1.ts";
import { newPeerBook, type PeerBook } from "./local_state.ts";
import { createSchema } from "./schema.ts";
import { FOLD_RULES, SqlLocal, WITNESS_META } from "./sql_local.ts";

async function removeIfThere(path: string): Promise<void> {
  await Deno.remove(path).catch((e) => {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  });
}

function hexHeads(heads: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (typeof heads !== "object" || heads === null) return out;
  for (const [id, seq] of Object.entries(heads)) {
    try {
      if (Number.isSafeInteger(seq)) out[DeviceKey.fromId(id).hex] = seq as number;
    } catch {
      // an unreadable id in old bookkeeping: drop it
    }
  }
  return out;
}

/** Migrate the pre-database home at `paths`; `warn` receives one summary line. */
export async function migrateLegacyHome(
  paths: HomePaths,
  now: () => number,
  warn: (line: string) => void,
): Promise<void> {
  const info = JSON.parse(
    await Deno.readTextFile(paths.legacy.info).catch((e) => {
      throw new MycelError("bad_home", "read home info", "it cannot be read", {
        value: paths.legacy.info,
        cause: e,
      });
    }),
  );
  if (info?.version !== 1 || typeof info.device !== "string" || typeof info.mesh !== "string") {
    throw new MycelError("bad_home", "read home info", "it is malformed", {
      value: paths.legacy.info,
    });
  }
  const device = DeviceKey.of(parseDeviceId(info.device).publicKey);
  const temp = `${paths.db}.migrating`;
  for (const f of [temp, `${temp}-wal`, `${temp}-shm`, `${temp}-journal`]) await removeIfThere(f);
  const legacy = await readLegacyLocal(paths.legacy.snapshot);
  let damaged = 0, refused = 0, accepted = 0;
  const db = await openWritable(temp);
  try {
    await inTransaction(db, temp, async () => {
      createSchema(db);
      const local = new SqlLocal(db);
      local.setMeta("device", device.bytes);
      local.setMeta("mesh", info.mesh);
      local.setMeta("created", now());
      local.setMeta(WITNESS_META, FOLD_RULES); // folded anew, with this release's rules
      local.setMeta("migrated_from", "segments-v1");
      const clock = new HlcClock(device.hex, legacy?.clock ?? { wall: 0, counter: 0 });
      const parts = offlineParts({ db, paths, device, local, clock, now }, "migration");
      const log = parts.log;
      const w = new HomeWriter(parts);
      const ingest = w.ingest(new Set([device]), true);
      for (const seg of await readSegments(paths.legacy.logDir)) {
        const { records, damaged: bad } = intactRecords(seg.bytes);
        if (bad) damaged++;
        await ingest.push(records);
      }
      const result = w.finishIngest(ingest);
      accepted = result.accepted;
      refused = result.refusedCount;
      // Own entries moved the clock past every stamp we issued.
      const own = log.head(device);
      if (own !== undefined) {
        for (const e of log.decoded(device, Math.max(0, own.seq - 1), 1)) {
          clock.observe(e.entry.hlc, e.entry.hlc.wall);
        }
      }
      for (const seg of await readSegments(paths.legacy.forkDir)) {
        for (const bytes of intactRecords(seg.bytes).records) {
          try {
            const e = decodeSignedEntry(bytes);
            if (await verifyEntrySignature(e)) log.setAside(e, "fork");
          } catch {
            // not evidence of anything
          }
        }
      }
      for (const [id, book] of Object.entries(legacy?.peers ?? {})) {
        try {
          const key = DeviceKey.of(parseDeviceId(id).publicKey);
          const b: PeerBook = { ...newPeerBook(), ...(book as Partial<PeerBook>) };
          b.heads = hexHeads((book as { heads?: unknown }).heads);
          w.peer(key, (p) => Object.assign(p, b));
        } catch {
          // bookkeeping about an unreadable id is not worth keeping
        }
      }
      if (legacy?.mesh) w.setLocal("mesh", legacy.mesh);
      if (legacy?.lastRound) w.setLocal("lastRound", legacy.lastRound);
      if (legacy?.admission) w.setLocal("admission", legacy.admission);
      if (legacy?.recoverOwnTo) w.setLocal("recoverOwnTo", legacy.recoverOwnTo);
      await w.finish();
    });
  } finally {
    guard(temp, "close migrated home", () => db.close());
  }
  const file = await Deno.open(temp, { read: true });
  try {
    await file.sync();
  } finally {
    file.close();
  }
  await Deno.rename(temp, paths.db);
  await syncDir(paths.root);
  await moveLegacyFiles(paths, now());
  warn(
    `note: converted ${paths.root} to the database format (${accepted} entries` +
      (refused > 0 ? `, ${refused} refused by today's rules` : "") +
      (damaged > 0 ? `, damage skipped in ${damaged} log file(s)` : "") +
      `); the old files are in ${paths.root}/legacy-v1`,
  );
}

/** Move the old format's files out of the way (kept, never deleted). */
export async function moveLegacyFiles(paths: HomePaths, at: number): Promise<void> {
  const dest = `${paths.root}/legacy-v1`;
  await Deno.mkdir(dest, { recursive: true, mode: 0o700 });
  const l = paths.legacy;
  for (const f of [l.info, l.snapshot, l.logDir, l.forkDir, l.lock]) {
    const name = f.slice(paths.root.length + 1);
    await Deno.rename(f, `${dest}/${name}`).catch(async (e) => {
      if (e instanceof Deno.errors.NotFound) return;
      if (e instanceof Deno.errors.AlreadyExists || /not empty|exists/i.test(String(e))) {
        await Deno.rename(f, `${dest}/${name}.${at}`);
        return;
      }
      throw e;
    });
  }
}
