/**
 * @module home_signed
 * What a {@link Home} signs of its whole state for peers (home_handle.ts
 * hands these out; loaded only when a checkpoint is made): a checkpoint
 * signed by this device — for a peer whose heads are known, its heads equal
 * to theirs go without their signed entries (home_checkpoint.ts,
 * `frontierOf`) — or the same state in parts (src/log/checkpoint_parts.ts)
 * when it is larger than one checkpoint may be.
 */

import type { DeviceKeys } from "../log/identity.ts";
import { Signer } from "../log/identity.ts";
import type { PartedCheckpoint } from "../log/checkpoint_parts.ts";
import { lazyImport } from "../lazy_import.ts";
import type { Db } from "./db.ts";
import { checkpointOut, frontierOf, type KnownHeads } from "./home_checkpoint.ts";
import type { SqlLog } from "./sql_log.ts";
import type { SqlState } from "./sql_state.ts";

/** What signing the state needs of the home. */
export interface SignedSource {
  readonly db: Db;
  readonly state: SqlState;
  readonly log: SqlLog;
  /** The mesh and the time the checkpoint says it was made. */
  meta(): { mesh: string; made: number };
  keys(): Promise<DeviceKeys>;
}

/** See {@link Home.checkpoint}. */
export async function signedCheckpoint(h: SignedSource, known?: KnownHeads): Promise<Uint8Array> {
  return await checkpointOut(h.db, h.state, h.log, h.meta(), new Signer(await h.keys()), known);
}

/** See {@link Home.partedCheckpoint}. */
export async function signedParts(
  h: SignedSource,
  partBytes?: number,
  between?: () => Promise<void>,
): Promise<PartedCheckpoint> {
  // Loaded only for a state in parts: a whole checkpoint never needs it.
  const { makePartedCheckpoint } = await lazyImport<typeof import("../log/checkpoint_parts.ts")>(
    new URL("../log/checkpoint_parts.ts", import.meta.url),
  );
  return await makePartedCheckpoint(
    h.state,
    await frontierOf(h.db, h.log),
    h.meta(),
    new Signer(await h.keys()),
    partBytes,
    between,
  );
}
