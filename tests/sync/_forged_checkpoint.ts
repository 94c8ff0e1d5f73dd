/**
 * @module forged_checkpoint
 * What a compromised member can send as a checkpoint: its genuine one with
 * the state changed, signed again with its own key. Shared by the tests of
 * what a checkpoint may claim (src/log/checkpoint_claims.ts).
 */

import { type Checkpoint, makeCheckpoint, readCheckpoint } from "../../src/log/checkpoint.ts";
import { Signer } from "../../src/log/identity.ts";
import type { MemoryState } from "../../src/log/state_memory.ts";
import { type MemDevice, MemMesh } from "./_mem_mesh.ts";

/** `by`'s genuine checkpoint with its state changed by `edit`, signed again by `by`. */
export async function forged(by: MemDevice, edit: (s: MemoryState) => void): Promise<Checkpoint> {
  const genuine = await readCheckpoint(await by.home.checkpoint());
  edit(genuine.state);
  return await readCheckpoint(
    await makeCheckpoint(
      genuine.state,
      genuine.frontier,
      { mesh: genuine.mesh, made: genuine.made },
      new Signer(by.keys),
    ),
  );
}

/** Three devices, peered, after three timer rounds (every one holds every entry). */
export async function threeSynced(): Promise<MemMesh> {
  const mesh = await MemMesh.create(3);
  await mesh.peerAll();
  for (let i = 0; i < 3; i++) await mesh.timerRound();
  return mesh;
}
