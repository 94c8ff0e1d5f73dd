/**
 * @module member_checkpoints
 * Which checkpoints a session takes (exchange.ts `acceptCheckpoint`): signed
 * by the peer of the session, of our mesh, by a member — and not made before
 * its signer heard of a removal we know (it would fold the removed device's
 * entries past the cut, and a state merge could never take them out again).
 */

import type { Checkpoint } from "../log/checkpoint.ts";
import type { DeviceKey } from "../log/device_key.ts";
import type { Home } from "../storage/home_handle.ts";
import { checkpointClaimProblem } from "../log/checkpoint_claims.ts";
import { FOLD_RULES, WITNESS_META } from "../storage/sql_local.ts";

/**
 * The device a checkpoint may come from: the peer of this session (for our
 * mesh id or the one its hi names), a current member of our mesh — or, on
 * the responder's side, a device admitted for this session on a member's
 * signed admission entry we do not hold yet (`provisional`): its checkpoint
 * is how we learn the entries it holds only as state. Returns the refusal
 * reason, or undefined to take it.
 */
export function memberCheckpoints(
  home: Home,
  peer: DeviceKey,
  provisional = false,
): (cp: Checkpoint, peerMesh?: string) => string | undefined {
  return (cp, peerMesh) => {
    // The peer's own mesh id is fine too: devices that peered by cards may
    // hold two ids for one mesh until this session settles on the smaller.
    if (cp.mesh !== home.meshId && cp.mesh !== peerMesh) return "it belongs to another mesh";
    if (cp.signer !== peer) return "it is not signed by the peer that sent it";
    if (!provisional && !home.view.isMember(cp.signer)) {
      return "its signer is not a member of this mesh";
    }
    // Made before its signer heard of a removal we know. The signer learns
    // the removal from us; its next one is clean.
    for (const f of cp.frontier) {
      const cut = home.view.member(f.author)?.removed?.cut;
      if (cut !== undefined && f.seq > cut) {
        return `it holds changes of removed device ${f.author.short} made after its removal ` +
          `(#${f.seq}; its entries after #${cut} are not accepted)`;
      }
    }
    // What it claims about chains we hold must be what their entries say.
    return checkpointClaimProblem(cp, {
      seen: (a) => home.view.seen(a),
      member: (k) => home.view.member(k),
      witnessKnown: home.local.meta(WITNESS_META) !== undefined,
      rulesCurrent: home.local.meta(WITNESS_META) === FOLD_RULES,
      authors: () => home.log.heads().keys(),
      chain: (a) => {
        const h = home.log.head(a);
        return h === undefined ? undefined : { base: h.base, end: h.seq };
      },
    });
  };
}
