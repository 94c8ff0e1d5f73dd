/**
 * @module status_json
 * The document `mycel status` shows (commands/status.ts), as text or as
 * `--json`: this device, its mesh, each peer's last sync and WireGuard
 * handshake, forks, and clock skew with a verdict on this device's own
 * clock. Apart from the command because the text and the JSON are both
 * drawn from it, and tests read it directly.
 */

import { toHex } from "../bytes.ts";
import { isReservedConfigKey } from "../log/reserved_config.ts";
import { deviceIpv6 } from "../mesh/addresses.ts";
import { wireguardOnly } from "../mesh/plan.ts";
import type { Home } from "../storage/home_handle.ts";
import { skewBeyondDrift } from "../crdt/hlc.ts";
import { isoTime, type PeerJson, type StatusJson } from "./json_types.ts";
import { wireguardView } from "./status_wireguard.ts";
import { lazyImport } from "../lazy_import.ts";
import { removedTried, triedJson } from "./removed_tries_view.ts";

/** Build the status document (shared by text and JSON output); `signal`: Ctrl-C. */
export async function statusJson(
  home: Home,
  now: number = Date.now(),
  signal?: AbortSignal,
): Promise<StatusJson> {
  const view = home.view;
  const ipv6Of = (key: Uint8Array) => deviceIpv6(home.meshId, key);
  const { dump: wg, gone, unanswered } = await wireguardView(home, signal);
  const self = view.member(home.device)?.record;
  const peers: PeerJson[] = [];
  const ownHeads = home.log.heads();
  const books = home.local.peers();
  const skews: { device: string; skew_ms: number; at: string }[] = [];
  for (const m of view.members()) {
    const d = m.record;
    if (d.key === home.device || m.removed !== undefined) continue;
    const book = books.get(d.key);
    let behind = 0;
    if (book?.lastSync) {
      // Right after pairing, the new device has the state the pairing gave
      // it (local_state.ts pairingHeads): before, it read BEHIND by every
      // entry in the mesh until its first sync.
      const given = book.path === "pairing" ? book.pairingHeads ?? {} : {};
      for (const [author, h] of ownHeads) {
        const has = Math.max(book.heads[author.hex] ?? 0, given[author.hex] ?? 0);
        behind += Math.max(0, h.seq - has);
      }
    }
    const w = wg?.peers.find((p) => p.publicKey === d.wgKey);
    // A phone with the WireGuard app (mesh export-wg) never syncs and writes
    // nothing: its record reaching us through a member is no relay.
    const wgOnly = wireguardOnly(m);
    const relay = wgOnly ? undefined : book?.relay;
    // Relayed: its newest entries came through another device since the last
    // direct sync, and that one is not still the last word (never synced, or
    // a dial since failed). Before, a peer synced directly a moment ago read
    // "relayed via X" as soon as X passed on an entry of it (X's round pushing
    // to this device's server, or X's session recorded after its own in a round).
    const lastSync = book?.lastSync ?? 0;
    const relayed = relay !== undefined && relay.at > lastSync &&
      (lastSync === 0 || (book?.lastErrorAt ?? 0) > lastSync);
    const via = relayed
      ? view.members().find((x) => x.record.key.hex === relay.via)?.record
      : undefined;
    const skew = book?.skewAt ? skewBeyondDrift(book.skewMs) : undefined;
    if (skew !== undefined) skews.push({ device: d.id, skew_ms: skew, at: isoTime(book!.skewAt)! });
    peers.push({
      id: d.id,
      name: d.name,
      endpoints: d.endpoints,
      last_seen: isoTime(book?.lastSeen),
      last_sync: isoTime(book?.lastSync),
      last_error: book?.lastError || null,
      sent: book?.sent ?? 0,
      received: book?.received ?? 0,
      behind,
      route: book?.path || null,
      path: relayed ? "relayed" : book?.lastSync ? "direct" : null,
      relayed_via: via ? { id: via.id, name: via.name } : null,
      addresses: { ipv4: d.ipv4, ipv6: ipv6Of(d.key.bytes) },
      wireguard: w === undefined ? null : {
        endpoint: w.endpoint,
        latest_handshake: w.latestHandshake
          ? new Date(w.latestHandshake * 1000).toISOString()
          : null,
        handshake_age_s: w.latestHandshake
          ? Math.max(0, Math.round(now / 1000 - w.latestHandshake))
          : null,
        rx_bytes: w.rxBytes,
        tx_bytes: w.txBytes,
      },
      clock_skew_ms: skew ?? null,
      wireguard_only: wgOnly,
    });
  }
  const heads: StatusJson["log"]["heads"] = {};
  for (const [author, h] of [...ownHeads].sort(([a], [b]) => a.compare(b))) {
    heads[author.id] = { seq: h.seq, hash: toHex(h.hash) };
  }
  const members = view.members();
  const counted = peers.filter((p) => p.clock_skew_ms !== null || p.last_sync !== null).length;
  return {
    device: {
      id: home.device.id,
      name: self?.name ?? "",
      ipv4: self?.ipv4 ?? "",
      ipv6: ipv6Of(home.device.bytes),
      endpoints: self?.endpoints ?? [],
    },
    mesh: {
      id: home.meshId,
      devices: members.filter((m) => m.removed === undefined).length,
      revoked: members.filter((m) => m.removed !== undefined).length,
      interface: gone === undefined ? home.local.get("mesh")?.interface ?? null : null,
      gone: gone ?? null,
      unanswered: unanswered ?? null,
    },
    home: home.paths.root,
    counts: {
      config: view.configs().filter(([k]) => !isReservedConfigKey(k)).length,
      preferences: view.prefs().length,
      apps: view.apps().length,
      patterns: view.patterns().length,
    },
    log: { entries: home.log.count(), heads },
    state_digest: home.digest(),
    peers,
    forks: home.log.forks().map((f) => ({
      author: f.author.id,
      seq: f.seq,
      kept: toHex(f.kept),
      other: toHex(f.other),
      at: isoTime(f.at)!,
    })),
    clock_skew: skews,
    clock: ownClockVerdict(skews, counted),
    stamps_ahead_ms: home.stampsAhead(now) ?? null,
    stopped_folders: await stoppedFolders(home),
    removed_tries: removedTried(home).map((t) => ({ device: t.id, name: t.name, ...triedJson(t) })),
  };
}

