/**
 * @module mesh_apply_record
 * What an apply of the mesh plan (mesh_apply.ts) writes once the interface
 * is done, in one short transaction: the own record's new fields (`mesh
 * up`), per peer the endpoint its live tunnel used (`PeerBook.wgEndpoints`,
 * which later applies try first), the hint attempts to keep (`hintTries`:
 * dropped for a live tunnel, or once old), and the interface in local
 * state.
 */

import type { DeviceKey } from "../../log/device_key.ts";
import type { DeviceRecord } from "../../log/device_record.ts";
import { HINT_FORGET_S } from "../../mesh/hint_attempts.ts";
import type { UpResult } from "../../mesh/interface.ts";
import { remember } from "../../mesh/roaming.ts";
import type { Home } from "../../storage/home_handle.ts";
import { type HintTries, nextHintTries, sameHintTries } from "../../storage/hint_tries.ts";

/** What one apply did and is to be recorded. */
export interface AppliedMesh {
  /** Interface name and UDP port. */
  ifname: string;
  port: number;
  /** What meshUp did. */
  up: UpResult;
  /** Own record fields to commit (empty: none). */
  fields: Partial<DeviceRecord>;
  /** Device id → key, for the peers meshUp reported on. */
  keyOf: Map<string, DeviceKey>;
  /** The hint attempts as read before the apply. */
  tries: HintTries;
  /** The wireguard-go PID recorded before, for the same interface. */
  recordedPid?: number;
}

/**
 * When to remember a live tunnel's endpoint at: its handshake's time, but
 * after every other endpoint's. WireGuard's endpoint now is where the
 * peer's newest packet came from; when the peer moved without a new
 * handshake (it roamed), the handshake's time is the old endpoint's too,
 * and the tie went to the old one, which we then told others (nat_hints.ts)
 * for up to 2 minutes: a moved laptop's other peers were sent to its old NAT.
 */
function newest(
  b: { wgEndpoints?: Record<string, number> },
  h: { endpoint: string; at: number },
): number {
  const others = Object.entries(b.wgEndpoints ?? {}).filter(([e]) => e !== h.endpoint);
  return Math.max(h.at, ...others.map(([, at]) => at + 1));
}

/** Record what an apply of `home`'s mesh did. */
export async function recordApply(home: Home, a: AppliedMesh): Promise<void> {
  await home.write(async (w) => {
    if (Object.keys(a.fields).length > 0) {
      await w.commit([{ type: "device.update", device: home.device, fields: a.fields }]);
    }
    for (const h of a.up.handshakes) {
      const key = a.keyOf.get(h.deviceId);
      if (key !== undefined) {
        w.peer(key, (b) => b.wgEndpoints = remember(b.wgEndpoints, h.endpoint, newest(b, h)));
      }
    }
    const triesNow = nextHintTries(
      a.tries,
      a.up.attempts.flatMap((t) => {
        const key = a.keyOf.get(t.deviceId);
        return key === undefined ? [] : [[key.hex, t.attempt] as const];
      }),
      home.now(),
      HINT_FORGET_S * 1000,
    );
    if (!sameHintTries(a.tries, triesNow)) w.setLocal("hintTries", triesNow);
    const pid = a.up.pid ?? a.recordedPid;
    w.setLocal("mesh", {
      interface: a.ifname,
      port: a.port,
      backend: a.up.backend,
      ...(pid ? { pid } : {}),
    });
  }, { signs: Object.keys(a.fields).length > 0 });
}
