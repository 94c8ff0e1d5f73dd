/**
 * @module status
 * `mycel status`: this device, its mesh, the state digest and every peer.
 */

import { toHex } from "../../bytes.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import { stateDigest } from "../../log/state_codec.ts";
import type { Store } from "../../storage/store.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { isoTime, type PeerJson, type StatusJson } from "../json_types.ts";
import { openRead } from "../session.ts";

/** Build the status document (shared by text and JSON output). */
export async function statusJson(store: Store, now: number = Date.now()): Promise<StatusJson> {
  const s = store.state;
  const { meshIpv6Web } = await import("../../mesh/address_web.ts");
  const { parseDeviceId } = await import("../../log/device_id.ts");
  const ipv6In = await meshIpv6Web(store.local.meshId);
  const ipv6Of = (id: string) => ipv6In(parseDeviceId(id).publicKey);
  const wg = await wireguardView(store);
  const self = s.device(store.deviceId);
  const peers: PeerJson[] = [];
  const ownHeads = store.heads;
  for (const d of s.allDevices()) {
    if (d.id === store.deviceId || !s.isMember(d.id)) continue;
    const book = store.local.peers[d.id];
    let behind = 0;
    if (book?.lastSync) {
      for (const [author, h] of ownHeads) behind += Math.max(0, h.seq - (book.heads[author] ?? 0));
    }
    const a = { ipv4: d.ipv4, ipv6: await ipv6Of(d.id) };
    const w = wg?.peers.find((p) => p.publicKey === d.wgKey);
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
      addresses: a,
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
      clock_skew_ms: store.local.skew[d.id]?.aheadMs ?? null,
    });
  }
  const heads: StatusJson["log"]["heads"] = {};
  let entries = 0;
  for (const [author, h] of [...ownHeads].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    heads[author] = { seq: h.seq, hash: toHex(h.hash) };
    entries += h.seq;
  }
  const members = s.members.state();
  return {
    device: {
      id: store.deviceId,
      name: self?.name ?? "",
      ipv4: self?.ipv4 ?? "",
      ipv6: self ? await ipv6Of(self.id) : "",
      endpoints: self?.endpoints ?? [],
    },
    mesh: {
      id: store.local.meshId,
      devices: s.members.members().length,
      revoked: members.removed.length,
      interface: store.local.mesh?.interface ?? null,
    },
    home: store.paths.root,
    counts: {
      config: s.config.size,
      preferences: s.prefs.size,
      apps: s.apps.size,
      patterns: s.patterns.size,
    },
    log: { entries, heads },
    state_digest: await stateDigest(s),
    peers,
    forks: store.local.forks.map((f) => ({ ...f, at: isoTime(f.at)! })),
    clock_skew: Object.entries(store.local.skew).map(([device, k]) => ({
      device,
      ahead_ms: k.aheadMs,
      at: isoTime(k.at)!,
    })),
  };
}

/** `wg show dump` of the managed interface, if there is one and it can be read. */
async function wireguardView(store: Store) {
  if (store.local.mesh === undefined) return undefined;
  const { readWgDump } = await import("../../mesh/interface.ts");
  const { systemRunner } = await import("../../mesh/system.ts");
  return await readWgDump(systemRunner, store.local.mesh.interface);
}

function ago(iso: string | null, now: number): string {
  if (iso === null) return "never";
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** `mycel status [--json]`. */
export const statusCommand: CommandSpec = {
  path: ["status"],
  summary: "show this device, its mesh, the state digest and its peers",
  args: [],
  flags: [JSON_FLAG],
  async run(ctx, input) {
    const store = await openRead(ctx);
    const st = await statusJson(store, ctx.now());
    // Where the private keys are kept (no secret read); null when the key file is unreadable.
    const { keysWhere } = await import("./keys.ts");
    const keys = await keysWhere(store.paths.root, ctx.env).catch((e: Error) => e);
    if (input.flags.json) {
      ctx.out.json({ ...st, keys: keys instanceof Error ? null : keys });
      return 0;
    }
    const c = st.counts;
    const out = ctx.out;
    out.line(`device  ${st.device.name} (${st.device.id})`);
    out.line(
      `mesh    ${st.mesh.id} · ${st.mesh.devices} device${st.mesh.devices === 1 ? "" : "s"}` +
        (st.mesh.revoked ? ` · ${st.mesh.revoked} revoked` : ""),
    );
    out.line(`home    ${st.home}`);
    out.line(`keys    ${keys instanceof Error ? `unreadable: ${keys.message}` : keys.description}`);
    out.line(
      `address ${st.device.ipv4} ${st.device.ipv6}` +
        (st.mesh.interface ? ` on ${st.mesh.interface}` : " (mesh down)"),
    );
    out.line(
      `state   ${c.preferences} preferences · ${c.config} config keys · ${c.apps} apps · ${c.patterns} patterns`,
    );
    out.line(`log     ${st.log.entries} entries from ${Object.keys(st.log.heads).length} devices`);
    out.line(`digest  ${st.state_digest}`);
    if (st.peers.length === 0) out.line("peers   none yet (add one with `mycel pair`)");
    for (const p of st.peers) {
      const err = p.last_error ? ` · last error: ${p.last_error}` : "";
      out.line(
        `peer    ${p.name} (${shortDeviceId(p.id)}) · synced ${ago(p.last_sync, ctx.now())}` +
          ` · ${p.behind} behind${err}`,
      );
    }
    for (const f of st.forks) {
      out.line(
        `fork    ${shortDeviceId(f.author)} seq ${f.seq}: kept ${f.kept.slice(0, 12)}, set aside ${
          f.other.slice(0, 12)
        }`,
      );
    }
    for (const k of st.clock_skew) {
      out.line(
        `skew    ${shortDeviceId(k.device)} clock is ${Math.round(k.ahead_ms / 1000)}s ahead`,
      );
    }
    return 0;
  },
};
