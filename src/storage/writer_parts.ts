/**
 * @module writer_parts
 * What a home writer (home_writer.ts) is built from: the database, the
 * home's paths, this device, the state, logs and local records of one
 * transaction, the clock and the signer. A writer that never signs
 * (migration, repair) gets fresh state and log objects over the database
 * and a signer that refuses.
 */

import type { HlcClock } from "../crdt/hlc.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { NowSigner } from "../log/sign_now.ts";
import type { Db } from "./db.ts";
import type { HomePaths } from "./home.ts";
import type { SqlLocal } from "./sql_local.ts";
import { SqlLog } from "./sql_log.ts";
import { SqlState } from "./sql_state.ts";
import { SqlFolderLocal } from "./sql_folder_local.ts";

/** What a writer is built from (see home_handle.ts). */
export interface WriterParts {
  db: Db;
  paths: HomePaths;
  device: DeviceKey;
  state: SqlState;
  log: SqlLog;
  local: SqlLocal;
  folderLocal: SqlFolderLocal;
  clock: HlcClock;
  now: () => number;
  /**
   * This device's signer, made ready (its keys read) before the
   * transaction began; undefined when it was not: a commit then stops the
   * transaction (signing_unready.ts) rather than read keys inside it.
   */
  signer: () => NowSigner | undefined;
}

/**
 * Parts of a writer that never signs (migration, repair): a fresh state and
 * log over `db`; asking it for a signer fails with `why`.
 */
export function offlineParts(
  o: Pick<WriterParts, "db" | "paths" | "device" | "local" | "clock" | "now">,
  why: string,
): WriterParts {
  return {
    ...o,
    state: new SqlState(o.db),
    log: new SqlLog(o.db, o.now),
    folderLocal: new SqlFolderLocal(o.db),
    signer: () => {
      throw new Error(`no signing during ${why}`);
    },
  };
}
