/**
 * @module folder_peers
 * The sessions of one folder's file phase (folder_round.ts): the devices
 * that joined the folder, and one session with each, dialled when the
 * phase first needs a peer — handshake, an idle exchange, then the file
 * phase on the same channel (file_fetch.ts drives it) — kept open until
 * the folder is done, then ended with a `bye`. Apart so that the round
 * reads as the order of its steps.
 */

import type { DeviceKey } from "../log/device_key.ts";
import type { DeviceRecord } from "../log/device_record.ts";
import { syncsWithMycel } from "../mesh/plan.ts";
import { encodeChunkMessage } from "../protocol/chunk_messages.ts";
import type { Home } from "../storage/home_handle.ts";
import { deviceOfHex } from "../storage/sql_folders.ts";
import type { SecureChannel } from "../transport/secure_channel.ts";
import type { FetchPeer } from "./file_fetch.ts";
import type { SessionOutcome } from "./peer_session_types.ts";
import { directRoutes, type Route } from "./peer_routes.ts";
import { syncPeer } from "./round.ts";
import type { SessionTuning } from "./session_bounds.ts";

/** The devices (other than us) that joined `folder` and sync with mycel. */
export function folderPeers(home: Home, folder: string): DeviceRecord[] {
  const out: DeviceRecord[] = [];
  for (const [f, device, row] of home.view.folders().deviceRows()) {
    if (f !== folder || !row.joined) continue;
    const key = deviceOfHex(device);
    if (key === home.device) continue;
    const m = home.view.member(key);
    if (m === undefined || m.removed !== undefined || !syncsWithMycel(m.record)) continue;
    out.push(m.record);
  }
  return out;
}

/** How the file phase's sessions are dialled and run (folder_round.ts gives its own options). */
export interface PeerOptions {
  now: () => number;
  env: (name: string) => string | undefined;
  /** Read deadline (ms). */
  timeoutMs: number;
  routes?: (peer: DeviceRecord, home: Home) => Promise<Route[]> | Route[];
  tuning?: SessionTuning;
  /**
   * Ctrl-C or SIGTERM: the reads under way end at once (the channels are
   * closed: a peer's answers still owed are not waited for), and sessions
   * not up yet are neither used nor waited for.
   */
  signal?: AbortSignal;
}

/** One file-phase session per peer, dialled on first use; `close()` ends them all. */
export function openPeers(home: Home, records: DeviceRecord[], o: PeerOptions) {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const ready: FetchPeer[] = [];
  const sessions: Promise<SessionOutcome>[] = [];
  let registered: Promise<void>[] | undefined;
  const routesOf = async (record: DeviceRecord) =>
    o.routes
      ? await o.routes(record, home)
      : directRoutes(record, home.local.peer(record.key), home.now());
  let abort!: () => void;
  const aborted = new Promise<void>((r) => abort = r);
  const stop = () => {
    abort();
    for (const p of ready) p.channel.close();
  };
  o.signal?.addEventListener("abort", stop, { once: true });
  const dial = (keys: { noisePublic: Uint8Array; noisePrivate: Uint8Array }) =>
    records.map(async (record) => {
      let mark!: () => void;
      const up = new Promise<void>((r) => mark = r);
      const session = (async () =>
        await syncPeer(home, keys, record, [...await routesOf(record)], {
          now: o.now,
          env: o.env,
          timeoutMs: o.timeoutMs,
          tuning: o.tuning,
          // What this side reads is what it asked for, checked chunk by chunk.
          maxBytes: Number.MAX_SAFE_INTEGER,
          afterExchange: async (channel: SecureChannel, key: DeviceKey) => {
            ready.push({ key, name: record.name, channel });
            mark();
            await released;
            await channel.send(encodeChunkMessage({ type: "bye" })).catch(() => {});
          },
        }, []))();
      sessions.push(session);
      await Promise.race([up, session.then(() => {})]);
    });
  return {
    peers: async () => {
      registered ??= dial(await home.noiseKeys());
      await Promise.race([Promise.all(registered), aborted]);
      return o.signal?.aborted ? [] : ready;
    },
    close: async () => {
      o.signal?.removeEventListener("abort", stop);
      release();
      // Interrupted: a session still dialling is not waited for (the process ends).
      const all = Promise.all(sessions);
      if (!o.signal?.aborted) return await all;
      all.catch(() => {});
      return [];
    },
  };
}