/**
 * The folders synced here that are stopped now, looked at as `folder
 * status` and `doctor` look (the marker now, else what the last round
 * found), with the hint `sync now` gives: before, `status` said nothing of
 * an unmounted disk. Loaded only when some folder is synced here (node:path).
 */
async function stoppedFolders(home: Home): Promise<StatusJson["stopped_folders"]> {
  const folders = home.folderLocal.folders();
  if (folders.length === 0) return [];
  const { markerStop } = await lazyImport<typeof import("../files/folder_marker.ts")>(
    new URL("../files/folder_marker.ts", import.meta.url),
  );
  const { stoppedHints } = await lazyImport<typeof import("./folder_stopped.ts")>(
    new URL("./folder_stopped.ts", import.meta.url),
  );
  const out: StatusJson["stopped_folders"] = [];
  for (const f of folders) {
    const why = markerStop(f.root) || f.info.stopped;
    if (!why) continue;
    const stopped = why.replace(/^folder stopped: /, "");
    const hints = stoppedHints(f.folder, why, f.root);
    out.push({ id: f.folder, path: f.root, stopped, hint: hints.join(" ") || null });
  }
  return out;
}

/**
 * When most peers' clocks are off the same way, ours is the odd one: say so
 * (a device that is behind must hear it too, not only the ones ahead).
 */
function ownClockVerdict(
  measured: { skew_ms: number; at: string }[],
  peers: number,
): StatusJson["clock"] {
  const skews = measured.map((k) => k.skew_ms);
  if (peers === 0 || skews.length * 2 <= peers) return null;
  // Measured in sessions only: a clock fixed since reads off until the next
  // sync, so the verdict says when it was last measured.
  const measured_at = measured.map((k) => k.at).sort().at(-1)!;
  const ahead = skews.filter((s) => s > 0).length;
  if (ahead * 2 > peers) {
    return { verdict: "behind", by_ms: Math.min(...skews.filter((s) => s > 0)), measured_at };
  }
  const behind = skews.filter((s) => s < 0).length;
  if (behind * 2 > peers) {
    const by_ms = Math.min(...skews.filter((s) => s < 0).map((s) => -s));
    return { verdict: "ahead", by_ms, measured_at };
  }
  return null;
}
