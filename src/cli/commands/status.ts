/**
 * @module status
 * `mycel status`: this device, its mesh, the state digest and every peer.
 */

import { toHex } from "../../bytes.ts";
import { shortDeviceId } from "../../log/device_id.ts";
import type { Home } from "../../storage/home_handle.ts";
import { skewBeyondDrift } from "../../sync/bookkeeping.ts";
import { type CommandSpec, JSON_FLAG } from "../command.ts";
import { isoTime, type PeerJson, type StatusJson } from "../json_types.ts";
import { withRead } from "../session.ts";

/** A duration for people: 45s, 12m, 3h, 2d, 1.0y. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172800) return `${Math.round(s / 3600)}h`;
  if (s < 2 * 31_557_600) return `${Math.round(s / 86400)}d`;
  return `${(s / 31_557_600).toFixed(1)}y`;
}

/** Build the status document (shared by text and JSON output). */
export async function statusJson(home: Home, now: number = Date.now()): Promise<StatusJson> {
  const view = home.view;
  const { meshIpv6Web } = await import("../../mesh/address_web.ts");
  const ipv6Of = await meshIpv6Web(home.meshId);
  const wg = await wireguardView(home);
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
      for (const [author, h] of ownHeads) {
        behind += Math.max(0, h.seq - (book.heads[author.hex] ?? 0));
      }
    }
    const w = wg?.peers.find((p) => p.publicKey === d.wgKey);
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
      path: book?.path || null,
      addresses: { ipv4: d.ipv4, ipv6: await ipv6Of(d.key.bytes) },
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
      ipv6: await ipv6Of(home.device.bytes),
      endpoints: self?.endpoints ?? [],
    },
    mesh: {
      id: home.meshId,
      devices: members.filter((m) => m.removed === undefined).length,
      revoked: members.filter((m) => m.removed !== undefined).length,
      interface: home.local.get("mesh")?.interface ?? null,
    },
    home: home.paths.root,
    counts: {
      config: view.configs().length,
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
    clock: ownClockVerdict(skews.map((k) => k.skew_ms), counted),
  };
}

/**
 * When most peers' clocks are off the same way, ours is the odd one: say so
 * (a device that is behind must hear it too, not only the ones ahead).
 */
function ownClockVerdict(skews: number[], peers: number): StatusJson["clock"] {
  if (peers === 0 || skews.length * 2 <= peers) return null;
  const ahead = skews.filter((s) => s > 0).length;
  if (ahead * 2 > peers) {
    return { verdict: "behind", by_ms: Math.min(...skews.filter((s) => s > 0)) };
  }
  const behind = skews.filter((s) => s < 0).length;
  if (behind * 2 > peers) {
    return { verdict: "ahead", by_ms: Math.min(...skews.filter((s) => s < 0).map((s) => -s)) };
  }
  return null;
}

/** `wg show dump` of the managed interface, if there is one and it can be read. */
async function wireguardView(home: Home) {
  const mesh = home.local.get("mesh");
  if (mesh === undefined) return undefined;
  const { readWgDump } = await import("../../mesh/interface.ts");
  const { systemRunner } = await import("../../mesh/system.ts");
  return await readWgDump(systemRunner, mesh.interface);
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
    const st = await withRead(ctx, (home) => statusJson(home, ctx.now()));
    if (input.flags.json) {
      ctx.out.json(st);
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
    if (st.clock !== null) {
      out.line(
        `clock   this device's clock seems ${
          duration(st.clock.by_ms)
        } ${st.clock.verdict} of its peers` +
          " (fix it: other devices' changes are not held back, but ties are decided by time)",
      );
    } else {
      for (const k of st.clock_skew) {
        out.line(
          `skew    ${shortDeviceId(k.device)} clock is ${duration(Math.abs(k.skew_ms))} ${
            k.skew_ms > 0 ? "ahead of" : "behind"
          } this device's`,
        );
      }
    }
    return 0;
  },
};
