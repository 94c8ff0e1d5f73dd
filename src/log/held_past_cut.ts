/**
 * @module held_past_cut
 * Removed devices whose changes past their cut a replica's state holds. Only
 * a checkpoint base can hold them (entries past a cut are set aside, never
 * folded): one taken before the removal was known here (docs/trust.md,
 * limits). Every other device refuses such a state; a device paired through
 * this one would take it; a clean member's checkpoint replaces the base
 * (storage/checkpoint_rebase.ts, a re-base). Pure.
 */

import type { DeviceKey } from "./device_key.ts";
import type { StateView } from "./state.ts";

/** A removed device whose changes past its cut this device's state holds. */
export interface HeldPastCut {
  readonly key: DeviceKey;
  readonly name: string;
  /** The last of its entries the state holds (through a checkpoint base). */
  readonly held: number;
  /** The last of its entries the mesh accepts. */
  readonly cut: number;
}

/**
 * Removed devices whose changes made after their removal `state` holds (see
 * the module doc), from where each chain ends in the log (`head`): a removed
 * device's entries past the cut leave the log when it folds again, so a
 * chain that still ends past the cut does so because the base holds it —
 * whether the chain starts there (the base came first) or the base was
 * joined in later over entries the log held.
 */
export function heldPastCut(
  state: StateView,
  head: (key: DeviceKey) => { readonly seq: number } | undefined,
): HeldPastCut[] {
  const out: HeldPastCut[] = [];
  for (const m of state.members()) {
    const cut = m.removed?.cut;
    const held = cut === undefined ? undefined : head(m.record.key)?.seq;
    if (cut === undefined || held === undefined || held <= cut) continue;
    out.push({ key: m.record.key, name: m.record.name || m.record.key.short, held, cut });
  }
  return out;
}
